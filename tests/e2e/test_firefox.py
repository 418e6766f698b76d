"""The core end-to-end cases in Firefox ESR (Debian's firefox-esr), driven over
WebDriver BiDi (tests/e2e/bidi.py): the extension installed as a temporary
add-on, the real agent, the same fixture pages as the Chromium tests. Fails,
never skips, when firefox-esr is missing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.e2e.bidi import FIREFOX, Bidi, firefox
from tests.e2e.conftest import EXTENSION, OUTPUT, Agent
from tests.e2e.test_extension import PARAPHRASES, SITES, Site

ADDON_ID = "onbrand@onbrand.local"
UUID = "6d1f3c52-5a4e-4b8e-9a61-0b7d6c2e9f10"
OPTIONS_URL = f"moz-extension://{UUID}/options.html"
ANALYSIS_TIMEOUT = 90
HOST = "document.querySelector('onbrand-hint')"
SHADOW = f"{HOST}.shadowRoot"


@pytest.fixture(scope="module")
def ff(agent: Agent, site_server: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bidi]:
    if not FIREFOX.exists():
        pytest.fail(f"{FIREFOX} is missing: apt-get install -y firefox-esr")
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / "e2e-firefox.log"
    log.write_bytes(b"")
    with firefox(
        tmp_path_factory.mktemp("firefox-profile"), log, uuid=UUID, addon_id=ADDON_ID
    ) as bidi:
        installed = bidi.send(
            "webExtension.install", extensionData={"type": "path", "path": str(EXTENSION)}
        )
        assert installed["extension"] == ADDON_ID
        # Point the extension at the test agent and pair it, from its own options page.
        tab = bidi.new_tab()
        bidi.goto(tab, OPTIONS_URL)
        bidi.wait_for(tab, "globalThis.OnbrandSettings && true")
        bidi.eval(tab, f"OnbrandSettings.save({{port: {agent.port}}})")
        answer = bidi.eval(
            tab, f"browser.runtime.sendMessage({{type: 'pair', code: '{agent.pair_code()}'}})"
        )
        assert answer and answer.get("ok"), answer
        bidi.wait_for(
            tab, "browser.runtime.sendMessage({type: 'get-state'}).then(s => s.state === 'ready')"
        )
        bidi.send("browsingContext.close", context=tab)
        bidi.site_port = site_server  # type: ignore[attr-defined]
        yield bidi


@pytest.fixture
def tab(ff: Bidi) -> Iterator[str]:
    t = ff.new_tab()
    yield t
    ff.send("browsingContext.close", context=t)


def open_site(ff: Bidi, tab: str, site: Site) -> None:
    host = site.url.split("/")[2]
    path = "/" + site.url.split("/", 3)[3]
    ff.goto(tab, f"https://{host}:{ff.site_port}{path}")  # type: ignore[attr-defined]
    assert ff.wait_for(tab, "window.__fixture && window.__fixture.editor") == site.library
    ff.click(tab, f"document.querySelector({json.dumps(site.editor)})")


def type_text(ff: Bidi, tab: str, text: str) -> None:
    ff.type(tab, text)
    ff.wait_for(tab, f"window.__fixture.getText() === {json.dumps(text)}")


def settled(ff: Bidi, tab: str) -> None:
    ff.wait_for(
        tab,
        f"{HOST} && {HOST}.dataset.state === 'ready' && {HOST}.dataset.verdict !== 'empty'",
        timeout=ANALYSIS_TIMEOUT,
    )


def shot(ff: Bidi, tab: str, name: str) -> None:
    ff.screenshot(tab, OUTPUT / f"firefox-{name}.png")


def test_repeat_is_shown_and_the_text_stays_intact(ff: Bidi, tab: str) -> None:
    site = SITES[0]  # X, Draft.js
    pair = PARAPHRASES[0]
    open_site(ff, tab, site)
    type_text(ff, tab, pair["paraphrase"])
    settled(ff, tab)
    assert ff.eval(tab, f"{HOST}.dataset.verdict") == "repeat"
    ff.click(tab, f"{SHADOW}.querySelector('.badge')")
    quote = ff.wait_for(tab, f"{SHADOW}.querySelector('.nearest .quote')?.textContent")
    assert quote == pair["original"]
    # The editor holds exactly what was typed; nothing of ours is inside it.
    assert ff.eval(tab, "window.__fixture.getText()") == pair["paraphrase"]
    assert (
        ff.eval(
            tab, f"document.querySelector({json.dumps(site.editor)}).innerHTML.includes('onbrand')"
        )
        is False
    )
    assert ff.eval(tab, f"{HOST}.parentElement === document.body")
    shot(ff, tab, "repeat")


@pytest.mark.parametrize("site", [SITES[1], SITES[5]], ids=str)  # Quill, textarea
def test_a_fix_is_applied_through_the_editor(ff: Bidi, tab: str, site: Site) -> None:
    draft = "Our ebike shop opens in Leeds on 4 March with 3 mechanics."
    open_site(ff, tab, site)
    type_text(ff, tab, draft)
    settled(ff, tab)
    # An underline lies under "ebike" (its DOM range, or the textarea's first line).
    under = ff.wait_for(
        tab,
        f"[...{SHADOW}.querySelectorAll('.underline')]"
        ".find(u => u.dataset.start === '4')?.getBoundingClientRect().toJSON()",
    )
    assert under["width"] > 10
    time.sleep(1.2)  # Quill merges edits that follow typing into one undo step
    ff.click(tab, f"{SHADOW}.querySelector('.badge')")
    ff.click(
        tab,
        f"[...{SHADOW}.querySelectorAll('.apply')].find(b => b.textContent === 'ebike → e-bike')",
    )
    ff.wait_for(
        tab, f"window.__fixture.getText() === {json.dumps(draft.replace('ebike', 'e-bike'))}"
    )
    shot(ff, tab, f"fixed-{site.name}")
    ff.press(tab, "\ue009", "z")  # Control+Z
    ff.wait_for(tab, f"window.__fixture.getText() === {json.dumps(draft)}")


def test_offline_then_restart_brings_hints_back(ff: Bidi, tab: str, agent: Agent) -> None:
    site = SITES[4]  # Bluesky, TipTap
    pair = PARAPHRASES[4]
    open_site(ff, tab, site)
    type_text(ff, tab, pair["paraphrase"])
    settled(ff, tab)
    assert ff.eval(tab, f"{HOST}.dataset.verdict") == "repeat"
    agent.kill()
    try:
        ff.wait_for(tab, f"{HOST}.dataset.state === 'offline'", timeout=30)
        shot(ff, tab, "offline")
    finally:
        agent.start()
    # The same page, never reloaded: the background reconnects and resends the draft.
    ff.wait_for(
        tab,
        f"{HOST}.dataset.state === 'ready' && {HOST}.dataset.verdict === 'repeat'",
        timeout=ANALYSIS_TIMEOUT,
    )


def test_firefox_is_the_one_from_debian() -> None:
    # Never a downloaded build: Debian's ESR, which .ci/run installs with apt.
    assert FIREFOX.exists(), "apt-get install -y firefox-esr"
