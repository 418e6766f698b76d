"""Originality: has the brand already said this? A draft close to a past post
that brings facts the post lacks (numbers, dates, names, places) is an update,
not a repeat.

Whether two posts say the same thing is decided by the pair classifier
(agent/models/pairs.py: the cosine plus word and character overlap), which
tells a reworded repeat from a post that merely shares the topic better than
the cosine alone (PIT-2015, docs/quality.md). Text with too few Latin-script
words for the overlap to mean anything, and a translation (the draft and the
past post in different languages), are judged by the cosine cuts."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from agent.analyzers.base import BrandView, Draft, Finding, Hint, Score, language
from agent.language import NAMES as LANGUAGE_NAMES
from agent.language import counts
from agent.messages import say
from agent.models.calibration import Thresholds, thresholds
from agent.models.pairs import repeat_probability, side
from agent.platforms import PLATFORM_NAMES
from agent.text.concrete import COMMON_CAPS, evidence

NEAREST_K = 3
# The kinds of concrete detail that make a close draft an update.
FACT_KINDS = ("numbers", "quantities", "dates", "names", "places")
# Words around a fact that are not the fact: "pukul 07.00" states what "07.00" does.
FACT_FILLER = frozenset({"pukul", "pk", "jam", "hari", "tanggal", "tgl", "at", "on", "the"})
UPDATE_FLOOR = 60  # an update reads as fresh as an echo's best
# Pairs further apart than this cosine are fresh whatever their word overlap: two
# posts of one brand share its names and phrases without saying the same thing.
# The highest floor (in steps of 0.05) that cost PIT-2015 dev F1 no more than 0.001,
# on MiniLM; another encoder's cosines sit in another band, so it is kept as a share
# of the encoder's own `echo` cut.
COSINE_FLOOR = 0.55
FLOOR_OF_ECHO = COSINE_FLOOR / 0.63  # MiniLM's echo cut
FRESH = "Fresh: nothing close in your approved posts"
MIN_PAIR_WORDS = 3  # fewer Latin-script words on a side: the cosine decides
MIN_FUNCTION_WORDS = 4  # a text's language is told from at least this many
VERDICT_RANK = {"repeat": 0, "echo": 1, "fresh": 2}


_WORDS = re.compile(r"\w+")


def _norm(text: str) -> str:
    # 16,500 and 16.500 are one number (English and Indonesian thousands)
    text = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", text.lower().replace("’", "'"))
    text = text.replace(",", "")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)  # "100th" states "100"
    return " ".join(text.split())


@lru_cache(maxsize=256)  # a brand's nearest posts come back keystroke after keystroke
def _past(text: str) -> tuple[str, frozenset[str]]:
    before = _norm(text)
    return before, frozenset(_WORDS.findall(before))


def new_facts(draft: str, past: str, translated: bool = False) -> list[str]:
    """The draft's concrete details that the past post nowhere states, as
    written. A detail counts as stated when each of its words is in the past
    post ("January 12" is in "Starting 12 January"; "Pine Network's" in "the
    Pine Network"); a capitalised sentence start is not a name ("Each Stick").
    Of a draft `translated` from the past post only the numbers count: its day
    and month names are the other language's ("Saturday" for "Sabtu")."""
    before, words = _past(past)
    ev = evidence(draft)
    out: dict[str, str] = {}
    if translated:
        figures = set(re.findall(r"\d+", before))
        for kind in ("numbers", "quantities"):
            for item in ev[kind]:
                own = re.findall(r"\d+", _norm(str(item["text"])))
                if own and not all(d in figures for d in own):
                    out.setdefault(_norm(str(item["text"])), str(item["text"]))
        return list(out.values())
    for kind in FACT_KINDS:
        for item in ev[kind]:
            shown = str(item["text"])
            key = _norm(shown)
            if key in before:
                continue
            own = [w for w in _WORDS.findall(key) if w not in FACT_FILLER]
            if kind in ("names", "places"):
                own = [w for w in own if w not in COMMON_CAPS]
                span = item["span"]
                start = int(span[0]) if isinstance(span, list) else 0
                if own and draft[:start].rstrip()[-1:] in ("", ".", "!", "?", ":"):
                    own = own[1:]
            if own and not all(w in words for w in own):
                out.setdefault(key, shown)
    return list(out.values())


def is_update(added: list[str], draft: str) -> bool:
    """Whether the new details make an update: a new number, quantity or date, or
    two new names or places. One name alone is usually the brand's own product
    or place said in a reworded repeat ("bring your Brick")."""
    kinds = {
        kind for kind in FACT_KINDS for item in evidence(draft)[kind] if str(item["text"]) in added
    }
    return bool(kinds & {"numbers", "quantities", "dates"}) or len(added) >= 2


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


@lru_cache(maxsize=1024)  # a draft meets its three nearest posts; posts recur
def _language(text: str) -> str | None:
    """en or id when a text's function words say so clearly, else None."""
    ind, eng = counts(text)
    if ind + eng < MIN_FUNCTION_WORDS:
        return None
    share = ind / (ind + eng)
    return "id" if share >= 0.8 else "en" if share <= 0.2 else None


def _languages_differ(a: str, b: str) -> bool:
    """A translation shares few words with its original: the cosine judges it."""
    la, lb = _language(a), _language(b)
    return la is not None and lb is not None and la != lb


def closeness(cos: float, draft: str, past: str, t: Thresholds) -> tuple[str, int]:
    """("repeat" | "echo" | "fresh", 0-100 originality) for a draft and one past
    post at cosine `cos`."""
    if cos < FLOOR_OF_ECHO * t.echo:
        return "fresh", originality_value(cos, t.repeat, t.echo)
    few_words = min(side(draft).n_words, side(past).n_words) < MIN_PAIR_WORDS
    if few_words or _languages_differ(draft, past):
        score, repeat, echo = cos, t.repeat, t.echo
    else:
        score, repeat, echo = repeat_probability(cos, draft, past), t.pair_repeat, t.pair_echo
    verdict = "repeat" if score >= repeat else "echo" if score >= echo else "fresh"
    return verdict, originality_value(score, repeat, echo)


def _when(post: dict[str, object], lang: str) -> str:
    """'Bluesky post from 2025-07-14', for "your ... already said"."""
    date = str(post.get("posted_at") or post.get("approved_at") or "")[:10]
    where = PLATFORM_NAMES.get(str(post.get("platform") or ""), "")
    if where and date:
        return say(lang, "{platform} post from {date}", platform=where, date=date)
    if date:
        return say(lang, "post from {date}", date=date)
    return say(lang, "{platform} post", platform=where) if where else say(lang, "post")


class Originality:
    name = "originality"

    def prepare(self, draft: Draft, state: object = None) -> None:
        """The draft's own half of each comparison, while it embeds: its pair
        side and its language (both kept for `analyze`; its concrete details are
        specificity's text step)."""
        side(draft.text)
        _language(draft.text)

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        state = view.state
        lang = language(view)
        hits = view.neighbours[:NEAREST_K]
        if not hits:
            return Finding(
                scores={
                    "originality": Score(
                        100,
                        say(lang, "No approved posts to compare with yet"),
                        {"verdict": "fresh"},
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
        if not nearest:
            return Finding(
                scores={"originality": Score(100, say(lang, FRESH), {"verdict": "fresh"})},
                extra={"nearest": []},
            )
        # The past post closest in what it says: the strongest verdict; then one the
        # draft adds nothing to (a repeat of one post is no update of another); then
        # the nearest (an exact copy before a sibling the classifier rates higher).
        said = [closeness(float(n["similarity"]), draft.text, str(n["text"]), t) for n in nearest]
        best = min(VERDICT_RANK[v] for v, _ in said)
        judged = []
        for (v, val), n in zip(said, nearest, strict=True):
            if VERDICT_RANK[v] != best:  # only the strongest verdict's posts are read for news
                continue
            translated = _languages_differ(draft.text, str(n["text"]))
            added = new_facts(draft.text, str(n["text"]), translated) if v != "fresh" else []
            news = bool(added) and is_update(added, draft.text)
            judged.append(((news, -float(n["similarity"])), (v, val), added, translated, n))
        _, (verdict, value), added, translated, closest = min(judged, key=lambda j: j[0])
        top = float(closest["similarity"])
        when = _when(closest, lang)
        evidence: dict[str, Any] = {"post_id": closest["post_id"], "similarity": top}
        # a translation of a past post is said to be one, in the past post's language
        other = _language(str(closest["text"])) if translated else None
        translation = (
            " "
            + say(
                lang,
                "It is that post in another language ({language}).",
                language=say(lang, LANGUAGE_NAMES[other]),
            )
            if other
            else ""
        )
        if other:
            evidence["translation_of"] = other
        hints: list[Hint] = []
        if added and is_update(added, draft.text):
            verdict, label = "update", say(lang, "Updates your {when}", when=when)
            value = max(value, UPDATE_FLOOR)
            more = say(lang, " and {n} more", n=len(added) - 4) if len(added) > 4 else ""
            shown = ", ".join(added[:4]) + more
            hints.append(
                Hint(
                    "originality",
                    "info",
                    say(
                        lang,
                        "Updates your {when} (similarity {sim}); new: {new}. Say it is an "
                        "update, or link to that post.",
                        when=when,
                        sim=f"{top:.2f}",
                        new=shown,
                    ),
                    evidence={**evidence, "new": added},
                )
            )
        elif verdict == "repeat":
            label = say(lang, "Near-repeat of your {when}", when=when)
            hints.append(
                Hint(
                    "originality",
                    "alert",
                    say(
                        lang,
                        "This says what your {when} already said (similarity {sim}). Add "
                        "what is new since then, or link to it.",
                        when=when,
                        sim=f"{top:.2f}",
                    )
                    + translation,
                    evidence=evidence,
                )
            )
        elif verdict == "echo":
            label = say(lang, "Echoes your {when}", when=when)
            hints.append(
                Hint(
                    "originality",
                    "warn",
                    say(
                        lang,
                        "Close to your {when} (similarity {sim}); make sure this one adds "
                        "something new.",
                        when=when,
                        sim=f"{top:.2f}",
                    )
                    + translation,
                    evidence=evidence,
                )
            )
        else:
            label = say(lang, FRESH)
        return Finding(
            scores={"originality": Score(value, label, {"verdict": verdict})},
            hints=hints,
            extra={"nearest": nearest},
        )
