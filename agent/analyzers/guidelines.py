"""Guideline passages: quote the one passage of the brand's guidelines that
applies to this draft, or none.

The closest passage by cosine alone was the wrong one most of the time: a
passage about the brand itself ("who we are") is close to nearly every draft,
and a passage that forbids a word is rarely close to a draft that uses it. So
each passage is scored

    cosine(draft, passage) - PRIOR * prior(passage) + OVERLAP * overlap(draft, passage)

where `prior` is the passage's mean cosine to the brand's approved posts (how
much it resembles whatever the brand writes) and `overlap` sums the weights of
the words the draft shares with the passage, a word weighing more the fewer
passages and approved posts use it (guidelines name what they forbid:
"thrilled", "Brick500", "#Blessed"). The best passage is quoted when its score
reaches MIN_SCORE and beats the best passage under any other heading by
MIN_MARGIN. The four numbers are in agent/data/passages.json, fitted by
tools/training/fit_passages.py on half of a labelled set; docs/quality.md
("Guideline passages") has the set, the fit and the measured precision.

Cheap enough for every typing pause: the brand's side (passage vectors, prior,
word weights) is computed once per brand state, and a draft costs one
matrix-vector product and a dictionary look-up per word.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from agent.analyzers.base import (
    BrandView,
    Draft,
    Finding,
    Hint,
    PerBrand,
    prepared,
    sample_posts,
)
from agent.brand import BrandState

WORD = re.compile(r"#?\w+(?:['’-]\w+)*")
# Approved posts read for the prior and the word weights: an even sample, so a
# brand of a million posts costs what one of a thousand does.
POST_SAMPLE = 1_000
# The brand's side is recomputed when its post count moves this much (an
# approval into a brand smaller than POST_SAMPLE always recomputes it).
REFRESH_SHARE = 0.1


@dataclass(frozen=True)
class Params:
    prior: float  # weight of the passage's mean cosine to the brand's posts
    overlap: float  # weight of the shared words' summed weights
    min_score: float
    min_margin: float  # over the best passage under another heading
    stem: int  # words are cut to this many characters ("hashtags" ~ "hashta")
    rarity_power: int  # how sharply a word the brand's posts use loses weight


@functools.cache
def load_params() -> Params:
    raw = json.loads(resources.files("agent").joinpath("data/passages.json").read_text())
    return Params(
        prior=float(raw["prior_weight"]),
        overlap=float(raw["overlap_weight"]),
        min_score=float(raw["min_score"]),
        min_margin=float(raw["min_margin"]),
        stem=int(raw["stem"]),
        rarity_power=int(raw["rarity_power"]),
    )


def words(text: str, stem: int) -> frozenset[str]:
    """The text's words, lowercased and cut to `stem` characters; hashtags keep
    their '#'."""
    return frozenset(w.replace("’", "'")[:stem] for w in WORD.findall(text.lower()))


class Profile:
    """The brand's side of the score, for one brand state: passage vectors and
    headings, each passage's prior and an inverted index of weighted words."""

    def __init__(
        self,
        ids: np.ndarray,
        vecs: np.ndarray,
        headings: list[str],
        passage_words: list[frozenset[str]],
        post_vecs: np.ndarray,
        post_words: list[frozenset[str]],
        rarity_power: int,
    ) -> None:
        self.ids = ids
        self.vecs = vecs
        self.headings = headings
        self.prior = (
            vecs @ post_vecs.mean(axis=0) if len(post_vecs) else np.zeros(len(ids), np.float32)
        )
        n_pas, n_posts = len(passage_words), len(post_words)
        in_passages = Counter(w for ws in passage_words for w in ws)
        in_posts = Counter(w for ws in post_words for w in ws)

        def weight(w: str) -> float:
            rare_here = math.log(n_pas / in_passages[w])  # 0 for a word every passage has
            if not n_posts:
                return rare_here
            # 1 for a word no approved post uses, 0 for one they all use: a word the
            # guidelines name and the brand's posts avoid is what they forbid, while the
            # examples they give of doing it right ("Saturday, June 6") are in the posts.
            rarity = math.log((1 + n_posts) / (1 + in_posts[w])) / math.log(1 + n_posts)
            return rare_here * rarity**rarity_power

        postings: dict[str, list[tuple[int, float]]] = {}
        for row, ws in enumerate(passage_words):
            for w in ws:
                wt = weight(w)
                if wt > 0:
                    postings.setdefault(w, []).append((row, wt))
        self.postings = {
            w: (np.array([r for r, _ in ps], dtype=np.int64), np.array([x for _, x in ps]))
            for w, ps in postings.items()
        }
        # Rows grouped by heading: a section split into several passages is one choice.
        keys = {h: i for i, h in enumerate(dict.fromkeys(headings))}
        self.heading_key = np.array([keys[h] for h in headings], dtype=np.int64)

    def cosines(self, vec: np.ndarray) -> np.ndarray:
        return self.vecs @ np.asarray(vec, dtype=np.float32)

    def overlap(self, draft_words: Iterable[str]) -> np.ndarray:
        out = np.zeros(len(self.ids))
        for w in draft_words:
            hit = self.postings.get(w)
            if hit is not None:  # a word has one posting per passage: no repeated rows
                out[hit[0]] += hit[1]
        return out


