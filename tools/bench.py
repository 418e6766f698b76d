"""`make bench`: how fast onbrand answers, measured end to end on this machine.

    python -m tools.bench [--quick] [--out bench-results/bench.json] [--backend auto]
    python -m tools.bench --soak [--minutes 5]

Prints one table (each row with its goal and met/missed) and writes JSON. What
it measures, in this order (docs/speed.md explains each):

* bare encoder latency at 40/140/280 characters, per backend (no cache);
* the core's analysis latency (`Onbrand.analyze`) on a brand of 10k posts
  (generated from the demo posts with deterministic variations, embedded once and
  cached under .eval-cache/bench/);
* cold start: `onbrand serve` spawned on a free loopback port with a prepared
  ONBRAND_HOME, timed until its first analysis answers;
* end to end over the websocket (send -> `analysis` received) with a `websockets`
  client: one typist sending whole 280-character drafts; one typist and 20
  concurrent typists typing at 5-8 characters a second with jitter, sent with the
  extension's pause logic (extension/src/shared/schedule.js: after 300 ms without a
  keystroke, at the latest every 2 s); p50/p95 and queue growth;
* the ratio end to end / bare encoder, both measured in this run;
* approve -> reflected: approve a new post, then time until an analysis of a
  paraphrase reports it as the nearest post;
* the agent's RSS with the 10k-post brand;
* index top-10 at 5k/10k/100k/1M vectors (real MiniLM vectors of public tweets plus
  synthetic mixtures of them), p50/p95 and recall@10 against exact search.

Everything talks to 127.0.0.1 only. Timings are wall-clock on a shared 2-core
machine: the header prints the load average, and figures taken while others work
are noisy (CPU ms per call are printed beside the encoder rows for that reason).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from agent.service import protocol as P
from tools.training import datasets as ds

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / ".eval-cache" / "bench"
DEFAULT_OUT = ROOT / "bench-results" / "bench.json"
GEN_VERSION = 2  # bump when the generated brand changes: cached brands are rebuilt
LOOPBACK = "127.0.0.1"

# The goals of issue #7 (ms unless said).
GOAL_E2E_1 = 15.0
GOAL_RATIO = 1.3
GOAL_E2E_20 = 60.0
GOAL_INDEX_MS = 20.0
GOAL_RECALL = 0.95
GOAL_APPROVE_S = 1.0
GOAL_COLD_S = 1.0
COLD_STARTS = 3
GOAL_RSS_MB = 250.0


@dataclass(frozen=True)
class Plan:
    """Sizes and durations of one run."""

    posts: int = 10_000
    reps: int = 100  # calls per bare-encoder length and core measurement
    whole: int = 120  # whole 280-character drafts sent end to end
    # realistic drafts for the goal rows: their p95 is the 15th-slowest of 300,
    # steadier from run to run than the 6th of 120
    realistic: int = 300
    typing_1_s: float = 45.0
    typing_20_s: float = 60.0
    approve_pairs: int = 3
    index_sizes: tuple[int, ...] = (5_000, 10_000, 100_000, 1_000_000)
    index_queries: int = 200


FULL = Plan()
QUICK = Plan(
    posts=500,
    reps=15,
    whole=15,
    realistic=15,
    typing_1_s=6.0,
    typing_20_s=8.0,
    approve_pairs=1,
    index_sizes=(2_000, 10_000),  # one exact, one IVF (EXACT_MAX = 5,000)
    index_queries=40,
)


@dataclass
class Row:
    measure: str
    result: str
    goal: str = "-"
    met: bool | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "" if self.met is None else ("met" if self.met else "MISSED")


def pct(xs: list[float] | np.ndarray, q: float) -> float:
    return float(np.percentile(np.asarray(xs, dtype=np.float64), q)) if len(xs) else math.nan


def p50_p95(xs: list[float], unit: str = "ms") -> str:
    return f"p50 {pct(xs, 50):.1f} / p95 {pct(xs, 95):.1f} {unit} (n={len(xs)})"


def say(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on Linux/macOS
        return "?"


# -- texts -----------------------------------------------------------------------------


def demo_posts() -> list[dict[str, Any]]:
    raw = resources.files("agent").joinpath("demo/posts.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def _sentences() -> list[str]:
    out: list[str] = []
    for p in demo_posts():
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", p["text"]) if len(s.strip()) > 20]
    return out


SWAPS = [
    ("repair", "fix"),
    ("shop", "store"),
    ("battery", "pack"),
    ("riders", "customers"),
    ("We ", "Our team "),
    ("today", "this week"),
    ("new", "fresh"),
]
OPENERS = ["", "", "", "Update: ", "Reminder: ", "From the bench: ", "Quick note: ", "PSA: "]
PLATFORMS = ["x", "linkedin", "mastodon", "bluesky", "threads", "facebook"]


def variant_posts(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` distinct posts made from the demo posts: numbers changed, words swapped,
    sentences dropped or reordered, an opener added. Deterministic for a seed."""
    rng = random.Random(seed)
    base = demo_posts()
    out: list[dict[str, Any]] = []
    seen: set[str] = {p["text"].casefold() for p in base}
    attempt = 0
    while len(out) < n:
        attempt += 1
        src = base[attempt % len(base)]
        parts = [s for s in re.split(r"(?<=[.!?])\s+", src["text"]) if s.strip()]
        if len(parts) > 2 and rng.random() < 0.5:
            parts.pop(rng.randrange(len(parts)))
        if len(parts) > 1 and rng.random() < 0.3:
            i = rng.randrange(len(parts) - 1)
            parts[i], parts[i + 1] = parts[i + 1], parts[i]
        text = " ".join(parts)
        text = re.sub(r"\d+", lambda m: str(max(1, int(m.group()) + rng.randint(-9, 40))), text)
        for a, b in SWAPS:
            if a in text and rng.random() < 0.3:
                text = text.replace(a, b, 1)
        text = rng.choice(OPENERS) + text
        key = re.sub(r"\s+", " ", text).strip().casefold()
        if key in seen or len(text) > 2000:
            continue
        seen.add(key)
        day = 1 + attempt % 28
        out.append(
            {
                "text": text,
                "platform": rng.choice(PLATFORMS),
                "posted_at": f"20{20 + attempt % 6}-{1 + attempt % 12:02d}-{day:02d}",
            }
        )
    return out


def drafts_of_length(chars: int, count: int, seed: int) -> list[str]:
    """`count` distinct drafts of exactly `chars` characters, made of demo sentences."""
    rng = random.Random(seed)
    sents = _sentences()
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        text = ""
        while len(text) < chars:
            text = (text + " " + rng.choice(sents)).strip()
        text = text[:chars]
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


