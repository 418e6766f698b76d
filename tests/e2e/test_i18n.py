"""The extension's own interface in Bahasa Indonesia, end to end in Chromium:
a second browser whose UI language is Indonesian (`--lang=id`) is pointed at
the agent from its options page and paired from its popup, and the card on a
fixture editor speaks Indonesian (badge word, buttons, headings) while the
agent's hint messages stay in the brand's language (the demo brand's is
English). Screenshots: test-output/i18n-id-*.png."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    EXTENSION,
    EXTENSION_ID,
    OUTPUT,
    POPUP_URL,
    Agent,
    launch_chromium,
)
from tests.e2e.test_extension import (
    PARAPHRASES,
    SITES,
    TYPE_DELAY,
    open_editor,
    open_panel,
    settled,
)
from tests.e2e.test_hints import DRAFT, SUBMIT, hint_of

OPTIONS_URL = f"chrome-extension://{EXTENSION_ID}/options.html"
ID = json.loads((EXTENSION / "_locales" / "id" / "messages.json").read_text(encoding="utf-8"))
EN = json.loads((EXTENSION / "_locales" / "en" / "messages.json").read_text(encoding="utf-8"))


def msg(key: str, *subs: str) -> str:
    """An Indonesian message as chrome.i18n.getMessage fills it."""
    entry = ID[key]
    text = entry["message"]
    for name, p in entry.get("placeholders", {}).items():
        text = re.sub(
            rf"\${name}\$", lambda _m, c=p["content"]: subs[int(c[1:]) - 1], text, flags=re.I
        )
    return text.replace("$$", "$")


def shot(page: Page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"i18n-id-{name}.png"))


@pytest.fixture(scope="module")
def browser_id(playwright_sync, chromium, site_server, tmp_path_factory):
    context = launch_chromium(
        playwright_sync, chromium, tmp_path_factory.mktemp("chromium-id"), site_server, lang="id"
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def worker_id(browser_id):
    workers = [w for w in browser_id.service_workers if EXTENSION_ID in w.url]
    return workers[0] if workers else browser_id.wait_for_event("serviceworker", timeout=30_000)


@pytest.fixture(scope="module")
def paired_id(browser_id, worker_id, agent: Agent):
    """Pointed at the agent from the Indonesian options page, paired from the popup."""
    # Chromium's @@ui_locale may still name the system's language; the messages follow --lang.
    assert worker_id.evaluate("chrome.i18n.getMessage('ui_lang')") == "id"
    options = browser_id.new_page()
    options.goto(OPTIONS_URL)
    expect(options.locator("html")).to_have_attribute("lang", "id")
    expect(options.locator("h1")).to_have_text("Pengaturan onbrand")
    expect(options.locator("#agent-form button[type=submit]")).to_have_text("Simpan")
    expect(options.locator("#reconnect")).to_have_text("Hubungkan ulang")
    expect(options.locator("#add-site button[type=submit]")).to_have_text("Tambah situs")
    options.fill("#port", str(agent.port))
    options.click("#agent-form button[type=submit]")
    expect(options.locator("#agent-result")).to_have_text(msg("options_saved"), timeout=10_000)
    options.close()

    popup = browser_id.new_page()
    popup.set_viewport_size({"width": 380, "height": 560})
    popup.goto(POPUP_URL)
    expect(popup.locator("#pair-section")).to_be_visible(timeout=30_000)
    expect(popup.locator("#pair-title")).to_have_text("Pasangkan browser ini")
    expect(popup.locator("#pair-button")).to_have_text("Pasangkan")
    expect(popup.locator("#state")).to_have_text(re.compile("Belum dipasangkan|Menghubungkan…"))
    # The command in the help stays code, inside the Indonesian sentence.
    expect(popup.locator("#pair-section p.muted code")).to_have_text("onbrand pair")
    expect(popup.locator("#pair-section p.muted")).to_contain_text("Jalankan")
    # Longer words fit the popup's width: nothing sticks out of it.
    FITS = (
        "() => [...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right"
        " > document.querySelector('main').getBoundingClientRect().right + 1)"
        ".map(e => e.id || e.tagName)"
    )
    assert popup.evaluate(FITS) == []
    shot(popup, "popup-unpaired")
    popup.fill("#pair-code", agent.pair_code())
    popup.click("#pair-button")
    expect(popup.locator("#pair-result")).to_have_text(
        "Terpasang. Saran sudah aktif.", timeout=30_000
    )
    expect(popup.locator("#state")).to_have_text("Siap", timeout=30_000)
    expect(popup.locator("#open-dashboard")).to_have_text("Buka dasbor")
    expect(popup.locator("#open-dashboard")).to_be_enabled()
    expect(popup.locator("#open-options")).to_have_text("Pengaturan")
    expect(popup.locator("#privacy-line")).to_have_text(msg("popup_privacy_local"))
    assert popup.evaluate(FITS) == []
    shot(popup, "popup")
    popup.close()
    # The toolbar button's tooltip comes from the background, in Indonesian too.
    assert worker_id.evaluate("chrome.action.getTitle({})") == msg("action_ready")
    return browser_id


@pytest.fixture
def page_id(paired_id):
    p = paired_id.new_page()
    yield p
    p.close()


def test_card_buttons_and_badge_are_indonesian(page_id: Page) -> None:
    site = SITES[1]  # LinkedIn, Quill
    open_editor(page_id, site)
    page_id.keyboard.type(DRAFT, delay=TYPE_DELAY)
    h = settled(page_id)
    panel = open_panel(h)
    expect(panel).to_have_attribute("aria-label", "Saran onbrand")
    expect(panel.locator(".approve")).to_have_text("Setujui teks ini")
    expect(panel.locator(".hints h3")).to_have_text("Yang perlu diperhatikan")
    expect(panel.locator(".hint .ignore").first).to_have_text("Abaikan")
    expect(panel.locator(".hint .ignore").first).to_have_attribute(
        "aria-label", msg("card_ignore_label")
    )
    rule = hint_of(panel, "terminology")
    expect(rule.locator(".ignore-rule")).to_have_text("Abaikan aturan ini untuk brand")
    fix = rule.locator(".apply", has_text="ebike → e-bike")
    expect(fix).to_have_attribute("title", "Ganti 'ebike' dengan 'e-bike'")
    names = panel.locator(".score .name").all_inner_texts()
    assert "Orisinalitas" in names and "Risiko" in names, names
    verdict = h.get_attribute("data-verdict")
    short = {"off-voice": "verdict_offvoice_short"}.get(verdict, f"verdict_{verdict}_short")
    expect(h.locator(".badge .label")).to_have_text(ID[short]["message"] if short in ID else "Cek")
    # The hints are the agent's words in the brand's language (English here), untranslated.
    messages = panel.locator(".hint .msg").all_inner_texts()
    assert any(m.startswith("House style: write 'e-bike'") for m in messages), messages
    assert not [m for m in messages if re.search(r"\b(yang|untuk|Anda|dengan)\b", m)], messages
    shot(page_id, "card")


def test_repeat_update_and_approve_as_posted_are_indonesian(page_id: Page) -> None:
    site = SITES[0]  # X, Draft.js
    open_editor(page_id, site)
    page_id.keyboard.type(PARAPHRASES[0]["paraphrase"], delay=TYPE_DELAY)
    h = settled(page_id)
    expect(h).to_have_attribute("data-verdict", "repeat")
    expect(h.locator(".badge .label")).to_have_text("Mengulang")
    panel = open_panel(h)
    expect(panel.locator(".nearest h3")).to_have_text("Postingan lama yang paling mirip")
    expect(panel.locator(".nearest .meta")).to_contain_text("% mirip")
    update = panel.locator(".update")
    expect(update).to_have_text("Ini pembaruan")
    shot(page_id, "repeat")
    update.click()
    expect(h.locator(".badge .label")).to_have_text("Pembaruan")

    # After the site's own Post: the badge and the offer to approve what was published.
    page_id.locator(SUBMIT[site.name]).click()
    page_id.wait_for_function("() => window.__fixture.getText() === ''")
    expect(h.locator(".badge .label")).to_have_text("Terbit")
    panel = open_panel(h)
    expect(panel.locator(".approve-posted")).to_have_text("Setujui seperti yang terbit")
    expect(panel.locator(".dismiss")).to_have_attribute("aria-label", "Jangan disetujui")
    shot(page_id, "posted")
    panel.locator(".dismiss").click()
    expect(h.locator(".badge .label")).not_to_have_text("Terbit")
