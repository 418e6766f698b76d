"""Originality: has the brand already said this?"""

from __future__ import annotations

from typing import Any

from agent.analyzers.base import BrandView, Draft, Finding, Hint, Score
from agent.models.calibration import thresholds
from agent.platforms import PLATFORM_NAMES

NEAREST_K = 3


def originality_value(sim: float, repeat: float, echo: float) -> int:
    """Monotone map of the top cosine to 0-100 (100 = entirely fresh), anchored so
    that the `repeat` threshold reads 20 and the `echo` threshold reads 60."""
    if sim >= repeat:
        v = 20.0 * (1.0 - (sim - repeat) / max(1.0 - repeat, 1e-6))
    elif sim >= echo:
        v = 20.0 + 40.0 * (repeat - sim) / max(repeat - echo, 1e-6)
    else:
        v = 60.0 + 40.0 * min((echo - sim) / max(echo, 1e-6), 1.0)
    return int(round(min(max(v, 0.0), 100.0)))


def _when(post: dict[str, object]) -> str:
    """'Bluesky post from 2025-07-14', for "your ... already said"."""
    date = str(post.get("posted_at") or post.get("added_at") or "")[:10]
    where = PLATFORM_NAMES.get(str(post.get("platform") or ""), "")
    what = f"{where} post" if where else "post"
    return f"{what} from {date}" if date else what


class Originality:
    name = "originality"

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        state = view.state
        hits = view.neighbours[:NEAREST_K]
        if not hits:
            return Finding(
                scores={
                    "originality": Score(
                        100, "No approved posts to compare with yet", {"verdict": "fresh"}
                    )
                },
                extra={"nearest": []},
            )
        posts = state.store.posts_by_ids(i for i, _ in hits)
        nearest: list[dict[str, Any]] = []
        for pid, sim in hits:
            post = posts.get(pid)
            if post is None:  # removed since the snapshot was taken
                continue
            nearest.append(
                {
                    "post_id": pid,
                    "similarity": round(sim, 4),
                    "text": post.text,
                    "platform": post.platform,
                    "posted_at": post.posted_at,
                    "url": post.url,
                }
            )
        t = thresholds()
        top = nearest[0]["similarity"] if nearest else 0.0
        value = originality_value(float(top), t.repeat, t.echo)
        hints: list[Hint] = []
        if top >= t.repeat:
            verdict, label = "repeat", f"Near-repeat of your {_when(nearest[0])}"
            hints.append(
                Hint(
                    "originality",
                    "alert",
                    f"This says what your {_when(nearest[0])} already said "
                    f"(similarity {top:.2f}). Add what is new since then, or link to it.",
                    evidence={"post_id": nearest[0]["post_id"], "similarity": top},
                )
            )
        elif top >= t.echo:
            verdict, label = "echo", f"Echoes your {_when(nearest[0])}"
            hints.append(
                Hint(
                    "originality",
                    "warn",
                    f"Close to your {_when(nearest[0])} (similarity {top:.2f}); "
                    "make sure this one adds something new.",
                    evidence={"post_id": nearest[0]["post_id"], "similarity": top},
                )
            )
        else:
            verdict, label = "fresh", "Fresh: nothing close in your approved posts"
        return Finding(
            scores={"originality": Score(value, label, {"verdict": verdict})},
            hints=hints,
            extra={"nearest": nearest},
        )
