"""Fit the guideline-passage rule (agent/analyzers/guidelines.py) on the "fit"
half of tests/fixtures/guideline_judgements.json, never on "held_out".

The judgements are drafts written by hand for the demo brand, each with the
passage of agent/demo/guidelines.md that applies (by heading) or none. The demo
brand is loaded into a temporary store with the torch encoder, and every draft
is embedded as the analysis embeds it (the draft, with its reply context in the
same batch). Three steps, all on the fit half only:

1. How sharply a word the brand's approved posts use loses weight (the rarity
   power, 0 to 3): the power whose rule, fitted as below on one half of the
   fit drafts and measured on the other (2-fold, 10 random halvings), quotes
   the most right passages per quote (ties: the lower power).
2. Ranking: the prior and overlap weights that put the labelled passage first
   for the most fit drafts that have one (ties: the pair whose neighbours on the
   grid do best, then the smaller weights).
3. Quoting: the lowest score and margin (midpoints between the fit drafts'
   values) that quote the most right passages while at least PRECISION of the
   quotes are right, a quote on a "none" draft counting as wrong (ties: the
   higher, stricter pair).

Writes agent/data/passages.json and prints the figures on both halves; the
held-out ones are the ones docs/quality.md reports. --reverse also fits on
"held_out" and measures on "fit", to show how much the figures move with the
half (nothing is written then).

Usage: python -m tools.training.fit_passages [--reverse]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
JUDGEMENTS = ROOT / "tests" / "fixtures" / "guideline_judgements.json"
DEST = ROOT / "agent" / "data" / "passages.json"
PRECISION = 0.9  # on the fit half; the held-out target is 0.8
STEM = 6
POWERS = (0, 1, 2, 3)
CV_ROUNDS = 10
PRIOR_GRID = np.round(np.arange(0, 2.01, 0.25), 2)
OVERLAP_GRID = np.round(np.arange(0, 0.1001, 0.005), 3)


@dataclass
class Case:
    label: str | None  # heading path, or None
    split: str
    cos: np.ndarray  # per passage row
    words: frozenset[str]
    overlap: np.ndarray  # per passage row, under the profile of the power being tried


def load_cases() -> tuple[dict[int, Any], list[Case], str]:
    """The demo brand's profiles (by rarity power) and the judgements' cases."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["ONBRAND_HOME"] = tempfile.mkdtemp(prefix="fit-passages-")
    os.environ["ONBRAND_PRIVACY"] = "local-only"
    from agent.analyzers.guidelines import build_profile, words
    from agent.core import Onbrand
    from agent.store import Store
    from embeddings import load_encoder

    enc = load_encoder("torch")
    core = Onbrand(Store(Path(os.environ["ONBRAND_HOME"]) / "onbrand.sqlite3"), enc)
    core.load_demo()
    state = core.brands.state("demo")
    profiles = {k: build_profile(state, STEM, k) for k in POWERS}
    profile = profiles[POWERS[0]]
    rows = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))["judgements"]
    known = set(profile.headings)
    cases = []
    for r in rows:
        if r["passage"] is not None and r["passage"] not in known:
            raise SystemExit(f"judgement {r['id']}: no passage headed {r['passage']!r}")
        batch = [r["text"]] + ([r["reply_to"]] if r.get("reply_to") else [])
        vec = enc.encode(batch)[0]
        ws = words(r["text"], STEM)
        cases.append(Case(r["passage"], r["split"], profile.cosines(vec), ws, np.zeros(0)))
    return profiles, cases, enc.identity.key


def with_power(profile: Any, cases: list[Case]) -> list[Case]:
    return [replace(c, overlap=profile.overlap(c.words)) for c in cases]


def measure(profile: Any, cases: list[Case], params: Any) -> dict[str, Any]:
    """precision@1 (right quotes / quotes, a quote on a "none" draft is wrong),
    recall (labelled drafts quoted right / labelled drafts) and none-accuracy
    (drafts with no applicable passage that quote nothing / such drafts)."""
    from agent.analyzers.guidelines import choose, scores

    quoted = right = none_quiet = 0
    for c in cases:
        row = choose(profile, scores(profile, c.cos, c.overlap, params), params)
        got = None if row is None else profile.headings[row]
        quoted += got is not None
        right += got is not None and got == c.label
        none_quiet += c.label is None and got is None
    labelled = sum(c.label is not None for c in cases)
    nones = len(cases) - labelled
    return {
        "drafts": len(cases),
        "with_passage": labelled,
        "none": nones,
        "quoted": quoted,
        "right": right,
        "precision_at_1": round(right / quoted, 3) if quoted else None,
        "recall": round(right / labelled, 3) if labelled else None,
        "none_accuracy": round(none_quiet / nones, 3) if nones else None,
    }


