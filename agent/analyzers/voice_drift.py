"""Voice drift: does the draft still sound like the brand, and if not, why."""

from __future__ import annotations

import numpy as np

from agent.analyzers.base import BrandView, Draft, Finding, Hint, Score, prepared
from agent.models.voice import MIN_POSTS
from agent.text.style import features


def _label(value: int) -> str:
    if value < 25:
        return "Squarely your voice"
    if value < 50:
        return "Mostly your voice"
    if value < 75:
        return "Drifting from your voice"
    return "Sounds like someone else"


class VoiceDrift:
    name = "voice_drift"

    def prepare(self, draft: Draft, state: object = None) -> np.ndarray:
        return features(draft.text)  # the style half needs only the text

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        voice = view.state.voice
        if not voice.ready:
            return Finding(
                scores={
                    "voice_drift": Score(
                        None,
                        f"Not enough approved posts yet ({voice.n_posts} of {MIN_POSTS}) "
                        "to judge the voice",
                        {"status": "insufficient"},
                    )
                }
            )
        s = voice.score(
            view.vec,
            draft.text,
            np.array([sim for _, sim in view.neighbours]),
            prepared(view, self.name),
        )
        value = int(s["value"])
        reasons = [m["message"] for m in s["style"]]
        if s["embedding_drift"] >= 50:
            reasons.insert(
                0,
                "word choice and subject sit further from your approved posts than "
                "almost all of them do",
            )
        hints: list[Hint] = []
        if value >= 50 and reasons:
            hints.append(
                Hint(
                    "voice",
                    "warn" if value < 75 else "alert",
                    "Drifting from the brand voice: " + "; ".join(reasons) + ".",
                    evidence={"style": s["style"], "affinity": s["affinity"], "z": s["z"]},
                )
            )
        elif s["style"]:
            top = s["style"][0]
            hints.append(
                Hint(
                    "voice",
                    "info",
                    f"Style note: {top['message']}.",
                    evidence={"style": s["style"]},
                )
            )
        detail = {
            "status": "ok",
            "embedding_drift": s["embedding_drift"],
            "style_drift": s["style_drift"],
            "reasons": reasons,
        }
        return Finding(scores={"voice_drift": Score(value, _label(value), detail)}, hints=hints)
