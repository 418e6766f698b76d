"""`make eval --quick` runs end to end and prints the one table.

The test runs eval on a small synthetic data folder written into tmp_path by
tests/eval_fixture.py, never on the shared data: no test reads anything outside
the repository, and `make eval` alone reads shared/data. The figures eval prints
on the fixture data mean nothing; the real figures come from `make eval`.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from embeddings.onnx import CACHE_ENV
from tests.conftest import ROOT
from tests.eval_fixture import write_eval_data

pytestmark = pytest.mark.slow

COLUMNS = ["measure", "held-out set", "ours", "anchor", "naive baseline", "goal", "met?"]
WARN = "false alarms: real posts with a warn/alert hint"
ARGUE = "false alarms: real posts told they argue"
GUIDE = "demo brand, held-out half of 108 hand-labelled drafts"
# The table, line by line and in order: (measure, start of the held-out set, whether the
# line has a naive baseline). When tools/training/eval.py gains a line, add it here; the
# measures, the sets and the row count all follow from this list.
ROWS: list[tuple[str, str, bool]] = [
    ("near-repeat F1", "PIT-2015 test", True),
    ("near-repeat F1", "Twitter URL corpus", True),
    ("specificity Pearson r", "Gao 2019 test", True),
    ("specificity MAE", "Gao 2019 test", True),
    ("hostility macro-F1", "OLID level A test", True),
    ("voice AUC (VoiceModel)", "twcs brand replies", True),
    ("voice AUC, long posts", "twcs, 3-5 held-out replies joined", True),
    ("voice AUC (VoiceModel)", "celebrity_faceoff", True),
    (WARN, "twcs held-out posts vs their own brand", False),
    (ARGUE, "twcs held-out posts vs their own brand", False),
    (WARN, "linkedin held-out posts vs their own brand", False),
    (ARGUE, "linkedin held-out posts vs their own brand", False),
    (WARN, "demo brand, each post vs the others", False),
    (ARGUE, "demo brand, each post vs the others", False),
    ("guideline passage precision@1", GUIDE, False),
    ("guideline: 'none' drafts quoting nothing", GUIDE, False),
    ("reply read as a provocation", "OLID test, targeted offensive", False),
    # Bahasa Indonesia, on the team's own sets (tests/fixtures/id_eval, in the repository)
    ("near-repeat F1 (Indonesian)", "id_eval, held-out half: paraphrases", True),
    ("voice AUC (Indonesian)", "id_eval, held-out half: Kopi Lereng drafts", False),
    (
        "false alarms: on-voice drafts told they drift (Indonesian)",
        "id_eval, held-out half: Kopi Lereng on-voice drafts",
        False,
    ),
    ("specificity AUC (Indonesian)", "id_eval, held-out half: specific vs vague", False),
    ("heated replies told off (Indonesian)", "id_eval, held-out half: hostile", False),
    ("calm replies told off (Indonesian)", "id_eval, held-out half: calm replies", False),
    ("reply context read right (Indonesian)", "id_eval, held-out half: complaint", False),
]
MEASURES = list(dict.fromkeys(m for m, _, _ in ROWS))
SETS = list(dict.fromkeys(s for _, s, _ in ROWS))


def test_eval_quick_prints_the_table(tmp_path: Path, e5_models: Path) -> None:
    data = write_eval_data(tmp_path / "data")
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
            "--cache",
            str(tmp_path / "cache"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, CACHE_ENV: str(e5_models)},  # the Indonesian lines' encoder
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    cells = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ")
    ]
    assert cells and cells[0] == COLUMNS
    lines = cells[1:]
    got = [(row[0], row[1]) for row in lines]
    for m in MEASURES:
        assert any(measure == m for measure, _ in got), m
    for s in SETS:
        assert any(held.startswith(s) for _, held in got), s
    assert len(lines) == len(ROWS), got
    for (measure, held), (want_measure, want_set, _) in zip(got, ROWS, strict=True):
        assert measure == want_measure and held.startswith(want_set), (measure, held)
    assert "Thresholds, all fixed on dev/train splits" in text

    saved = json.loads(out.read_text())
    assert saved["mode"] == "quick" and saved["data"] == str(data)
    assert len(saved["rows"]) == len(ROWS)
    for row, (measure, held, with_baseline) in zip(saved["rows"], ROWS, strict=True):
        assert row["measure"] == measure and row["held_out"].startswith(held)
        # every line had data to score: a figure, not None or NaN
        assert row["ours"] is not None and math.isfinite(row["ours"]), row
        assert row["n"] > 0, row
        if with_baseline:
            assert row["naive"] is not None and math.isfinite(row["naive"]), row


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
