"""The coaching dashboard (issue #21): each suggestion fires exactly when its
condition holds, engagement against the scores, the range, reminders and the
CSV exports, on data written for these tests."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest

from agent import coaching, exports, metrics
from agent.core import Onbrand
from agent.service.auth import Auth
from agent.store import Store
from tests.agent_server import running

THU = date(2026, 11, 26)  # a Thursday: Monday is the 23rd, four days with today
SPECIFIC = "We opened 3 shops in Leeds on 4 March."


def post(pid: int, day: date, **kw: Any) -> dict[str, Any]:
    row = {
        "id": pid,
        "day": day,
        "platform": "linkedin",
        "text": SPECIFIC,
        "url": None,
        "specificity": 80,
        "voice_drift": 20,
        "originality": 80,
        "risk": 5,
        "likes": None,
        "replies": None,
        "reposts": None,
    }
    return {**row, **kw}


def goal(kind: str, target: float, current: float | None, platform: str | None = None) -> dict:
    met = None if current is None else current >= target if kind == "posts_per_week" else None
    if kind == "max_minutes_per_day" and current is not None:
        met = current <= target
    return {
        "id": 1,
        "kind": kind,
        "platform": platform,
        "target": target,
        "current": current,
        "met": met,
    }


# -- each rule, firing and quiet ------------------------------------------------


def test_vaguest_post_of_the_week_and_what_it_lacked() -> None:
    posts = [
        post(1, THU - timedelta(days=1), specificity=60),
        post(2, THU - timedelta(days=2), specificity=10, text="Exciting things are coming!"),
        post(3, THU - timedelta(days=7), specificity=0, text="Big news soon."),  # last week
    ]
    s = coaching.vaguest_post(posts, THU)
    assert s is not None and s.post_id == 2 and s.figure == "specificity 1.4"
    assert "it has no number, no date and no name or place" in s.text
    assert "Tue 24 Nov" in s.text and s.action
    # the same post, one point under the line and on it
    assert coaching.vaguest_post([post(2, THU, specificity=34, text="Soon.")], THU)
    assert coaching.vaguest_post([post(2, THU, specificity=35, text="Soon.")], THU) is None
    # a vague post of last week is not this week's
    assert coaching.vaguest_post(posts[2:], THU) is None
    # a vague post that has details says so instead of a list
    full = "Thanks to Anna Reyes, we opened 3 shops in Leeds on 4 March."
    detailed = coaching.vaguest_post([post(4, THU, specificity=20, text=full)], THU)
    assert detailed is not None and "details are there" in detailed.text


def test_off_voice_posts_approved_anyway() -> None:
    posts = [
        post(1, THU - timedelta(days=3), voice_drift=72, platform="x"),
        post(2, THU - timedelta(days=10), voice_drift=55),
        post(3, THU - timedelta(days=28), voice_drift=90),  # outside the 4 weeks
        post(4, THU, voice_drift=49),
    ]
    s = coaching.off_voice_approved(posts, THU)
    assert s is not None and s.figure == "2 off-voice" and s.post_id == 1
    assert "2 posts approved in the last 4 weeks" in s.text and "at 72" in s.text
    assert coaching.off_voice_approved([posts[2], posts[3]], THU) is None


def test_a_platform_behind_its_goal_with_the_days_left() -> None:
    # Thursday: a goal of 4 a week expects 2 by today (floor of 4 x 4/7)
    behind = coaching.behind_goals([goal("posts_per_week", 4, 1, "linkedin")], THU)
    assert [s.kind for s in behind] == ["behind_goal"]
    assert behind[0].text == (
        "1 of 4 LinkedIn posts this week, behind the 2 an even pace has by today; 4 days left."
    )
    assert "3 more by Sunday" in behind[0].action
    assert coaching.behind_goals([goal("posts_per_week", 4, 2, "linkedin")], THU) == []
    monday, sunday = date(2026, 11, 23), date(2026, 11, 29)
    assert coaching.behind_goals([goal("posts_per_week", 3, 0)], monday) == []
    last = coaching.behind_goals([goal("posts_per_week", 3, 2)], sunday)
    assert len(last) == 1 and "1 day left" in last[0].text and "1 more today" in last[0].action
    over = coaching.behind_goals([goal("max_minutes_per_day", 30, 41)], THU)
    assert [s.figure for s in over] == ["41 min/day"]
    assert coaching.behind_goals([goal("max_minutes_per_day", 30, 30)], THU) == []


def weeks(before: tuple[float, int], recent: tuple[float, int]) -> list[dict[str, Any]]:
    start = date(2026, 9, 28)
    rows = [
        {"week": (start + timedelta(weeks=i)).isoformat(), "minutes": m, "posts": p}
        for i, (m, p) in enumerate([before] * 4 + [recent] * 4)
    ]
    return [*rows, {"week": "2026-11-23", "minutes": 999, "posts": 0}]  # the partial week


def test_time_rising_while_posts_fall() -> None:
    s = coaching.time_rising(weeks((100, 3), (130, 2)))
    assert s is not None and s.kind == "time_rising" and s.figure == "33 → 65 min/post"
    assert "from 6.7 to 8.7 hours" in s.text and "from 12 to 8" in s.text
    # minutes up by less than a fifth, posts steady, or no time before: quiet
    assert coaching.time_rising(weeks((100, 3), (119, 2))) is None
    assert coaching.time_rising(weeks((100, 3), (130, 3))) is None
    assert coaching.time_rising(weeks((0, 3), (130, 2))) is None
    assert coaching.time_rising(weeks((100, 3), (130, 2))[3:]) is None  # too few weeks
    # no post at all lately still says so
    none = coaching.time_rising(weeks((100, 3), (130, 0)))
    assert none is not None and "to no post" in none.text


def test_repeats_approved_within_eight_weeks() -> None:
    posts = [
        post(1, THU - timedelta(weeks=2), originality=12),
        post(2, THU - timedelta(weeks=9), originality=5),  # too long ago
        post(3, THU, originality=21),
    ]
    s = coaching.repeats_approved(posts, THU)
    assert s is not None and s.post_id == 1 and s.figure == "1 repeat"
    assert "was a near-repeat" in s.text and "at 12" in s.text
    assert coaching.repeats_approved(posts[1:], THU) is None


def test_complaints_answered_in_public() -> None:
    sessions = [("x.com", "2026-11-25T10:00:00+00:00", True)]
    s = coaching.complaints_public(sessions)
    assert s is not None and s.figure == "1 in public" and "(x.com)" in s.text
    assert "DM or email" in s.action
    assert coaching.complaints_public([("x.com", "2026-11-25T10:00:00+00:00", False)]) is None


def test_quiet_data_gives_no_suggestion_and_every_one_has_figure_and_action() -> None:
    calm = [post(i, THU - timedelta(days=i)) for i in range(5)]
    steady = weeks((100, 3), (100, 3))
    assert coaching.suggestions(calm, steady, [goal("posts_per_week", 3, 3)], [], THU) == []
    noisy = [*calm, post(9, THU, specificity=5, voice_drift=80, originality=10, text="Soon.")]
    found = coaching.suggestions(
        noisy,
        weeks((100, 3), (130, 2)),
        [goal("posts_per_week", 7, 1)],
        [("x.com", "2026-11-25T10:00:00+00:00", True)],
        THU,
    )
    assert [s["kind"] for s in found] == [
        "behind_goal",
        "complaints",
        "vaguest_post",
        "off_voice",
        "repeats",
        "time_rising",
    ]
    assert all(s["figure"] and s["text"] and s["action"] for s in found)


def test_reminders_say_which_goal_is_behind_and_the_days_left() -> None:
    goals = [goal("posts_per_week", 4, 1, "linkedin"), goal("posts_per_week", 2, 2)]
    r = coaching.reminders(goals, THU)
    assert r == [
        {
            "goal_id": 1,
            "platform": "linkedin",
            "current": 1,
            "target": 4,
            "expected": 2,
            "days_left": 4,
            "message": "1 of 4 LinkedIn posts this week, 4 days left",
        }
    ]
    assert coaching.reminders([goal("max_drift", 40, 80)], THU) == []


# -- engagement against the scores ---------------------------------------------------


def test_engagement_medians_of_the_best_and_worst_thirds() -> None:
    # specificity 0, 8, ..., 88; likes rise with it: the top third (4 posts: 64-88)
    # has likes 80, 90, 100, 110 -> 95; the bottom third (0-24) 0, 10, 20, 30 -> 15
    posts = [
        post(i, THU, specificity=8 * i, voice_drift=8 * i, originality=50, likes=10 * i)
        for i in range(12)
    ]
    e = coaching.engagement(posts)
    assert (e["posts"], e["with_likes"], e["minimum"]) == (12, 12, 12)
    by = {x["score"]: x for x in e["by_score"]}
    spec = by["specificity"]
    assert spec["enough"] and spec["best"] == {
        "label": "most specific",
        "median_likes": 95,
        "n": 4,
    }
    assert (
        spec["worst"]["median_likes"] == 15 and "more likes for the most specific" in spec["note"]
    )
    # a lower drift is better: the most on-voice third is the one with fewer likes here
    drift = by["voice_drift"]
    assert (drift["best"]["median_likes"], drift["worst"]["median_likes"]) == (15, 95)
    assert "more likes for the most off-voice" in drift["note"]
    # all the same originality: the thirds are split by id, the likes differ
    assert by["originality"]["enough"]


def test_engagement_says_when_the_sample_is_too_small() -> None:
    posts = [post(i, THU, likes=i) for i in range(11)] + [post(99, THU)]  # one without likes
    e = coaching.engagement(posts)
    assert e["with_likes"] == 11
    for x in e["by_score"]:
        assert not x["enough"] and "at least 12 are needed" in x["note"] and "11 posts" in x["note"]
    none = coaching.engagement([post(1, THU)])
    assert none["with_likes"] == 0
    assert none["by_score"][0]["note"].startswith("No post with both likes and a specificity")


def test_engagement_with_no_clear_difference() -> None:
    posts = [post(i, THU, specificity=8 * i, likes=50) for i in range(12)]
    spec = coaching.engagement(posts)["by_score"][0]
    assert spec["enough"] and "no clear difference" in spec["note"]


# -- the range ------------------------------------------------------------------------


def seeded_store(today: date) -> Store:
    store = Store()
    store.ensure_brand("acme")
    bid = store.brand_id("acme")
    with store.transaction() as db:
        for n, ago in enumerate([3, 40, 200, 800]):
            at = (today - timedelta(days=ago)).isoformat() + "T12:00:00+00:00"
            store.insert_post(db, bid, f"Post {n} from {ago} days ago.", "x", at, None, "t")
    return store


@pytest.mark.parametrize(
    ("span", "shown", "weeks", "unit"),
    [("4w", 1, 4, "day"), ("12w", 2, 12, "day"), ("1y", 3, 52, "week"), ("all", 4, 115, "week")],
)
def test_range_filters_posts_charts_and_exports(
    span: str, shown: int, weeks: int, unit: str
) -> None:
    store = seeded_store(THU)
    board = metrics.dashboard(store, "acme", today=THU, span=span)
    assert board["range"]["key"] == span and board["range"]["weeks"] == weeks
    assert len(board["latest_posts"]) == shown and len(board["trends"]) == weeks
    assert board["time"]["unit"] == unit
    assert sum(b["posts"] for b in board["time"]["buckets"]) == shown
    assert sum(t["posts"] for t in board["trends"]) == shown
    assert len(metrics.posts_in_range(store, "acme", THU, span)) == shown
    # the oldest week shown holds the oldest post only for "everything"
    assert (board["trends"][0]["posts"] == 1) == (span == "all")


def test_a_bad_range_is_refused() -> None:
    with pytest.raises(metrics.MetricsError, match="range must be one of 4w, 12w, 1y, all"):
        metrics.check_range("5w")
    assert metrics.check_range(None) == "12w"


# -- CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 for the team", "'+1 for the team"),
        ("-40% today", "'-40% today"),
        ("@onbrand thanks", "'@onbrand thanks"),
        ("Plain text, with a comma", "Plain text, with a comma"),
        (None, ""),
        (12, 12),
        (2.5, 2.5),
    ],
)
def test_csv_cells_are_safe_from_formulas(value: Any, cell: Any) -> None:
    assert exports.cell(value) == cell


def test_weekly_and_posts_csv_round_trip() -> None:
    store = seeded_store(THU)
    bad = '=cmd|"/c calc"!A1'
    ids = {t: i for i, t in store.post_texts("acme").items()}
    pid, older = ids["Post 0 from 3 days ago."], ids["Post 1 from 40 days ago."]
    with store.transaction() as db:
        db.execute("UPDATE posts SET text=? WHERE id=?", (bad + "\nline two", pid))
    store.set_post_stats(pid, 7, None, 2)
    rows = list(
        csv.DictReader(io.StringIO(exports.posts_csv(metrics.posts_in_range(store, "acme", THU))))
    )
    assert [r["id"] for r in rows] == [str(older), str(pid)]
    assert rows[1]["text"] == "'" + bad + "\nline two"
    assert (rows[1]["likes"], rows[1]["replies"], rows[1]["reposts"]) == ("7", "", "2")
    weekly = list(
        csv.reader(io.StringIO(exports.weekly_csv(metrics.dashboard(store, "acme", THU))))
    )
    assert weekly[0] == list(exports.WEEKLY_COLUMNS) and len(weekly) == 13
    assert weekly[-1][:2] == ["2026-11-23", "1"] and weekly[-1][7] == "7"


# -- engagement: set by hand ----------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from agent.cli.main import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_set_stats_by_hand_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    store = seeded_store(THU)
    pid = store.list_posts("acme", 1)[0].id
    code, out, _ = run_cli(capsys, "posts", "set-stats", str(pid), "--likes", "12")
    assert code == 0 and out.strip() == f"post #{pid}: 12 likes, - replies, - reposts"
    code, out, _ = run_cli(
        capsys, "posts", "set-stats", str(pid), "--replies", "3", "--reposts", "1", "--json"
    )
    assert code == 0 and json.loads(out)["likes"] == 12  # kept
    assert json.loads(out)["source"] == "manual"
    for args, message in [
        (["--replies", "4", "--likes", "lots"], "--likes must be a whole number from 0"),
        (["--likes", "-3"], "--likes must be a whole number from 0"),
        (["--replies", "2.5"], "--replies must be a whole number"),
        (["--reposts", "1e3"], "--reposts must be a whole number"),
        ([], "give at least one of --likes, --replies, --reposts"),
    ]:
        code, out, err = run_cli(capsys, "posts", "set-stats", str(pid), *args)
        assert code != 0 and out == "", args
        assert err.count("\n") == 1 and message in err and "Traceback" not in err, err
    code, _, err = run_cli(capsys, "posts", "set-stats", "99999", "--likes", "1")
    assert code != 0 and err.strip() == "onbrand: no post with id 99999 (see `onbrand posts list`)"
    # nothing of the refused commands was written
    assert store.post_stats(pid) is not None
    stats = store.post_stats(pid) or {}
    assert (stats["likes"], stats["replies"], stats["reposts"]) == (12, 3, 1)
    assert store._q("SELECT COUNT(*) FROM post_stats")[0][0] == 1


# -- over HTTP: the range, reminders, exports ----------------------------------------------


def get(port: int, path: str, token: str | None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_api_range_reminders_and_csv_downloads(core: Onbrand) -> None:
    store = core.store
    today = metrics.local_today()
    store.ensure_brand("acme")
    bid = store.brand_id("acme")
    with store.transaction() as db:
        for n, ago in enumerate([0, 200]):
            at = (today - timedelta(days=ago)).isoformat() + "T12:00:00+00:00"
            store.insert_post(db, bid, f"=SUM(A{n}) post {n}", "x", at, None, "t")
    metrics.set_goal(store, "acme", "posts_per_week", 50)
    with running(core) as server:
        p, tok = server.port, Auth().issue_token("test")
        assert get(p, "/api/reminders?brand=acme", None)[0] == 401
        assert get(p, "/api/export/posts.csv?brand=acme", None)[0] == 401
        status, _, body = get(p, "/api/dashboard?brand=acme&range=1y", tok)
        assert status == 200 and len(json.loads(body)["latest_posts"]) == 2
        status, _, body = get(p, "/api/dashboard?brand=acme&range=4w", tok)
        assert status == 200 and len(json.loads(body)["latest_posts"]) == 1
        status, _, body = get(p, "/api/dashboard?brand=acme&range=forever", tok)
        assert status == 400 and "range must be one of" in json.loads(body)["message"]
        status, _, body = get(p, "/api/reminders?brand=acme", tok)
        r = json.loads(body)
        assert status == 200 and r["days_left"] == 7 - today.weekday()
        assert [(x["current"], x["expected"]) for x in r["reminders"]] == [
            (1, coaching.expected_by_now(50, today))
        ]
        status, headers, body = get(p, "/api/export/posts.csv?brand=acme&range=all", tok)
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        assert headers["Content-Disposition"] == (
            'attachment; filename="onbrand-acme-all-posts.csv"'
        )
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert [r["text"] for r in rows] == ["'=SUM(A1) post 1", "'=SUM(A0) post 0"]
        status, _, body = get(p, "/api/export/weekly.csv?brand=acme&range=4w", tok)
        assert status == 200 and len(body.decode().strip().splitlines()) == 5
        assert get(p, "/api/export/secrets.txt?brand=acme", tok)[0] == 404


def test_goals_command_says_which_goal_is_behind(capsys: pytest.CaptureFixture[str]) -> None:
    Store().ensure_brand("acme")
    assert run_cli(capsys, "goals", "set", "posts_per_week", "500", "--brand", "acme")[0] == 0
    code, out, _ = run_cli(capsys, "goals", "--brand", "acme")
    left = coaching.days_left(metrics.local_today())
    assert code == 0 and out.splitlines()[-1] == (
        f"behind: 0 of 500 posts this week, {left} day{'' if left == 1 else 's'} left"
    )
    metrics.set_goal(Store(), "acme", "posts_per_week", 1)
    out = run_cli(capsys, "goals", "--brand", "acme")[1]
    # a goal of one post a week expects it by Sunday only
    assert ("behind:" in out) == (metrics.local_today().weekday() == 6)
