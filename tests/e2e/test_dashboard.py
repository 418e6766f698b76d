"""The extension's part of the goals and metrics dashboard, end to end: active
time and compose sessions reach the real agent as aggregates (never text), and
the popup's "Open dashboard" logs into the agent's dashboard in a new tab.

Report timings are ordinary settings (docs/extension.md); the tests shorten
them through chrome.storage like any other setting."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from agent.service.auth import Auth
from tests.e2e.conftest import OUTPUT, POPUP_URL, Agent
from tests.e2e.test_extension import (
    BY_NAME,
    PARAPHRASES,
    clear_editor,
    open_editor,
    settled,
    type_draft,
)

FAST_REPORTS = {"reportIntervalS": 1, "activeIdleS": 60, "sessionIdleS": 300}


def set_settings(service_worker, patch: dict) -> None:
    service_worker.evaluate(
        "p => chrome.storage.local.get('settings').then(r => chrome.storage.local.set("
        "{settings: {...(r.settings || {}), ...p}}))",
        patch,
    )


@pytest.fixture
def fast_reports(paired, service_worker):
    set_settings(service_worker, FAST_REPORTS)
    yield
    set_settings(service_worker, {k: None for k in FAST_REPORTS})


def query(agent: Agent, sql: str, args: tuple = ()) -> list[tuple]:
    db = sqlite3.connect(f"file:{agent.home / 'onbrand.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def wait_for(what: str, fn, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def dashboard_json(agent: Agent) -> dict:
    token = Auth(agent.home / "config").issue_token("e2e dashboard check")
    req = urllib.request.Request(
        f"http://127.0.0.1:{agent.port}/api/dashboard",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def database_bytes(agent: Agent) -> bytes:
    files = sorted(agent.home.glob("onbrand.sqlite3*"))
    assert files, f"no database in {agent.home}"
    return b"".join(Path(f).read_bytes() for f in files)


def test_time_and_compose_sessions_reach_the_agent_as_aggregates_only(
    page: Page, agent: Agent, fast_reports
) -> None:
    site = BY_NAME["x"]
    text = PARAPHRASES[0]["paraphrase"]
    sessions_before = query(agent, "SELECT COUNT(*) FROM sessions WHERE site='x.com'")[0][0]
    seconds_before = sum(
        r[0] for r in query(agent, "SELECT seconds FROM activity WHERE site='x.com'")
    )

    open_editor(page, site)
    page.bring_to_front()
    assert page.evaluate("document.hasFocus() && document.visibilityState === 'visible'")
    type_draft(page, text)
    h = settled(page)
    verdict = h.get_attribute("data-verdict")
    assert verdict == "repeat"
    # Stay active on the page a little (moving the mouse), then send the post away.
    for i in range(4):
        page.mouse.move(200 + 10 * i, 300)
        time.sleep(0.6)
    clear_editor(page)  # the box is emptied: the compose session ends

    def session_rows():
        return query(
            agent,
            "SELECT site, platform, started_at, ended_at, analyses, final_verdict, approved "
            "FROM sessions WHERE site='x.com' ORDER BY id",
        )[sessions_before:]

    rows = wait_for("the compose session report", session_rows)
    assert len(rows) == 1, rows
    s_site, platform, started, ended, analyses, final_verdict, approved = rows[0]
    assert (s_site, platform, final_verdict, approved) == ("x.com", "x", verdict, 0)
    assert analyses >= 1
    assert started <= ended

    def active_seconds():
        total = sum(r[0] for r in query(agent, "SELECT seconds FROM activity WHERE site='x.com'"))
        return total - seconds_before if total - seconds_before >= 2 else 0

    wait_for("the active time report", active_seconds)
    # Only host names: no URL or path in any site column.
    sites = {
        r[0] for r in query(agent, "SELECT site FROM activity UNION SELECT site FROM sessions")
    }
    assert all("/" not in s and ":" not in s for s in sites), sites

    # The agent aggregates them on its dashboard.
    dash = dashboard_json(agent)
    assert dash["minutes_by_site"].get("x.com", 0) > 0, dash["minutes_by_site"]
    by_site = {s["site"]: s for s in dash["sessions"]}
    assert by_site["x.com"]["sessions"] >= 1 and by_site["x.com"]["analyses"] >= 1

    # Never the text: not in the database, its journal or its shared memory.
    blob = database_bytes(agent)
    for needle in (text, text[:40], text[-40:]):
        assert needle.encode() not in blob, f"draft text in the database: {needle!r}"


def test_popup_opens_the_dashboard(paired, agent: Agent) -> None:
    # A goal no week meets (500 posts): the page must coach about it.
    out = agent.cli("goals", "set", "posts_per_week", "500")
    goal_id = out.split("#", 1)[1].split(":", 1)[0]
    popup = paired.new_page()
    popup.goto(POPUP_URL)
    expect(popup.locator("#state")).to_have_attribute("data-state", "ready", timeout=30_000)
    button = popup.locator("#open-dashboard")
    expect(button).to_be_enabled()
    with paired.expect_page(timeout=30_000) as opened:
        button.click()
    dash = opened.value
    try:
        dash.wait_for_load_state()
        expect(dash).to_have_url(f"http://127.0.0.1:{agent.port}/", timeout=30_000)
        expect(dash.locator("main[data-state=ready]")).to_be_visible(timeout=30_000)
        # Minutes and posts on axes of their own, each with its title and ticks from 0
        for chart, label in (("minutes", "minutes a day"), ("posts", "posts a day")):
            svg = dash.locator(f"svg[data-chart={chart}]")
            assert svg.get_attribute("data-y-label") == label
            ticks = svg.locator("text[data-tick]").all_text_contents()
            assert ticks[0] == "0" and ticks[-1] == svg.get_attribute("data-y-max")
        behind = dash.locator("#suggestions li[data-kind=behind_goal]")
        expect(behind).to_contain_text("of 500 posts this week")
        assert behind.locator(".action").inner_text().startswith("Plan the next post now")
        dash.screenshot(path=str(OUTPUT / "e2e-dashboard.png"), full_page=True)
    finally:
        agent.cli("goals", "remove", goal_id)
        dash.close()
        if not popup.is_closed():
            popup.close()


def test_a_goal_behind_shows_in_the_popup_and_on_the_opted_in_badge(
    paired, agent: Agent, service_worker
) -> None:
    out = agent.cli("goals", "set", "posts_per_week", "500")  # no week is on pace for 500
    goal_id = out.split("#", 1)[1].split(":", 1)[0]
    badge = "async () => [await chrome.action.getBadgeText({}), await chrome.action.getTitle({})]"
    popup = paired.new_page()
    try:
        popup.goto(POPUP_URL)
        expect(popup.locator("#state")).to_have_attribute("data-state", "ready", timeout=30_000)
        expect(popup.locator("#reminders li")).to_contain_text(
            re.compile(r"of 500 posts this week, \d+ days? left")
        )
        text, _ = service_worker.evaluate(badge)
        assert text == "", "the badge stays quiet until the person opts in"
        set_settings(service_worker, {"goalBadge": True})
        text, title = wait_for(
            "the goal on the badge",
            lambda: (got := service_worker.evaluate(badge))[0] and got,
            timeout=30,
        )
        assert re.fullmatch(r"\d+d", text), text
        assert "Behind this week:" in title and "of 500 posts this week" in title
        popup.screenshot(path=str(OUTPUT / "e2e-popup-reminders.png"))
        set_settings(service_worker, {"goalBadge": None})
        wait_for("the badge to clear", lambda: service_worker.evaluate(badge)[0] == "", timeout=30)
    finally:
        set_settings(service_worker, {"goalBadge": None})
        agent.cli("goals", "remove", goal_id)
        popup.close()
