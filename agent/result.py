"""The one result shape (docs/result.md), shared unchanged by the CLI, the
server and the extension."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agent.brand import BrandState
from agent.findings import Draft, Finding, Hint, Severity
from agent.messages import say
from embeddings import ModelIdentity

RESULT_VERSION = 1
SEVERITY_ORDER = {"alert": 0, "warn": 1, "info": 2}
MAX_HINTS = 5  # in `hints`; `hints_all` has every one
RISKY = 60  # risk at or above it: "risky"
VAGUE = 35  # specificity below it: "vague"

# The verdicts, most urgent first, for findings of one severity; an alert always
# goes before a warning (docs/result.md). `ok` when nothing calls for one.
VERDICTS = ("repeat", "risky", "complaint", "rule", "off-voice", "review", "echo", "vague")
# The verdict an alert hint of each kind stands for; an alert of any other kind
# is "review", so no alert ever sits under "ok".
ALERT_VERDICT = {
    "originality": "repeat",
    "risk": "risky",
    "complaint": "complaint",
    "rule": "rule",
    "voice": "off-voice",
    "specificity": "vague",
    "platitude": "vague",
}
# Hints of one severity are listed in the order of the verdicts they stand for.
KIND_ORDER = (
    "originality",
    "risk",
    "complaint",
    "rule",
    "voice",
    "specificity",
    "platitude",
    "guideline",
)


def _worst(hints: Iterable[Hint], kind: str) -> Severity | None:
    found = sorted((h.severity for h in hints if h.kind == kind), key=SEVERITY_ORDER.__getitem__)
    return found[0] if found else None


def _findings(scores: dict[str, dict[str, Any]], hints: list[Hint]) -> list[tuple[str, Severity]]:
    """(verdict, severity) of every finding that calls for one."""
    orig = scores.get("originality", {}).get("verdict")
    risk = scores.get("risk", {}).get("value")
    spec = scores.get("specificity", {}).get("value")
    out: list[tuple[str, Severity]] = [
        (ALERT_VERDICT.get(h.kind, "review"), "alert") for h in hints if h.severity == "alert"
    ]
    if orig == "repeat":
        out.append(("repeat", "alert"))
    if risk is not None and risk >= RISKY:
        out.append(("risky", "alert"))
    if _worst(hints, "complaint") == "warn":  # answered in public, not argued with
        out.append(("complaint", "warn"))
    voice = _worst(hints, "voice")  # a voice hint has a reason; a drift without one has none
    if voice in ("alert", "warn"):
        out.append(("off-voice", voice))
    if orig == "echo":
        out.append(("echo", "warn"))
    # Vague for this brand: the analyzer warns only when the draft is also vaguer
    # than nearly all of the brand's own posts, and the verdict follows its hint.
    if spec is not None and spec < VAGUE and _worst(hints, "specificity") in ("alert", "warn"):
        out.append(("vague", "warn"))
    return out


def headline(scores: dict[str, dict[str, Any]], hints: Iterable[Hint] = ()) -> str:
    """One word for the badge: the most severe finding of any analyzer (an alert
    before a warning), ties in the order of VERDICTS; `ok` when none calls for
    one. An update (`originality.verdict == "update"`) is no problem."""
    found = _findings(scores, list(hints))
    if not found:
        return "ok"
    verdict, _ = min(found, key=lambda f: (SEVERITY_ORDER[f[1]], VERDICTS.index(f[0])))
    return verdict


def summary(
    verdict: str, scores: dict[str, dict[str, Any]], hints: list[Hint], lang: str = "en"
) -> str:
    """The verdict in a sentence that says what to do, in the brand's language."""
    orig = scores.get("originality", {})
    if verdict == "empty":
        return say(lang, "Hints appear as you write.")
    if verdict == "repeat":
        label = orig.get("label") or say(lang, "Near-repeat")
        return say(lang, "{label}: add what is new since then, or link to it.", label=label)
    if verdict == "risky":
        return say(lang, "This could start a public fight: keep the fact, drop the jab.")
    if verdict == "complaint":
        if _worst(hints, "complaint") == "alert":
            return say(
                lang,
                "Don't argue with a complaining customer in public: acknowledge it in a "
                "line and take the details to a DM or email.",
            )
        return say(
            lang,
            "This answers a customer complaint: acknowledge it in a line and take the "
            "details to a DM or email.",
        )
    if verdict == "rule":
        broken = [str(h.evidence.get("rule")) for h in hints if h.kind == "rule"]
        alert = [
            str(h.evidence.get("rule")) for h in hints if h.kind == "rule" and h.severity == "alert"
        ]
        names = alert or broken
        quoted = ", ".join(f"'{n}'" for n in names)
        if len(names) == 1:
            return say(lang, "Breaks your brand rule {names}: fix it before posting.", names=quoted)
        return say(lang, "Breaks your brand rules {names}: fix them before posting.", names=quoted)
    if verdict == "off-voice":
        reasons = scores.get("voice_drift", {}).get("reasons") or []
        why = f": {reasons[0]}" if reasons else ""
        return say(lang, "Doesn't sound like your brand{why}.", why=why)
    if verdict == "review":
        return say(lang, "An alert below needs a look before you post.")
    if verdict == "echo":
        label = orig.get("label") or say(lang, "Close to a past post")
        return say(lang, "{label}: make sure this one adds something new.", label=label)
    if verdict == "vague":
        return say(
            lang, "Vague: add a fact a reader could check, such as a number, a name or a date."
        )
    notes = sum(h.severity == "warn" for h in hints)
    if notes:
        one = "Nothing urgent; {n} note below worth a look."
        many = "Nothing urgent; {n} notes below worth a look."
        return say(lang, one if notes == 1 else many, n=notes)
    if orig.get("verdict") == "update":
        return say(lang, "Nothing to fix. {label}: say so, or link to it.", label=orig.get("label"))
    return say(lang, "Nothing to fix.")


