"""The extension end to end: real Chromium, the real agent and model, and pages
built on the editor libraries each site uses (see conftest.py).

Every wait is generous and condition-based: these tests check what a person
sees, not how fast a shared 2-core machine is.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import OUTPUT, POPUP_URL, Agent, pair_through_popup

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PARAPHRASES = json.loads((FIXTURES / "paraphrases.json").read_text(encoding="utf-8"))
FRESH = json.loads((FIXTURES / "fresh_onbrand.json").read_text(encoding="utf-8"))

ANALYSIS_TIMEOUT = 60_000  # ms; the first analysis after a restart includes warm-up
TYPE_DELAY = 8  # ms between key presses: a quick typist, every key a real key event


@dataclass(frozen=True)
class Site:
    name: str  # the platform, as the extension reports it
    url: str
    editor: str  # the compose box (the editable element itself)
    library: str  # what __fixture.getText() reads from

    def __str__(self) -> str:
        return self.name


SITES = [
    Site("x", "https://x.com/home", '[data-testid="tweetTextarea_0"]', "draft-js"),
    Site("linkedin", "https://www.linkedin.com/feed/", ".ql-editor", "quill"),
    Site("facebook", "https://www.facebook.com/", '[data-lexical-editor="true"]', "lexical"),
    Site("threads", "https://www.threads.net/", '[data-lexical-editor="true"]', "lexical"),
    Site("bluesky", "https://bsky.app/", ".ProseMirror", "tiptap"),
    Site(
        "mastodon",
        "https://mastodon.social/home",
        "textarea.autosuggest-textarea__textarea",
        "textarea",
    ),
]
BY_NAME = {s.name: s for s in SITES}


def open_editor(page: Page, site: Site, *, reply: bool = False) -> Locator:
    page.goto(site.url + ("?reply=1" if reply else ""))
    expect(page.locator(site.editor)).to_have_count(1)
    assert page.evaluate("window.__fixture.editor") == site.library
    editor = page.locator(site.editor)
    editor.click()
    return editor


def hint(page: Page) -> Locator:
    """The overlay of the page's one compose box."""
    return page.locator("onbrand-hint")


def type_draft(page: Page, text: str) -> None:
    page.keyboard.type(text, delay=TYPE_DELAY)
    # The editor has taken every key before anything is asserted about hints.
    page.wait_for_function("t => window.__fixture.getText() === t", arg=text)


def settled(page: Page) -> Locator:
    """Wait until the newest text has been analysed; returns the overlay."""
    h = hint(page)
    expect(h).to_have_attribute("data-state", "ready", timeout=ANALYSIS_TIMEOUT)
    expect(h).not_to_have_attribute("data-verdict", "empty")
    return h


def open_panel(h: Locator) -> Locator:
    panel = h.locator(".panel")
    if panel.is_hidden():
        h.locator(".badge").click()
    expect(panel).to_be_visible()
    return panel


def clear_editor(page: Page) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.wait_for_function("() => window.__fixture.getText().trim() === ''")


def shot(page: Page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"overlay-{name}.png"))


# -- pairing ------------------------------------------------------------------------


def test_popup_pairs_with_a_code_from_onbrand_pair(paired, agent: Agent, service_worker) -> None:
    # The session was paired through the popup (conftest); a wrong code is refused
    # with a useful message, and a fresh code pairs again.
    agent.pair_code()
    message = pair_through_popup(paired, "000000")
    assert "not the code" in message, message
    message = pair_through_popup(paired, agent.pair_code())
    assert "Paired" in message, message
    token = service_worker.evaluate("chrome.storage.local.get('token').then(r => r.token)")
    assert isinstance(token, str) and len(token) >= 32

    popup = paired.new_page()
    popup.goto(POPUP_URL)
    expect(popup.locator("#state")).to_have_attribute("data-state", "ready", timeout=30_000)
    expect(popup.locator("#privacy-line")).to_have_text(
        "Local-only: drafts go only to the agent on this computer"
    )
    popup.close()