def fit(profile: Any, cases: list[Case], power: int) -> Any:
    """Weights and thresholds for `cases` under `profile` (steps 2 and 3), or None
    when no rule reaches PRECISION."""
    from agent.analyzers.guidelines import Params, scores

    labelled = [c for c in cases if c.label is not None]
    heads = np.array(profile.headings, dtype=object)

    def top_right(prior: float, overlap: float) -> int:
        p = Params(prior, overlap, 0.0, 0.0, STEM, power)
        return sum(
            heads[int(np.argmax(scores(profile, c.cos, c.overlap, p)))] == c.label for c in labelled
        )

    grid = np.array([[top_right(a, b) for b in OVERLAP_GRID] for a in PRIOR_GRID], dtype=float)
    pad = np.pad(grid, 1, mode="edge")
    # each cell's 3x3 neighbourhood on the grid: a plateau beats a lone peak
    smooth = np.sum(
        [
            pad[1 + i : 1 + i + grid.shape[0], 1 + j : 1 + j + grid.shape[1]]
            for i in (-1, 0, 1)
            for j in (-1, 0, 1)
        ],
        axis=0,
    )
    ai, bi = max(np.ndindex(grid.shape), key=lambda ij: (grid[ij], smooth[ij], -ij[0] - ij[1]))
    base = Params(float(PRIOR_GRID[ai]), float(OVERLAP_GRID[bi]), 0.0, 0.0, STEM, power)

    best_scores, margins, right_top = [], [], []
    for c in cases:
        s = scores(profile, c.cos, c.overlap, base)
        top = int(np.argmax(s))
        others = s[profile.heading_key != profile.heading_key[top]]
        best_scores.append(s[top])
        margins.append(s[top] - others.max())
        right_top.append(heads[top] == c.label)
    bs, ms, ok = np.array(best_scores), np.array(margins), np.array(right_top)

    def cuts(values: np.ndarray) -> np.ndarray:
        v = np.unique(values)
        return np.concatenate([[v[0] - 1e-3], (v[:-1] + v[1:]) / 2])

    choice = None
    for tau in cuts(bs):
        for mu in cuts(np.maximum(ms, 0)):
            quote = (bs >= tau) & (ms >= mu)
            n, r = int(quote.sum()), int((quote & ok).sum())
            if n == 0 or r / n < PRECISION:
                continue
            key = (r, -n, tau, mu)
            if choice is None or key > choice:
                choice = key
    if choice is None:
        return None
    return replace(
        base, min_score=round(float(choice[2]), 4), min_margin=round(float(choice[3]), 4)
    )


def cross_validated(profile: Any, cases: list[Case], power: int) -> tuple[float, int]:
    """(right quotes per quote, right quotes) of the rule fitted on one half of
    `cases` and measured on the other, over CV_ROUNDS random halvings."""
    rng = np.random.default_rng(0)
    quoted = right = 0
    for _ in range(CV_ROUNDS):
        order = rng.permutation(len(cases))
        a, b = [cases[i] for i in order[::2]], [cases[i] for i in order[1::2]]
        for train, test in ((a, b), (b, a)):
            params = fit(profile, train, power)
            if params is not None:
                m = measure(profile, test, params)
                quoted, right = quoted + m["quoted"], right + m["right"]
    return (right / quoted if quoted else 0.0), right


def fit_all(profiles: dict[int, Any], cases: list[Case]) -> tuple[Any, dict[int, Any]]:
    """Steps 1 to 3 on `cases`: the parameters and the cross-validation per power."""
    cv = {k: cross_validated(profiles[k], with_power(profiles[k], cases), k) for k in POWERS}
    power = max(POWERS, key=lambda k: (cv[k][0], -k))
    params = fit(profiles[power], with_power(profiles[power], cases), power)
    if params is None:
        raise SystemExit("no rule reaches the precision on these drafts")
    return params, cv


def main() -> None:
    profiles, cases, model_key = load_cases()
    halves = {h: [c for c in cases if c.split == h] for h in ("fit", "held_out")}
    params, cv = fit_all(profiles, halves["fit"])
    profile = profiles[params.rarity_power]
    on_fit = measure(profile, with_power(profile, halves["fit"]), params)
    held = measure(profile, with_power(profile, halves["held_out"]), params)
    out = {
        "about": (
            "Weights and thresholds of the guideline-passage rule "
            "(agent/analyzers/guidelines.py), fitted by tools/training/fit_passages.py "
            "on the 'fit' half of tests/fixtures/guideline_judgements.json; measured on "
            "the 'held_out' half in docs/quality.md."
        ),
        "encoder": model_key,
        "prior_weight": params.prior,
        "overlap_weight": params.overlap,
        "min_score": params.min_score,
        "min_margin": params.min_margin,
        "stem": params.stem,
        "rarity_power": params.rarity_power,
        "fit_half": on_fit,
        "fit_half_cv_precision_by_power": {str(k): round(v[0], 3) for k, v in cv.items()},
    }
    print(json.dumps({"params": out, "held_out": held}, indent=2))
    if "--reverse" in sys.argv:
        back, _ = fit_all(profiles, halves["held_out"])
        there = profiles[back.rarity_power]
        print("reverse: fitted on held_out", back)
        print("reverse: on fit", json.dumps(measure(there, with_power(there, halves["fit"]), back)))
        return
    DEST.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
