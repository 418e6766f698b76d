"""The websocket: one per browser (its service worker), authenticated by a
token, rate-limited, and answered by a latest-wins scheduler that batches
waiting drafts into one encoder call on a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aiohttp import WSMsgType, web

from agent import __version__
from agent.core import Onbrand, OnbrandError
from agent.service import protocol as P
from agent.service.api import Actions

log = logging.getLogger("onbrand.server")

BATCH_MAX = 16


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


class SocketViews(Actions):
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
