"""The one result shape (docs/result.md), shared unchanged by the CLI, the
server and the extension."""

from __future__ import annotations

from typing import Any

from agent.brand import BrandState
from agent.findings import Draft, Finding
from embeddings import ModelIdentity

RESULT_VERSION = 1
SEVERITY_ORDER = {"alert": 0, "warn": 1, "info": 2}


def headline(scores: dict[str, dict[str, Any]]) -> str:
    """One word for the badge, most urgent first."""
    orig = scores.get("originality", {})
    risk = scores.get("risk", {}).get("value")
    drift = scores.get("voice_drift", {}).get("value")
    spec = scores.get("specificity", {}).get("value")
    if orig.get("verdict") == "repeat":
        return "repeat"
    if risk is not None and risk >= 60:
        return "risky"
    if drift is not None and drift >= 60:
        return "off-voice"
    if orig.get("verdict") == "echo":
        return "echo"
    if spec is not None and spec < 35:
        return "vague"
    return "ok"


def build_result(
    draft: Draft,
    findings: list[Finding],
    state: BrandState,
    encoder: ModelIdentity,
    timings_ms: dict[str, float],
) -> dict[str, Any]:
    scores: dict[str, dict[str, Any]] = {}
    hints = []
    extra: dict[str, Any] = {"nearest": [], "passages": []}
    for f in findings:
        for key, score in f.scores.items():
            scores[key] = score.as_dict()
        hints.extend(f.hints)
        extra.update(f.extra)
    hints.sort(key=lambda h: SEVERITY_ORDER[h.severity])
    empty = not draft.text.strip()
    return {
        "version": RESULT_VERSION,
        "brand": draft.brand,
        "platform": draft.platform,
        "length": len(draft.text),
        "verdict": "empty" if empty else headline(scores),
        "scores": scores,
        "hints": [h.as_dict() for h in hints],
        "nearest": extra["nearest"],
        "passages": extra["passages"],
        "model": {
            "encoder": encoder.as_dict(),
            "voice_model": {
                "version": state.voice.version,
                "posts": state.voice.n_posts,
                "ready": state.voice.ready,
            },
        },
        "timings_ms": timings_ms,
    }
