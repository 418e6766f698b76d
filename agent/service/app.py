"""The agent as a local service: aiohttp, one websocket, a small HTTP API.

A thin shell over `agent.core.Onbrand`: it checks who is asking (Host, Origin,
token), keeps to the limits, and schedules analyses so that only the newest
version of each draft is embedded. The model runs on worker threads; the event
loop never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aiohttp import WSMsgType, web

from agent import __version__, metrics
from agent.config import DEFAULT_PORT, privacy_mode
from agent.core import Onbrand, OnbrandError
from agent.service import protocol as P
from agent.service.auth import Auth, Logins, PairingError

log = logging.getLogger("onbrand.server")

BATCH_MAX = 16
HTTP_STATUS = {
    "bad_json": 400,
    "bad_frame": 400,
    "unknown_type": 400,
    "unsupported_protocol": 400,
    "not_authenticated": 401,
    "unauthorized": 401,
    "pairing_failed": 403,
    "pairing_expired": 403,
    "pairing_locked": 429,
    "frame_too_large": 413,
    "text_too_long": 413,
    "rate_limited": 429,
    "too_many_connections": 503,
    "unknown_brand": 404,
    "unknown_platform": 400,
    "internal": 500,
}


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(eq=False)
class Conn:
    id: int
    ws: web.WebSocketResponse
    origin: str | None
    authed: bool = False
    token_id: str | None = None
    bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(P.RATE_PER_SECOND, P.RATE_BURST)
    )
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        async with self.send_lock:
            # The peer may have gone; its pending work is dropped on close.
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(P.dumps(frame))


@dataclass
class Job:
    conn: Conn
    msg: P.Analyze


class Scheduler:
    """Latest wins: per (connection, draft id) only the newest waiting seq is
    kept; whatever is waiting when the worker is free goes in one batch."""

    def __init__(self, core: Onbrand, executor: ThreadPoolExecutor) -> None:
        self.core = core
        self.executor = executor
        self.pending: dict[tuple[int, str], Job] = {}
        self.last_seq: dict[tuple[int, str], int] = {}
        self.wake = asyncio.Event()
        self.analysed = 0  # for tests and /health-free introspection
        self.dropped = 0

    def submit(self, conn: Conn, msg: P.Analyze) -> None:
        key = (conn.id, msg.draft_id)
        waiting = self.pending.get(key)
        newest = max(self.last_seq.get(key, -1), waiting.msg.seq if waiting else -1)
        if msg.seq <= newest:
            self.dropped += 1
            return
        if waiting:
            self.dropped += 1
        self.pending[key] = Job(conn, msg)
        self.wake.set()

    def forget(self, conn: Conn) -> None:
        for key in [k for k in self.pending if k[0] == conn.id]:
            del self.pending[key]
        for key in [k for k in self.last_seq if k[0] == conn.id]:
            del self.last_seq[key]

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.pending:
                keys = list(self.pending)[:BATCH_MAX]
                jobs = [self.pending.pop(k) for k in keys]
                drafts, ready = [], []
                for key, job in zip(keys, jobs, strict=True):
                    m = job.msg
                    try:
                        drafts.append(self.core.make_draft(m.text, m.platform, m.brand, m.reply_to))
                        ready.append((key, job))
                    except OnbrandError as exc:
                        await job.conn.send(P.error_frame(exc.code, str(exc), _re(m)))
                if not drafts:
                    continue
                try:
                    results = await loop.run_in_executor(
                        self.executor, self.core.analyze_many, drafts
                    )
                except Exception:
                    log.exception("analysis failed")
                    for _key, job in ready:
                        await job.conn.send(
                            P.error_frame("internal", "analysis failed", _re(job.msg))
                        )
                    continue
                for (key, job), result in zip(ready, results, strict=True):
                    self.last_seq[key] = max(self.last_seq.get(key, -1), job.msg.seq)
                    self.analysed += 1
                    await job.conn.send(
                        {
                            "type": "analysis",
                            "draft_id": job.msg.draft_id,
                            "seq": job.msg.seq,
                            "result": result,
                        }
                    )


def _re(m: P.Analyze) -> dict[str, Any]:
    return {"type": "analyze", "draft_id": m.draft_id, "seq": m.seq}


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


class AgentServer:
    def __init__(
        self,
        core: Onbrand,
        auth: Auth | None = None,
        port: int = DEFAULT_PORT,
        privacy: str | None = None,
        bind_hosts: tuple[str, ...] = ("127.0.0.1", "::1"),
        allow_remote: bool = False,
        extra_origins: tuple[str, ...] = (),
        rate: tuple[float, float] = (P.RATE_PER_SECOND, P.RATE_BURST),
    ) -> None:
        self.core = core
        self.auth = auth or Auth()
        self.port = port
        self.privacy = privacy or privacy_mode()
        remote = [h for h in bind_hosts if not is_loopback(h)]
        if remote and not allow_remote:
            raise ValueError(f"refusing to listen on {', '.join(remote)}: pass --allow-remote")
        if remote and self.privacy == "local-only":
            raise ValueError("privacy mode local-only listens on loopback only; use --no-privacy")
        self.bind_hosts = bind_hosts
        self.allow_remote = allow_remote
        self.allowed_origins = {P.EXTENSION_ORIGIN, *extra_origins}
        self.rate = rate
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="onbrand-model")
        self.conns: dict[int, Conn] = {}
        self._ids = count(1)
        self.scheduler: Scheduler | None = None
        self.logins = Logins(self.auth.folder)
        self.sessions: dict[str, float] = {}  # dashboard session id -> expiry (memory only)
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = False

    # -- the app ----------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=P.MAX_FRAME_BYTES)
        app.router.add_get("/health", self.health)
        app.router.add_get("/ws", self.websocket)
        app.router.add_post("/api/pair", self.api_pair)
        app.router.add_post("/api/analyze", self.api_analyze)
        app.router.add_post("/api/approve", self.api_approve)
        app.router.add_post("/api/report", self.api_report)
        # the local dashboard (docs/dashboard.md)
        app.router.add_get("/", self.dashboard_page)
        app.router.add_get("/login", self.login)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/dashboard", self.api_dashboard)
        app.router.add_get("/api/goals", self.api_goals)
        app.router.add_post("/api/goals", self.api_set_goal)
        app.router.add_delete("/api/goals/{id}", self.api_delete_goal)
        app.on_startup.append(self._startup)
        app.on_shutdown.append(self._shutdown)
        return app

    async def _startup(self, app: web.Application) -> None:
        self.scheduler = Scheduler(self.core, self.executor)
        self._tasks = [
            asyncio.create_task(self.scheduler.run()),
            asyncio.create_task(self._warm_up()),
        ]

    async def _warm_up(self) -> None:
        """Load the model and the active brand before the first draft arrives."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.executor, self.core.warm_up)
        except Exception:
            log.exception("warm-up failed")
        self.ready = True
        try:  # scores of imported history, for the dashboard's trends
            await loop.run_in_executor(self.executor, self.core.score_missing)
        except Exception:
            log.exception("scoring approved posts failed")

    async def _shutdown(self, app: web.Application) -> None:
        for conn in list(self.conns.values()):
            await conn.ws.close(code=1001, message=b"agent shutting down")
        for task in self._tasks:
            task.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # -- who may ask ------------------------------------------------------
    def origin_allowed(self, origin: str | None) -> bool:
        """No Origin: a local tool (a token is still required). The pinned
        extension id; Firefox ids are random per profile, so any moz-extension
        origin passes here and must still present a valid token. The agent's own
        origin: the dashboard's requests to its JSON endpoints."""
        if origin is None:
            return True
        own = {f"http://{h}:{self.port}" for h in ("127.0.0.1", "localhost", "[::1]")}
        return (
            origin in self.allowed_origins or origin in own or origin.startswith("moz-extension://")
        )

    def host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        name, _, port = host.rpartition(":")
        if not name or port != str(self.port):
            return False
        if is_loopback(name):
            return True
        return self.allow_remote and name.strip("[]") in self.bind_hosts

    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not self.allow_remote and not is_loopback(request.remote):
            return _refuse("requests from other machines are refused")
        if not self.host_allowed(request.host):
            return _refuse("Host must be 127.0.0.1, [::1] or localhost with the agent's port")
        if not self.origin_allowed(request.headers.get("Origin")):
            return _refuse("web pages may not talk to the onbrand agent")
        return await handler(request)

    def _bearer(self, request: web.Request) -> str | None:
        value = request.headers.get("Authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else None

    # -- HTTP ---------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": True, "service": "onbrand", "protocol": P.PROTOCOL_VERSION, "ready": self.ready}
        )

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise P.ProtocolError("frame_too_large", "the body is over 512 KiB") from None
        obj_type = "pair" if request.path.endswith("pair") else request.path.rsplit("/", 1)[-1]
        try:
            obj = json.loads(raw or b"{}")
        except ValueError:
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
            if needs_token and not self.auth.check(self._bearer(request)):
                raise P.ProtocolError(
                    "unauthorized", "a valid token is required (Authorization: Bearer)"
                )
            obj = await self._json_body(request)
            msg = P.parse(json.dumps(obj))
            return web.json_response(await fn(msg))
        except P.ProtocolError as exc:
            return web.json_response(exc.frame(), status=HTTP_STATUS[exc.code])
        except OnbrandError as exc:
            return web.json_response(
                P.error_frame(exc.code, str(exc)), status=HTTP_STATUS[exc.code]
            )
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

    # -- the dashboard ------------------------------------------------------
    SESSION_COOKIE = "onbrand_session"
    SESSION_SECONDS = 12 * 3600

    def _session_ok(self, request: web.Request) -> bool:
        sid = request.cookies.get(self.SESSION_COOKIE)
        expiry = self.sessions.get(sid or "")
        return bool(expiry and expiry > time.time())

    def _authorized(self, request: web.Request) -> bool:
        return self._session_ok(request) or bool(self.auth.check(self._bearer(request)))

    async def login(self, request: web.Request) -> web.StreamResponse:
        if not self.logins.redeem(request.query.get("code")):
            return _page(
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
            return _page(
                "Open the dashboard with <code>onbrand dashboard</code> or from the "
                "onbrand extension's popup.",
                401,
            )
        return web.Response(
            text=_static("dashboard.html"), content_type="text/html", headers=_SECURITY_HEADERS
        )

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        types = {".js": "text/javascript", ".css": "text/css"}
        ext = name[name.rfind(".") :] if "." in name else ""
        if ext not in types or "/" in name or name.startswith("."):
            raise web.HTTPNotFound()
        try:
            body = _static(name)
        except FileNotFoundError:
            raise web.HTTPNotFound() from None
        return web.Response(text=body, content_type=types[ext], headers=_SECURITY_HEADERS)

    async def _dash(self, request: web.Request, fn: Callable[[str], Any]) -> web.Response:
        if not self._authorized(request):
            return web.json_response(
                P.error_frame("unauthorized", "log in with `onbrand dashboard`"), status=401
            )
        try:
            brand = self.core.resolve_brand(request.query.get("brand"))
            data = await asyncio.get_running_loop().run_in_executor(self.executor, fn, brand)
            return web.json_response(data)
        except OnbrandError as exc:
            return web.json_response(
                P.error_frame(exc.code, str(exc)), status=HTTP_STATUS[exc.code]
            )
        except metrics.MetricsError as exc:
            return web.json_response(P.error_frame("bad_frame", str(exc)), status=400)

    async def api_dashboard(self, request: web.Request) -> web.Response:
        def data(brand: str) -> dict[str, Any]:
            brands = [str(b["name"]) for b in self.core.store.brands()]
            return {**metrics.dashboard(self.core.store, brand), "brands": brands}

        return await self._dash(request, data)

    async def api_goals(self, request: web.Request) -> web.Response:
        return await self._dash(request, lambda b: metrics.list_goals(self.core.store, b))

    async def api_set_goal(self, request: web.Request) -> web.Response:
        # JSON only: a cross-site form cannot send it without a preflight that fails.
        if request.content_type != "application/json":
            return web.json_response(P.error_frame("bad_frame", "send JSON"), status=415)
        try:
            body = await request.json()
        except ValueError:
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

    # -- websocket --------------------------------------------------------
    async def websocket(self, request: web.Request) -> web.StreamResponse:
        # aiohttp's own cap is a backstop at twice ours, so an oversized frame is
        # still read and answered with a clear error before the close.
        # No permessage-deflate: on loopback it saves no time on the wire and costs
        # a compression per result on our side and a decompression on the browser's.
        ws = web.WebSocketResponse(
            max_msg_size=P.MAX_FRAME_BYTES * 2,
            heartbeat=P.KEEPALIVE_SECONDS * 2,
            compress=False,
        )
        await ws.prepare(request)
        conn = Conn(
            next(self._ids), ws, request.headers.get("Origin"), bucket=TokenBucket(*self.rate)
        )
        if len(self.conns) >= P.MAX_CONNECTIONS:
            await conn.send(
                P.error_frame("too_many_connections", f"at most {P.MAX_CONNECTIONS} connections")
            )
            await ws.close(code=P.CLOSE_TRY_AGAIN, message=b"too many connections")
            return ws
        self.conns[conn.id] = conn
        log.info("connection %d opened", conn.id)
        try:
            async for raw in ws:
                if raw.type == WSMsgType.ERROR:
                    break
                if raw.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                size = len(raw.data.encode() if isinstance(raw.data, str) else raw.data)
                if size > P.MAX_FRAME_BYTES:
                    await conn.send(
                        P.error_frame(
                            "frame_too_large", f"frames are limited to {P.MAX_FRAME_BYTES} bytes"
                        )
                    )
                    await ws.close(code=P.CLOSE_TOO_LARGE, message=b"frame too large")
                    break
                if not conn.bucket.take():
                    await conn.send(
                        P.error_frame(
                            "rate_limited", f"more than {P.RATE_PER_SECOND} messages a second"
                        )
                    )
                    continue
                await self.on_frame(conn, raw.data)
                if ws.closed:
                    break
        finally:
            self.conns.pop(conn.id, None)
            if self.scheduler:
                self.scheduler.forget(conn)
            log.info("connection %d closed", conn.id)
        if ws.exception() and not ws.closed:
            await ws.close(code=P.CLOSE_TOO_LARGE)
        return ws

    async def on_frame(self, conn: Conn, data: str | bytes) -> None:
        re: dict[str, Any] = {}
        try:
            msg = P.parse(data)
            re = P.answer_to(msg)
            if isinstance(msg, P.Hello):
                await self.on_hello(conn, msg)
            elif isinstance(msg, P.Pair):
                await conn.send(await self._do_pair(msg))
            elif isinstance(msg, P.Ping):
                await conn.send({"type": "pong", "id": msg.id})
            elif not conn.authed:
                raise P.ProtocolError(
                    "not_authenticated", "send hello with a valid token first", re
                )
            elif isinstance(msg, P.Analyze):
                log.debug("analyze: %d chars", len(msg.text))  # lengths only, never text
                assert self.scheduler is not None
                self.scheduler.submit(conn, msg)
            elif isinstance(msg, P.Approve):
                await conn.send(await self._do_approve(msg))
            elif isinstance(msg, P.Report):
                await conn.send(await self._do_report(msg))
            elif isinstance(msg, P.Login):
                await conn.send({"type": "login_link", "id": msg.id, "url": self.login_link()})
        except P.ProtocolError as exc:
            await conn.send(exc.frame())
            if exc.fatal:
                await conn.ws.close(code=P.CLOSE_POLICY, message=exc.code.encode())
        except OnbrandError as exc:
            await conn.send(P.error_frame(exc.code, str(exc), re))
        except Exception:
            log.exception("frame handling failed")
            await conn.send(P.error_frame("internal", "internal error", re))

    async def on_hello(self, conn: Conn, msg: P.Hello) -> None:
        if msg.protocol != P.PROTOCOL_VERSION:
            raise P.ProtocolError(
                "unsupported_protocol",
                f"this agent speaks protocol {P.PROTOCOL_VERSION}, not {msg.protocol}",
                {"type": "hello"},
            )
        token_id = self.auth.check(msg.token)
        if not token_id:
            conn.authed = False
            raise P.ProtocolError(
                "unauthorized", "unknown or revoked token; pair again", {"type": "hello"}
            )
        conn.authed, conn.token_id = True, token_id
        await conn.send(self.welcome())

    def welcome(self) -> dict[str, Any]:
        brands = self.core.store.brands()
        return {
            "type": "welcome",
            "protocol": P.PROTOCOL_VERSION,
            "agent": {"name": "onbrand", "version": __version__},
            "brands": [b["name"] for b in brands],
            "brand": self.core.active_brand(),
            "privacy": self.privacy,
            "voice_model": {
                str(b["name"]): self.core.store.voice_version(str(b["name"])) for b in brands
            },
            "keepalive_s": P.KEEPALIVE_SECONDS,
            "limits": {
                "max_frame_bytes": P.MAX_FRAME_BYTES,
                "max_text_chars": P.MAX_TEXT_CHARS,
                "rate_per_second": P.RATE_PER_SECOND,
            },
        }

    # -- running ----------------------------------------------------------
    async def start(self) -> web.AppRunner:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        bound = 0
        for host in self.bind_hosts:
            try:
                await web.TCPSite(runner, host, self.port, reuse_address=True).start()
                bound += 1
            except OSError as exc:
                if host == "::1":  # a machine without IPv6 loopback still serves 127.0.0.1
                    log.info("not listening on [::1]: %s", exc)
                    continue
                await runner.cleanup()
                raise
        if not bound:
            raise OSError("could not listen on any address")
        return runner


_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _static(name: str) -> str:
    from importlib import resources

    return resources.files("agent.service").joinpath("static", name).read_text(encoding="utf-8")


def _page(message: str, status: int) -> web.Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>onbrand</title>"
        "<link rel=stylesheet href=/static/dashboard.css>"
        f"<main class=notice><h1>onbrand</h1><p>{message}</p></main>"
    )
    return web.Response(
        text=body, status=status, content_type="text/html", headers=_SECURITY_HEADERS
    )


def _refuse(reason: str) -> web.Response:
    return web.json_response(P.error_frame("unauthorized", reason), status=403)


async def serve_forever(server: AgentServer, on_ready: Callable[[], None] | None = None) -> None:
    runner = await server.start()
    if on_ready:
        on_ready()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
