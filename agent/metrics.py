"""Goals and metrics: what social media is doing for the brand, against the time
it takes. Everything here is aggregates (counts, scores, durations, site names);
no draft text is ever stored, in any privacy mode."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from agent import coaching
from agent.coaching import spec_1_5
from agent.importers import MAX_STAT
from agent.platforms import PLATFORMS
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
# The dashboard's ranges, in weeks ending with this one; "all" starts at the week
# of the oldest post or minute recorded.
RANGES: dict[str, int | None] = {"4w": 4, "12w": 12, "1y": 52, "all": None}
DEFAULT_RANGE = "12w"
DAILY_UP_TO_WEEKS = 12  # longer ranges draw time and posts by week, not by day


class MetricsError(ValueError):
    """Bad input for a goal or a report; the message says which field."""


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


# -- engagement ----------------------------------------------------------------


def set_post_stats(
    store: Store, post_id: Any, likes: Any = None, replies: Any = None, reposts: Any = None
) -> dict[str, Any]:
    """Set a post's likes, replies and reposts by hand; a figure left out keeps
    what was stored. Each must be a whole number from 0 up."""
    figures = {"likes": likes, "replies": replies, "reposts": reposts}
    if all(v is None for v in figures.values()):
        raise MetricsError("give at least one of --likes, --replies, --reposts")
    clean: dict[str, int | None] = {}
    for name, value in figures.items():
        if value is None:
            clean[name] = None
            continue
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or int(text) >= MAX_STAT:
            raise MetricsError(
                f"--{name} must be a whole number from 0 to {MAX_STAT - 1:,}, not {text[:20]!r}"
            )
        clean[name] = int(text)
    try:
        pid = int(str(post_id))
    except ValueError:
        raise MetricsError(f"post ID must be a number, not {str(post_id)[:20]!r}") from None
    return {
        "post_id": pid,
        **store.set_post_stats(pid, clean["likes"], clean["replies"], clean["reposts"]),
    }


# -- the dashboard -----------------------------------------------------------


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def check_range(span: Any) -> str:
    if span in (None, ""):
        return DEFAULT_RANGE
    if span not in RANGES:
        raise MetricsError(f"range must be one of {', '.join(RANGES)}, not {str(span)[:20]!r}")
    return str(span)


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


def _range_weeks(span: str, first: date | None, this_week: date) -> int:
    n = RANGES[span]
    if n is not None:
        return n
    if first is None:
        return 4
    return max(4, (this_week - week_start(first)).days // 7 + 1)


def _sum(values: list[int | None]) -> int | None:
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def _post_view(p: dict[str, Any], full: bool = False) -> dict[str, Any]:
    return {
        "id": p["id"],
        "platform": p["platform"],
        "day": p["day"].isoformat(),
        "text": p["text"] if full else p["text"][:280],
        "url": p["url"],
        "specificity": spec_1_5(p["specificity"]),
        "voice_drift": p["voice_drift"],
        "originality": p["originality"],
        "risk": p["risk"],
        "likes": p["likes"],
        "replies": p["replies"],
        "reposts": p["reposts"],
    }


def dashboard(
    store: Store, brand: str, today: date | None = None, span: str = DEFAULT_RANGE
) -> dict:
    """Everything the dashboard page draws, for a range of weeks ending this week.
    Coaching reads its own windows (agent/coaching.py), whatever the range."""
    span = check_range(span)
    today = today or local_today()
    this_week = week_start(today)
    posts = [p for p in _post_rows(store, brand) if p["day"] <= today]
    by_week: dict[date, list[dict]] = defaultdict(list)
    for p in posts:
        by_week[week_start(p["day"])].append(p)

    minutes_by_day: dict[date, float] = defaultdict(float)
    site_minutes: dict[tuple[date, str], float] = defaultdict(float)
    for day, site, seconds in store.activity():
        d = date.fromisoformat(day)
        minutes_by_day[d] += seconds / 60
        site_minutes[(d, site)] += seconds / 60
    first = min([p["day"] for p in posts] + list(minutes_by_day), default=None)
    n_weeks = _range_weeks(span, first, this_week)
    # Coaching compares the last complete weeks with those before, whatever is shown.
    computed = max(n_weeks, 2 * coaching.TREND_WEEKS + 1)
    all_starts = [this_week - timedelta(weeks=i) for i in range(computed - 1, -1, -1)]
    starts = all_starts[-n_weeks:]
    since = starts[0]

    def week_row(w: date) -> dict[str, Any]:
        ps = by_week[w]
        minutes = round(sum(minutes_by_day[w + timedelta(days=i)] for i in range(7)), 1)
        return {
            "week": w.isoformat(),
            "posts": len(ps),
            "specificity": _avg([spec_1_5(p["specificity"]) for p in ps]),
            "voice_drift": _avg([p["voice_drift"] for p in ps]),
            "originality": _avg([p["originality"] for p in ps]),
            "minutes": minutes,
            "minutes_per_post": round(minutes / len(ps), 1) if ps and minutes else None,
            "likes": _sum([p["likes"] for p in ps]),
            "replies": _sum([p["replies"] for p in ps]),
            "reposts": _sum([p["reposts"] for p in ps]),
        }

    weekly = [week_row(w) for w in all_starts]
    trends = weekly[-n_weeks:]
    cadence = [
        {
            "week": w.isoformat(),
            **{pl: sum(1 for p in by_week[w] if p["platform"] == pl) for pl in PLATFORMS},
        }
        for w in starts
    ]
    in_range = [p for p in posts if p["day"] >= since]
    minutes_by_site: dict[str, float] = defaultdict(float)
    for (d, site), m in site_minutes.items():
        if since <= d <= today:
            minutes_by_site[site] += m
    sites = sorted(minutes_by_site, key=lambda s: (-minutes_by_site[s], s))
    daily = n_weeks <= DAILY_UP_TO_WEEKS
    buckets = (
        [since + timedelta(days=i) for i in range((today - since).days + 1)] if daily else starts
    )
    span_days = 1 if daily else 7
    posts_by_day: dict[date, int] = defaultdict(int)
    for p in posts:
        posts_by_day[p["day"]] += 1

    def bucket(start: date) -> dict[str, Any]:
        days = [start + timedelta(days=i) for i in range(span_days)]
        return {
            "start": start.isoformat(),
            "minutes": round(sum(minutes_by_day[d] for d in days), 1),
            "by_site": {s: round(sum(site_minutes[(d, s)] for d in days), 1) for s in sites},
            "posts": sum(posts_by_day[d] for d in days),
        }

    days_elapsed = (today - this_week).days + 1
    goals = []
    for g in list_goals(store, brand):
        progress = _progress(g, by_week, minutes_by_day, this_week, days_elapsed, starts)
        goals.append({**g, **progress})
    # Sessions are stored in UTC: the range starts at local midnight on a Monday.
    since_utc = _utc_iso(datetime.combine(since, dtime.min).astimezone())
    coach_since = today - timedelta(days=coaching.COMPLAINT_DAYS - 1)
    complaints = store.complaint_sessions(
        brand, _utc_iso(datetime.combine(coach_since, dtime.min).astimezone())
    )
    sessions = store.session_counts(brand, since_utc)
    with_likes = sorted(
        (p for p in in_range if p["likes"] is not None),
        key=lambda p: (-(p["likes"] or 0), -(p["reposts"] or 0), -p["id"]),
    )
    return {
        "brand": brand,
        "today": today.isoformat(),
        "week": this_week.isoformat(),
        "range": {"key": span, "weeks": n_weeks, "from": since.isoformat(), "ranges": list(RANGES)},
        "goals": goals,
        "trends": trends,
        "cadence": cadence,
        "time": {
            "unit": "day" if daily else "week",
            "sites": sites,
            "buckets": [bucket(b) for b in buckets],
        },
        "minutes_by_site": {s: round(minutes_by_site[s], 1) for s in sorted(minutes_by_site)},
        "sessions": [
            {"site": s, "sessions": n, "analyses": a or 0, "approved": ap or 0}
            for s, n, a, ap in sorted(sessions, key=lambda r: (-r[1], r[0]))
        ],
        "voice_history": store.voice_history(brand, 20),
        "latest_posts": [_post_view(p) for p in reversed(in_range[-10:])],
        "top_posts": [_post_view(p) for p in with_likes[:5]],
        "engagement": coaching.engagement(in_range),
        "suggestions": coaching.suggestions(posts, weekly, goals, complaints, today),
        "reminders": coaching.reminders(goals, today),
    }


def posts_in_range(
    store: Store, brand: str, today: date | None = None, span: str = DEFAULT_RANGE
) -> list[dict[str, Any]]:
    """The brand's posts in a range, oldest first, whole, with scores and engagement."""
    span = check_range(span)
    today = today or local_today()
    board = dashboard(store, brand, today, span)
    since = date.fromisoformat(board["range"]["from"])
    return [
        _post_view(p, full=True) for p in _post_rows(store, brand) if since <= p["day"] <= today
    ]


def reminders(store: Store, brand: str, today: date | None = None) -> dict[str, Any]:
    """Weekly post goals behind their pace, with the days left: what the popup shows."""
    today = today or local_today()
    board = dashboard(store, brand, today, "4w")
    return {
        "brand": brand,
        "today": today.isoformat(),
        "days_left": coaching.days_left(today),
        "reminders": board["reminders"],
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
