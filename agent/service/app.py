"""The agent as a local service: aiohttp, one websocket, a small HTTP API, the
dashboard.

A thin shell over `agent.core.Onbrand`: it checks who is asking (Host, Origin,
token; `security`), keeps to the limits, and schedules analyses so that only the
newest version of each draft is embedded (`websocket`). The model runs on worker
threads; the event loop never waits for it. The views are grouped by role:
`api` (HTTP), `dashboard`, `websocket`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import count

from aiohttp import web

from agent import kit
from agent.config import DEFAULT_PORT, privacy_mode
from agent.core import Onbrand
from agent.service import protocol as P
from agent.service.api import ApiViews
from agent.service.auth import Auth, Logins
from agent.service.dashboard import DashboardViews
from agent.service.limits import (
    HEADER_TIMEOUT_S,
    HeaderDeadlines,
    is_address_taken,
    quiet_repeats,
    raise_open_file_limit,
)
from agent.service.security import Guard, is_loopback
from agent.service.websocket import AUTH_TIMEOUT_S, Conn, Scheduler, SocketViews

log = logging.getLogger("onbrand.server")


KIT_CHECK_S = 30  # how often the schedule of brand kits is read


class AgentServer(Guard, ApiViews, DashboardViews, SocketViews):
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
        auth_timeout: float = AUTH_TIMEOUT_S,
        header_timeout: float = HEADER_TIMEOUT_S,
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
        self.auth_timeout = auth_timeout
        self.deadlines = HeaderDeadlines(header_timeout)
        self._background: set[asyncio.Future[None]] = set()
        self.executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="onbrand-model")
        self.conns: dict[int, Conn] = {}
        self._ids = count(1)
        self.scheduler: Scheduler | None = None
        self.logins = Logins(self.auth.folder)
        self.sessions: dict[str, float] = {}  # dashboard session id -> expiry (memory only)
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = False

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
        app.router.add_get("/api/reminders", self.api_reminders)
        app.router.add_get("/api/export/{name}", self.api_export)
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
            asyncio.create_task(self._kit_syncs()),
        ]

    async def _kit_syncs(self) -> None:
        """Brand kits on a schedule (`onbrand kit schedule`, docs/kit.md): synced in
        the background, one at a time; a failure is logged on one line and retried
        at the next turn. Local-only mode syncs only a kit whose remote is on disk."""
        loop = asyncio.get_running_loop()
        told: set[str] = set()
        while True:
            await asyncio.sleep(KIT_CHECK_S)
            try:
                due = await loop.run_in_executor(self.executor, kit.due, self.privacy)
            except Exception as exc:
                log.warning("kit schedule: %s", exc)
                continue
            for brand, why_not in due:
                if why_not:
                    if brand not in told:
                        log.warning("kit sync of %s skipped: %s", brand, why_not)
                        told.add(brand)
                    continue
                try:
                    r = await loop.run_in_executor(self.executor, kit.sync, self.core, brand)
                    log.info("kit sync of %s: +%d -%d", brand, r["added"], r["withdrawn"])
                except Exception as exc:  # a KitError says what to do; keep serving
                    log.warning("kit sync of %s failed: %s", brand, str(exc).splitlines()[0])

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

    async def start(self) -> web.AppRunner:
        raise_open_file_limit()
        quiet_repeats()
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        assert runner.server is not None
        self.deadlines.watch(runner.server)
        bound = 0
        for host in self.bind_hosts:
            try:
                await web.TCPSite(runner, host, self.port, reuse_address=True).start()
                bound += 1
            except OSError as exc:
                # A machine without IPv6 loopback still serves 127.0.0.1; but when
                # another program holds [::1]:PORT it would get what clients send
                # to "localhost", so the agent refuses to start instead.
                if host == "::1" and not is_address_taken(exc):
                    log.info("not listening on [::1]: %s", exc)
                    continue
                await runner.cleanup()
                if is_address_taken(exc):
                    raise OSError(
                        exc.errno,
                        f"another program already listens on {host} port {self.port}; "
                        "stop it or start onbrand with --port",
                    ) from None
                raise
        if not bound:
            raise OSError("could not listen on any address")
        return runner


async def serve_forever(server: AgentServer, on_ready: Callable[[], None] | None = None) -> None:
    runner = await server.start()
    if on_ready:
        on_ready()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