LINKEDIN = Path("linkedin_influencers_sample") / "linkedIn_data_Kartik-checkpoint.csv"
OWN_POSTS = ROOT / "tools" / "data" / "realistic_posts.txt"


def realistic_drafts(count: int, seed: int, data: Path) -> tuple[list[str], str]:
    """`count` distinct 280-character windows, cut at word starts, of real posts:
    the LinkedIn sample in the shared data (emoji, curly quotes, names, links), or,
    without it, tools/data/realistic_posts.txt (our own writing of the same kind).
    Returns the drafts and where they came from."""
    posts: list[str] = []
    source = "own realistic posts (tools/data/realistic_posts.txt)"
    path = data / LINKEDIN
    if path.is_file():
        with path.open(encoding="utf-8", errors="replace") as fh:
            posts = [r["content"] for r in csv.DictReader(fh) if len(r.get("content") or "") > 300]
        source = f"LinkedIn sample posts ({path.parent.name})"
    if not posts:
        raw = OWN_POSTS.read_text(encoding="utf-8")
        own = [p.strip() for p in raw.split("\n\n") if p.strip() and not p.startswith("#")]
        # the posts run about 300 characters: windows over all of them, one after another
        posts = ["\n\n".join(own[i:] + own[:i]) for i in range(len(own))]
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 50):
        post = rng.choice(posts)
        starts = [0] + [m.end() for m in re.finditer(r"\s+", post) if m.end() <= len(post) - 280]
        start = rng.choice(starts)
        text = post[start : start + 280]
        if len(text) == 280 and text not in seen:
            seen.add(text)
            out.append(text)
            if len(out) == count:
                break
    return out, source


def cpu_model() -> str:
    """The CPU's name and whether it has AVX-512 VNNI (int8 matrix products)."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    name = next(
        (ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")),
        "unknown",
    )
    vnni = "avx512_vnni" in info or "avx_vnni" in info
    return f"{name} ({'with' if vnni else 'without'} VNNI)"


# Approve -> reflected: a post on a topic the demo brand never covered, and a
# paraphrase a person might type later.
APPROVE_PAIRS = [
    (
        "Starting in March, every Pine Network shop will recycle dead Sticks for free: "
        "drop them at the counter and we send them to our cell recycler in Salem.",
        "From March on, any shop in the Pine Network takes your dead Sticks for free and "
        "we ship them to the cell recycler in Salem.",
    ),
    (
        "Our Bend warehouse flooded on Tuesday night. No packs were damaged, but orders "
        "from the Bend depot will ship three days late.",
        "Tuesday night the Bend warehouse took on water; the packs are fine, but orders "
        "out of Bend ship about three days late.",
    ),
    (
        "We are hiring two battery technicians for the Eugene shop: paid training, "
        "four-day weeks, and a company e-bike.",
        "Two battery tech jobs open in Eugene: paid training, a four-day week and an "
        "e-bike from the company.",
    ),
]


# -- the brand and the model ---------------------------------------------------------


def cache_key(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def brand_db(n_posts: int, encoder: Any, cache: Path) -> Path:
    """A SQLite file holding the demo brand grown to `n_posts` posts, embedded with
    `encoder`; built once per encoder identity and schema, then reused."""
    from agent.core import Onbrand
    from agent.store import SCHEMA_VERSION, Store

    key = cache_key(encoder.identity.key, n_posts, GEN_VERSION, SCHEMA_VERSION)
    path = cache / f"brand-{n_posts}-{key}.sqlite3"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    say(f"building a {n_posts:,}-post brand with {encoder.identity.key} (once; cached)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="onbrand-bench-") as tmp:
        store = Store(Path(tmp) / "onbrand.sqlite3")
        core = Onbrand(store=store, encoder=encoder)
        core.load_demo()
        have = store.count_posts("demo")
        extra = Path(tmp) / "extra.jsonl"
        extra.write_text(
            "\n".join(json.dumps(p) for p in variant_posts(max(0, n_posts - have))) + "\n"
        )
        core.import_file(extra, brand="demo", fmt="jsonl")
        # An agent scores unscored posts in the background after each start (for the
        # dashboard); a settled agent has done so, so the cached brand is scored.
        score = getattr(core, "score_missing", None)
        if score is not None:
            say("scoring the brand's posts as a settled agent would have")
            score("demo", limit=n_posts + 1000)
        store.close()
        part = path.with_suffix(".part")
        shutil.copyfile(Path(tmp) / "onbrand.sqlite3", part)
        os.replace(part, path)
    say(f"brand built in {time.perf_counter() - t0:.0f} s: {path.name}")
    return path


def ensure_model(backend: str) -> tuple[str, dict[str, Any]]:
    """Build the ONNX models if needed; return (resolved backend, build info)."""
    from embeddings.backends import resolve_backend
    from embeddings.onnx import build_dir, check_build, ensure_built

    info: dict[str, Any] = {}
    if backend == "auto" or backend.startswith("onnx"):
        precision = "int8" if backend == "auto" else backend.removeprefix("onnx-")
        if not check_build(precision):
            say("building the ONNX model (once; needs torch, ~30 s)")
            t0 = time.perf_counter()
            ensure_built(precision)
            info["onnx_build_s"] = round(time.perf_counter() - t0, 1)
        info["model_dir"] = str(build_dir())
    return resolve_backend(backend), info


# -- the agent as a subprocess ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def proc_rss_mb(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
        return rss, hwm
    except (OSError, AttributeError):
        import psutil

        mem = psutil.Process(pid).memory_info()
        return mem.rss / 2**20, math.nan


def proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        import psutil

        t = psutil.Process(pid).cpu_times()
        return t.user + t.system


class Agent:
    """`onbrand serve` on a free loopback port."""

    def __init__(self, home: Path, backend: str) -> None:
        self.home = home
        self.backend = backend
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / "agent.log"

    def command(self) -> list[str]:
        exe = Path(sys.executable).parent / "onbrand"
        head = [str(exe)] if exe.exists() else [sys.executable, "-m", "agent"]
        return [*head, "serve", "--port", str(self.port), "--host", LOOPBACK]

    def start(self) -> None:
        from embeddings.onnx import models_dir

        env = dict(os.environ)
        env.update(
            ONBRAND_HOME=str(self.home),
            ONBRAND_ENCODER=self.backend,
            ONBRAND_PRIVACY="local-only",
            ONBRAND_MODEL_CACHE=str(models_dir()),
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
        )
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                self.command(), env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=str(self.home)
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def settle(self, quiet_pct: float = 5.0, window: float = 0.5, timeout: float = 120.0) -> float:
        """Wait until the agent's background work (warm-up, scoring) is done: its CPU
        use over `window` seconds falls under `quiet_pct`. Returns the seconds waited."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout and self.alive():
            c0 = proc_cpu_s(self.pid)
            time.sleep(window)
            if (proc_cpu_s(self.pid) - c0) / window * 100 < quiet_pct:
                break
        return time.perf_counter() - t0


