"""`make eval` lines in Bahasa Indonesia, on sets the team wrote (issue #19).

The sets are tests/fixtures/id_eval/ (original writing, docs/languages.md): each
item is in the "fit" half (for tuning) or the "held_out" half; these lines read
the held-out half only. Whole analyses run against the Indonesian demo brand
(Kopi Lereng, agent/demo_id/) with its own encoder, multilingual-e5-small; the
near-repeat line also shows all-MiniLM-L6-v2 on the same pairs, the encoder an
English brand uses, as the naive baseline.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from agent.analyzers.originality import closeness
from agent.analyzers.risk import classify_context, hostility_threshold
from agent.core import DEMO_BRANDS, Onbrand
from agent.models.assets import encoder_assets
from agent.models.calibration import thresholds
from agent.store import Store
from embeddings import Encoder
from tools.training.measures import auc, f1

ROOT = Path(__file__).resolve().parents[2]
SETS = ROOT / "tests" / "fixtures" / "id_eval"


def held_out(name: str, key: str) -> list[dict[str, Any]]:
    raw = json.loads((SETS / f"{name}.json").read_text(encoding="utf-8"))
    return [x for x in raw[key] if x["split"] == "held_out"]


def near_repeats(encoder: Encoder) -> tuple[float, int]:
    """F1 of Originality's decision (anything but fresh) on the held-out pairs."""
    pairs = held_out("paraphrases", "pairs")
    a = encoder.encode([p["a"] for p in pairs])
    b = encoder.encode([p["b"] for p in pairs])
    cos = (a * b).sum(axis=1)
    y = np.array([bool(p["label"]) for p in pairs])
    with encoder_assets(encoder.identity.key):
        t = thresholds()
        said = [closeness(float(c), p["a"], p["b"], t)[0] for c, p in zip(cos, pairs, strict=True)]
    return f1(y, np.array([s != "fresh" for s in said])), len(pairs)


def kopi_lereng(encoder: Encoder, multilingual: Encoder, folder: Path) -> Onbrand:
    os.environ["ONBRAND_HOME"] = str(folder)
    core = Onbrand(Store(folder / "eval.sqlite3"), encoder, multilingual=multilingual)
    core.load_demo(lang="id")
    return core


def brand_lines(encoder: Encoder, multilingual: Encoder) -> dict[str, tuple[float, int]]:
    """Voice, specificity and reply lines through whole analyses of the held-out
    drafts against Kopi Lereng."""
    before = os.environ.get("ONBRAND_HOME")
    out: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="onbrand-eval-id-") as tmp:
        try:
            core = kopi_lereng(encoder, multilingual, Path(tmp))
            brand = DEMO_BRANDS["id"]
            voice = held_out("voice", "drafts")
            res = core.analyze_many(
                [core.make_draft(d["text"], d["platform"], brand) for d in voice]
            )
            drift = np.array([float(r["scores"]["voice_drift"]["value"] or 0) for r in res])
            off = np.array([d["label"] == "off" for d in voice])
            out["voice"] = (auc(drift[off], drift[~off]), len(voice))
            warned = [
                any(h["kind"] == "voice" and h["severity"] != "info" for h in r["hints_all"])
                for r, d in zip(res, voice, strict=True)
                if d["label"] == "on"
            ]
            out["voice_false_alarms"] = (float(np.mean(warned)), len(warned))
            spec = held_out("specificity", "items")
            res = core.analyze_many([core.make_draft(d["text"], "x", brand) for d in spec])
            value = np.array([float(r["scores"]["specificity"]["value"] or 0) for r in res])
            specific = np.array([d["label"] == "specific" for d in spec])
            out["specificity"] = (auc(value[specific], value[~specific]), len(spec))
            replies = held_out("replies", "replies")
            res = core.analyze_many(
                [core.make_draft(r["reply"], "x", brand, r["post"]) for r in replies]
            )
            flagged = np.array(
                [
                    any(
                        h["kind"] in ("risk", "complaint") and h["severity"] == "alert"
                        for h in r["hints_all"]
                    )
                    or r["verdict"] == "risky"
                    for r in res
                ]
            )
            heated = np.array([r["reply_tone"] != "calm" for r in replies])
            out["replies_caught"] = (float(flagged[heated].mean()), int(heated.sum()))
            out["replies_calm_alarms"] = (float(flagged[~heated].mean()), int((~heated).sum()))
            with encoder_assets(multilingual.identity.key):
                vecs = multilingual.encode([r["post"] for r in replies])
                kinds = [
                    classify_context(v, r["post"], hostility_threshold())["kind"]
                    for v, r in zip(vecs, replies, strict=True)
                ]
            right = [k == r["post_kind"] for k, r in zip(kinds, replies, strict=True)]
            out["reply_context"] = (float(np.mean(right)), len(replies))
            core.store.close()
        finally:
            if before is None:
                os.environ.pop("ONBRAND_HOME", None)
            else:
                os.environ["ONBRAND_HOME"] = before
    return out
