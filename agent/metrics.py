"""Goals and metrics: what social media is doing for the brand, against the time
it takes. Everything here is aggregates (counts, scores, durations, site names);
no draft text is ever stored, in any privacy mode."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from agent.platforms import PLATFORM_NAMES, PLATFORMS
from agent.store import Store

GOAL_KINDS: dict[str, str] = {
    "posts_per_week": "approved posts per week",
    "min_specificity": "average specificity at least (1-5)",
    "max_drift": "average voice drift at most (0-100)",
    "max_minutes_per_day": "minutes a day on social sites at most",
}
GOAL_RANGES = {
    "posts_per_week": (0, 500),
    "min_specificity": (1, 5),
    "max_drift": (0, 100),
    "max_minutes_per_day": (0, 1440),
}
SITE = re.compile(r"^[a-z0-9.-]{1,253}$")
MAX_SESSION_SECONDS = 24 * 3600
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


class MetricsError(ValueError):
    """Bad input for a goal or a report; the message says which field."""


def words(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def spec_1_5(value: float | None) -> float | None:
    """Specificity is stored as 0-100; people read it on the 1-5 scale."""
    return None if value is None else 1 + value / 25


# -- goals -------------------------------------------------------------------


def set_goal(store: Store, brand: str, kind: Any, target: Any, platform: Any = None) -> dict:
    if kind not in GOAL_KINDS:
        raise MetricsError(f"unknown goal kind {kind!r} (known: {', '.join(GOAL_KINDS)})")
    try:
        value = float(target)
    except (TypeError, ValueError):
        raise MetricsError(f"goal target must be a number, not {target!r}") from None
    lo, hi = GOAL_RANGES[kind]
    if not lo <= value <= hi or value != value:
        raise MetricsError(f"{kind} target must be between {lo} and {hi}")
    plat = (platform or "").strip().lower()
    if plat and (kind != "posts_per_week" or plat not in PLATFORMS):
        raise MetricsError(
            "platform applies to posts_per_week only, and must be one of " + ", ".join(PLATFORMS)
        )
    goal_id = store.put_goal(brand, kind, plat, value)
    return {"id": goal_id, "kind": kind, "platform": plat or None, "target": value}


def list_goals(store: Store, brand: str) -> list[dict[str, Any]]:
    rows = store.goals(brand)
    return [
        {
            "id": r[0],
            "kind": r[1],
            "platform": r[2] or None,
            "target": r[3],
            "updated_at": r[4],
            "description": GOAL_KINDS[r[1]],
        }
        for r in rows
    ]


def delete_goal(store: Store, brand: str, goal_id: int) -> None:
    if not store.delete_goal(brand, goal_id):
        raise MetricsError(f"no goal with id {goal_id} for brand {brand}")


# -- recording ---------------------------------------------------------------


def record_scores(store: Store, post_id: int, scores: dict[str, Any]) -> None:
    def value(key: str) -> int | None:
        v = (scores.get(key) or {}).get("value")
        return int(v) if isinstance(v, int | float) else None

    store.put_scores(
        post_id,
        value("originality"),
        value("voice_drift"),
        value("specificity"),
        value("risk"),
    )


def _site(site: Any) -> str:
    if not isinstance(site, str) or not SITE.match(site.strip().lower()):
        raise MetricsError("site must be a host name such as linkedin.com")
    return site.strip().lower()


def _when(value: Any, field: str) -> datetime:
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        raise MetricsError(f"{field} must be an ISO time or epoch milliseconds") from None


def local_today() -> date:
    """Today on this machine's clock. Days on the dashboard are local calendar days
    (the extension counts active time per local day too): a leader's "today" ends
    at their midnight, not at UTC's."""
    return datetime.now().astimezone().date()


def _utc_iso(when: datetime) -> str:
    """Stored times are UTC ISO strings, so they compare as strings."""
    return when.astimezone(UTC).isoformat()