# -- hints in each editor ------------------------------------------------------------


@pytest.mark.parametrize("site", SITES, ids=str)
def test_paraphrase_of_a_past_post_is_a_repeat(page: Page, site: Site) -> None:
    pair = PARAPHRASES[SITES.index(site)]
    open_editor(page, site)
    type_draft(page, pair["paraphrase"])
    h = settled(page)
    expect(h).to_have_attribute("data-verdict", "repeat")
    panel = open_panel(h)
    expect(panel.locator("h2")).to_have_text("Near-repeat")
    expect(panel.locator(".nearest .quote")).to_have_text(pair["original"])
    expect(panel.locator(".nearest .meta")).to_contain_text("% similar")
    # A passage is quoted only when one applies (docs/quality.md), and never more than one.
    assert panel.locator(".passage .quote").count() <= 1
    shot(page, site.name)


@pytest.mark.parametrize(("site_name", "fresh"), [("x", 4), ("threads", 6), ("linkedin", 5)])
def test_specific_on_brand_post_is_no_repeat_and_in_voice(
    page: Page, site_name: str, fresh: int
) -> None:
    open_editor(page, BY_NAME[site_name])
    type_draft(page, FRESH[fresh]["text"])
    h = settled(page)
    assert h.get_attribute("data-verdict") not in ("repeat", "echo", "off-voice", "empty")
    panel = open_panel(h)
    drift = panel.locator('[data-score="voice_drift"] .value').inner_text()
    assert int(drift) < 40, f"voice drift {drift}"
    expect(panel.locator('[data-score="originality"] .why')).to_contain_text("Fresh")


REPLY_TO = "Does the Brick 720 fit a Tern GSD, or do I need a new mount? Mine is the 2023 model."


def sent_drafts(service_worker) -> list[dict]:
    """The newest draft of each open compose box, as the background holds it."""
    return service_worker.evaluate(
        "[...drafts.values()].filter(d => d.msg).map(d => ({text: d.msg.text, "
        "platform: d.msg.platform, reply: d.msg.replyTo ? d.msg.replyTo.text : null}))"
    )


@pytest.mark.parametrize("reply", [False, True], ids=["post", "reply"])
@pytest.mark.parametrize("site", SITES, ids=str)
def test_editor_content_is_exactly_what_was_typed(
    page: Page, site: Site, reply: bool, service_worker
) -> None:
    editor = open_editor(page, site, reply=reply)
    typed = "Saturday at Foster Road: 19 packs in, 14 fixed.\nThe other five go to the bench."
    type_draft(page, typed)
    h = settled(page)
    # Open the panel, then keep typing: the caret never left the editor.
    open_panel(h)
    page.keyboard.type(" Thanks, all.", delay=TYPE_DELAY)
    typed += " Thanks, all."
    page.wait_for_function("t => window.__fixture.getText() === t", arg=typed)
    settled(page)
    # The editor holds exactly what was typed, and the extension read exactly that.
    assert page.evaluate("window.__fixture.getText()") == typed
    expected = {"text": typed, "platform": site.name, "reply": REPLY_TO if reply else None}
    assert expected in sent_drafts(service_worker)
    # Nothing of ours inside the editor; the overlay hangs off <body>.
    assert "onbrand" not in editor.evaluate("e => e.innerHTML")
    assert editor.evaluate("e => e.querySelectorAll('onbrand-hint').length") == 0
    assert page.evaluate("document.querySelector('onbrand-hint').parentElement === document.body")
    assert page.evaluate("document.querySelector('onbrand-hint').shadowRoot !== null"), (
        "open shadow root"
    )
    assert h.get_attribute("data-draft-id")


