"""`python -m tools.bench --quick` runs end to end and prints its one table.

No timing is asserted: the machine is shared and the figures are noisy. What is
checked is that every measurement ran and reported against its goal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from embeddings.onnx import CACHE_ENV
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_quick_bench_prints_one_table_and_writes_json(onnx_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, CACHE_ENV: str(onnx_cache), "ONBRAND_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        # no shared data: the realistic drafts come from the repository's own posts
        [
            sys.executable,
            "-m",
            "tools.bench",
            "--quick",
            "--out",
            str(out),
            "--data",
            str(tmp_path / "no-shared-data"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    head = [i for i, line in enumerate(lines) if line.startswith("| measure")]
    assert len(head) == 1, proc.stdout  # one table
    table = lines[head[0] :]
    for needle in (
        "bare encoder onnx-int8, 40 chars",
        "bare encoder onnx-int8, 280 chars",
        "core analyze, 280 chars",
        "cold start to first answer",
        "end-to-end, 1 typist, whole 280-char drafts",
        "end-to-end / bare encoder",
        "end-to-end, 1 typist, realistic 280-char drafts",
        "of which outside the core",
        "realistic 280 chars, interleaved",
        "end-to-end, 20 typists typing",
        "agent RSS",
        "kit: apply 100 new posts from a pull, 2,000-post brand",
        "approve -> reflected",
        "index top-10, 2,000 vectors (exact)",
        "index top-10, 10,000 vectors (ivf)",
    ):
        assert any(needle in line for line in table), (needle, proc.stdout)
    data = json.loads(out.read_text())
    rows = data["rows"]
    goals = [r for r in rows if r["goal"] != "-"]
    assert goals and all(r["status"] in ("met", "MISSED") for r in goals)
    index_rows = [r for r in rows if r["measure"].startswith("index top-10")]
    assert all(r["data"]["recall_at_10"] >= 0.9 for r in index_rows)
    typing = next(r for r in rows if r["measure"] == "end-to-end, 20 typists typing")
    assert typing["data"]["errors"] == 0
    assert data["meta"]["backend"] == "onnx-int8"
    assert data["meta"]["cpu"]
    real = next(r for r in rows if "realistic 280-char drafts" in r["measure"])
    assert "own realistic posts" in real["data"]["source"]
    ratio = next(r for r in rows if "realistic 280 chars, interleaved" in r["measure"])
    assert ratio["goal"] == "p95 <= 1.3" and ratio["data"]["ratio_p95"] > 0
