"""Goals and metrics, their endpoints' access rules, and the dashboard in Chromium."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest

from agent import metrics
from agent.config import StorageError
from agent.core import Onbrand
from agent.service.auth import Auth, Logins
from agent.store import Store
from tests.agent_server import running
from tests.conftest import ROOT

TODAY = date(2026, 11, 26)  # a Thursday


def seed(core: Onbrand, today: date) -> dict[str, int]:
    """Posts with known scores over four weeks, activity, and a session."""
    store = core.store
    store.ensure_brand("acme")
    bid = store.brand_id("acme")
    plan = [  # (days ago, platform, specificity 0-100, drift)
        (0, "linkedin", 10, 20),
        (1, "linkedin", 15, 30),
        (2, "linkedin", 80, 10),
        (3, "x", 90, 70),
        (8, "linkedin", 50, 40),
        (9, "x", 60, 50),
        (16, "bluesky", 75, 5),
        (23, "linkedin", 25, 80),
    ]
    ids = {}
    with store.transaction() as db:
        for n, (ago, plat, _spec, _drift) in enumerate(plan):
            day = (today - timedelta(days=ago)).isoformat() + "T12:00:00+00:00"
            pid, _ = store.insert_post(
                db, bid, f"Post {n} about shop {n}.", plat, day, None, "test"
            )
            ids[f"p{n}"] = pid
        store.bump_voice_version(db, bid, "import:test: +8 posts")
    for n, (_ago, _plat, spec, drift) in enumerate(plan):
        metrics.record_scores(
            store,
            ids[f"p{n}"],
            {
                "specificity": {"value": spec},
                "voice_drift": {"value": drift},
                "originality": {"value": 70},
            },
        )
    for ago, minutes in [(0, 50), (1, 40), (2, 30), (3, 20), (9, 90)]:
        metrics.record_activity(
            store, "linkedin.com", minutes * 60 / 2, day=(today - timedelta(days=ago)).isoformat()
        )
        metrics.record_activity(
            store, "x.com", minutes * 60 / 2, day=(today - timedelta(days=ago)).isoformat()
        )
    metrics.record_session(
        store,
        "acme",
        "linkedin.com",
        "2026-11-26T09:00:00Z",
        "2026-11-26T09:12:00Z",
        14,
        "ok",
        "linkedin",
        True,
    )
    return ids


def test_days_and_weeks_are_local_calendar_days(
    core: Onbrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post approved on Monday 03:00 UTC was written on Sunday evening in
    California: it counts on Sunday, in the week before."""
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        store = core.store
        store.ensure_brand("acme")
        bid = store.brand_id("acme")
        with store.transaction() as db:
            for n, at in enumerate(["2026-11-23T03:00:00Z", "2026-11-23T20:00:00+00:00"]):
                store.insert_post(db, bid, f"Post {n} about shop {n}.", "x", at, None, "test")
            store.bump_voice_version(db, bid, "import:test: +2 posts")
        # Sun 1 Nov 21:00 and Mon 2 Nov 01:00 local, either side of the 4-week range
        for at in ("2026-11-02T05:00:00Z", "2026-11-02T09:00:00Z"):
            metrics.record_session(store, "acme", "x.com", at, at, 3, "ok", "x", False)
        d = metrics.dashboard(store, "acme", today=date(2026, 11, 26), span="4w")
        assert d["range"]["from"] == "2026-11-02" and d["time"]["unit"] == "day"
        by_day = {r["start"]: r["posts"] for r in d["time"]["buckets"]}
        assert (by_day["2026-11-22"], by_day["2026-11-23"]) == (1, 1)
        by_week = {t["week"]: t["posts"] for t in d["trends"]}
        assert (by_week["2026-11-16"], by_week["2026-11-23"]) == (1, 1)
        assert [p["day"] for p in d["latest_posts"]] == ["2026-11-23", "2026-11-22"]
        assert d["sessions"][0]["sessions"] == 1  # only Monday 01:00 is in the range
        stored = [r[0] for r in store._q("SELECT started_at FROM sessions ORDER BY id")]
        assert stored == ["2026-11-02T05:00:00+00:00", "2026-11-02T09:00:00+00:00"]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_goals_crud_and_progress(core: Onbrand) -> None:
    ids = seed(core, TODAY)
    s = core.store
    g1 = metrics.set_goal(s, "acme", "posts_per_week", 3, "linkedin")
    g2 = metrics.set_goal(s, "acme", "min_specificity", 3.0)
    g3 = metrics.set_goal(s, "acme", "max_drift", 40)
    g4 = metrics.set_goal(s, "acme", "max_minutes_per_day", 30)
    again = metrics.set_goal(s, "acme", "posts_per_week", 4, "linkedin")  # update, not duplicate
    assert again["id"] == g1["id"] and len(metrics.list_goals(s, "acme")) == 4
    board = metrics.dashboard(s, "acme", today=TODAY)
    goals = {g["kind"]: g for g in board["goals"]}
    # this week (Mon 23 - Thu 26): linkedin posts 26, 25, 24 -> 3 of 4
    assert goals["posts_per_week"]["current"] == 3 and goals["posts_per_week"]["met"] is False
    # specificity this week: values 10, 15, 80, 90 -> 1.4, 1.6, 4.2, 4.6 -> mean 2.95
    assert goals["min_specificity"]["current"] == pytest.approx(2.95)
    assert goals["min_specificity"]["met"] is False
    assert goals["max_drift"]["current"] == pytest.approx(32.5) and goals["max_drift"]["met"]
    # minutes this week: 50+40+30+20 over 4 days -> 35 a day, over 30
    assert (
        goals["max_minutes_per_day"]["current"] == 35
        and goals["max_minutes_per_day"]["met"] is False
    )
    hist = goals["posts_per_week"]["history"]
    assert hist[-1]["week"] == "2026-11-23" and [h["value"] for h in hist[-4:]] == [1, 0, 1, 3]
    trends = {t["week"]: t for t in board["trends"]}
    assert trends["2026-11-16"]["posts"] == 2 and trends["2026-11-16"]["voice_drift"] == 45
    cadence = {c["week"]: c for c in board["cadence"]}
    assert cadence["2026-11-23"]["linkedin"] == 3 and cadence["2026-11-23"]["x"] == 1
    # minutes over the range (12 weeks): this week's 140 and 90 on day 9
    assert board["minutes_by_site"] == {"linkedin.com": 115.0, "x.com": 115.0}
    assert board["sessions"] == [
        {"site": "linkedin.com", "sessions": 1, "analyses": 14, "approved": 1}
    ]
    kinds = {s["kind"]: s for s in board["suggestions"]}
    # 3 LinkedIn posts by Thursday is ahead of the pace of a 4-a-week goal (2 by now)
    assert "behind_goal" not in kinds
    assert kinds["vaguest_post"]["post_id"] == ids["p0"]
    assert kinds["over_time"]["figure"] == "35 min/day"
    for g in (g2, g3, g4):
        metrics.delete_goal(s, "acme", g["id"])
    assert [g["kind"] for g in metrics.list_goals(s, "acme")] == ["posts_per_week"]
    with pytest.raises(metrics.MetricsError, match="no goal"):
        metrics.delete_goal(s, "acme", 9999)


