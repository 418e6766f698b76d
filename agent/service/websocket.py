"""The websocket: one per browser (its service worker), authenticated by a
token, rate-limited, and answered by a latest-wins scheduler that batches
waiting drafts into one encoder call on a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aiohttp import WSMsgType, web

from agent import __version__, metrics
from agent.analyzers import Draft
from agent.config import StorageError
from agent.core import Onbrand, OnbrandError
from agent.service import protocol as P
from agent.service.api import Actions
from embeddings.index import release_freed_memory

log = logging.getLogger("onbrand.server")

BATCH_MAX = 16
# A socket must say hello with a valid token this soon after it opens; at most
# this many unauthenticated sockets are kept (the oldest goes first), so sockets
# that never authenticate cannot take the paired extension's place.
AUTH_TIMEOUT_S = 5.0
MAX_UNAUTHENTICATED = 64
# Drafts one connection may have waiting (distinct draft ids); over it, its
# oldest waiting draft is answered with `rate_limited` instead of analysed.
MAX_WAITING = 8
# Drafts longer than this wait in their own lane, on their own worker.
LONG_DRAFT_CHARS = 4000
# Characters of drafts one connection may have analysed a second (a burst of one
# longest post allowed): typing never comes near it, but a client flooding
# 63k-character drafts gets one through every few seconds, not the whole CPU.
CHARS_PER_SECOND = 10_000
# At most one `rate_limited` answer a second per connection: a flood must not
# be answered frame for frame.
LIMITED_REPLY_EVERY_S = 1.0


class Socket(web.WebSocketResponse):
    """A websocket that answers a frame over aiohttp's own cap with the
    protocol's `frame_too_large` before closing, like the frames under it."""

    _told_too_large = False

    async def close(self, *, code: int = 1000, message: bytes = b"", drain: bool = True) -> bool:
        if code == P.CLOSE_TOO_LARGE and not self._told_too_large and not self.closed:
            self._told_too_large = True
            frame = P.error_frame(
                "frame_too_large", f"frames are limited to {P.MAX_FRAME_BYTES} bytes"
            )
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.send_str(P.dumps(frame))
        return await super().close(code=code, message=message, drain=drain)


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def take(self, n: float = 1.0) -> bool:
        self._refill()
        if self.tokens >= n:
            self.tokens -= n
            return True
        return False

    def wait_s(self, n: float) -> float:
        """Seconds until `n` tokens are there."""
        self._refill()
        return max(0.0, (min(n, self.burst) - self.tokens) / self.rate)


@dataclass(eq=False)
class Conn:
    id: int
    ws: web.WebSocketResponse
    origin: str | None
    authed: bool = False
    token_id: str | None = None
    limited_at: float = 0.0  # when this connection was last told `rate_limited`
    suppressed: int = 0  # rate-limited frames not answered since then
    bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(P.RATE_PER_SECOND, P.RATE_BURST)
    )
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    chars: TokenBucket = field(
        default_factory=lambda: TokenBucket(CHARS_PER_SECOND, P.MAX_TEXT_CHARS)
    )

    # The last frame's JSON encoding and websocket send, ms: an answer cannot
    # carry its own, so the next analysis carries it (`timings_ms.send_last`).
    last_send_ms: float = 0.0

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        async with self.send_lock:
            t = time.perf_counter()
            # The peer may have gone; its pending work is dropped on close.
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(P.dumps(frame))
            self.last_send_ms = round((time.perf_counter() - t) * 1000, 2)


@dataclass
class Job:
    conn: Conn
    msg: P.Analyze
    order: int = 0  # arrival order across lanes
    received: float = field(default_factory=time.perf_counter)


