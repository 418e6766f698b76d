"""Specificity: would a reader learn something concrete, and is it stock phrases?

The score is a 1-5 rating (1 = general, 5 = specific) from a small ridge head
over the draft's embedding, 23 hand-made lexical features and hashed character
n-grams, fitted on the Gao et al. 2019 tweet specificity ratings (see
docs/quality.md). Beside the score the analyzer lists the concrete details it
found (numbers, quantities, dates, names, places, links, mentions) and flags
stock phrases from agent/data/platitudes.txt with their spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.analyzers.base import (
    BrandView,
    Draft,
    Finding,
    Hint,
    PerBrand,
    Score,
    language,
    prepared,
    sample_posts,
)
from agent.brand import BrandState
from agent.messages import say
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
# "Vague" is a warning only when the draft is also vaguer than nearly all of the
# brand's own posts (this quantile of a sample of them): a support team's short
# questions or a leader's one-line hooks are how that brand writes, and telling
# every one of them to add a date was the most common false alarm (docs/quality.md).
# Below NORM_MIN_POSTS posts the absolute cut alone decides.
NORM_QUANTILE = 0.02
NORM_SAMPLE = 200
NORM_MIN_POSTS = 20
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


def rate(raw: float, share: float) -> tuple[float, int]:
    """(1-5 rating, 0-100 value) once stock phrases pulled the head's rating down."""
    s = 1.0 + (raw - 1.0) * (1.0 - share) ** PLATITUDE_PULL
    return s, int(round((s - 1.0) / 4.0 * 100.0))


def usual_floor(state: BrandState) -> float | None:
    """The value only NORM_QUANTILE of the brand's own posts fall below (an even
    sample of them), or None for a brand too small to say."""
    if len(state.posts_index) < NORM_MIN_POSTS:
        return None
    ids, vecs, posts = sample_posts(state, NORM_SAMPLE)
    keep = [(v, posts[pid].text) for v, pid in zip(vecs, ids, strict=True) if pid in posts]
    values = []
    for vec, text in keep:
        hits, share, n_words = bank().find(text)
        if n_words >= MIN_WORDS:
            values.append(rate(predict(vec, text), share)[1])
    if len(values) < NORM_MIN_POSTS:
        return None
    return float(np.quantile(values, NORM_QUANTILE))


SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)]*(?=\s|$)")


def asks_only(text: str) -> bool:
    """Whether the draft only asks (a question, perhaps after a greeting of a few
    words): "say what happened, and when" is advice for a claim, not for a
    question put to the reader."""
    text = text.strip()
    if not text.endswith(("?", "?)", '?"', "?”")):
        return False
    start = 0
    for m in SENTENCE_END.finditer(text):
        if "?" not in m.group() and len(text[start : m.start()].split()) > 3:
            return False
        start = m.end()
    return True


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

    def __init__(self) -> None:
        self._floors: PerBrand[float | None] = PerBrand(usual_floor, 0.1, NORM_MIN_POSTS)

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
        lang = language(view)
        part = prepared(view, self.name) or self.prepare(draft)
        hits, share, n_words, ev = part.hits, part.share, part.n_words, part.evidence
        if n_words < MIN_WORDS:
            return Finding(
                scores={
                    "specificity": Score(
                        None,
                        say(lang, "Too short to judge yet"),
                        {"score_1_5": None, "evidence": ev},
                    )
                }
            )
        raw = predict(view.vec, text, part.lexical)
        s, value = rate(raw, share)
        found = {k: v for k, v in ev.items() if v}
        hints: list[Hint] = []
        hints.extend(self._platitude_hints(hits, share, lang))
        floor = None
        if value < GENERAL_BELOW:
            floor = self._floors.of(view.state) if value < VAGUE_BELOW else None
            warn = value < VAGUE_BELOW and (floor is None or value < floor) and not asks_only(text)
            hints.append(self._vague_hint(value, found, warn, lang))
        detail: dict[str, Any] = {
            "score_1_5": round(s, 2),
            "model_score_1_5": round(raw, 2),
            # below it the draft is vaguer than nearly all the brand's posts
            "brand_floor": None if floor is None else round(floor, 1),
            "evidence": ev,
            "platitudes": {
                "share": round(share, 3),
                "words": n_words,
                "phrases": [
                    {"phrase": h.phrase, "text": h.text, "span": [h.start, h.end]} for h in hits
                ],
            },
        }
        return Finding(
            scores={"specificity": Score(value, say(lang, label(value)), detail)}, hints=hints
        )

    @staticmethod
    def _platitude_hints(hits: list, share: float, lang: str = "en") -> list[Hint]:
        if not hits:
            return []
        mostly = share >= PLATITUDE_SHARE or len(hits) >= PLATITUDE_COUNT
        out = []
        for n, h in enumerate(hits):
            if mostly and n == 0:
                msg = say(
                    lang,
                    "{share} of this draft's words are stock phrases ({n} found). '{phrase}' "
                    "could be posted by any company on any day; say what actually happened "
                    "instead.",
                    share=f"{share:.0%}",
                    n=len(hits),
                    phrase=h.text,
                )
            else:
                msg = say(
                    lang,
                    "Stock phrase: '{phrase}'. Replace it with something only you could say.",
                    phrase=h.text,
                )
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
    def _vague_hint(value: int, found: dict[str, list], warn: bool, lang: str = "en") -> Hint:
        missing = [w for k, w in KIND_WORDS.items() if k not in found]
        if found:
            msg = say(
                lang,
                "Fairly general: it has {have}, but a reader still can't tell what happened. "
                "Add {missing}.",
                have=", ".join(say(lang, k) for k in sorted(found)),
                missing=_or([say(lang, w) for w in missing[:3]], lang),
            )
        else:
            msg = say(
                lang,
                "Vague: no numbers, names, dates or places. Say what happened, to whom, when "
                "and how many: one concrete detail (a figure, a name, a date) does more than "
                "any adjective.",
            )
        return Hint(
            "specificity",
            "warn" if warn else "info",
            msg,
            evidence={"found": sorted(found), "missing": missing},
        )


def _or(words: list[str], lang: str = "en") -> str:
    if not words:
        return say(lang, "one concrete detail")
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + say(lang, " or ") + words[-1]
