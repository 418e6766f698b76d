"""The one small interface every analyzer shares.

An analyzer reads a `Draft` and a `BrandView` (the brand's posts, passages,
voice model and the draft's embedding, computed once for all) and returns a
`Finding`. The core runs the analyzers in a list and merges their findings
into one result; no analyzer sees another's output, so the data flows one
way: draft -> analyzers -> result.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from agent.brand import BrandState
from agent.findings import Draft, Finding, Hint, Score, Severity
from agent.store import Post

__all__ = [
    "Analyzer",
    "BrandView",
    "Draft",
    "Finding",
    "Hint",
    "PerBrand",
    "Score",
    "Severity",
    "language",
    "prepared",
    "sample_posts",
]

T = TypeVar("T")


@dataclass(frozen=True)
class BrandView:
    """What an analyzer may read: a consistent snapshot of one brand plus the
    draft's embedding. Snapshots are immutable, so an approval landing mid-analysis
    cannot tear what an analyzer sees."""

    state: BrandState
    vec: np.ndarray
    reply_vec: np.ndarray | None = None
    # The draft's nearest approved posts, (post id, cosine), best first, searched
    # once by the core (the draft's own post left out when an approved post is
    # scored after the fact).
    neighbours: tuple[tuple[int, float], ...] = ()
    # What each analyzer's `prepare` returned for this draft, by analyzer name.
    prepared: Mapping[str, Any] = field(default_factory=dict)


class Analyzer(Protocol):
    """`analyze` is the whole contract. An analyzer may also define
    `prepare(draft, state) -> Any`: the part of its work that needs only the text
    (regexes, n-gram counts, rules). The core runs it on the other core while the
    encoder embeds the draft and hands its return value to `analyze` as
    `view.prepared[name]`; `analyze` must still work without it."""

    name: str

    def analyze(self, draft: Draft, view: BrandView) -> Finding: ...


def sample_posts(state: BrandState, n: int) -> tuple[list[int], np.ndarray, dict[int, Post]]:
    """An even sample of at most `n` of the brand's posts: their ids, vectors (a copy,
    so an approval meanwhile tears nothing) and the posts themselves. What an analyzer
    derives from the brand reads a sample, so a million posts cost what a thousand do."""
    post_ids, post_vecs = state.posts_index.live_rows()
    rows = np.unique(np.linspace(0, len(post_ids) - 1, min(n, len(post_ids))).astype(int))
    ids = post_ids[rows].tolist()
    vecs = np.array(post_vecs[rows], dtype=np.float32)
    return ids, vecs, state.store.posts_by_ids(ids)


def language(view: BrandView) -> str:
    """The language the brand writes in, which its hints speak (agent/messages.py)."""
    return str(getattr(view.state, "language", "en") or "en")


def prepared(view: BrandView, name: str) -> Any:
    """What `name`'s prepare step returned for this draft, or None."""
    return view.prepared.get(name)


class PerBrand(Generic[T]):
    """What an analyzer derives from a brand's posts (a profile, a norm), kept
    per brand state and rebuilt only when the post count has moved enough:
    building it reads hundreds of posts, a draft must not pay that."""

    def __init__(
        self, build: Callable[[BrandState], T], refresh_share: float, always_below: int
    ) -> None:
        self._build = build
        self._share = refresh_share
        self._always_below = always_below
        self._lock = threading.Lock()
        self._held: dict[int, tuple[weakref.ref[BrandState], int, T]] = {}

    def of(self, state: BrandState) -> T:
        n = len(state.posts_index)
        with self._lock:
            held = self._held.get(id(state))
            if held is not None and held[0]() is state and not self._stale(held[1], n):
                return held[2]
            for key, (ref, _, _) in list(self._held.items()):
                if ref() is None:
                    del self._held[key]
            value = self._build(state)
            self._held[id(state)] = (weakref.ref(state), n, value)
            return value

    def _stale(self, built_with: int, now: int) -> bool:
        if now == built_with:
            return False
        return built_with < self._always_below or abs(now - built_with) >= (
            self._share * built_with
        )
