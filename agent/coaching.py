"""Coaching: what the dashboard's figures say to do next, and whether engagement
follows the scores.

Pure functions over the rows `agent.metrics` reads from the store (posts with
their local day, scores and engagement; weekly figures; goals with progress;
compose sessions). Each suggestion carries the figure behind it and one action;
each rule stays quiet when its condition does not hold. The thresholds and the
windows are documented in docs/dashboard.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any

from agent.platforms import PLATFORM_NAMES
from agent.text.concrete import evidence

# The analyzers' own lines: specificity under 35 (0-100) reads "vague", a voice
# drift of 50 or more raises the drift hint, an originality of 20 or less is a repeat.
VAGUE_BELOW = 35
OFF_VOICE_FROM = 50
REPEAT_AT_MOST = 20
OFF_VOICE_DAYS = 28
REPEAT_WEEKS = 8
COMPLAINT_DAYS = 28
TREND_WEEKS = 4  # complete weeks compared with the TREND_WEEKS before them
TIME_RISE = 1.2  # minutes up by a fifth or more counts as rising
MIN_ENGAGEMENT_POSTS = 12  # four posts in each third, at the least
SCORES = {
    # key: (the best third, the worst third, whether a higher score is better)
    "specificity": ("most specific", "least specific", True),
    "voice_drift": ("most on-voice", "most off-voice", False),
    "originality": ("most original", "least original", True),
}


@dataclass(frozen=True)
class Suggestion:
    kind: str
    text: str  # what the data says, with the figure in it
    figure: str  # the figure alone, for the page to set apart
    action: str  # one thing to do
    post_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def spec_1_5(value: float | None) -> float | None:
    """Specificity is stored as 0-100; people read it on the 1-5 scale."""
    return None if value is None else 1 + value / 25


def _name(platform: str | None) -> str:
    return PLATFORM_NAMES.get(platform or "", "no platform")


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def lacking(text: str) -> list[str]:
    """The kinds of concrete detail a post has none of."""
    ev = evidence(text)
    missing = []
    if not (ev["numbers"] or ev["quantities"]):
        missing.append("number")
    if not ev["dates"]:
        missing.append("date")
    if not (ev["names"] or ev["places"] or ev["mentions"]):
        missing.append("name or place")
    return missing


def _none_of(words: list[str]) -> str:
    """The missing kinds in words: no number, no date and no name or place."""
    said = [f"no {w}" for w in words]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


# -- the rules ------------------------------------------------------------------


def vaguest_post(posts: Sequence[dict], today: date) -> Suggestion | None:
    """This week's least specific post, when it reads as vague, and what it lacked."""
    monday = today - timedelta(days=today.weekday())
    week = [p for p in posts if monday <= p["day"] <= today and p["specificity"] is not None]
    if not week:
        return None
    p = min(week, key=lambda q: (q["specificity"], -q["id"]))
    if p["specificity"] >= VAGUE_BELOW:
        return None
    spec = spec_1_5(p["specificity"]) or 0.0
    missing = lacking(p["text"])
    lacked = (
        f"it has {_none_of(missing)}"
        if missing
        else "its details are there but carry no claim a reader could check"
    )
    return Suggestion(
        "vaguest_post",
        f"Your vaguest post this week ({_name(p['platform'])}, {_day(p['day'])}, "
        f"#{p['id']}) scored specificity {spec:.1f} of 5: {lacked}.",
        f"specificity {spec:.1f}",
        "In the next post, put the number, date or name behind the claim in the first line.",
        p["id"],
    )


def off_voice_approved(posts: Sequence[dict], today: date) -> Suggestion | None:
    """Posts approved in the last weeks although their voice drift was high."""
    since = today - timedelta(days=OFF_VOICE_DAYS - 1)
    off = [
        p
        for p in posts
        if since <= p["day"] <= today
        and p["voice_drift"] is not None
        and p["voice_drift"] >= OFF_VOICE_FROM
    ]
    if not off:
        return None
    worst = max(off, key=lambda q: (q["voice_drift"], q["id"]))
    return Suggestion(
        "off_voice",
        f"{_plural(len(off), 'post')} approved in the last {OFF_VOICE_DAYS // 7} weeks "
        f"drifted from the brand voice (drift {OFF_VOICE_FROM} or more); the furthest, "
        f"#{worst['id']} on {_name(worst['platform'])} ({_day(worst['day'])}), at "
        f"{worst['voice_drift']}.",
        f"{len(off)} off-voice",
        "Before approving the next one, read the drift hint's reasons and fix those "
        "first: every approval teaches the voice model.",
        worst["id"],
    )