@pytest.mark.parametrize(
    ("kind", "target", "platform", "message"),
    [
        ("posts_per_day", 3, None, "unknown goal kind"),
        ("max_drift", "lots", None, "number"),
        ("max_drift", 300, None, "between"),
        ("max_drift", 30, "x", "platform applies"),
        ("posts_per_week", 2, "myspace", "platform"),
    ],
)
def test_bad_goals_are_refused(
    core: Onbrand, kind: str, target: Any, platform: str | None, message: str
) -> None:
    with pytest.raises(metrics.MetricsError, match=message):
        metrics.set_goal(core.store, "default", kind, target, platform)
    assert metrics.list_goals(core.store, "default") == []


def test_reports_are_validated(core: Onbrand) -> None:
    s = core.store
    with pytest.raises(metrics.MetricsError, match="site"):
        metrics.record_activity(s, "<script>", 10)
    with pytest.raises(metrics.MetricsError, match="seconds"):
        metrics.record_activity(s, "x.com", -5)
    with pytest.raises(metrics.MetricsError, match="ended_at"):
        metrics.record_session(
            s, "default", "x.com", "2026-11-26T10:00:00Z", "2026-11-26T09:00:00Z", 3
        )
    with pytest.raises(metrics.MetricsError, match="analyses"):
        metrics.record_session(
            s, "default", "x.com", "2026-11-26T09:00:00Z", "2026-11-26T09:05:00Z", "many"
        )
    assert s._q("SELECT COUNT(*) FROM sessions")[0][0] == 0


