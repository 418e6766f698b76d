"""The hostile phase of `make soak`: a paired probe keeps analysing while, in
turn, other local processes attack the agent the ways docs/security.md lists.

Each phase: the attack runs for `during` seconds with the probe analysing every
0.5 s, then stops and the probe goes on for `after` seconds. Reported per phase:
the probe's p50/p95 (against its idle p95), refusals, the agent's RSS, and how
long the probe took to get back to its idle figures. Loopback only; every loop
here is bounded in time and stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from agent.service.limits import raise_open_file_limit
from tools.bench import LOOPBACK, Row, pct, proc_rss_mb, say

PROBE_EVERY_S = 0.5
GOAL_P95_RATIO = 3.0
GOAL_RSS_MB = 300.0
GOAL_RECOVERY_S = 5.0
LONG_DRAFT = ("We opened our Salem repair bench ☕ — 14 packs fixed on Saturday. " * 1000)[:63_000]
REDOS_RULES = """\
[[rule]]
name = "redos"
kind = "existence"
message = "a pattern that backtracks forever in a naive engine"
terms = ["re:(a+)+$"]
"""


class Probe:
    """A paired client that analyses a fresh draft every PROBE_EVERY_S."""

    def __init__(self, port: int, token: str, texts: list[str]) -> None:
        self.port, self.token, self.texts = port, token, texts
        self.samples: list[tuple[float, float]] = []  # (sent at, latency ms)
        self.refused: list[tuple[float, str]] = []  # (when, why)
        self._n = 0

    async def run(self, seconds: float) -> None:
        from agent.service.client import connect

        end = time.perf_counter() + seconds
        try:
            async with connect(self.port) as c:
                await c.hello(self.token, "hostile-probe")
                while time.perf_counter() < end:
                    self._n += 1
                    text = self.texts[self._n % len(self.texts)]
                    t0 = time.perf_counter()
                    await c.analyze("probe", self._n, f"{text} #{self._n}")
                    await c.expect("analysis", timeout=30)
                    self.samples.append((t0, (time.perf_counter() - t0) * 1000))
                    await asyncio.sleep(max(0.0, PROBE_EVERY_S - (time.perf_counter() - t0)))
        except Exception as exc:  # a refusal is what this measures
            self.refused.append((time.perf_counter(), f"{type(exc).__name__}: {exc}"))

    def between(self, t0: float, t1: float) -> list[float]:
        return [ms for at, ms in self.samples if t0 <= at < t1]


async def _silent_sockets(port: int, stop: asyncio.Event, n: int = 200) -> None:
    """`n` sockets that open and never say hello, each reopening a second after
    it is closed."""
    import websockets

    async def one() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                async with websockets.connect(f"ws://{LOOPBACK}:{port}/ws", open_timeout=5) as ws:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(ws.wait_closed(), 30)
            await asyncio.sleep(1.0)

    await _until(stop, [one() for _ in range(n)])


async def _slowloris(port: int, stop: asyncio.Event, n: int = 1000) -> None:
    """`n` connections that send their headers one byte every 3 s."""

    async def one(i: int) -> None:
        while not stop.is_set():
            writer = None
            try:
                _, writer = await asyncio.open_connection(LOOPBACK, port)
                writer.write(f"GET /health HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\nX-{i}: ".encode())
                while not stop.is_set() and not writer.is_closing():
                    await asyncio.sleep(3)
                    writer.write(b"a")
                    await writer.drain()
            except Exception:
                await asyncio.sleep(0.25)
            finally:
                if writer is not None:
                    writer.close()

    await _until(stop, [one(i) for i in range(n)])


async def _flood(port: int, token: str, stop: asyncio.Event) -> None:
    """A paired client sending 63k-character drafts as fast as its rate allows."""
    from agent.service.client import connect

    async with connect(port) as c:
        await c.hello(token, "hostile-flood")

        async def drain() -> None:
            with contextlib.suppress(Exception):
                while True:
                    await c.recv(timeout=3600)

        reader = asyncio.create_task(drain())
        i = 0
        while not stop.is_set():
            i += 1
            await c.analyze(f"flood-{i}", 1, f"{i} {LONG_DRAFT}")
            await asyncio.sleep(1 / 40)
        reader.cancel()


async def _redos_drafts(port: int, token: str, stop: asyncio.Event) -> None:
    """Drafts that make `(a+)+$` backtrack in a naive engine, twice a second."""
    from agent.service.client import connect

    async with connect(port) as c:
        await c.hello(token, "hostile-redos")
        i = 0
        while not stop.is_set():
            i += 1
            await c.analyze(f"redos-{i}", 1, "a" * (40 + i % 5) + "!")
            with contextlib.suppress(Exception):
                await c.expect("analysis", timeout=10)
            await asyncio.sleep(0.5)


async def _until(stop: asyncio.Event, coros: list[Awaitable[None]]) -> None:
    tasks = [asyncio.ensure_future(c) for c in coros]
    await stop.wait()
    await asyncio.sleep(0.5)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def load_redos_rule(home: Path) -> str:
    """Ask `onbrand rules` to load the pathological rule into the agent's home."""
    path = home / "redos-rules.toml"
    path.write_text(REDOS_RULES, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "agent", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ONBRAND_HOME": str(home), "HF_HUB_OFFLINE": "1"},
    )
    out = (r.stdout + r.stderr).strip().splitlines()
    return ("loaded: " if r.returncode == 0 else "refused: ") + (out[-1] if out else "")


