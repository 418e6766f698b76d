"""The multilingual encoder beside MiniLM, on Indonesian drafts (docs/languages.md).

    python -m tools.bench_languages                # latency, cold build, agent memory
    python -m tools.bench_languages --posts 2000   # a smaller brand for the memory line

- **latency**: one 280-character Indonesian draft at a time, every draft a new text (the
  encoder's cache never answers), MiniLM (onnx-int8) and e5 (e5-int8) interleaved, one
  intra-op thread each, as the agent runs them;
- **cold build**: `python -m embeddings.e5 build` into an empty cache;
- **memory**: a fresh process that opens a store holding a brand of N posts (embedded
  once, kept in .eval-cache/bench/) and analyses 60 drafts; its RSS after them and at
  its peak. Three agents: an Indonesian brand with MiniLM loaded too (`onbrand serve`
  loads the default encoder at its start), the same with e5 alone, and the same posts
  as an English brand (MiniLM alone), the baseline.

Prints one JSON object, with the machine's load average before and after. The drafts
and posts are made from sentences written for onbrand (tests/fixtures/e5_texts.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.fixtures.e5_texts import CODE_MIXED, INDONESIAN

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".eval-cache" / "bench"
PLACES = ("Bandung", "Surabaya", "Medan", "Makassar", "Bekasi", "Depok", "Malang", "Bogor")


def drafts(n: int, chars: int, seed: int) -> list[str]:
    """n distinct Indonesian drafts of about `chars` characters."""
    rng = random.Random(seed)
    pool = [s for s in INDONESIAN + CODE_MIXED if len(s) < chars]
    out = []
    for i in range(n):
        text = f"Update {i + 1} dari {rng.choice(PLACES)}:"
        while len(text) < chars:
            text += " " + rng.choice(pool)
        out.append(text[:chars].rsplit(" ", 1)[0])
    return out


def latency(n: int) -> dict[str, object]:
    from embeddings.backends import load_encoder

    encs = {b: load_encoder(b) for b in ("onnx-int8", "e5-int8")}
    texts = drafts(n + 20, 280, 1)
    for e in encs.values():  # warm up: sessions open, first runs
        for t in texts[:10]:
            e.encode([t + " pemanasan"])
    times: dict[str, list[float]] = {b: [] for b in encs}
    for t in texts[20:]:
        for b, e in encs.items():
            t0 = time.perf_counter()
            e.encode([t])
            times[b].append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)
    return {
        b: {
            "p50_ms": round(float(np.percentile(v, 50)), 1),
            "p95_ms": round(float(np.percentile(v, 95)), 1),
            "drafts": len(v),
        }
        for b, v in times.items()
    }


def cold_build() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "embeddings.e5", "build", "--cache", tmp],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        return {"seconds": round(time.monotonic() - t0, 1)}


def brand_store(posts: int, lang: str) -> Path:
    """A store with a brand "toko" of `posts` Indonesian posts, of language `lang`
    (id: embedded with e5-int8, en: with MiniLM)."""
    from agent.core import Onbrand
    from agent.store import Store

    path = CACHE / f"brand-{lang}-{posts}.sqlite3"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    core = Onbrand(Store(tmp), backend="onnx-int8")
    core.store.ensure_brand("toko")
    core.set_language("toko", lang)
    core.use_brand("toko")
    rows = drafts(posts, 240, 2)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for i, t in enumerate(rows):
            fh.write(json.dumps({"text": f"{t} #{i}"}) + "\n")
    t0 = time.monotonic()
    core.import_file(Path(fh.name), brand="toko", fmt="jsonl")
    print(f"embedded {posts} posts in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    os.unlink(fh.name)
    core.store.close()
    tmp.rename(path)
    return path


MEMORY_CHILD = """
import json, sys
from agent.core import Onbrand
from agent.store import Store
from embeddings.backends import load_encoder
from tools.bench_languages import drafts
if sys.argv[2] == "yes":
    load_encoder("onnx-int8").encode(["warm"])  # what `onbrand serve` loads at its start
core = Onbrand(Store(sys.argv[1]), backend="onnx-int8")
for d in drafts(60, 280, 3):
    r = core.analyze(d, brand="toko")
assert r["model"]["encoder"]["name"] == sys.argv[3], r["model"]
status = open("/proc/self/status").read()
mb = {l.split(":")[0]: int(l.split()[1]) // 1024 for l in status.splitlines()
      if l.startswith(("VmRSS", "VmHWM"))}
print(json.dumps({"rss_mb": mb["VmRSS"], "peak_rss_mb": mb["VmHWM"]}))
"""


def memory(posts: int) -> dict[str, object]:
    out: dict[str, object] = {"posts": posts}
    for name, lang, minilm, model in (
        ("id brand, MiniLM loaded too", "id", "yes", "multilingual-e5-small"),
        ("id brand, e5 alone", "id", "no", "multilingual-e5-small"),
        ("en brand (baseline), MiniLM alone", "en", "yes", "all-MiniLM-L6-v2"),
    ):
        path = brand_store(posts, lang)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "onbrand.sqlite3"
            copy.write_bytes(path.read_bytes())
            got = subprocess.run(
                [sys.executable, "-c", MEMORY_CHILD, str(copy), minilm, model],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout
        out[name] = json.loads(got.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--drafts", type=int, default=200)
    p.add_argument("--posts", type=int, default=10_000)
    p.add_argument("--skip", nargs="*", default=[], choices=["latency", "build", "memory"])
    a = p.parse_args(argv)
    out: dict[str, object] = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    if "build" not in a.skip:
        out["e5_cold_build"] = cold_build()
    if "latency" not in a.skip:
        out["latency_280_chars_id"] = latency(a.drafts)
    if "memory" not in a.skip:
        out["agent_memory"] = memory(a.posts)
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
