"""Limits below the HTTP layer, where a hostile local client could otherwise
hold the agent: connections that never finish their request headers
(slowloris), the process's open-file limit, and a log flooded with one line.

aiohttp has no deadline for a request's headers, so the server's connection
hooks track each connection until its first request reaches the middleware."""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections import OrderedDict
from typing import Any

from aiohttp import web

log = logging.getLogger("onbrand.server")

# A request's headers must be complete this soon after the connection opens.
HEADER_TIMEOUT_S = 10.0
# At most this many connections may be waiting for their first request's
# headers; a new one pushes out the oldest. Far fewer than the open-file limit,
# so /health and paired clients always find a descriptor.
MAX_UNREQUESTED = 256
# The open-file limit the agent asks for (up to the hard limit).
WANT_OPEN_FILES = 8192
# The log says a repeated line once per this many seconds, with a count.
REPEAT_WINDOW_S = 10.0


class HeaderDeadlines:
    """Closes connections whose first request's headers are late, and keeps
    the number of such waiting connections under MAX_UNREQUESTED."""

    def __init__(
        self, timeout: float = HEADER_TIMEOUT_S, max_waiting: int = MAX_UNREQUESTED
    ) -> None:
        self.timeout = timeout
        self.max_waiting = max_waiting
        self.waiting: OrderedDict[Any, tuple[asyncio.Transport, asyncio.TimerHandle]] = (
            OrderedDict()
        )
        self.closed_late = 0
        self.pushed_out = 0

    def watch(self, server: web.Server) -> None:
        """Hook the aiohttp server's per-connection callbacks."""
        made, lost = server.connection_made, server.connection_lost
        loop = asyncio.get_running_loop()

        def connection_made(handler: Any, transport: asyncio.Transport) -> None:
            made(handler, transport)
            timer = loop.call_later(self.timeout, self._late, handler)
            self.waiting[handler] = (transport, timer)
            while len(self.waiting) > self.max_waiting:
                _, (old, old_timer) = self.waiting.popitem(last=False)
                old_timer.cancel()
                self.pushed_out += 1
                old.close()

        def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
            self.started(handler)
            lost(handler, exc)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]

    def started(self, handler: Any) -> None:
        """A request's headers arrived on this connection (or it closed)."""
        entry = self.waiting.pop(handler, None)
        if entry is not None:
            entry[1].cancel()

    def _late(self, handler: Any) -> None:
        entry = self.waiting.pop(handler, None)
        if entry is not None:
            self.closed_late += 1
            entry[0].close()


def raise_open_file_limit(want: int = WANT_OPEN_FILES) -> int:
    """Raise the soft open-file limit towards `want` (never past the hard
    limit); the limit in force afterwards, or 0 where there is none to read."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            log.info("could not raise the open-file limit from %d", soft)
    return int(soft)


class RepeatFilter(logging.Filter):
    """Lets a log line through once per REPEAT_WINDOW_S; the next one that
    passes says how many identical lines were held back."""

    def __init__(self, window: float = REPEAT_WINDOW_S) -> None:
        super().__init__()
        self.window = window
        self.seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, record.levelno, f"{record.msg}|{exc}")
        now = time.monotonic()
        last, held = self.seen.get(key, (0.0, 0))
        if last and now - last < self.window:
            self.seen[key] = (last, held + 1)
            return False
        if len(self.seen) > 1000:  # forget old lines rather than grow
            self.seen.clear()
        self.seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} identical lines held back)"
        return True


_FILTER = RepeatFilter()
_NOISY = ("asyncio", "aiohttp.server", "aiohttp.web", "aiohttp.access", "onbrand", "onbrand.server")


def quiet_repeats() -> None:
    """Rate-limit identical lines on the loggers a flood can reach."""
    for name in _NOISY:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def is_address_taken(exc: OSError) -> bool:
    return exc.errno == errno.EADDRINUSE