def scores(profile: Profile, cos: np.ndarray, overlap: np.ndarray, p: Params) -> np.ndarray:
    return cos - p.prior * profile.prior + p.overlap * overlap


def choose(profile: Profile, score: np.ndarray, p: Params) -> int | None:
    """The row of the passage to quote, or None when none applies."""
    if not len(score):
        return None
    best = int(np.argmax(score))
    others = score[profile.heading_key != profile.heading_key[best]]
    margin = score[best] - (others.max() if len(others) else -np.inf)
    return best if score[best] >= p.min_score and margin >= p.min_margin else None


def build_profile(state: BrandState, stem: int, rarity_power: int) -> Profile:
    ids, vecs = state.passages_index.matrix()
    keep = [i for i, pid in enumerate(ids) if int(pid) in state.passages]
    ids, vecs = ids[keep], vecs[keep]
    passages = [state.passages[int(pid)] for pid in ids]
    # The text each passage was embedded from (agent/brand.py, texts).
    passage_words = [words(f"{p.heading}: {p.text}", stem) for p in passages]
    # A post approved or removed meanwhile only shifts a mean over a thousand.
    _, sample_vecs, sampled = sample_posts(state, POST_SAMPLE)
    texts = [p.text for p in sampled.values()]
    return Profile(
        ids,
        vecs,
        [p.heading for p in passages],
        passage_words,
        sample_vecs,
        [words(t, stem) for t in texts],
        rarity_power,
    )


class GuidelinePassages:
    name = "guidelines"

    def __init__(self, params: Params | None = None) -> None:
        self._params = params
        self._profiles: PerBrand[Profile] = PerBrand(
            lambda state: build_profile(state, self.params.stem, self.params.rarity_power),
            REFRESH_SHARE,
            POST_SAMPLE,
        )

    @property
    def params(self) -> Params:
        return self._params or load_params()  # read on first use, once per process

    def prepare(self, draft: Draft, state: BrandState) -> frozenset[str]:
        return words(draft.text, self.params.stem)

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        state = view.state
        if not len(state.passages_index):
            return Finding(extra={"passages": []})
        draft_words = prepared(view, self.name)
        if draft_words is None:
            draft_words = self.prepare(draft, state)
        profile = self._profiles.of(state)
        cos = profile.cosines(view.vec)
        row = choose(
            profile, scores(profile, cos, profile.overlap(draft_words), self.params), self.params
        )
        passages: list[dict[str, Any]] = []
        if row is not None:
            p = state.passages[int(profile.ids[row])]
            passages.append(
                {
                    "passage_id": p.id,
                    "doc": p.doc,
                    "heading": p.heading,
                    "text": p.text,
                    "similarity": round(float(cos[row]), 4),
                }
            )
        hints = [
            Hint(
                "guideline",
                "info",
                f"{p['heading']}: {p['text']}",
                evidence={"passage_id": p["passage_id"]},
            )
            for p in passages
        ]
        return Finding(hints=hints, extra={"passages": passages})
