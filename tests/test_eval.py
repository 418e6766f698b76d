"""`make eval --quick` runs end to end on the shared data and prints the one table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools.training.datasets import DEFAULT_DATA

pytestmark = pytest.mark.slow

MEASURES = [
    "near-repeat F1",
    "specificity Pearson r",
    "specificity MAE",
    "hostility macro-F1",
    "voice AUC (VoiceModel)",
    "false alarms: real posts with a warn/alert hint",
    "false alarms: real posts told they argue",
    "guideline passage precision@1",
    "reply read as a provocation",
]
SETS = [
    "PIT-2015 test",
    "Twitter URL corpus",
    "Gao 2019 test",
    "OLID level A test",
    "twcs brand replies",
    "celebrity_faceoff",
    "twcs held-out posts vs their own brand",
    "linkedin held-out posts vs their own brand",
    "demo brand, each post vs the others",
    "held-out half of 108 hand-labelled drafts",
    "OLID test, targeted offensive",
]
# the heads against published anchors, with a naive baseline beside each
WITH_BASELINE = 7
ROWS = WITH_BASELINE + 3 * 2 + 2 + 1


def test_eval_quick_prints_the_table(tmp_path: Path) -> None:
    data = Path(os.environ.get("ONBRAND_EVAL_DATA", DEFAULT_DATA))
    assert data.is_dir(), (
        f"the shared evaluation data is missing: {data} does not exist. `make eval` and this "
        "test need the shared/data folder beside the repository (or ONBRAND_EVAL_DATA=DIR)."
    )
    out = tmp_path / "eval.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.training.eval",
            "--quick",
            "--data",
            str(data),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    header = next(line for line in text.splitlines() if line.startswith("| measure"))
    cols = [c.strip() for c in header.strip("|").split("|")]
    assert cols == ["measure", "held-out set", "ours", "anchor", "naive baseline", "goal", "met?"]
    lines = [line for line in text.splitlines() if line.startswith("| ") and "measure" not in line]
    for m in MEASURES:
        assert any(line.startswith(f"| {m}") for line in lines), m
    for s in SETS:
        assert any(s in line for line in lines), s
    assert len(lines) == ROWS
    assert "Thresholds, all fixed on dev/train splits" in text
    saved = json.loads(out.read_text())
    assert saved["mode"] == "quick" and len(saved["rows"]) == ROWS
    for row in saved["rows"]:
        assert row["ours"] is not None
    assert all(row["naive"] is not None for row in saved["rows"][:WITH_BASELINE])


def test_eval_fails_clearly_without_data(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tools.training.eval", "--quick", "--data", str(tmp_path / "nope")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "data folder not found" in proc.stderr
