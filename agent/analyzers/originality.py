"""Originality: has the brand already said this? A draft close to a past post
that brings facts the post lacks (numbers, dates, names, places) is an update,
not a repeat."""

from __future__ import annotations

import re
from typing import Any

from agent.analyzers.base import BrandView, Draft, Finding, Hint, Score
from agent.models.calibration import thresholds
from agent.platforms import PLATFORM_NAMES
from agent.text.concrete import COMMON_CAPS, evidence

NEAREST_K = 3
# The kinds of concrete detail that make a close draft an update.
FACT_KINDS = ("numbers", "quantities", "dates", "names", "places")
UPDATE_FLOOR = 60  # an update reads as fresh as an echo's best


_WORDS = re.compile(r"\w+")


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace(",", "")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)  # "100th" states "100"
    return " ".join(text.split())


def new_facts(draft: str, past: str) -> list[str]:
    """The draft's concrete details that the past post nowhere states, as
    written. A detail counts as stated when each of its words is in the past
    post ("January 12" is in "Starting 12 January"; "Pine Network's" in "the
    Pine Network"); a capitalised sentence start is not a name ("Each Stick")."""
    before = _norm(past)
    words = set(_WORDS.findall(before))
    ev = evidence(draft)
    out: dict[str, str] = {}
    for kind in FACT_KINDS:
        for item in ev[kind]:
            shown = str(item["text"])
            key = _norm(shown)
            if key in before:
                continue
            own = _WORDS.findall(key)
            if kind in ("names", "places"):
                own = [w for w in own if w not in COMMON_CAPS]
                span = item["span"]
                start = int(span[0]) if isinstance(span, list) else 0
                if own and draft[:start].rstrip()[-1:] in ("", ".", "!", "?", ":"):
                    own = own[1:]
            if own and not all(w in words for w in own):
                out.setdefault(key, shown)
    return list(out.values())


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
    date = str(post.get("posted_at") or post.get("approved_at") or "")[:10]
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
                    "approved_at": post.added_at,
                    "url": post.url,
                }
            )
        t = thresholds()
        top = nearest[0]["similarity"] if nearest else 0.0
        value = originality_value(float(top), t.repeat, t.echo)
        hints: list[Hint] = []
        added = new_facts(draft.text, str(nearest[0]["text"])) if top >= t.echo else []
        if added:
            verdict, label = "update", f"Updates your {_when(nearest[0])}"
            value = max(value, UPDATE_FLOOR)
            shown = ", ".join(added[:4]) + (f" and {len(added) - 4} more" if len(added) > 4 else "")
            hints.append(
                Hint(
                    "originality",
                    "info",
                    f"Updates your {_when(nearest[0])} (similarity {top:.2f}); new: {shown}. "
                    "Say it is an update, or link to that post.",
                    evidence={
                        "post_id": nearest[0]["post_id"],
                        "similarity": top,
                        "new": added,
                    },
                )
            )
        elif top >= t.repeat:
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
