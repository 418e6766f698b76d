"""The local dashboard: a one-time login link, a session cookie, the page and
its JSON (aggregates and goals from `agent.metrics`)."""

from __future__ import annotations

import asyncio
import html
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any

from aiohttp import web

from agent import exports, metrics
from agent.config import StorageError
from agent.core import Onbrand, OnbrandError
from agent.service import protocol as P
from agent.service.auth import Auth, Logins
from agent.service.security import SECURITY_HEADERS, bearer, page


def static_text(name: str) -> str:
    return resources.files("agent.service").joinpath("static", name).read_text(encoding="utf-8")


class DashboardViews:
    core: Onbrand
    auth: Auth
    logins: Logins
    executor: ThreadPoolExecutor
    sessions: dict[str, float]

    SESSION_COOKIE = "onbrand_session"

    SESSION_SECONDS = 12 * 3600

    def _session_ok(self, request: web.Request) -> bool:
        sid = request.cookies.get(self.SESSION_COOKIE)
        expiry = self.sessions.get(sid or "")
        return bool(expiry and expiry > time.time())

    def _authorized(self, request: web.Request) -> bool:
        return self._session_ok(request) or bool(self.auth.check(bearer(request)))

    async def login(self, request: web.Request) -> web.StreamResponse:
        try:
            redeemed = self.logins.redeem(request.query.get("code"))
        except StorageError as exc:  # the config dir is full or read-only
            return page(html.escape(str(exc)), 500)
        if not redeemed:
            return page(
                "This login link is used or expired. Run <code>onbrand dashboard</code> or use "
                "the extension's popup for a new one.",
                403,
            )
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = time.time() + self.SESSION_SECONDS
        resp = web.HTTPSeeOther("/")
        resp.set_cookie(
            self.SESSION_COOKIE,
            sid,
            httponly=True,
            samesite="Strict",
            max_age=self.SESSION_SECONDS,
            path="/",
        )
        raise resp

    async def dashboard_page(self, request: web.Request) -> web.StreamResponse:
        if not self._session_ok(request):
            return page(
                "Open the dashboard with <code>onbrand dashboard</code> or from the "
                "onbrand extension's popup.",
                401,
            )
        return web.Response(
            text=static_text("dashboard.html"), content_type="text/html", headers=SECURITY_HEADERS
        )

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        types = {".js": "text/javascript", ".css": "text/css"}
        ext = name[name.rfind(".") :] if "." in name else ""
        if ext not in types or "/" in name or name.startswith("."):
            raise web.HTTPNotFound()
        try:
            body = static_text(name)
        except FileNotFoundError:
            raise web.HTTPNotFound() from None
        return web.Response(text=body, content_type=types[ext], headers=SECURITY_HEADERS)

    def _unauthorized(self) -> web.Response:
        return web.json_response(
            P.error_frame("unauthorized", "log in with `onbrand dashboard`"), status=401
        )

    async def _dash(self, request: web.Request, fn: Callable[[str], Any]) -> web.Response:
        answer = await self._answer(request, fn)
        return answer if isinstance(answer, web.Response) else web.json_response(answer)

    async def _answer(self, request: web.Request, fn: Callable[[str], Any]) -> Any:
        """`fn(brand)` on a worker thread, or the error response that refuses it."""
        if not self._authorized(request):
            return self._unauthorized()
        try:
            brand = self.core.resolve_brand(request.query.get("brand"))
            return await asyncio.get_running_loop().run_in_executor(self.executor, fn, brand)
        except OnbrandError as exc:
            return web.json_response(
                P.error_frame(exc.code, str(exc)), status=P.HTTP_STATUS[exc.code]
            )
        except metrics.MetricsError as exc:
            return web.json_response(P.error_frame("bad_frame", str(exc)), status=400)
        except StorageError as exc:  # a full disk, a read-only folder, a damaged database
            return web.json_response(P.error_frame("internal", str(exc)), status=500)

    async def api_dashboard(self, request: web.Request) -> web.Response:
        span = request.query.get("range")

        def data(brand: str) -> dict[str, Any]:
            brands = [str(b["name"]) for b in self.core.store.brands()]
            board = metrics.dashboard(self.core.store, brand, span=metrics.check_range(span))
            return {**board, "brands": brands}

        return await self._dash(request, data)

    async def api_reminders(self, request: web.Request) -> web.Response:
        """Weekly goals behind their pace, for the extension's popup (a token)."""
        return await self._dash(request, lambda b: metrics.reminders(self.core.store, b))

    async def api_export(self, request: web.Request) -> web.Response:
        """`weekly.csv` or `posts.csv` of the dashboard's range, as a download."""
        what = request.match_info["name"]
        if what not in ("weekly.csv", "posts.csv"):
            raise web.HTTPNotFound()
        span = request.query.get("range")

        def table(brand: str) -> dict[str, Any]:
            store, key = self.core.store, metrics.check_range(span)
            if what == "weekly.csv":
                body = exports.weekly_csv(metrics.dashboard(store, brand, span=key))
            else:
                body = exports.posts_csv(metrics.posts_in_range(store, brand, span=key))
            return {"csv": body, "file": f"onbrand-{brand}-{key}-{what}"}

        data = await self._answer(request, table)
        if isinstance(data, web.Response):
            return data
        return web.Response(
            text=data["csv"],
            content_type="text/csv",
            charset="utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": f'attachment; filename="{data["file"]}"',
            },
        )

    async def api_goals(self, request: web.Request) -> web.Response:
        return await self._dash(request, lambda b: metrics.list_goals(self.core.store, b))

    async def api_set_goal(self, request: web.Request) -> web.Response:
        # Who asks comes first: a request without a login is refused unread.
        if not self._authorized(request):
            return self._unauthorized()
        # JSON only: a cross-site form cannot send it without a preflight that fails.
        if request.content_type != "application/json":
            return web.json_response(P.error_frame("bad_frame", "send JSON"), status=415)
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # RecursionError: brackets nested too deeply
            return web.json_response(P.error_frame("bad_json", "the body is not JSON"), status=400)
        if not isinstance(body, dict):
            return web.json_response(P.error_frame("bad_json", "send a JSON object"), status=400)
        return await self._dash(
            request,
            lambda b: metrics.set_goal(
                self.core.store, b, body.get("kind"), body.get("target"), body.get("platform")
            ),
        )

    async def api_delete_goal(self, request: web.Request) -> web.Response:
        try:
            goal_id = int(request.match_info["id"])
        except ValueError:
            raise web.HTTPNotFound() from None

        def delete(brand: str) -> dict[str, Any]:
            metrics.delete_goal(self.core.store, brand, goal_id)
            return {"deleted": goal_id}

        return await self._dash(request, delete)