def test_dismissed_overlay_returns_when_the_draft_changes_a_lot(page: Page) -> None:
    open_editor(page, BY_NAME["linkedin"])
    type_draft(page, PARAPHRASES[6]["paraphrase"])
    h = settled(page)
    panel = open_panel(h)
    panel.locator(".dismiss").click()
    expect(h).to_be_hidden()
    page.keyboard.type(" More.", delay=TYPE_DELAY)
    expect(h).to_be_hidden()
    clear_editor(page)
    type_draft(page, FRESH[4]["text"])
    expect(h).to_be_visible()


# -- approving -------------------------------------------------------------------------


STOLEN = FRESH[9]["text"]  # on Bluesky
STOLEN_PARAPHRASE = (
    "Ledger can now mark a Brick as stolen. Flag the pack in the app and its serial number joins "
    "a list that every network shop checks before a repair; if the pack shows up, the shop keeps "
    "it and phones you. Since the pilot started in June, 17 stolen packs have been returned to "
    "their riders."
)


def test_approve_as_posted_stores_the_post_and_catches_its_repeat(page: Page, agent: Agent) -> None:
    site = BY_NAME["bluesky"]
    open_editor(page, site)
    type_draft(page, STOLEN)
    h = settled(page)
    assert h.get_attribute("data-verdict") != "repeat"
    panel = open_panel(h)
    panel.locator(".approve").click()
    expect(panel.locator(".approve-status")).to_contain_text("Saved to", timeout=ANALYSIS_TIMEOUT)

    stored = [p for p in agent.posts() if p["text"] == STOLEN]
    assert len(stored) == 1, "the approved post is in the store"
    assert stored[0]["platform"] == "bluesky"
    assert stored[0]["url"].startswith("https://bsky.app/")

    clear_editor(page)
    expect(h).to_have_attribute("data-verdict", "empty")
    type_draft(page, STOLEN_PARAPHRASE)
    settled(page)
    expect(h).to_have_attribute("data-verdict", "repeat")
    panel = open_panel(h)
    expect(panel.locator(".nearest .quote")).to_have_text(STOLEN)


def test_learn_from_posts_approves_what_is_published(
    page: Page, agent: Agent, service_worker
) -> None:
    text = FRESH[0]["text"]  # on Mastodon
    service_worker.evaluate(
        "chrome.storage.local.get('settings').then(r => chrome.storage.local.set("
        "{settings: {...(r.settings || {}), learnFromPosts: true}}))"
    )
    try:
        open_editor(page, BY_NAME["mastodon"])
        type_draft(page, text)
        settled(page)
        page.click(".compose-form button[type=submit]")  # the site empties the box
        page.wait_for_function("() => window.__fixture.getText() === ''")
        deadline = time.monotonic() + 30
        while not any(p["text"] == text for p in agent.posts()):
            assert time.monotonic() < deadline, "the published post was not learned"
            time.sleep(0.5)
    finally:
        service_worker.evaluate(
            "chrome.storage.local.get('settings').then(r => chrome.storage.local.set("
            "{settings: {...(r.settings || {}), learnFromPosts: false}}))"
        )


# -- the agent going away and coming back (last: it restarts the agent) ---------------------


def test_agent_offline_then_back_without_reload(page: Page, agent: Agent) -> None:
    site = BY_NAME["x"]
    open_editor(page, site)
    type_draft(page, PARAPHRASES[0]["paraphrase"])
    h = settled(page)
    expect(h).to_have_attribute("data-verdict", "repeat")

    agent.kill()
    expect(h).to_have_attribute("data-state", "offline", timeout=30_000)
    expect(h.locator(".label")).to_have_text("Offline")
    panel = open_panel(h)
    expect(panel).to_contain_text("onbrand serve")
    shot(page, "offline")

    agent.start()
    # The same page, never reloaded: the background reconnects and resends the draft.
    expect(h).to_have_attribute("data-state", "ready", timeout=ANALYSIS_TIMEOUT)
    expect(h).to_have_attribute("data-verdict", "repeat")
    expect(panel.locator(".nearest .quote")).to_have_text(
        re.compile(r"^A Brick 500 holds ten Sticks")
    )