def hint_dict(hint: Hint, text: str) -> dict[str, Any]:
    """A hint as the result shows it: `span` (the first), `spans` (every one) and
    `matches` (each span's text and, where there is one, its replacement). An
    analyzer with several spans gives them as `evidence["matches"]`."""
    out = hint.as_dict()
    evidence = dict(out["evidence"])
    given = evidence.pop("matches", None)
    if isinstance(given, list) and given:
        matches = [
            {
                "span": list(m["span"]),
                "text": m.get("text", text[m["span"][0] : m["span"][1]]),
                "replacement": m.get("replacement"),
            }
            for m in given
        ]
    elif hint.span is not None:
        s, e = hint.span
        matches = [{"span": [s, e], "text": text[s:e], "replacement": None}]
    else:
        matches = []
    out["evidence"] = evidence
    out["spans"] = [m["span"] for m in matches]
    out["matches"] = matches
    return out


def sort_hints(hints: Iterable[Hint]) -> list[Hint]:
    """Most severe first; within a severity, in the order of the verdicts the
    kinds stand for, then as the analyzers gave them."""
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(hints, key=lambda h: (SEVERITY_ORDER[h.severity], rank.get(h.kind, len(rank))))


def build_result(
    draft: Draft,
    findings: list[Finding],
    state: BrandState,
    encoder: ModelIdentity,
    timings_ms: dict[str, float],
) -> dict[str, Any]:
    scores: dict[str, dict[str, Any]] = {}
    hints: list[Hint] = []
    extra: dict[str, Any] = {"nearest": [], "passages": []}
    for f in findings:
        for key, score in f.scores.items():
            scores[key] = score.as_dict()
        hints.extend(f.hints)
        extra.update(f.extra)
    hints = sort_hints(hints)
    empty = not draft.text.strip()
    verdict = "empty" if empty else headline(scores, hints)
    every = [hint_dict(h, draft.text) for h in hints]
    return {
        "version": RESULT_VERSION,
        "brand": draft.brand,
        # en, id or mixed (docs/languages.md): the language hints are written for
        "brand_language": state.language,
        "platform": draft.platform,
        "length": len(draft.text),
        "verdict": verdict,
        "summary": summary(verdict, scores, hints, getattr(state, "language", "en")),
        "scores": scores,
        "hints": every[:MAX_HINTS],
        "hints_more": max(0, len(every) - MAX_HINTS),
        "hints_all": every,
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
