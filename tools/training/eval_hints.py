"""`make eval` lines for what a user feels: whole analyses, not single heads.

- False alarms on real brand posts: each set's held-out posts are analysed
  against a brand built from its other posts (twcs brand replies, evaluation
  only; LinkedIn authors with 50+ posts; the demo brand, each post against all
  the others). A post the brand really published should rarely be told it is
  risky, off-voice or against the rules: the share with any warn/alert hint
  (originality aside: brands do repeat themselves) and the share told it argues.
- Reply classification: OLID test tweets labelled targeted-offensive (level B
  TIN), as the post a draft answers, should read as a provocation.

Everything here reads the shared data folder; nothing is tuned on it.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agent.analyzers import Draft
from agent.analyzers.risk import classify_context, hostility_threshold
from agent.core import Onbrand
from agent.store import Store
from embeddings import Encoder
from tools.training import datasets as ds

ROOT = Path(__file__).resolve().parents[2]
TWCS_BRANDS = ("AppleSupport", "SpotifyCares", "McDonalds")


def _alarms(result: dict[str, Any]) -> tuple[bool, bool]:
    """(any warn/alert hint but originality's, told it argues)."""
    hints = result.get("hints_all", result["hints"])
    alarm = any(h["severity"] != "info" and h["kind"] != "originality" for h in hints)
    argues = any(
        h["kind"] == "risk"
        and (h["evidence"] or {}).get("reply") == "provocation"
        or "arguing" in h["message"]
        for h in hints
    )
    return alarm, argues


def _brand_from(core: Onbrand, name: str, posts: list[str], folder: Path) -> None:
    core.store.ensure_brand(name)
    path = folder / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for t in posts:
            fh.write(json.dumps({"text": t}) + "\n")
    core.import_file(path, brand=name, fmt="jsonl")


def _linkedin(data: Path) -> dict[str, list[str]]:
    path = ds.need(data / "linkedin_influencers_sample" / "linkedIn_data_Kartik-checkpoint.csv")
    by: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        for r in csv.DictReader(fh):
            text = (r.get("content") or "").strip()
            if text:
                by.setdefault(r["name"], []).append(text[:3000])
    return {a: ps for a, ps in by.items() if len(ps) >= 50}


def _split(posts: list[str], salt: str, n_test: int) -> tuple[list[str], list[str]]:
    ranked = sorted(posts, key=lambda t: ds.stable_unit(f"{salt}:{t}"))
    return ranked[n_test:], ranked[:n_test]


def false_alarms(
    data: Path, quick: bool, encoder: Encoder, say: Callable[[str], None]
) -> list[tuple[str, int, float, float]]:
    """(set, n, share with a warn/alert hint, share told it argues) per set."""
    out = []
    with tempfile.TemporaryDirectory(prefix="onbrand-eval-") as tmp:
        folder = Path(tmp)
        core = Onbrand(Store(folder / "eval.sqlite3"), encoder)
        sets: dict[str, dict[str, tuple[list[str], list[str]]]] = {"twcs": {}, "linkedin": {}}
        twcs = ds.twcs_split(ds.twcs_brands(data), *((150, 20) if quick else (1000, 100)))
        sets["twcs"] = {b: twcs[b] for b in TWCS_BRANDS if b in twcs}
        for author, posts in sorted(_linkedin(data).items())[: 3 if quick else None]:
            sets["linkedin"][author] = _split(posts, "li", 5 if quick else 10)
        for label, groups in sets.items():
            flags = []
            for name, (train, test) in groups.items():
                brand = f"eval{len(core.store.brands())}"
                say(f"eval: false alarms, {label} {name}: {len(train)} posts, {len(test)} held out")
                _brand_from(core, brand, train, folder)
                drafts = [Draft(text=t, brand=brand) for t in test]
                flags += [_alarms(r) for r in core.analyze_many(drafts)]
            out.append((f"{label} held-out posts vs their own brand", len(flags), *_shares(flags)))
        core.load_demo(activate=False)
        ids = core.store.list_posts("demo", 1000, 0)
        drafts = [
            Draft(text=p.text, platform=p.platform, brand="demo", exclude_post=p.id) for p in ids
        ]
        flags = []
        for i in range(0, len(drafts), 32):
            flags += [_alarms(r) for r in core.analyze_many(drafts[i : i + 32])]
        out.append(("demo brand, each post vs the others", len(flags), *_shares(flags)))
        core.store.close()
    return out


def _shares(flags: list[tuple[bool, bool]]) -> tuple[float, float]:
    if not flags:
        return float("nan"), float("nan")
    a = np.array(flags, dtype=bool)
    return float(a[:, 0].mean()), float(a[:, 1].mean())


def olid_targeted(data: Path) -> list[str]:
    """OLID test tweets labelled offensive and targeted (level B: TIN)."""
    tin = set()
    with ds.need(data / "olid" / "labels-levelb.csv").open(encoding="utf-8") as fh:
        for r in csv.reader(fh):
            if len(r) >= 2 and r[1].strip() == "TIN":
                tin.add(r[0].strip())
    texts = []
    with ds.need(data / "olid" / "testset-levela.tsv").open(encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for r in rows:
            if r[0] in tin:
                texts.append(r[1].replace("@USER", "@someone").replace("URL", "").strip())
    return texts


def provocation_share(
    data: Path, n: int | None, encoder: Encoder
) -> tuple[float, int, dict[str, int]]:
    texts = olid_targeted(data)
    if n is not None:
        texts = sorted(texts, key=lambda t: ds.stable_unit(f"tin:{t}"))[:n]
    vecs = encoder.encode(texts)
    t = hostility_threshold()
    kinds = [classify_context(v, text, t)["kind"] for v, text in zip(vecs, texts, strict=True)]
    counts = {k: kinds.count(k) for k in ("provocation", "complaint", "other")}
    return counts["provocation"] / max(len(kinds), 1), len(kinds), counts


def guideline_quotes(encoder: Encoder) -> tuple[float, float, int]:
    """(precision@1, share of "none" drafts quoting nothing, n) on the held-out half
    of the hand-labelled judgements (tests/fixtures/guideline_judgements.json; the
    quoting rule was fitted on the other half)."""
    rows = json.loads(
        (ROOT / "tests/fixtures/guideline_judgements.json").read_text(encoding="utf-8")
    )["judgements"]
    held = [r for r in rows if r["split"] == "held_out"]
    with tempfile.TemporaryDirectory(prefix="onbrand-eval-") as tmp:
        core = Onbrand(Store(Path(tmp) / "eval.sqlite3"), encoder)
        core.load_demo()
        got = []
        for r in held:
            res = core.analyze(r["text"], r["platform"], "demo", r.get("reply_to"))
            got.append((res["passages"][0]["heading"] if res["passages"] else None, r["passage"]))
        core.store.close()
    quotes = [(q, want) for q, want in got if q is not None]
    nones = [q for q, want in got if want is None]
    precision = sum(q == want for q, want in quotes) / max(len(quotes), 1)
    return precision, sum(q is None for q in nones) / max(len(nones), 1), len(held)