def request(
    port: int,
    path: str,
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a: Any, **k: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_endpoints_need_a_session_or_token_and_refuse_foreign_origins(demo: Onbrand) -> None:
    with running(demo) as server:
        p = server.port
        for path in ("/api/dashboard", "/api/goals"):
            assert request(p, path)[0] == 401
        assert request(p, "/")[0] == 401
        assert request(p, "/api/goals", "POST", {"kind": "max_drift", "target": 30})[0] == 401
        assert request(p, "/login?code=forged")[0] == 403
        code = Logins().new()
        status, headers, _ = request(p, f"/login?code={code}")
        assert status == 303 and headers["Location"] == "/"
        cookie = headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert request(p, f"/login?code={code}")[0] == 403  # one-time
        sid = cookie.split(";")[0]
        ok = {"Cookie": sid}
        assert request(p, "/", headers=ok)[0] == 200
        status, _, body = request(
            p, "/api/goals", "POST", {"kind": "max_drift", "target": 30}, headers=ok
        )
        assert status == 200 and json.loads(body)["kind"] == "max_drift"
        # a cross-site page: its Origin is refused even with the cookie
        evil = {**ok, "Origin": "https://evil.example"}
        assert (
            request(p, "/api/goals", "POST", {"kind": "max_drift", "target": 90}, headers=evil)[0]
            == 403
        )
        assert request(p, "/api/dashboard", headers=evil)[0] == 403
        # a form post (no JSON) cannot change goals
        req = urllib.request.Request(
            f"http://127.0.0.1:{p}/api/goals",
            data=b"kind=max_drift",
            headers={**ok, "Content-Type": "application/x-www-form-urlencoded"},
        )
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 415
        # the agent's own origin (the dashboard page) and a bearer token both work
        own = {**ok, "Origin": f"http://127.0.0.1:{p}"}
        status, _, body = request(p, "/api/dashboard", headers=own)
        assert status == 200 and json.loads(body)["goals"][0]["target"] == 30
        tok = {"Authorization": f"Bearer {Auth().issue_token('script')}"}
        assert request(p, "/api/goals", headers=tok)[0] == 200
        assert request(p, "/api/goals/1", "DELETE", headers=tok)[0] == 200
        assert request(p, "/api/dashboard", headers={"Host": f"evil.example:{p}", **ok})[0] == 403


def test_reports_over_the_websocket_are_aggregated(demo: Onbrand) -> None:
    import asyncio

    from agent.service.client import AgentError, connect

    with running(demo) as server:

        async def go() -> None:
            async with connect(server.port) as c:
                await c.hello(Auth().issue_token("ext"))
                for _ in range(3):
                    await c.send(
                        {
                            "type": "report",
                            "kind": "activity",
                            "site": "bsky.app",
                            "seconds": 20,
                            "id": "a",
                        }
                    )
                    assert (await c.expect("reported"))["id"] == "a"
                await c.send(
                    {
                        "type": "report",
                        "kind": "session",
                        "site": "bsky.app",
                        "platform": "bluesky",
                        "started_at": "2026-11-26T09:00:00Z",
                        "ended_at": "2026-11-26T09:03:00Z",
                        "analyses": 7,
                        "final_verdict": "repeat",
                        "text": "never stored",
                    }
                )
                await c.expect("reported")
                await c.send(
                    {"type": "report", "kind": "activity", "site": "bsky.app", "seconds": 99999}
                )
                with pytest.raises(AgentError) as e:
                    await c.expect("reported")
                assert e.value.code == "bad_frame" and "seconds" in str(e.value)
                await c.send({"type": "login", "id": "l"})
                link = await c.expect("login_link")
                assert link["url"].startswith(f"http://127.0.0.1:{server.port}/login?code=")

        asyncio.run(go())
    store: Store = demo.store
    today = metrics.local_today().isoformat()
    assert (
        store._q("SELECT seconds FROM activity WHERE site='bsky.app' AND day=?", (today,))[0][0]
        == 60
    )
    row = store._q("SELECT site, analyses, final_verdict FROM sessions")[0]
    assert tuple(row) == ("bsky.app", 7, "repeat")
    assert b"never stored" not in (demo.store.path).read_bytes()


@pytest.mark.browser
def test_dashboard_renders_in_chromium(demo: Onbrand) -> None:
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright

    today = metrics.local_today()
    ids = seed(demo, today)
    store = demo.store
    demo.use_brand("acme")
    metrics.set_goal(store, "acme", "posts_per_week", 4, "linkedin")
    metrics.set_goal(store, "acme", "max_minutes_per_day", 30)
    # imported history, outside the default 12 weeks
    old = today - timedelta(days=400)
    with store.transaction() as db:
        store.insert_post(
            db, store.brand_id("acme"), "Shop 1 opened in 2025.", "x", f"{old}T12:00:00Z", None, "t"
        )
    for n, key in enumerate(["p0", "p2", "p3"]):
        store.set_post_stats(ids[key], 10 * (n + 1), n, None)
    now = datetime.now(UTC)
    metrics.record_session(
        store, "acme", "x.com", now - timedelta(minutes=5), now, 6, "complaint", "x", True
    )
    board = metrics.dashboard(store, "acme")
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    with running(demo) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        problems: list[str] = []  # a CSP refusal or a script error shows up here
        page.on(
            "console",
            lambda m: (
                problems.append(f"{m.text} {m.location.get('url')}")
                if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"http://127.0.0.1:{server.port}/login?code={Logins().new()}")
        page.wait_for_selector("main[data-state=ready]", timeout=30_000)
        cards = page.locator(".goal")
        assert cards.count() == 2
        kinds = {cards.nth(i).get_attribute("data-goal-kind"): cards.nth(i) for i in range(2)}
        assert kinds["posts_per_week"].get_attribute("data-current") == str(
            sum(
                1
                for ago in (0, 1, 2)
                if today - timedelta(days=ago) >= today - timedelta(days=today.weekday())
            )
        )
        for chart in (
            "specificity",
            "trends",
            "cadence",
            "minutes",
            "posts",
            "per-post",
            "sites",
            "sessions",
        ):
            node = page.locator(f"svg[data-chart={chart}]")
            assert node.count() == 1, chart
            assert node.get_attribute("aria-label"), chart  # a text alternative
        this_week = (today - timedelta(days=today.weekday())).isoformat()
        drift = page.locator(
            f"svg[data-chart=trends] circle[data-series=voice_drift][data-week='{this_week}']"
        )
        assert drift.count() == 1
        assert page.locator("svg[data-chart=cadence] rect[data-platform=linkedin]").count() >= 2

        # Minutes and posts each on their own axis: 25 minutes per site today, on a
        # minutes axis up to 100 (the busiest day had 90); one post on a 0-2 axis.
        minutes = page.locator("svg[data-chart=minutes]")
        assert minutes.get_attribute("data-y-label") == "minutes a day"
        assert minutes.get_attribute("data-y-max") == "100"
        ticks = minutes.locator("text[data-tick]").all_text_contents()
        assert ticks == ["0", "20", "40", "60", "80", "100"]
        for site in ("x.com", "linkedin.com"):
            bar = minutes.locator(f"rect[data-start='{today}'][data-site='{site}']")
            assert bar.get_attribute("data-minutes") == "25"
        posts = page.locator("svg[data-chart=posts]")
        assert posts.get_attribute("data-y-label") == "posts a day"
        assert posts.get_attribute("data-y-max") == "2"
        assert posts.locator("text[data-tick]").all_text_contents() == ["0", "1", "2"]
        today_bar = posts.locator(f"rect[data-start='{today}']")
        assert today_bar.get_attribute("data-posts") == "1"
        # half the plot's height (210 - 22 - 20 = 168): on the posts axis, not minutes'
        assert float(today_bar.get_attribute("height") or 0) == pytest.approx(84)
        per_post = board["trends"][-1]["minutes_per_post"]
        dot = page.locator(f"svg[data-chart=per-post] circle[data-week='{this_week}']")
        assert dot.get_attribute("data-value") == f"{per_post:g}"
        assert (
            page.locator("svg[data-chart=sites] rect[data-site='x.com']").get_attribute(
                "data-minutes"
            )
            == f"{board['minutes_by_site']['x.com']:g}"
        )
        assert page.locator("svg[data-chart=sessions] rect[data-site='x.com']").get_attribute(
            "data-sessions"
        ) == str(next(s["sessions"] for s in board["sessions"] if s["site"] == "x.com"))

        # Suggestions with their figure and one action
        vague = page.locator("#suggestions li[data-kind=vaguest_post]")
        assert vague.get_attribute("data-post-id") == str(ids["p0"])
        assert vague.locator(".figure").inner_text() == "specificity 1.4"
        assert "number, date or name" in vague.locator(".action").inner_text()
        assert page.locator("#suggestions li[data-kind=complaints]").count() == 1
        eng = page.locator("#engagement li[data-score=specificity]")
        assert eng.get_attribute("data-enough") == "false" and "at least 12" in eng.inner_text()
        assert page.locator("#top tbody tr").first.get_attribute("data-post-id") == str(ids["p3"])
        assert page.locator("#latest tbody tr").count() == 8
        assert page.locator("#voice tbody tr").count() >= 1

        page.select_option("select[name=kind]", "max_drift")
        page.fill("input[name=target]", "45")
        page.click("#goal-form button")
        page.wait_for_selector(".goal[data-goal-kind=max_drift]")
        page.screenshot(path=str(out / "dashboard.png"), full_page=True)

        # Everything: the imported post of 400 days ago, by week
        page.select_option("#range", "all")
        page.wait_for_selector("svg[data-chart=posts][data-y-label='posts a week']")
        assert "range=all" in page.url
        old_week = (old - timedelta(days=old.weekday())).isoformat()
        assert (
            page.locator(f"svg[data-chart=posts] rect[data-start='{old_week}']").get_attribute(
                "data-posts"
            )
            == "1"
        )
        assert page.locator("#latest tbody tr").count() == 9
        href = page.locator("#export-posts").get_attribute("href") or ""
        assert href.startswith("/api/export/posts.csv?") and "range=all" in href
        # the page's own session downloads it: every post of the range, oldest first
        body = page.evaluate("h => fetch(h).then(r => r.text())", href)
        lines = body.splitlines()
        assert lines[0].startswith("id,day,platform,specificity") and len(lines) == 10
        assert lines[1].endswith("Shop 1 opened in 2025.")
        page.emulate_media(color_scheme="dark")
        page.screenshot(path=str(out / "dashboard-dark.png"), full_page=True)
        assert problems == []
        browser.close()
    assert {g["kind"] for g in metrics.list_goals(store, "acme")} == {
        "posts_per_week",
        "max_minutes_per_day",
        "max_drift",
    }


def test_activity_day_is_bounded(core: Onbrand) -> None:
    with pytest.raises(metrics.MetricsError, match="last 30 days"):
        metrics.record_activity(core.store, "x.com", 10, day="1999-01-01")
    with pytest.raises(metrics.MetricsError, match="last 30 days"):
        metrics.record_activity(core.store, "x.com", 10, day="2999-01-01")


def test_goals_post_checks_the_login_before_it_reads_the_body(
    core: Onbrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    def raw(port: int, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/goals",
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    deep = b"[" * 100_000
    with running(core) as server:
        p = server.port
        for body in (b"not json", deep, b"[1, 2]"):
            status, answer = raw(p, body)
            assert status == 401 and answer["code"] == "unauthorized", (body[:10], answer)
        tok = {"Authorization": f"Bearer {Auth().issue_token('script')}"}
        status, answer = raw(p, deep, tok)
        assert status == 400 and answer["code"] == "bad_json"

        def full(*a: object, **k: object) -> int:
            raise StorageError("the disk is full: could not write onbrand.sqlite3")

        monkeypatch.setattr(Store, "put_goal", full)
        status, answer = raw(p, b'{"kind": "max_drift", "target": 30}', tok)
        assert status == 500 and answer["message"].startswith("the disk is full")