def prepare_home(root: Path, db: Path) -> tuple[Path, str]:
    """A fresh ONBRAND_HOME holding a copy of the brand and a token for the bench."""
    from agent.service.auth import Auth

    home = Path(tempfile.mkdtemp(prefix="home-", dir=root))
    shutil.copyfile(db, home / "onbrand.sqlite3")
    (home / "config").mkdir(mode=0o700)
    token = Auth(home / "config").issue_token("onbrand-bench")
    return home, token


# -- websocket clients ---------------------------------------------------------------------


async def first_answer(port: int, token: str, deadline: float) -> tuple[float, dict[str, Any]]:
    """Connect as soon as the port accepts, say hello, ask one analysis; returns
    (perf_counter when it arrived, the result)."""
    from websockets.exceptions import WebSocketException

    from agent.service.client import connect

    while True:
        try:
            async with connect(port) as c:
                await c.hello(token, "onbrand-bench")
                await c.analyze("cold", 0, "Our Eugene shop now repairs Brick 500 packs in a day.")
                frame = await c.expect("analysis", timeout=max(1.0, deadline - time.perf_counter()))
                return time.perf_counter(), frame["result"]
        except (OSError, TimeoutError, WebSocketException) as exc:
            # not listening yet, or the handshake met a server still starting
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the agent did not answer: {exc}") from exc
            await asyncio.sleep(0.01)


async def one_shot(
    port: int,
    token: str,
    texts: list[str],
    seed: int,
    bare: Any = None,
    bare_texts: list[str] | None = None,
) -> dict[str, Any]:
    """One typist sending whole drafts, one at a time, 0.25-0.5 s apart. With
    `bare` (an encoder), each answer is followed, in the pause, by one call of the
    bare encoder on a text of the same length, so the ratio compares the two under
    the same machine conditions, draft by draft."""
    from agent.service.client import connect

    rng = random.Random(seed)
    lat: list[float] = []
    bare_ms: list[float] = []
    timings: list[dict[str, float]] = []
    inner = getattr(bare, "inner", bare)
    async with connect(port) as c:
        await c.hello(token, "onbrand-bench")
        for i, text in enumerate(texts):
            t0 = time.perf_counter()
            await c.analyze("whole", i, text, platform="x")
            frame = await c.expect("analysis")
            lat.append((time.perf_counter() - t0) * 1000)
            timings.append(
                {**frame["result"].get("timings_ms", {}), "bytes": len(json.dumps(frame))}
            )
            if inner is not None and bare_texts:
                t0 = time.perf_counter()
                inner.encode([bare_texts[i % len(bare_texts)]])
                bare_ms.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(rng.uniform(0.25, 0.5))
    return {"latency_ms": lat, "timings": timings, "bare_ms": bare_ms}


class DraftSchedule:
    """extension/src/shared/schedule.js in Python: send after `delay` without a
    keystroke, at the latest `max_wait` after the first unsent change."""

    def __init__(
        self,
        send: Callable[[int, str], None],
        delay: float = P.TYPING_PAUSE_MS / 1000,
        max_wait: float = P.TYPING_MAX_WAIT_MS / 1000,
    ):
        self.send_fn = send
        self.delay = delay
        self.max_wait = max(max_wait, delay)
        self.seq = -1
        self.sent_text: str | None = None
        self.pending: str | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.first_pending_at = 0.0

    def update(self, text: str) -> None:
        if text == self.sent_text:
            self.cancel()
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.pending is None:
            self.first_pending_at = now
        self.pending = text
        if self.timer:
            self.timer.cancel()
        waited = now - self.first_pending_at
        self.timer = loop.call_later(max(0.0, min(self.delay, self.max_wait - waited)), self.flush)

    def flush(self) -> None:
        if self.timer:
            self.timer.cancel()
        self.timer = None
        if self.pending is None:
            return
        text, self.pending = self.pending, None
        self.seq += 1
        self.sent_text = text
        self.send_fn(self.seq, text)

    def cancel(self) -> None:
        if self.timer:
            self.timer.cancel()
        self.timer = None
        self.pending = None


@dataclass
class TypistStats:
    latency: list[tuple[float, float]] = field(default_factory=list)  # (t since start, ms)
    sent: int = 0
    answered: int = 0
    errors: int = 0
    newest_sent: dict[str, int] = field(default_factory=dict)
    newest_answered: dict[str, int] = field(default_factory=dict)

    def in_flight(self) -> int:
        return sum(1 for d, s in self.newest_sent.items() if self.newest_answered.get(d, -1) < s)


async def typist(
    port: int,
    token: str,
    ident: int,
    texts: list[str],
    stop_at: float,
    t_start: float,
    stats: TypistStats,
    seed: int,
) -> None:
    """Types drafts key by key at 5-8 characters a second with jitter and pauses,
    sends them the way the extension does, and records each answer's latency."""
    from agent.service.client import connect

    rng = random.Random(seed)
    rate = rng.uniform(5.0, 8.0)
    sigma = 0.4
    mu = math.log(1.0 / rate) - sigma**2 / 2  # mean interval 1/rate
    sent_at: dict[tuple[str, int], float] = {}
    answered = asyncio.Event()
    async with connect(port) as c:
        await c.hello(token, f"bench-typist-{ident}")
        loop = asyncio.get_running_loop()

        async def reader() -> None:
            while True:
                frame = json.loads(await c.ws.recv())
                if frame.get("type") == "analysis":
                    key = (frame["draft_id"], frame["seq"])
                    t0 = sent_at.pop(key, None)
                    if t0 is not None:
                        now = time.perf_counter()
                        stats.latency.append((now - t_start, (now - t0) * 1000))
                        stats.answered += 1
                        d = frame["draft_id"]
                        stats.newest_answered[d] = max(stats.newest_answered.get(d, -1), key[1])
                        answered.set()
                elif frame.get("type") == "error":
                    stats.errors += 1

        read_task = asyncio.create_task(reader())
        try:
            n = 0
            while time.perf_counter() < stop_at:
                draft_id = f"t{ident}-{n}"
                text_goal = texts[(ident * 7 + n) % len(texts)]
                n += 1

                def send(seq: int, text: str, draft_id: str = draft_id) -> None:
                    sent_at[(draft_id, seq)] = time.perf_counter()
                    stats.sent += 1
                    stats.newest_sent[draft_id] = seq
                    frame = {"type": "analyze", "draft_id": draft_id, "seq": seq, "text": text}
                    loop.create_task(c.ws.send(json.dumps({**frame, "platform": "x"})))

                sched = DraftSchedule(send)
                typed = ""
                for ch in text_goal:
                    if time.perf_counter() >= stop_at:
                        break
                    typed += ch
                    sched.update(typed)
                    pause = rng.lognormvariate(mu, sigma)
                    if ch == " " and rng.random() < 0.08:
                        pause += rng.uniform(0.3, 1.0)  # looking for a word
                    elif ch in ".!?":
                        pause += rng.uniform(0.4, 1.5)  # end of a sentence
                    await asyncio.sleep(pause)
                sched.flush()
                # Wait for the newest answer of this draft before starting the next one.
                deadline = time.perf_counter() + 5.0
                while (
                    stats.newest_answered.get(draft_id, -1) < sched.seq
                    and time.perf_counter() < deadline
                ):
                    answered.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(answered.wait(), 0.5)
                await asyncio.sleep(rng.uniform(0.5, 2.0))
        finally:
            read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await read_task


