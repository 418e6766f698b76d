"""Specificity: would a reader learn something concrete, and is it stock phrases?

The score is a 1-5 rating (1 = general, 5 = specific) from a small ridge head
over the draft's embedding, 23 hand-made lexical features and hashed character
n-grams, fitted on the Gao et al. 2019 tweet specificity ratings (see
docs/quality.md). Beside the score the analyzer lists the concrete details it
found (numbers, quantities, dates, names, places, links, mentions) and flags
stock phrases from agent/data/platitudes.txt with their spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.analyzers.base import BrandView, Draft, Finding, Hint, Score, prepared
from agent.models.heads import heads
from agent.text.concrete import evidence, lexical_features
from agent.text.platitudes import Hit, bank

MIN_WORDS = 3  # below this there is nothing to rate
VAGUE_BELOW = 35  # 0-100; the result's headline reads "vague" below this too
GENERAL_BELOW = 50
# A draft is "mostly stock phrases" from this share of its words, or from this
# many phrases; below that a phrase gets a quiet note.
PLATITUDE_SHARE = 0.30
PLATITUDE_COUNT = 3
# Stock phrases say nothing a reader can check: the model's rating above 1 is
# scaled by (1 - share of words inside stock phrases) ** PLATITUDE_PULL.
PLATITUDE_PULL = 1.5

KIND_WORDS = {
    "numbers": "a number",
    "quantities": "a quantity",
    "dates": "a date or time",
    "names": "a name",
    "places": "a place",
    "links": "a link",
}


def predict(vec: np.ndarray, text: str, lexical: np.ndarray | None = None) -> float:
    """The head's 1-5 rating for one draft."""
    if lexical is None:
        lexical = lexical_features(text)
    x = np.concatenate([np.asarray(vec, dtype=np.float32), lexical])
    return float(np.clip(heads().head("specificity")(x[None, :], [text])[0], 1.0, 5.0))


def label(value: int) -> str:
    if value < VAGUE_BELOW:
        return "Vague: nothing a reader could check"
    if value < GENERAL_BELOW:
        return "Fairly general"
    if value < 70:
        return "Specific"
    return "Very specific"


@dataclass(frozen=True)
class _TextPart:
    """The text-only half of the work (see Analyzer.prepare)."""

    hits: list[Hit]
    share: float
    n_words: int
    evidence: dict[str, list[dict[str, object]]]
    lexical: np.ndarray | None


class Specificity:
    name = "specificity"

    def prepare(self, draft: Draft, state: object = None) -> _TextPart:
        text = draft.text
        hits, share, n_words = bank().find(text)
        if n_words < MIN_WORDS:
            return _TextPart(hits, share, n_words, evidence(text), None)
        head = heads().head("specificity")
        if head.hw is not None:  # the n-gram logit is memoised per text
            head.hashed_logit(text)
        ev = evidence(text)
        return _TextPart(hits, share, n_words, ev, lexical_features(text, ev))

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        text = draft.text
        part = prepared(view, self.name) or self.prepare(draft)
        hits, share, n_words, ev = part.hits, part.share, part.n_words, part.evidence
        if n_words < MIN_WORDS:
            return Finding(
                scores={
                    "specificity": Score(
                        None,
                        "Too short to judge yet",
                        {"score_1_5": None, "evidence": ev},
                    )
                }
            )
        raw = predict(view.vec, text, part.lexical)
        s = 1.0 + (raw - 1.0) * (1.0 - share) ** PLATITUDE_PULL
        value = int(round((s - 1.0) / 4.0 * 100.0))
        found = {k: v for k, v in ev.items() if v}
        hints: list[Hint] = []
        hints.extend(self._platitude_hints(hits, share))
        if value < GENERAL_BELOW:
            hints.append(self._vague_hint(value, found))
        detail: dict[str, Any] = {
            "score_1_5": round(s, 2),
            "model_score_1_5": round(raw, 2),
            "evidence": ev,
            "platitudes": {
                "share": round(share, 3),
                "words": n_words,
                "phrases": [
                    {"phrase": h.phrase, "text": h.text, "span": [h.start, h.end]} for h in hits
                ],
            },
        }
        return Finding(scores={"specificity": Score(value, label(value), detail)}, hints=hints)

    @staticmethod
    def _platitude_hints(hits: list, share: float) -> list[Hint]:
        if not hits:
            return []
        mostly = share >= PLATITUDE_SHARE or len(hits) >= PLATITUDE_COUNT
        out = []
        for n, h in enumerate(hits):
            if mostly and n == 0:
                msg = (
                    f"{share:.0%} of this draft's words are stock phrases ({len(hits)} found). "
                    f"'{h.text}' could be posted by any company on any day; say what actually "
                    "happened instead."
                )
            else:
                msg = f"Stock phrase: '{h.text}'. Replace it with something only you could say."
            out.append(
                Hint(
                    "platitude",
                    "warn" if mostly else "info",
                    msg,
                    span=(h.start, h.end),
                    evidence={"phrase": h.phrase, "share": round(share, 3), "phrases": len(hits)},
                )
            )
        return out

    @staticmethod
    def _vague_hint(value: int, found: dict[str, list]) -> Hint:
        missing = [w for k, w in KIND_WORDS.items() if k not in found]
        if found:
            have = ", ".join(sorted(found))
            msg = (
                f"Fairly general: it has {have}, but a reader still can't tell what happened. "
                f"Add {_or(missing[:3])}."
            )
        else:
            msg = (
                "Vague: no numbers, names, dates or places. Say what happened, to whom, when "
                "and how many: one concrete detail (a figure, a name, a date) does more than "
                "any adjective."
            )
        return Hint(
            "specificity",
            "warn" if value < VAGUE_BELOW else "info",
            msg,
            evidence={"found": sorted(found), "missing": missing},
        )


def _or(words: list[str]) -> str:
    if not words:
        return "one concrete detail"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