class Lane:
    """Drafts waiting for one worker, by (connection, draft id)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending: dict[tuple[int, str], Job] = {}
        self.wake = asyncio.Event()


class Scheduler:
    """Latest wins: per (connection, draft id) only the newest waiting seq is
    kept; whatever is waiting when a worker is free goes in one batch, taken
    round-robin across connections. Long drafts have their own lane, so a
    short draft never waits behind one."""

    def __init__(self, core: Onbrand, executor: ThreadPoolExecutor) -> None:
        self.core = core
        self.executor = executor
        self.short, self.long = Lane("short"), Lane("long")
        self.last_seq: dict[tuple[int, str], int] = {}
        self._order = count()
        self.analysed = 0  # for tests and /health-free introspection
        self.dropped = 0

    @property
    def lanes(self) -> tuple[Lane, Lane]:
        return (self.short, self.long)

    def submit(self, conn: Conn, msg: P.Analyze) -> Job | None:
        """Queue a draft. Returns the job it pushed out when the connection
        already had MAX_WAITING drafts waiting (the caller answers it)."""
        key = (conn.id, msg.draft_id)
        held = next((lane for lane in self.lanes if key in lane.pending), None)
        waiting = held.pending[key] if held else None
        newest = max(self.last_seq.get(key, -1), waiting.msg.seq if waiting else -1)
        if msg.seq <= newest:
            self.dropped += 1
            return None
        pushed: Job | None = None
        lane = self.long if len(msg.text) > LONG_DRAFT_CHARS else self.short
        if held:
            self.dropped += 1
            if held is not lane:
                del held.pending[key]
        else:
            mine = [(ln, k) for ln in self.lanes for k in ln.pending if k[0] == conn.id]
            if len(mine) >= MAX_WAITING:
                source, oldest = min(mine, key=lambda lk: lk[0].pending[lk[1]].order)
                pushed = source.pending.pop(oldest)
                self.dropped += 1
        # A newer seq takes the older one's place in its lane's queue.
        lane.pending[key] = Job(conn, msg, waiting.order if waiting else next(self._order))
        lane.wake.set()
        return pushed

    def forget(self, conn: Conn) -> None:
        for lane in self.lanes:
            for key in [k for k in lane.pending if k[0] == conn.id]:
                del lane.pending[key]
        for key in [k for k in self.last_seq if k[0] == conn.id]:
            del self.last_seq[key]

    @staticmethod
    def _next_batch(lane: Lane) -> tuple[list[tuple[tuple[int, str], Job]], float]:
        """Up to BATCH_MAX waiting drafts, taken round-robin across connections
        (each connection's oldest first), so a flooding client waits its turn;
        a connection over its character budget waits for it. Also returns how
        long until a draft left waiting for its budget could go (0: none)."""
        by_conn: dict[int, list[tuple[int, str]]] = {}
        for key in lane.pending:
            by_conn.setdefault(key[0], []).append(key)
        order = list(by_conn.values())
        batch: list[tuple[int, str]] = []
        blocked: set[int] = set()
        retry = 0.0
        depth = 0
        while len(batch) < BATCH_MAX and any(depth < len(keys) for keys in order):
            for keys in order:
                if depth >= len(keys) or len(batch) >= BATCH_MAX or keys[0][0] in blocked:
                    continue
                job = lane.pending[keys[depth]]
                cost = len(job.msg.text) + len(job.msg.reply_to or "")
                if job.conn.chars.take(cost):
                    batch.append(keys[depth])
                else:
                    blocked.add(keys[0][0])
                    wait = job.conn.chars.wait_s(cost)
                    retry = wait if not retry else min(retry, wait)
            depth += 1
        return [(key, lane.pending.pop(key)) for key in batch], retry

    async def _analyse(self, drafts: list[Draft]) -> list[dict[str, Any] | None]:
        """Results in order; None for a draft whose analysis failed. A batch that
        fails is analysed again one draft at a time, so one bad draft never fails
        another client's. Each result's `timings_ms` gets `started` and `ended`
        (perf_counter seconds on the worker thread, for `_stamp`)."""
        loop = asyncio.get_running_loop()

        def timed() -> list[dict[str, Any]]:
            started = time.perf_counter()
            results = self.core.analyze_many(drafts)
            ended = time.perf_counter()
            for r in results:
                r["timings_ms"].update(started=started, ended=ended)
            return results

        try:
            return list(await loop.run_in_executor(self.executor, timed))
        except Exception:
            if len(drafts) == 1:
                log.exception("analysis failed")
                return [None]
        out: list[dict[str, Any] | None] = []
        for d in drafts:
            out.extend(await self._analyse([d]))
        return out

    async def run(self) -> None:
        await asyncio.gather(*(self._run_lane(lane) for lane in self.lanes))

    async def _run_lane(self, lane: Lane) -> None:
        while True:
            await lane.wake.wait()
            lane.wake.clear()
            while lane.pending:
                batch, retry = self._next_batch(lane)
                if not batch:  # every waiting draft waits for its connection's budget
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lane.wake.wait(), max(retry, 0.01))
                    lane.wake.clear()
                    continue
                drafts, ready = [], []
                for key, job in batch:
                    m = job.msg
                    try:
                        drafts.append(self.core.make_draft(m.text, m.platform, m.brand, m.reply_to))
                        ready.append((key, job))
                    except OnbrandError as exc:
                        await job.conn.send(P.error_frame(exc.code, str(exc), _re(m)))
                if not drafts:
                    continue
                results = await self._analyse(drafts)
                if lane is self.long:
                    # A long draft's n-gram tables are large and short-lived; hand
                    # their pages back rather than keep the peak for good.
                    release_freed_memory()
                for (key, job), result in zip(ready, results, strict=True):
                    if result is None:
                        await job.conn.send(
                            P.error_frame("internal", "analysis failed", _re(job.msg))
                        )
                        continue
                    self.last_seq[key] = max(self.last_seq.get(key, -1), job.msg.seq)
                    self.analysed += 1
                    _stamp(result["timings_ms"], job)
                    await job.conn.send(
                        {
                            "type": "analysis",
                            "draft_id": job.msg.draft_id,
                            "seq": job.msg.seq,
                            "result": result,
                        }
                    )


def _stamp(timings: dict[str, Any], job: Job) -> None:
    """The service's part of a draft's time, beside the core's: `queue` from the
    frame's arrival to the analysis starting on the worker thread, `back` from
    its end to this answer's turn to be sent, and `send_last` (see Conn)."""
    started, ended = timings.pop("started", None), timings.pop("ended", None)
    if started is not None and ended is not None:
        timings["queue"] = round((started - job.received) * 1000, 2)
        timings["back"] = round((time.perf_counter() - ended) * 1000, 2)
    timings["send_last"] = job.conn.last_send_ms


def _re(m: P.Analyze) -> dict[str, Any]:
    return {"type": "analyze", "draft_id": m.draft_id, "seq": m.seq}


class SocketViews(Actions):
    auth_timeout: float
    _background: set[asyncio.Future[None]]
    conns: dict[int, Conn]
    _ids: count[int]
    rate: tuple[float, float]
    scheduler: Scheduler | None
    privacy: str

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        # aiohttp's own cap is a backstop at twice ours, so an oversized frame is
        # still read and answered with a clear error before the close.
        # No permessage-deflate: on loopback it saves no time on the wire and costs
        # a compression per result on our side and a decompression on the browser's.
        ws = Socket(
            max_msg_size=P.MAX_FRAME_BYTES * 2,
            heartbeat=P.KEEPALIVE_SECONDS * 2,
            compress=False,
        )
        await ws.prepare(request)
        conn = Conn(
            next(self._ids), ws, request.headers.get("Origin"), bucket=TokenBucket(*self.rate)
        )
        self.conns[conn.id] = conn
        log.info("connection %d opened", conn.id)
        await self._keep_unauthenticated_in_budget()
        deadline = asyncio.get_running_loop().call_later(
            self.auth_timeout, self._auth_deadline, conn
        )
        try:
            async for raw in ws:
                if raw.type == WSMsgType.ERROR:
                    break
                if raw.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                size = len(raw.data.encode() if isinstance(raw.data, str) else raw.data)
                if size > P.MAX_FRAME_BYTES:  # Socket.close answers it first
                    await ws.close(code=P.CLOSE_TOO_LARGE, message=b"frame too large")
                    break
                if not conn.bucket.take():
                    await self._tell_limited(conn)
                    continue
                await self.on_frame(conn, raw.data)
                if ws.closed:
                    break
        finally:
            deadline.cancel()
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
                pushed = self.scheduler.submit(conn, msg)
                if pushed is not None:
                    await conn.send(
                        P.error_frame(
                            "rate_limited",
                            f"more than {MAX_WAITING} drafts waiting; this one was skipped",
                            _re(pushed.msg),
                        )
                    )
            elif isinstance(msg, P.Approve):
                await conn.send(await self._do_approve(msg))
            elif isinstance(msg, P.Report):
                await conn.send(await self._do_report(msg))
            elif isinstance(msg, P.Login):
                await conn.send({"type": "login_link", "id": msg.id, "url": self.login_link()})
            elif isinstance(msg, P.IgnoreRule | P.ListIgnored):
                await conn.send(await self._do_ignore(msg))
            elif isinstance(msg, P.ListReminders):
                await conn.send(await self._do_reminders(msg))
        except P.ProtocolError as exc:
            await conn.send(exc.frame())
            if exc.fatal:
                close = {"too_many_connections": P.CLOSE_TRY_AGAIN}.get(exc.code, P.CLOSE_POLICY)
                await conn.ws.close(code=close, message=exc.code.encode())
        except OnbrandError as exc:
            await conn.send(P.error_frame(exc.code, str(exc), re))
        except StorageError as exc:  # a full disk, say: the user can act on it
            await conn.send(P.error_frame("internal", str(exc), re))
        except Exception:
            log.exception("frame handling failed")
            await conn.send(P.error_frame("internal", "internal error", re))

    async def _do_ignore(self, msg: P.IgnoreRule | P.ListIgnored) -> dict[str, Any]:
        """Ignore a rule for a brand, or list those ignored: `rules_ignored` either way."""
        loop = asyncio.get_running_loop()
        if isinstance(msg, P.IgnoreRule):
            r = await loop.run_in_executor(
                self.executor, lambda: self.core.ignore_rule(msg.rule, msg.ignore, msg.brand)
            )
        else:
            r = await loop.run_in_executor(
                self.executor, lambda: self.core.ignored_rules(msg.brand)
            )
        return {"type": "rules_ignored", "id": msg.id, **r}

    async def _do_reminders(self, msg: P.ListReminders) -> dict[str, Any]:
        """The brand's weekly goals behind their pace, with the days left."""
        loop = asyncio.get_running_loop()
        brand = self.core.resolve_brand(msg.brand)
        r = await loop.run_in_executor(
            self.executor, lambda: metrics.reminders(self.core.store, brand)
        )
        return {"type": "reminders", "id": msg.id, **r}

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
        if not conn.authed and sum(c.authed for c in self.conns.values()) >= P.MAX_CONNECTIONS:
            raise P.ProtocolError(
                "too_many_connections",
                f"at most {P.MAX_CONNECTIONS} paired connections",
                {"type": "hello"},
            )
        conn.authed, conn.token_id = True, token_id
        await conn.send(self.welcome())

    # -- keeping sockets that never authenticate in check -----------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _auth_deadline(self, conn: Conn) -> None:
        if not conn.authed:
            self._spawn(self._close_if_unauthenticated(conn))

    async def _close_if_unauthenticated(self, conn: Conn) -> None:
        if conn.authed or conn.ws.closed:
            return
        await conn.send(
            P.error_frame(
                "not_authenticated", f"no hello with a valid token within {self.auth_timeout:g} s"
            )
        )
        await conn.ws.close(code=P.CLOSE_POLICY, message=b"hello took too long")

    async def _keep_unauthenticated_in_budget(self) -> None:
        waiting = [c for c in self.conns.values() if not c.authed]
        for old in waiting[: max(0, len(waiting) - MAX_UNAUTHENTICATED)]:
            await old.send(
                P.error_frame(
                    "too_many_connections",
                    f"more than {MAX_UNAUTHENTICATED} sockets waiting to say hello",
                )
            )
            await old.ws.close(code=P.CLOSE_TRY_AGAIN, message=b"too many connections")

    async def _tell_limited(self, conn: Conn) -> None:
        now = time.monotonic()
        if now - conn.limited_at < LIMITED_REPLY_EVERY_S:
            conn.suppressed += 1
            return
        skipped = f" ({conn.suppressed} more were not answered)" if conn.suppressed else ""
        conn.limited_at, conn.suppressed = now, 0
        await conn.send(
            P.error_frame(
                "rate_limited", f"more than {P.RATE_PER_SECOND} messages a second{skipped}"
            )
        )

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