def recovery_s(
    samples: list[tuple[float, float]], stopped: float, until: float, limit_ms: float
) -> float:
    """Seconds after `stopped` from which the probe's median over every later
    2-second window stayed within `limit_ms` (inf when the last one did not).
    A median, so one stray sample from the rest of the machine does not count."""
    windows: list[tuple[float, float]] = []
    t = stopped
    while t < until:
        xs = [ms for at, ms in samples if t <= at < min(t + 2.0, until)]
        if xs:
            windows.append((t, float(sorted(xs)[len(xs) // 2])))
        t += 2.0
    for i, (start, _) in enumerate(windows):
        if all(med <= limit_ms for _, med in windows[i:]):
            return start - stopped
    return float("inf")


def run_hostile(
    port: int,
    pid: int,
    token: str,
    home: Path,
    texts: list[str],
    during: float = 12.0,
    after: float = 8.0,
) -> list[Row]:
    raise_open_file_limit(4096)  # the slowloris phase holds 1,000 sockets here
    probe = Probe(port, token, texts)
    rss: list[tuple[float, float]] = []

    async def watch(stop: asyncio.Event) -> None:
        while not stop.is_set():
            rss.append((time.perf_counter(), proc_rss_mb(pid)[0]))
            await asyncio.sleep(0.5)

    phases: list[tuple[str, Callable[[asyncio.Event], Awaitable[None]]]] = [
        ("200 sockets that never say hello", lambda s: _silent_sockets(port, s)),
        ("1,000 slowloris connections", lambda s: _slowloris(port, s)),
        ("a paired client flooding 63k-char drafts", lambda s: _flood(port, token, s)),
        ("a ReDoS rule and drafts that trigger it", lambda s: _redos_drafts(port, token, s)),
    ]
    marks: dict[str, tuple[float, float, float]] = {}
    notes: dict[str, str] = {}

    async def main() -> None:
        done = asyncio.Event()
        watcher = asyncio.create_task(watch(done))
        t_idle = time.perf_counter()
        await probe.run(15.0)
        marks["idle"] = (t_idle, time.perf_counter(), time.perf_counter())
        for name, attack in phases:
            if "ReDoS" in name:
                notes[name] = await asyncio.to_thread(load_redos_rule, home)
                say(f"hostile: ReDoS rule {notes[name]}")
            stop = asyncio.Event()
            t0 = time.perf_counter()
            attacker = asyncio.create_task(attack(stop))
            await asyncio.sleep(1.0)  # the attack is under way before the probe joins
            await probe.run(during)
            stopped = time.perf_counter()
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(attacker, 30)
            await probe.run(after)
            marks[name] = (t0, stopped, time.perf_counter())
            say(f"hostile: {name} done")
        done.set()
        await watcher

    asyncio.run(main())
    idle = probe.between(*marks["idle"][:2])
    idle_p95 = pct(idle, 95)
    idle_rss = max((mb for at, mb in rss if at < marks["idle"][1]), default=0.0)
    rows = [
        Row(
            "hostile: probe idle",
            f"p50 {pct(idle, 50):.1f} / p95 {idle_p95:.1f} ms (n={len(idle)}), "
            f"RSS {idle_rss:.0f} MB",
        )
    ]
    limit = max(1.5 * idle_p95, idle_p95 + 5.0)
    for name, _ in phases:
        t0, stopped, t1 = marks[name]
        xs = probe.between(t0, stopped)
        peak = max((mb for at, mb in rss if t0 <= at < t1), default=0.0)
        rec = recovery_s(probe.samples, stopped, t1, limit)
        refused = [why for at, why in probe.refused if t0 <= at < t1]
        ratio = pct(xs, 95) / idle_p95 if idle_p95 else float("nan")
        met = (
            bool(xs)
            and not refused
            and ratio <= GOAL_P95_RATIO
            and peak <= GOAL_RSS_MB
            and rec <= GOAL_RECOVERY_S
        )
        note = f"; rule {notes[name]}" if name in notes else ""
        rows.append(
            Row(
                f"hostile: {name}",
                f"probe p50 {pct(xs, 50):.1f} / p95 {pct(xs, 95):.1f} ms ({ratio:.1f}x idle), "
                f"refused {len(refused)}, RSS max {peak:.0f} MB, back to idle in {rec:.1f} s"
                + note,
                f"p95 <= {GOAL_P95_RATIO:g}x idle, never refused, RSS <= {GOAL_RSS_MB:.0f} MB, "
                f"back <= {GOAL_RECOVERY_S:g} s",
                met,
                {"probe_ms": xs, "refused": refused, "rss_max_mb": peak, "recovery_s": rec},
            )
        )
    return rows
