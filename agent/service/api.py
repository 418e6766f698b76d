"""The HTTP API (`/health`, `/api/pair`, `/api/analyze`, `/api/approve`,
`/api/report`) and the actions it shares with the websocket."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from agent import metrics
from agent.config import StorageError
from agent.core import Onbrand, OnbrandError
from agent.service import protocol as P
from agent.service.auth import Auth, Logins, PairingError
from agent.service.security import bearer

log = logging.getLogger("onbrand.server")

BODY_TIMEOUT_S = 10.0


class Actions:
    """What a client may ask over either transport, besides analysis."""

    core: Onbrand
    auth: Auth
    logins: Logins
    executor: ThreadPoolExecutor
    port: int

    async def _do_pair(self, msg: P.Message) -> dict[str, Any]:
        assert isinstance(msg, P.Pair)
        try:
            token = self.auth.redeem(msg.code, msg.client.get("name", "client"))
        except PairingError as exc:
            raise P.ProtocolError(exc.code, exc.message, {"type": "pair"}) from None
        log.info("paired a new client (%s)", msg.client.get("name", "client"))
        return {"type": "paired", "token": token}

    async def _do_approve(self, msg: P.Message) -> dict[str, Any]:
        assert isinstance(msg, P.Approve)
        loop = asyncio.get_running_loop()
        r = await loop.run_in_executor(
            self.executor,
            lambda: self.core.approve(msg.text, msg.platform, msg.url, msg.brand, source="approve"),
        )
        return {"type": "approved", "id": msg.id, **r}

    async def _do_report(self, msg: P.Message) -> dict[str, Any]:
        assert isinstance(msg, P.Report)
        f = msg.fields
        # Activity is per site and day, not per brand; only sessions name a brand.
        brand = self.core.resolve_brand(f.get("brand")) if msg.kind == "session" else ""

        def record() -> None:
            if msg.kind == "session":
                metrics.record_session(
                    self.core.store,
                    brand,
                    f.get("site"),
                    f.get("started_at"),
                    f.get("ended_at"),
                    f.get("analyses"),
                    f.get("final_verdict"),
                    f.get("platform"),
                    f.get("approved", False),
                )
            else:
                metrics.record_activity(
                    self.core.store, f.get("site"), f.get("seconds"), f.get("day")
                )

        try:
            await asyncio.get_running_loop().run_in_executor(self.executor, record)
        except metrics.MetricsError as exc:
            raise P.ProtocolError("bad_frame", str(exc), {"type": "report", "id": msg.id}) from None
        return {"type": "reported", "id": msg.id}

    def login_link(self) -> str:
        return f"http://127.0.0.1:{self.port}/login?code={self.logins.new()}"


class ApiViews(Actions):
    ready: bool

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": True, "service": "onbrand", "protocol": P.PROTOCOL_VERSION, "ready": self.ready}
        )

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        try:
            async with asyncio.timeout(BODY_TIMEOUT_S):  # a body sent a byte at a time
                raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise P.ProtocolError("frame_too_large", "the body is over 512 KiB") from None
        except TimeoutError:
            raise P.ProtocolError(
                "bad_frame", f"the body did not arrive within {BODY_TIMEOUT_S:g} s"
            ) from None
        obj_type = "pair" if request.path.endswith("pair") else request.path.rsplit("/", 1)[-1]
        try:
            obj = json.loads(raw or b"{}")
        except (ValueError, RecursionError):
            raise P.ProtocolError("bad_json", "the body is not JSON") from None
        if not isinstance(obj, dict):
            raise P.ProtocolError("bad_json", "the body must be a JSON object")
        obj["type"] = obj_type
        obj.setdefault("draft_id", "http")
        obj.setdefault("seq", 0)
        return obj

    async def _api(
        self,
        request: web.Request,
        needs_token: bool,
        fn: Callable[[P.Message], Awaitable[dict[str, Any]]],
    ) -> web.Response:
        try:
            if needs_token and not self.auth.check(bearer(request)):
                raise P.ProtocolError(
                    "unauthorized", "a valid token is required (Authorization: Bearer)"
                )
            obj = await self._json_body(request)
            msg = P.parse(json.dumps(obj))
            return web.json_response(await fn(msg))
        except P.ProtocolError as exc:
            return web.json_response(exc.frame(), status=P.HTTP_STATUS[exc.code])
        except OnbrandError as exc:
            return web.json_response(
                P.error_frame(exc.code, str(exc)), status=P.HTTP_STATUS[exc.code]
            )
        except StorageError as exc:  # a full disk, say: the user can act on it
            return web.json_response(P.error_frame("internal", str(exc)), status=500)
        except Exception:
            log.exception("api failure")
            return web.json_response(P.error_frame("internal", "internal error"), status=500)

    async def api_pair(self, request: web.Request) -> web.Response:
        return await self._api(request, False, self._do_pair)

    async def api_analyze(self, request: web.Request) -> web.Response:
        async def run(msg: P.Message) -> dict[str, Any]:
            assert isinstance(msg, P.Analyze)
            draft = self.core.make_draft(msg.text, msg.platform, msg.brand, msg.reply_to)
            loop = asyncio.get_running_loop()
            res = await loop.run_in_executor(self.executor, self.core.analyze_many, [draft])
            return {"result": res[0]}

        return await self._api(request, True, run)

    async def api_approve(self, request: web.Request) -> web.Response:
        return await self._api(request, True, self._do_approve)

    async def api_report(self, request: web.Request) -> web.Response:
        return await self._api(request, True, self._do_report)