def record_session(
    store: Store,
    brand: str,
    site: Any,
    started_at: Any,
    ended_at: Any,
    analyses: Any,
    final_verdict: Any = None,
    platform: Any = None,
    approved: Any = False,
) -> int:
    """A compose session the extension reports: where, when, how many analyses,
    the last verdict. Never the text."""
    start, end = _when(started_at, "started_at"), _when(ended_at, "ended_at")
    if not timedelta(0) <= end - start <= timedelta(seconds=MAX_SESSION_SECONDS):
        raise MetricsError("ended_at must follow started_at, within a day")
    if not isinstance(analyses, int) or isinstance(analyses, bool) or not 0 <= analyses < 10**6:
        raise MetricsError("analyses must be a non-negative integer")
    if final_verdict is not None and (
        not isinstance(final_verdict, str) or not re.fullmatch(r"[a-z-]{1,20}", final_verdict)
    ):
        raise MetricsError("final_verdict must be a verdict word such as repeat or ok")
    plat = platform if platform in PLATFORMS else None
    return store.insert_session(
        brand,
        _site(site),
        plat,
        _utc_iso(start),
        _utc_iso(end),
        analyses,
        final_verdict,
        approved is True,
    )


def record_activity(store: Store, site: Any, seconds: Any, day: Any = None) -> None:
    """Active seconds on an enabled social site, added to that day's total."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 < seconds <= 3600:
        raise MetricsError("seconds must be a number between 0 and 3600 per report")
    today = local_today()
    # The extension names the local day; a bare date reads as itself.
    d = _when(day, "day").date() if day else today
    if not -30 <= (d - today).days <= 1:  # today, or a day held in an offline outbox
        raise MetricsError("day must be within the last 30 days")
    store.add_activity(d.isoformat(), _site(site), int(round(seconds)))


# -- the dashboard -----------------------------------------------------------


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _post_rows(store: Store, brand: str) -> list[dict[str, Any]]:
    out = []
    for r in store.scored_posts(brand):
        try:  # stored in UTC (a time without a zone is UTC); counted on its local day
            day = _when(r["at"], "at").astimezone().date()
        except MetricsError:
            continue
        out.append({**r, "day": day})
    return out


def _avg(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 2) if vals else None


def dashboard(store: Store, brand: str, today: date | None = None, weeks: int = 12) -> dict:
    today = today or local_today()
    this_week = week_start(today)
    starts = [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    posts = _post_rows(store, brand)
    by_week: dict[date, list[dict]] = defaultdict(list)
    for p in posts:
        by_week[week_start(p["day"])].append(p)

    activity = store.activity()
    minutes_by_day: dict[date, float] = defaultdict(float)
    minutes_by_site: dict[str, float] = defaultdict(float)
    for day, site, seconds in activity:
        d = date.fromisoformat(day)
        minutes_by_day[d] += seconds / 60
        if d >= this_week:
            minutes_by_site[site] += seconds / 60

    trends = [
        {
            "week": w.isoformat(),
            "posts": len(by_week[w]),
            "specificity": _avg([spec_1_5(p["specificity"]) for p in by_week[w]]),
            "voice_drift": _avg([p["voice_drift"] for p in by_week[w]]),
            "originality": _avg([p["originality"] for p in by_week[w]]),
            "minutes": round(sum(minutes_by_day[w + timedelta(days=i)] for i in range(7)), 1),
        }
        for w in starts
    ]
    cadence = [
        {
            "week": w.isoformat(),
            **{pl: sum(1 for p in by_week[w] if p["platform"] == pl) for pl in PLATFORMS},
        }
        for w in starts
    ]
    days = [today - timedelta(days=i) for i in range(27, -1, -1)]
    posts_by_day: dict[date, int] = defaultdict(int)
    for p in posts:
        posts_by_day[p["day"]] += 1
    time_vs_posts = [
        {"day": d.isoformat(), "minutes": round(minutes_by_day[d], 1), "posts": posts_by_day[d]}
        for d in days
    ]
    days_elapsed = (today - this_week).days + 1
    goals = []
    for g in list_goals(store, brand):
        progress = _progress(g, by_week, minutes_by_day, this_week, days_elapsed, starts)
        goals.append({**g, **progress})
    # Sessions are stored in UTC: the week starts at local midnight on Monday.
    sessions = store.session_counts(
        brand, _utc_iso(datetime.combine(this_week, dtime.min).astimezone())
    )
    latest = [
        {
            "id": p["id"],
            "platform": p["platform"],
            "day": p["day"].isoformat(),
            "text": p["text"][:280],
            "specificity": spec_1_5(p["specificity"]),
            "voice_drift": p["voice_drift"],
            "originality": p["originality"],
        }
        for p in reversed(posts[-10:])
    ]
    return {
        "brand": brand,
        "today": today.isoformat(),
        "week": this_week.isoformat(),
        "goals": goals,
        "trends": trends,
        "cadence": cadence,
        "time_vs_posts": time_vs_posts,
        "minutes_by_site": {k: round(v, 1) for k, v in sorted(minutes_by_site.items())},
        "sessions": [
            {"site": s, "sessions": n, "analyses": a or 0, "approved": ap or 0}
            for s, n, a, ap in sessions
        ],
        "voice_history": store.voice_history(brand, 20),
        "latest_posts": latest,
        "suggestions": suggestions(posts, trends, goals, minutes_by_day, this_week, today),
    }


def _progress(
    goal: dict,
    by_week: dict[date, list[dict]],
    minutes_by_day: dict[date, float],
    this_week: date,
    days_elapsed: int,
    starts: list[date],
) -> dict[str, Any]:
    kind, target, plat = goal["kind"], goal["target"], goal["platform"]

    def measure(w: date, n_days: int) -> float | None:
        week_posts = [p for p in by_week[w] if not plat or p["platform"] == plat]
        if kind == "posts_per_week":
            return float(len(week_posts))
        if kind == "min_specificity":
            return _avg([spec_1_5(p["specificity"]) for p in week_posts])
        if kind == "max_drift":
            return _avg([p["voice_drift"] for p in week_posts])
        total = sum(minutes_by_day[w + timedelta(days=i)] for i in range(n_days))
        return round(total / n_days, 1)

    def met(v: float | None) -> bool | None:
        if v is None:
            return None
        return v >= target if kind in ("posts_per_week", "min_specificity") else v <= target

    now = measure(this_week, days_elapsed)
    history = [
        {"week": w.isoformat(), "value": measure(w, 7), "met": met(measure(w, 7))}
        for w in starts[:-1]
    ]
    history.append({"week": this_week.isoformat(), "value": now, "met": met(now)})
    return {"current": now, "met": met(now), "history": history}


def suggestions(
    posts: list[dict],
    trends: list[dict],
    goals: list[dict],
    minutes_by_day: dict[date, float],
    this_week: date,
    today: date,
) -> list[str]:
    out: list[str] = []
    names = PLATFORM_NAMES
    for plat in PLATFORMS:
        last = [p for p in posts if p["platform"] == plat][-5:]
        scored = [spec_1_5(p["specificity"]) for p in last if p["specificity"] is not None]
        low = sum(1 for s in scored if s is not None and s < 2)
        if len(scored) >= 3 and low >= 2:
            out.append(
                f"{words(low).capitalize()} of your last {words(len(last))} {names[plat]} "
                "posts were under specificity 2: add the number, name or date behind "
                "the claim."
            )
    drifts = [p["voice_drift"] for p in posts[-10:] if p["voice_drift"] is not None]
    if len(drifts) >= 5 and sum(drifts) / len(drifts) >= 50:
        out.append(
            f"Your last {len(drifts)} approved posts average a voice drift of "
            f"{sum(drifts) / len(drifts):.0f}: they sound more like one person than "
            "the company."
        )
    week_minutes = sum(minutes_by_day[this_week + timedelta(days=i)] for i in range(7))
    week_posts = trends[-1]["posts"] if trends else 0
    if week_minutes >= 30:
        per = (
            f"{week_minutes / week_posts:.0f} minutes per approved post"
            if week_posts
            else ("and no approved post yet")
        )
        out.append(
            f"{week_minutes / 60:.1f} hours on social sites this week, "
            f"{week_posts} posts approved: {per}."
        )
    days_left = 6 - today.weekday()
    for g in goals:
        if g["kind"] == "posts_per_week" and not g["met"]:
            where = names.get(g["platform"] or "", "")
            out.append(
                f"{g['current']:.0f} of {g['target']:.0f} {where + ' ' if where else ''}"
                f"posts this week, {days_left} days left."
            )
        if g["kind"] == "max_minutes_per_day" and g["met"] is False:
            out.append(
                f"{g['current']:.0f} minutes a day on social sites this week, over your "
                f"{g['target']:.0f}-minute goal."
            )
    return out[:6]