async def typing_run(
    port: int, token: str, typists: int, seconds: float, texts: list[str], seed: int
) -> dict[str, Any]:
    stats = [TypistStats() for _ in range(typists)]
    t_start = time.perf_counter()
    stop_at = t_start + seconds
    samples: list[tuple[float, int]] = []

    async def sampler() -> None:
        while time.perf_counter() < stop_at:
            samples.append((time.perf_counter() - t_start, sum(s.in_flight() for s in stats)))
            await asyncio.sleep(0.1)

    tasks = [
        typist(port, token, i, texts, stop_at, t_start, stats[i], seed * 1000 + i)
        for i in range(typists)
    ]
    await asyncio.gather(sampler(), *tasks)
    lat = sorted((t, ms) for s in stats for t, ms in s.latency)
    return {
        "latency": lat,
        "sent": sum(s.sent for s in stats),
        "answered": sum(s.answered for s in stats),
        "errors": sum(s.errors for s in stats),
        "in_flight": samples,
        "seconds": seconds,
    }


def queue_summary(run: dict[str, Any]) -> dict[str, Any]:
    """Queue growth: requests in flight (sent, newest of their draft, unanswered),
    first third of the run against the last third, and latency drift the same way."""
    samples = run["in_flight"]
    secs = run["seconds"]
    first = [v for t, v in samples if t < secs / 3]
    last = [v for t, v in samples if t >= 2 * secs / 3]
    lat_first = [ms for t, ms in run["latency"] if t < secs / 3]
    lat_last = [ms for t, ms in run["latency"] if t >= 2 * secs / 3]
    mean_first = float(np.mean(first)) if first else 0.0
    mean_last = float(np.mean(last)) if last else 0.0
    return {
        "in_flight_first_third": round(mean_first, 2),
        "in_flight_last_third": round(mean_last, 2),
        "in_flight_max": max((v for _, v in samples), default=0),
        "p95_first_third_ms": round(pct(lat_first, 95), 1) if lat_first else None,
        "p95_last_third_ms": round(pct(lat_last, 95), 1) if lat_last else None,
        "grows": mean_last > mean_first + 1.0,
    }


async def approve_reflected(port: int, token: str, pairs: list[tuple[str, str]]) -> list[float]:
    """Seconds from sending `approve` to an analysis of the paraphrase that names
    the approved post as its nearest."""
    from agent.service.client import connect

    out = []
    async with connect(port) as c:
        await c.hello(token, "onbrand-bench")
        for n, (post, para) in enumerate(pairs):
            t0 = time.perf_counter()
            await c.send({"type": "approve", "id": f"a{n}", "text": post, "platform": "x"})
            seq = 0
            await c.analyze(f"reflect-{n}", seq, para, platform="x")
            got_approved = False
            while True:
                frame = await c.recv(timeout=30)
                kind = frame.get("type")
                if kind == "approved":
                    got_approved = True
                elif kind == "error":
                    raise RuntimeError(f"agent error: {frame}")
                elif kind == "analysis" and frame["draft_id"] == f"reflect-{n}":
                    nearest = frame["result"].get("nearest") or []
                    if nearest and nearest[0].get("text") == post:
                        out.append(time.perf_counter() - t0)
                        break
                    if time.perf_counter() - t0 > 20:
                        raise RuntimeError("the approved post never became the nearest")
                    seq += 1
                    await c.analyze(f"reflect-{n}", seq, para, platform="x")
            if not got_approved:  # drain the `approved` frame
                await c.expect("approved")
    return out


# -- the index -------------------------------------------------------------------------


def corpus_texts(limit: int) -> list[str]:
    """Public brand tweets (shared/data: twcs brand replies), deduplicated."""
    brands = ds.twcs_brands(ds.DEFAULT_DATA)
    texts = list(dict.fromkeys(t for rows in brands.values() for _, t in rows))
    random.Random(3).shuffle(texts)
    return texts[:limit]


def corpus_vectors(encoder: Any, cache: Path, limit: int) -> tuple[np.ndarray, str]:
    """Real MiniLM vectors: public tweets when shared/data is there, else None."""
    key = cache_key(encoder.identity.key, limit, "twcs")
    path = cache / f"corpus-{key}.npy"
    if path.exists():
        return np.load(path), "twcs brand replies (shared/data)"
    texts = corpus_texts(limit)
    say(f"embedding {len(texts):,} public tweets for the index bench (once; cached)")
    vecs = encoder.encode(texts, batch_size=256).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part.npy")
    np.save(part, vecs)
    os.replace(part, path)
    return vecs, "twcs brand replies (shared/data)"


def synthetic(anchors: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Mixtures of real vectors: a + beta*b + noise, normalised (cosine to the
    nearest real vector ~0.8), in chunks."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, anchors.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a = anchors[rng.integers(0, len(anchors), m)]
        b = anchors[rng.integers(0, len(anchors), m)]
        beta = rng.uniform(0.0, 0.5, (m, 1)).astype(np.float32)
        v = a + beta * b + rng.normal(0.0, 0.035, (m, anchors.shape[1])).astype(np.float32)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact_topk(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """Row indices of the exact top-k of each query (chunked matrix products)."""
    best_s = np.full((len(q), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(q), k), dtype=np.int64)
    for start in range(0, len(x), 200_000):
        s = q @ x[start : start + 200_000].T
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], axis=1)
        cand_i = np.concatenate([best_i, top + start], axis=1)
        order = np.argsort(-cand_s, axis=1)[:, :k]
        best_s = np.take_along_axis(cand_s, order, 1)
        best_i = np.take_along_axis(cand_i, order, 1)
    return best_i