def days_left(today: date) -> int:
    """Days left in the week (Monday to Sunday), today included."""
    return 7 - today.weekday()


def expected_by_now(target: float, today: date) -> int:
    """Posts a weekly goal should have by the end of today, at an even pace
    (whole posts: nothing is expected on a Monday of a goal of three)."""
    return math.floor(target * (today.weekday() + 1) / 7 + 1e-9)


def behind_goals(goals: Sequence[dict], today: date) -> list[Suggestion]:
    """Weekly post goals behind their pace, and a minutes goal gone over."""
    out = []
    left = days_left(today)
    for g in goals:
        if g["kind"] == "posts_per_week" and g["current"] is not None:
            need = expected_by_now(g["target"], today)
            if g["current"] >= need:
                continue
            where = f"{_name(g['platform'])} " if g["platform"] else ""
            more = math.ceil(g["target"] - g["current"])
            by = "today" if left == 1 else "by Sunday"
            out.append(
                Suggestion(
                    "behind_goal",
                    f"{g['current']:.0f} of {g['target']:.0f} {where}posts this week, "
                    f"behind the {need} an even pace has by today; "
                    f"{_plural(left, 'day')} left.",
                    f"{g['current']:.0f} of {g['target']:.0f}",
                    f"Plan the next {where}post now: {more} more {by}.",
                )
            )
        elif g["kind"] == "max_minutes_per_day" and g["met"] is False:
            out.append(
                Suggestion(
                    "over_time",
                    f"{g['current']:.0f} minutes a day on social sites this week, over your "
                    f"{g['target']:.0f}-minute goal.",
                    f"{g['current']:.0f} min/day",
                    "Open the sites for a set slot and close them once the post is out.",
                )
            )
    return out


def time_rising(weeks: Sequence[dict]) -> Suggestion | None:
    """Minutes on social sites rising while approved posts fall, over complete
    weeks (`weeks` oldest first, the last one the current, partial week)."""
    done = list(weeks[:-1])
    if len(done) < 2 * TREND_WEEKS:
        return None
    before, recent = done[-2 * TREND_WEEKS : -TREND_WEEKS], done[-TREND_WEEKS:]
    m0, m1 = sum(w["minutes"] for w in before), sum(w["minutes"] for w in recent)
    p0, p1 = sum(w["posts"] for w in before), sum(w["posts"] for w in recent)
    if m0 <= 0 or m1 < TIME_RISE * m0 or p1 >= p0:
        return None
    per0 = f"{m0 / p0:.0f}"
    per1 = f"{m1 / p1:.0f}" if p1 else "no post"
    return Suggestion(
        "time_rising",
        f"Time on social sites rose from {m0 / 60:.1f} to {m1 / 60:.1f} hours in the last "
        f"{TREND_WEEKS} weeks (against the {TREND_WEEKS} before) while approved posts fell "
        f"from {p0} to {p1}: minutes per post went from {per0} to {per1}.",
        f"{per0} → {per1} min/post",
        "Block one writing slot a week and leave the feed once the post is out.",
    )


def repeats_approved(posts: Sequence[dict], today: date) -> Suggestion | None:
    """Posts approved in the last weeks that were near-repeats when checked."""
    since = today - timedelta(weeks=REPEAT_WEEKS)
    rep = [
        p
        for p in posts
        if since < p["day"] <= today
        and p["originality"] is not None
        and p["originality"] <= REPEAT_AT_MOST
    ]
    if not rep:
        return None
    last = max(rep, key=lambda q: (q["day"], q["id"]))
    return Suggestion(
        "repeats",
        f"{_plural(len(rep), 'post')} approved in the last {REPEAT_WEEKS} weeks "
        f"{'was a near-repeat' if len(rep) == 1 else 'were near-repeats'} of earlier posts "
        f"(originality {REPEAT_AT_MOST} or less); the latest, #{last['id']} "
        f"({_day(last['day'])}), at {last['originality']}.",
        f"{len(rep)} repeat{'s' if len(rep) != 1 else ''}",
        "When the hint says near-repeat, open the post it names and say what is new "
        "(a number, a date, a result) or skip it.",
        last["id"],
    )


