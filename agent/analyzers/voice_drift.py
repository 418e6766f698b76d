"""Voice drift: does the draft still sound like the brand, and if not, why."""

from __future__ import annotations

import threading
import weakref
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
)
from agent.brand import BrandState
from agent.messages import say, style_reason
from agent.models.voice import MIN_POSTS, STYLE_Z_FREE
from agent.platforms import PLATFORM_NAMES
from agent.text.style import NAMES, Deviation, Range, fair_reasons, features, usual_range

# A platform's own posts are the yardstick of a draft's length once the brand has
# this many of them; below it, all the brand's posts are.
MIN_PLATFORM_POSTS = 5
LENGTH = NAMES.index("length")
EMBEDDING_REASON = (
    "word choice and subject sit further from your approved posts than almost all of them do"
)


def _label(value: int) -> str:
    if value < 25:
        return "Squarely your voice"
    if value < 50:
        return "Mostly your voice"
    if value < 75:
        return "Drifting from your voice"
    return "Sounds like someone else"


class _Platforms:
    """Each post's platform, per brand state, read from the store once per post
    (an approval adds one row; the state's style rows say which posts count)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_state: dict[int, tuple[weakref.ref[BrandState], dict[int, str | None]]] = {}

    def of(self, state: BrandState) -> dict[int, str | None]:
        with self._lock:
            held = self._by_state.get(id(state))
            if held is None or held[0]() is not state:
                for key, (ref, _) in list(self._by_state.items()):
                    if ref() is None:
                        del self._by_state[key]
                held = (weakref.ref(state), {})
                self._by_state[id(state)] = held
            known = held[1]
            missing = [pid for pid in list(state.style_rows) if pid not in known]
            posts = state.store.posts_by_ids(missing)
            for pid in missing:
                post = posts.get(pid)
                known[pid] = post.platform if post is not None else None
            return known


_PLATFORMS = _Platforms()


def length_range(state: BrandState, platform: str | None) -> Range | None:
    """The brand's usual length on `platform` (its posts there, when it has
    MIN_PLATFORM_POSTS of them), else over all its posts."""
    rows = dict(state.style_rows)  # a snapshot: an approval may add a row meanwhile
    if not rows:
        return None
    if platform:
        where = _PLATFORMS.of(state)
        own = [r[LENGTH] for pid, r in rows.items() if where.get(pid) == platform]
        if len(own) >= MIN_PLATFORM_POSTS:
            return usual_range(np.array(own), PLATFORM_NAMES.get(platform, platform))
    return usual_range(np.array([r[LENGTH] for r in rows.values()]), "approved")


class VoiceDrift:
    name = "voice_drift"

    def __init__(self) -> None:
        # each platform's usual length, per brand state (any approval redoes it)
        self._lengths: PerBrand[dict[str | None, Range | None]] = PerBrand(
            lambda state: {}, 0.0, 2**62
        )

    def prepare(self, draft: Draft, state: object = None) -> tuple[np.ndarray, list[Deviation]]:
        """The style half needs only the text and the brand's norms."""
        values = features(draft.text)
        voice = getattr(state, "voice", None)
        return values, (voice.style.deviations(values) if voice is not None else [])

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        voice = view.state.voice
        lang = language(view)
        if not voice.ready:
            return Finding(
                scores={
                    "voice_drift": Score(
                        None,
                        say(
                            lang,
                            "Not enough approved posts yet ({n} of {min}) to judge the voice",
                            n=voice.n_posts,
                            min=MIN_POSTS,
                        ),
                        {"status": "insufficient"},
                    )
                }
            )
        got = prepared(view, self.name)
        values = features(draft.text) if got is None else got[0]
        every = voice.style.deviations(values) if got is None else got[1]
        s = voice.score(
            view.vec,
            draft.text,
            np.array([sim for _, sim in view.neighbours]),
            values,
            every,
        )
        value = int(s["value"])
        # The value counts every style move; a reason is only one a person can act
        # on (agent.text.style.fair_reasons): no length that is usual for the
        # platform, no reading grade of a hashtag post or a post in another language.
        moves = [m for m in every if abs(m["z"]) >= STYLE_Z_FREE]
        # The length is judged against the platform's own posts: a brand that writes
        # long on LinkedIn and short on X has a wide spread over all of them.
        lengths = self._lengths.of(view.state)
        if draft.platform not in lengths:
            lengths[draft.platform] = length_range(view.state, draft.platform)
        length = lengths[draft.platform]
        if length is not None and not any(m["feature"] == "length" for m in moves):
            moves += [m for m in every if m["feature"] == "length"]
        style = fair_reasons(moves, draft.text, length)
        reasons = [style_reason(lang, dict(m)) for m in style]
        if s["embedding_drift"] >= 50:
            reasons.insert(0, say(lang, EMBEDDING_REASON))
        # A high drift with no reason worth giving raises no hint (and so no
        # "off-voice" verdict): a person cannot fix a drift nobody can explain.
        hints: list[Hint] = []
        evidence: dict[str, Any] = {"style": style, "affinity": s["affinity"], "z": s["z"]}
        if value >= 50 and reasons:
            hints.append(
                Hint(
                    "voice",
                    "warn" if value < 75 else "alert",
                    say(
                        lang,
                        "Drifting from the brand voice: {reasons}.",
                        reasons="; ".join(reasons),
                    ),
                    evidence=evidence,
                )
            )
        elif style:
            hints.append(
                Hint(
                    "voice",
                    "info",
                    say(lang, "Style note: {reason}.", reason=reasons[0]),
                    evidence={"style": style},
                )
            )
        detail = {
            "status": "ok",
            "embedding_drift": s["embedding_drift"],
            "style_drift": s["style_drift"],
            "reasons": reasons,
        }
        return Finding(
            scores={"voice_drift": Score(value, say(lang, _label(value)), detail)}, hints=hints
        )