def index_bench(
    anchors: np.ndarray, queries: np.ndarray, sizes: list[int], source: str
) -> list[Row]:
    from embeddings.index import EXACT_MAX, VectorIndex

    rows = []
    for n in sizes:
        real = anchors[: min(n, len(anchors))]
        extra = synthetic(anchors, n - len(real), seed=n) if n > len(real) else real[:0]
        x = np.vstack([real, extra]) if len(extra) else real.copy()
        del extra
        gt = exact_topk(x, queries, 10)
        t0 = time.perf_counter()
        idx = VectorIndex("bench", x.shape[1], capacity=n + 16)
        idx.add(range(n), x, "bench")
        idx.wait_ready()
        build_s = time.perf_counter() - t0
        for q in queries[:10]:
            idx.search(q, 10)
        lat, rec = [], []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            hits = idx.search(q, 10)
            lat.append((time.perf_counter() - t) * 1000)
            rec.append(len({h for h, _ in hits} & set(gt[i].tolist())) / 10)
        recall = float(np.mean(rec))
        goal_ms = GOAL_INDEX_MS if n >= 1_000_000 else None
        met = None
        if goal_ms is not None:
            met = pct(lat, 95) <= goal_ms and recall >= GOAL_RECALL
        rows.append(
            Row(
                f"index top-10, {n:,} vectors ({idx.kind})",
                f"{p50_p95(lat)}, recall@10 {recall:.3f}, ready in {build_s:.1f} s",
                f"p95 <= {goal_ms:.0f} ms, recall >= {GOAL_RECALL}" if goal_ms else "-",
                met,
                {
                    "n": n,
                    "kind": idx.kind,
                    "exact_max": EXACT_MAX,
                    "p50_ms": pct(lat, 50),
                    "p95_ms": pct(lat, 95),
                    "recall_at_10": recall,
                    "build_s": build_s,
                    "real_vectors": len(real),
                    "source": source,
                },
            )
        )
        say(f"index {n:,}: {rows[-1].result}")
        del idx, x
    return rows


# -- the bare encoder -------------------------------------------------------------------------