def complaints_public(sessions: Sequence[tuple[str, str, bool]]) -> Suggestion | None:
    """Replies to customer complaints approved as written, in public. `sessions`
    are (site, ended_at, approved) of compose sessions whose last check said
    "complaint"; a reply posted without approving it leaves no trace here."""
    approved = [s for s in sessions if s[2]]
    if not approved:
        return None
    sites = sorted({s[0] for s in approved})
    return Suggestion(
        "complaints",
        f"{_plural(len(approved), 'reply', 'replies')} to a customer complaint "
        f"{'was' if len(approved) == 1 else 'were'} approved in public in the last "
        f"{COMPLAINT_DAYS // 7} weeks ({', '.join(sites)}), though the last check "
        "said to take it private.",
        f"{len(approved)} in public",
        "Acknowledge the complaint in one line and move the rest to a DM or email.",
    )


def suggestions(
    posts: Sequence[dict],
    weeks: Sequence[dict],
    goals: Sequence[dict],
    complaint_sessions: Sequence[tuple[str, str, bool]],
    today: date,
) -> list[dict[str, Any]]:
    """Every rule that fires, most pressing first."""
    rules: list[Callable[[], Suggestion | list[Suggestion] | None]] = [
        lambda: behind_goals(goals, today),
        lambda: complaints_public(complaint_sessions),
        lambda: vaguest_post(posts, today),
        lambda: off_voice_approved(posts, today),
        lambda: repeats_approved(posts, today),
        lambda: time_rising(weeks),
    ]
    out: list[Suggestion] = []
    for rule in rules:
        found = rule()
        if isinstance(found, list):
            out.extend(found)
        elif found is not None:
            out.append(found)
    return [s.as_dict() for s in out]


def reminders(goals: Sequence[dict], today: date) -> list[dict[str, Any]]:
    """Weekly post goals behind their pace, for the extension's popup."""
    out = []
    for g in goals:
        if g["kind"] != "posts_per_week" or g["current"] is None:
            continue
        need = expected_by_now(g["target"], today)
        if g["current"] >= need:
            continue
        where = f"{_name(g['platform'])} " if g["platform"] else ""
        out.append(
            {
                "goal_id": g["id"],
                "platform": g["platform"],
                "current": g["current"],
                "target": g["target"],
                "expected": need,
                "days_left": days_left(today),
                "message": f"{g['current']:.0f} of {g['target']:.0f} {where}posts this week, "
                f"{_plural(days_left(today), 'day')} left",
            }
        )
    return out


# -- engagement against the scores -------------------------------------------------


def engagement(posts: Sequence[dict]) -> dict[str, Any]:
    """Median likes of the best and the worst third of posts by each score, on the
    posts that have both; a note instead when too few have."""
    with_stats = [p for p in posts if p["likes"] is not None]
    out: dict[str, Any] = {
        "posts": len(posts),
        "with_likes": len(with_stats),
        "minimum": MIN_ENGAGEMENT_POSTS,
        "by_score": [],
    }
    for key, (best_label, worst_label, higher_better) in SCORES.items():
        rows = [p for p in with_stats if p[key] is not None]
        entry: dict[str, Any] = {"score": key, "n": len(rows)}
        if len(rows) < MIN_ENGAGEMENT_POSTS:
            have = f"Only {_plural(len(rows), 'post')}" if rows else "No post"
            entry.update(
                enough=False,
                note=f"{have} with both likes and a {key.replace('_', ' ')} score: at least "
                f"{MIN_ENGAGEMENT_POSTS} are needed to compare the best third with the worst.",
            )
            out["by_score"].append(entry)
            continue
        ordered = sorted(rows, key=lambda p: (p[key], p["id"]))
        k = len(ordered) // 3
        low, high = ordered[:k], ordered[-k:]
        best, worst = (high, low) if higher_better else (low, high)
        b, w = median(p["likes"] for p in best), median(p["likes"] for p in worst)
        verdict = (
            "no clear difference"
            if abs(b - w) <= 0.1 * max(b, w, 1)
            else "more likes for the " + best_label
            if b > w
            else "more likes for the " + worst_label
        )
        entry.update(
            enough=True,
            best={"label": best_label, "median_likes": b, "n": len(best)},
            worst={"label": worst_label, "median_likes": w, "n": len(worst)},
            note=f"The {best_label} third of posts got a median of {b:g} likes "
            f"({_plural(len(best), 'post')}); the {worst_label} third {w:g} "
            f"({_plural(len(worst), 'post')}): {verdict}.",
        )
        out["by_score"].append(entry)
    return out