def encoder_latency(enc: Any, texts: list[str], warm: int = 5) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per call of the uncached encoder, one text a call."""
    inner = getattr(enc, "inner", enc)
    for t in texts[:warm]:
        inner.encode([t])
    wall, cpu = [], []
    for t in texts:
        c0, w0 = time.thread_time(), time.perf_counter()
        inner.encode([t])
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return wall, cpu


def encoder_row(
    name: str, n: int, wall: list[float], cpu: list[float], extra: dict[str, Any] | None = None
) -> Row:
    """One "bare encoder" line of the table: wall p50/p95 and CPU p50."""
    return Row(
        f"bare encoder {name}, {n} chars",
        f"{p50_p95(wall)}; cpu p50 {pct(cpu, 50):.1f} ms",
        data={
            "p50_ms": pct(wall, 50),
            "p95_ms": pct(wall, 95),
            "cpu_p50_ms": pct(cpu, 50),
            **(extra or {}),
        },
    )


def bare_rows(name: str, lengths: tuple[int, ...], reps: int) -> list[Row]:
    from embeddings.backends import load_encoder

    enc = load_encoder(name)
    rows = []
    for n in lengths:
        wall, cpu = encoder_latency(enc, drafts_of_length(n, reps + 5, seed=n))
        rows.append(encoder_row(name, n, wall, cpu, {"wall_ms": wall}))
    return rows


def bare_in_subprocess(name: str, reps: int) -> list[Row]:
    proc = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--bare-child", name, "--reps", str(reps)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.strip().splitlines()[-2:])
        return [Row(f"bare encoder {name}", f"not measured: {tail[:120]}")]
    rows = [Row(**r) for r in json.loads(proc.stdout.strip().splitlines()[-1])]
    for r in rows:
        r.measure += " (own process)"
        r.data.pop("wall_ms", None)
        say(r.measure + ": " + r.result)
    return rows


# -- the run -------------------------------------------------------------------------------


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    from embeddings.backends import load_encoder

    quick = args.quick
    t_all = time.perf_counter()
    meta: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": quick,
        "load_avg_start": load_avg(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
    }
    backend, info = ensure_model(args.backend)
    meta.update(info, backend=backend)
    cache = args.cache
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    plan = QUICK if quick else FULL
    n_posts = plan.posts
    reps = plan.reps

    # 1. bare encoder (the agent's backend first; torch last: its threads linger)
    enc = load_encoder(backend)
    lengths = (40, 140, 280)
    texts_by_len = {n: drafts_of_length(n, reps + 5, seed=n) for n in lengths}
    backends = (
        [backend] if quick else [backend, *[b for b in ("onnx-int8", "onnx-fp32") if b != backend]]
    )
    bare: dict[str, dict[int, list[float]]] = {}

    def measure_encoder(name: str) -> None:
        e = load_encoder(name)
        bare[name] = {}
        for n in lengths:
            wall, cpu = encoder_latency(e, texts_by_len[n])
            bare[name][n] = wall
            rows.append(encoder_row(name, n, wall, cpu))
            say(rows[-1].measure + ": " + rows[-1].result)

    for name in backends:
        measure_encoder(name)

    # 2. the core on the big brand
    from agent.core import Onbrand
    from agent.store import Store

    db = brand_db(n_posts, enc, cache)
    work = Path(tempfile.mkdtemp(prefix="onbrand-bench-"))
    try:
        core_db = work / "core.sqlite3"
        shutil.copyfile(db, core_db)
        core = Onbrand(store=Store(core_db), encoder=enc)
        t0 = time.perf_counter()
        core.analyze("warm up the brand state")
        state_s = time.perf_counter() - t0
        drafts = drafts_of_length(280, reps, seed=99)
        lat, parts = [], []
        for d in drafts:
            t0 = time.perf_counter()
            res = core.analyze(d, "x")
            lat.append((time.perf_counter() - t0) * 1000)
            parts.append(res.get("timings_ms", {}))
        breakdown = {
            k: round(pct([p[k] for p in parts if k in p], 50), 2) for k in parts[0] if k != "total"
        }
        rows.append(
            Row(
                f"core analyze, 280 chars, {n_posts:,} posts",
                f"{p50_p95(lat)}; brand state {state_s:.2f} s",
                data={"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "median_parts_ms": breakdown},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result + f" parts {breakdown}")
        _, brand_vecs = core.state("demo").posts_index.matrix()
        core.store.close()
        del core

        # 3. the agent: cold start, end to end, approve, RSS
        rows += agent_section(args, backend, db, work, bare, raw)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # 4. a brand kit's pull at scale
    rows.append(kit_row(enc, 2_000 if quick else 100_000, 100 if quick else 1_000))
    say(rows[-1].measure + ": " + rows[-1].result)

    # 5. the index
    source = "the bench brand's post vectors (demo variations)"
    vecs = brand_vecs
    if not quick:
        try:
            vecs, source = corpus_vectors(enc, cache, 12_000)
        except Exception as exc:  # no shared/data: the brand's own vectors
            say(f"public tweets unavailable ({exc}); using the brand's vectors")
    perm = np.random.default_rng(0).permutation(len(vecs))
    nq = min(plan.index_queries, len(vecs) // 5)
    if quick:  # drafts as queries: the brand has too few vectors to hold some back
        queries, anchors = enc.encode(drafts_of_length(140, nq, seed=5)), vecs
    else:
        queries, anchors = vecs[perm[:nq]], vecs[perm[nq:]]
    rows += index_bench(anchors, queries, list(plan.index_sizes), source)

    # 5. torch last, in a fresh process: in this one faiss, onnxruntime and OpenBLAS
    # thread pools already run, and torch's own pool would be measured among them
    if not quick and "torch" not in bare:
        rows += bare_in_subprocess("torch", reps)
    meta["load_avg_end"] = load_avg()
    meta["seconds"] = round(time.perf_counter() - t_all, 1)
    return {"meta": meta, "rows": [asdict(r) | {"status": r.status} for r in rows], "raw": raw}


def realistic_rows(
    port: int, token: str, n: int, n_posts: int, backend: str, data: Path, raw: dict[str, Any]
) -> list[Row]:
    """Whole 280-character drafts cut from real posts, with the bare encoder timed
    on other windows of the same posts between the requests: the goal rows (issue
    #23) are these, at p95. "Outside the core" is the end-to-end time less the
    agent's own `timings_ms.total`, split into the service's stamps (`queue`,
    `back`, `send_last`) and the rest: the loopback and this client."""
    from embeddings.backends import load_encoder

    texts, source = realistic_drafts(n, 281, data)
    bare_texts, _ = realistic_drafts(n, 2810, data)
    got = asyncio.run(
        one_shot(port, token, texts, 2, bare=load_encoder(backend), bare_texts=bare_texts)
    )
    lat, bare_ms = got["latency_ms"], got["bare_ms"]
    outside = [
        e - float(t.get("total", math.nan)) for e, t in zip(lat, got["timings"], strict=True)
    ]
    raw["e2e_realistic_280_ms"] = lat
    raw["bare_interleaved_realistic_280_ms"] = bare_ms
    ratio50 = pct(lat, 50) / pct(bare_ms, 50)
    ratio95 = pct(lat, 95) / pct(bare_ms, 95)
    rows = [
        Row(
            f"end-to-end, 1 typist, realistic 280-char drafts, {n_posts:,} posts",
            f"{p50_p95(lat)}; from {source}",
            f"p95 <= {GOAL_E2E_1:.0f} ms",
            pct(lat, 95) <= GOAL_E2E_1,
            {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "source": source},
        ),
        Row(
            "  of which outside the core (websocket, JSON, event loop)",
            f"{p50_p95(outside)}; {service_split(lat, got['timings'])}",
            data={"p50_ms": pct(outside, 50), "p95_ms": pct(outside, 95)},
        ),
        Row(
            f"end-to-end / bare encoder ({backend}, realistic 280 chars, interleaved)",
            f"p95 {ratio95:.2f}x, p50 {ratio50:.2f}x (bare p50 {pct(bare_ms, 50):.1f} / "
            f"p95 {pct(bare_ms, 95):.1f} ms between the requests)",
            f"p95 <= {GOAL_RATIO}",
            ratio95 <= GOAL_RATIO,
            {
                "ratio_p50": ratio50,
                "ratio_p95": ratio95,
                "bare_p50_ms": pct(bare_ms, 50),
                "bare_p95_ms": pct(bare_ms, 95),
            },
        ),
    ]
    for r in rows:
        say(r.measure + ": " + r.result)
    return rows


# Keys of an answer's `timings_ms` the service adds (agent/service/websocket.py:
# _stamp), and the answer's size, which `one_shot` adds.
SERVICE_KEYS = ("queue", "back", "send_last", "bytes")


def service_split(lat: list[float], timings: list[dict[str, float]]) -> str:
    """p50 of the service's own stamps, of what is left for the loopback and the
    client, and the answers' size."""

    def p50(key: str) -> float:
        return pct([float(t.get(key, math.nan)) for t in timings], 50)

    rest = [
        e - sum(float(t.get(k, math.nan)) for k in ("total", "queue", "back", "send_last"))
        for e, t in zip(lat, timings, strict=True)
    ]
    return (
        f"p50 queue {p50('queue'):.2f}, back {p50('back'):.2f}, JSON and send "
        f"{p50('send_last'):.2f} ms, loopback and client {pct(rest, 50):.2f} ms; "
        f"answers p50 {p50('bytes') / 1000:.1f} KB"
    )


def kit_row(encoder: Any, n_posts: int, n_new: int) -> Row:
    """A brand kit's pull at scale (agent/kit.py): a brand of `n_posts` posts takes
    `n_new` new ones from a kit that holds them all. The big brand is written
    straight into the store with stand-in vectors (embedding it would take the
    bench an hour); the new posts are embedded for real, as a sync embeds them."""
    from agent import kit
    from agent.brand import STYLE_RECIPE
    from agent.core import Onbrand
    from agent.store import Store, norm_key
    from agent.text.style import features

    posts = variant_posts(n_posts + n_new, seed=11)
    old, new = posts[:n_posts], posts[n_posts:]
    with tempfile.TemporaryDirectory(prefix="onbrand-kit-bench-") as tmp:
        root = Path(tmp)
        before = os.environ.get("ONBRAND_HOME")
        os.environ["ONBRAND_HOME"] = str(root / "home")
        try:
            store = Store(root / "onbrand.sqlite3")
            core = Onbrand(store=store, encoder=encoder)
            bid = store.ensure_brand("kitbench")
            ident = encoder.identity
            rng = np.random.default_rng(0)
            vecs = rng.standard_normal((len(old), ident.dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            with store.transaction() as db:
                store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                ids = [
                    store.insert_post(
                        db, bid, p["text"], p["platform"], p["posted_at"], None, "bench"
                    )[0]
                    for p in old
                ]
                store.put_vectors(db, "post", ids, vecs, ident.key)
                store.put_style(
                    db,
                    {i: features(p["text"]) for i, p in zip(ids, old, strict=True)},
                    STYLE_RECIPE,
                )
            core.state("kitbench")
            folder = root / "kit"
            (folder / kit.POSTS).mkdir(parents=True)
            (folder / kit.KIT_FILE).write_text('format = 1\nbrand = "kitbench"\n', encoding="utf-8")
            for name, chunk in (("old", old), ("new", new)):
                events = [
                    kit.Event(
                        "add",
                        norm_key(p["text"]),
                        kit.stamp(),
                        name,
                        p["text"],
                        p["platform"],
                        p["posted_at"],
                    )
                    for p in chunk
                ]
                (folder / kit.POSTS / f"{name}.jsonl").write_text(
                    "".join(e.line() + "\n" for e in events), encoding="utf-8"
                )
            att = kit.Attachment(
                "kitbench", str(folder), "here", sorted(norm_key(p["text"]) for p in old)
            )
            att.synced_at = kit.stamp()
            t0 = time.perf_counter()
            got = kit.read_kit(folder)
            t_read = time.perf_counter() - t0
            t1 = time.perf_counter()
            applied = kit._apply(core, att, got)
            t_apply = time.perf_counter() - t1
            store.close()
        finally:
            if before is None:
                os.environ.pop("ONBRAND_HOME", None)
            else:
                os.environ["ONBRAND_HOME"] = before
    return Row(
        f"kit: apply {n_new:,} new posts from a pull, {n_posts:,}-post brand",
        f"{t_read + t_apply:.1f} s (read and merge {len(got.events):,} events {t_read:.1f} s, "
        f"embed and store the {applied['added']:,} new {t_apply:.1f} s)",
        data={"read_s": t_read, "apply_s": t_apply, "added": applied["added"]},
    )


def agent_section(
    args: argparse.Namespace,
    backend: str,
    db: Path,
    work: Path,
    bare: dict[str, dict[int, list[float]]],
    raw: dict[str, Any],
) -> list[Row]:
    from embeddings.backends import load_encoder

    rows: list[Row] = []
    plan = QUICK if args.quick else FULL
    n_posts = plan.posts
    home, token = prepare_home(work, db)
    agent = Agent(home, backend)
    # Three starts, each on a fresh copy of the brand; the last agent stays up for
    # the rest of the run. One start alone is at the mercy of the machine's mood.
    colds: list[float] = []
    try:
        for attempt in range(COLD_STARTS):
            if attempt:
                agent.stop()
                home, token = prepare_home(work, db)
                agent = Agent(home, backend)
            t0 = time.perf_counter()
            agent.start()
            t_answer, result = asyncio.run(first_answer(agent.port, token, t0 + 120))
            colds.append(t_answer - t0)
        cold = pct(colds, 50)
        used = result.get("model", {}).get("encoder", {})
        used_name = (
            "torch"
            if used.get("backend") == "torch"
            else f"{used.get('backend')}-{used.get('precision')}"
        )
        if used_name != backend:
            raise RuntimeError(f"`onbrand serve` answered with {used_name}, not {backend}")
        rows.append(
            Row(
                f"cold start to first answer (`onbrand serve`, median of {len(colds)})",
                f"{cold:.2f} s ({', '.join(f'{c:.2f}' for c in colds)})",
                f"<= {GOAL_COLD_S:.0f} s",
                cold <= GOAL_COLD_S,
                {"seconds": cold, "each_s": colds},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)
        settled = agent.settle()
        say(f"agent settled after {settled:.1f} s of background work")

        # whole 280-character drafts, one at a time
        n = plan.whole
        whole = asyncio.run(
            one_shot(
                agent.port,
                token,
                drafts_of_length(280, n, seed=280),
                1,
                bare=load_encoder(backend),
                bare_texts=drafts_of_length(280, n, seed=2800),
            )
        )
        lat = whole["latency_ms"]
        raw["e2e_whole_280_ms"] = lat
        parts = whole["timings"]
        keys = [k for k in parts[0] if k not in ("total", *SERVICE_KEYS)] if parts else []
        agent_parts = {k: round(pct([p.get(k, 0.0) for p in parts], 50), 1) for k in keys}
        agent_total = [p.get("total", math.nan) for p in parts]
        rows.append(
            Row(
                f"end-to-end, 1 typist, whole 280-char drafts, {n_posts:,} posts",
                p50_p95(lat),
                f"p95 <= {GOAL_E2E_1:.0f} ms",
                pct(lat, 95) <= GOAL_E2E_1,
                {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95)},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)
        rows.append(
            Row(
                "  of which inside the core (agent's timings_ms, p50)",
                f"total {pct(agent_total, 50):.1f} ms: "
                + ", ".join(f"{k} {v}" for k, v in agent_parts.items()),
                data={"total_p50_ms": pct(agent_total, 50), "parts_p50_ms": agent_parts},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)
        # The ratio's denominator: the bare encoder timed between the same requests
        # (interleaved), so a change in machine speed during the run moves both.
        bare280 = whole["bare_ms"]
        raw["bare_interleaved_280_ms"] = bare280
        ratio50 = pct(lat, 50) / pct(bare280, 50)
        ratio95 = pct(lat, 95) / pct(bare280, 95)
        apart = pct(lat, 50) / pct(bare[backend][280], 50)
        rows.append(
            Row(
                f"end-to-end / bare encoder ({backend}, 280 chars, interleaved)",
                f"p50 {ratio50:.2f}x, p95 {ratio95:.2f}x (bare p50 {pct(bare280, 50):.1f} / "
                f"p95 {pct(bare280, 95):.1f} ms between the requests; "
                f"{apart:.2f}x against the bare row above)",
                data={
                    "ratio_p50": ratio50,
                    "ratio_p95": ratio95,
                    "bare_p50_ms": pct(bare280, 50),
                    "ratio_p50_vs_bare_row": apart,
                },
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)
        rows += realistic_rows(agent.port, token, plan.realistic, n_posts, backend, args.data, raw)

        texts = drafts_of_length(280, 200, seed=1234)
        secs1 = plan.typing_1_s
        one = asyncio.run(typing_run(agent.port, token, 1, secs1, texts, seed=1))
        lat1 = [ms for _, ms in one["latency"]]
        raw["typing_1"] = {k: v for k, v in one.items() if k != "in_flight"}
        rows.append(
            Row(
                "end-to-end, 1 typist typing (drafts up to 280 chars)",
                f"{p50_p95(lat1)}; {one['sent']} sent, {one['answered']} answered",
                data={"p50_ms": pct(lat1, 50), "p95_ms": pct(lat1, 95), "sent": one["sent"]},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)

        secs20 = plan.typing_20_s
        many = asyncio.run(typing_run(agent.port, token, 20, secs20, texts, seed=20))
        lat20 = [ms for _, ms in many["latency"]]
        q = queue_summary(many)
        raw["typing_20"] = {"latency": many["latency"], "in_flight": many["in_flight"]}
        ok20 = pct(lat20, 95) <= GOAL_E2E_20 and not q["grows"]
        rows.append(
            Row(
                "end-to-end, 20 typists typing",
                f"{p50_p95(lat20)}; {many['sent']} sent, {many['answered']} answered; "
                f"in flight {q['in_flight_first_third']} -> {q['in_flight_last_third']} "
                f"(max {q['in_flight_max']})",
                f"p95 <= {GOAL_E2E_20:.0f} ms, no queue growth",
                ok20,
                {"p50_ms": pct(lat20, 50), "p95_ms": pct(lat20, 95), **q, "errors": many["errors"]},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)

        rss, hwm = proc_rss_mb(agent.pid)
        rows.append(
            Row(
                f"agent RSS, {n_posts:,} posts (after the typing runs)",
                f"{rss:.0f} MB (peak {hwm:.0f} MB)",
                f"<= {GOAL_RSS_MB:.0f} MB",
                rss <= GOAL_RSS_MB,
                {"rss_mb": rss, "peak_mb": hwm},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)

        pairs = APPROVE_PAIRS[: plan.approve_pairs]
        secs = asyncio.run(approve_reflected(agent.port, token, pairs))
        rows.append(
            Row(
                f"approve -> reflected, {n_posts:,} posts",
                "max " + f"{max(secs):.2f} s" + " (" + ", ".join(f"{s:.2f}" for s in secs) + ")",
                f"<= {GOAL_APPROVE_S:.0f} s",
                max(secs) <= GOAL_APPROVE_S,
                {"seconds": secs},
            )
        )
        say(rows[-1].measure + ": " + rows[-1].result)
    except Exception:
        say("agent log tail:\n" + agent.tail())
        raise
    finally:
        agent.stop()
    return rows


# -- soak ------------------------------------------------------------------------------------


def run_soak(args: argparse.Namespace) -> dict[str, Any]:
    from embeddings.backends import load_encoder

    t_all = time.perf_counter()
    load_start = load_avg()
    backend, info = ensure_model(args.backend)
    enc = load_encoder(backend)
    db = brand_db(10_000, enc, args.cache)
    work = Path(tempfile.mkdtemp(prefix="onbrand-soak-"))
    rows: list[Row] = []
    try:
        home, token = prepare_home(work, db)
        agent = Agent(home, backend)
        agent.start()
        try:
            asyncio.run(first_answer(agent.port, token, time.perf_counter() + 120))
            agent.settle()
            texts = drafts_of_length(280, 400, seed=77)
            minutes = 0 if args.hostile_only else max(1, int(args.minutes))
            rss_series = [proc_rss_mb(agent.pid)[0]]
            per_minute: list[list[float]] = []
            runs = []
            for m in range(minutes):
                r = asyncio.run(typing_run(agent.port, token, 20, 60.0, texts, seed=500 + m))
                runs.append(r)
                per_minute.append([ms for _, ms in r["latency"]])
                rss_series.append(proc_rss_mb(agent.pid)[0])
                say(
                    f"minute {m + 1}: {p50_p95(per_minute[-1])}, RSS {rss_series[-1]:.0f} MB, "
                    f"in flight max {max((v for _, v in r['in_flight']), default=0)}"
                )
            from tools.hostile import run_hostile

            hostile = run_hostile(agent.port, agent.pid, token, home, texts)
        finally:
            agent.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not per_minute:  # --hostile-only
        return _soak_out(args, backend, info, load_start, t_all, hostile)
    p95s = [pct(x, 95) for x in per_minute]
    drift = p95s[-1] / p95s[0] if p95s[0] else math.nan
    growth = rss_series[-1] - rss_series[1]
    for m, x in enumerate(per_minute):
        rows.append(Row(f"soak minute {m + 1}, 20 typists", p50_p95(x)))
    rows.append(
        Row(
            "soak p95 drift (last minute / first)",
            f"{drift:.2f}x",
            "<= 1.25x",
            drift <= 1.25,
            {"p95_by_minute": p95s},
        )
    )
    rows.append(
        Row(
            "soak RSS growth after minute 1",
            f"{growth:+.1f} MB ({rss_series[1]:.0f} -> {rss_series[-1]:.0f} MB)",
            "<= +10 MB",
            growth <= 10.0,
            {"rss_mb": rss_series},
        )
    )
    worst = max((max((v for _, v in r["in_flight"]), default=0) for r in runs), default=0)
    rows.append(
        Row(
            "soak queue (in flight, max)",
            f"{worst} of 20 typists",
            "< 20 (bounded)",
            worst < 20,
        )
    )
    return _soak_out(args, backend, info, load_start, t_all, rows + hostile)


def _soak_out(
    args: argparse.Namespace,
    backend: str,
    info: dict[str, Any],
    load_start: str,
    t_all: float,
    rows: list[Row],
) -> dict[str, Any]:
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "soak_minutes": 0 if args.hostile_only else args.minutes,
        "backend": backend,
        "load_avg_start": load_start,
        "load_avg_end": load_avg(),
        "seconds": round(time.perf_counter() - t_all, 1),
        **info,
    }
    return {"meta": meta, "rows": [asdict(r) | {"status": r.status} for r in rows]}


# -- output -------------------------------------------------------------------------------------


def table(rows: list[dict[str, Any]]) -> str:
    head = ("measure", "result", "goal", "status")
    cells = [head] + [(r["measure"], r["result"], r["goal"], r["status"]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]

    def line(c: tuple[str, ...]) -> str:
        return "| " + " | ".join(s.ljust(w) for s, w in zip(c, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(c) for c in cells[1:])])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, short runs (~1 min)")
    ap.add_argument("--out", type=Path, default=None, help=f"JSON output (default {DEFAULT_OUT})")
    ap.add_argument("--backend", default="auto", help="auto, onnx-int8, onnx-fp32 or torch")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where generated brands go")
    ap.add_argument("--soak", action="store_true", help="20 typists for --minutes minutes")
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument(
        "--data",
        type=Path,
        default=ds.DEFAULT_DATA,
        help="the shared data folder, for realistic drafts (own posts without it)",
    )
    ap.add_argument(
        "--hostile-only", action="store_true", help="with --soak: only the hostile phase"
    )
    ap.add_argument("--bare-child", metavar="BACKEND", help=argparse.SUPPRESS)
    ap.add_argument("--reps", type=int, default=FULL.reps, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.bare_child:
        rows = bare_rows(args.bare_child, (40, 140, 280), args.reps)
        print(json.dumps([asdict(r) for r in rows], default=float))
        return 0
    out = run_soak(args) if args.soak else run_bench(args)
    meta = out["meta"]
    title = "onbrand soak" if args.soak else "onbrand bench" + (" --quick" if args.quick else "")
    print(
        f"{title}: backend {meta['backend']}, {meta.get('seconds', '?')} s, "
        f"load avg {meta.get('load_avg_start', '?')} -> {meta['load_avg_end']} on "
        f"{os.cpu_count()} cores (figures are noisy while the machine is busy)"
    )
    print(table(out["rows"]))
    path = args.out or (DEFAULT_OUT.with_name("soak.json") if args.soak else DEFAULT_OUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=float) + "\n")
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
