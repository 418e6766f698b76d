"""The extension's own interface in Bahasa Indonesia, end to end in Chromium:
a second browser whose UI language is Indonesian (`--lang=id`) is pointed at
the agent from its options page and paired from its popup, and the card on a
fixture editor speaks Indonesian (badge word, buttons, headings) while the
agent's hint messages stay in the brand's language (the demo brand's is
English). Then the Indonesian demo brand, Kopi Lereng (agent/demo_id/), checks
X's drafts (its per-site brand, set on the options page): the English
translation of one of its posts and an Indonesian rewording of another are
repeats, with the hints in Indonesian. Screenshots: test-output/i18n-id-*.png."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from embeddings.e5 import E5
from embeddings.onnx import build_dir, is_built
from tests.conftest import ROOT
from tests.e2e.conftest import (
    EXTENSION,
    EXTENSION_ID,
    OUTPUT,
    POPUP_URL,
    Agent,
    extension_worker,
    launch_chromium,
)
from tests.e2e.test_extension import (
    ANALYSIS_TIMEOUT,
    PARAPHRASES,
    SITES,
    TYPE_DELAY,
    clear_editor,
    open_editor,
    open_panel,
    settled,
    type_draft,
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
    return extension_worker(browser_id)


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


# -- an Indonesian brand ----------------------------------------------------------------

KOPI = "demo-id"  # `onbrand demo --lang id`: Kopi Lereng, a café chain in Bandung
KOPI_POSTS = [
    json.loads(line)
    for line in (ROOT / "agent/demo_id/posts.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def kopi_post(start: str) -> dict:
    (post,) = [p for p in KOPI_POSTS if p["text"].startswith(start)]
    return post


# Facebook, 2025-11-10, and its English translation (ours, with an emoji of our own).
OUTAGE = kopi_post("Lereng Buah Batu tutup sementara mulai pukul 14.30 WIB")
OUTAGE_EN = (
    "Lereng Buah Batu is closed for now, from 14.30 WIB today: the power is out all along "
    "Jl. Buah Batu ⚡ PLN expects it to come back on around 18.00 WIB. Our other three bars "
    "are open as usual. The latest news is at kopilereng.id/info"
)
# Threads, 2025-03-11, said again in other Indonesian words.
SWEET = kopi_post("Pertanyaan yang paling sering masuk minggu ini: kenapa Kopi Susu Lereng")
SWEET_AGAIN = (
    "Kenapa Kopi Susu Lereng tidak semanis kopi susu lain? Gula arennya sengaja kami takar "
    "18 ml per gelas, bukan 30 ml, supaya rasa kopi Manglayang-nya tetap terasa ☕ Suka yang "
    "lebih manis? Bilang saja ke barista, tambah satu pump gratis."
)
# The agent's words for an `id` brand (agent/messages.py, agent/analyzers/originality.py).
ALREADY_SAID = (
    r"Ini mengatakan hal yang sudah dikatakan postingan {platform} Anda tanggal {date} "
    r"\(kemiripan 0\.\d\d\)\. Tambahkan apa yang baru sejak itu, atau tautkan ke postingan itu\."
)
IN_ANOTHER_LANGUAGE = "Ini postingan itu dalam bahasa lain (bahasa Indonesia)."
ENGLISH_HINT = re.compile(r"\b(This says|already said|similarity|another language|Add what)\b")


def set_site_brand(
    browser: BrowserContext, site: str, brand: str | None, active: str | None = None
) -> None:
    """Choose the brand a site's drafts are checked as, on the options page (None:
    the agent's active brand, the default, which the list names: `active`)."""
    options = browser.new_page()
    try:
        options.goto(OPTIONS_URL)
        select = options.get_by_label(msg("options_brand_for", site), exact=True)
        if brand:
            # The brand list is the agent's welcome: reconnect to hear of one added since.
            options.locator("#reconnect").click()
            expect(options.locator("#state")).to_have_attribute(
                "data-state", "ready", timeout=30_000
            )
            expect(select.locator(f'option[value="{brand}"]')).to_have_count(1, timeout=30_000)
        if active:
            expect(select.locator('option[value=""]')).to_have_text(
                msg("options_active_brand_named", active)
            )
        select.select_option(brand or "")
        expect(options.locator("#sites-result")).to_have_text(
            msg("options_site_brand_set", site, brand)
            if brand
            else msg("options_site_brand_active", site)
        )
        expect(select).to_have_value(brand or "")
    finally:
        options.close()


@pytest.fixture
def kopi_on_x(paired_id: BrowserContext, agent: Agent, e5_models: Path) -> Iterator[str]:
    """Kopi Lereng in the agent, loaded as a person does (`onbrand demo --lang id`, which
    makes it the active brand), the English demo brand made active again (`onbrand brands
    use`) for the other tests, and X set to Kopi Lereng on the Indonesian options page;
    X is back on the active brand afterwards. Kopi Lereng stays: a running agent keeps
    a removed brand's id (`onbrand brands remove` asks for a restart), and the writing
    session the extension reports when the page closes would then fail to record."""
    cache = agent.home / "models"
    if not is_built("int8", cache, recipe=E5):
        # The session's e5 build (tests/conftest.py), not a second one in the agent's home.
        shutil.copytree(build_dir(e5_models, E5), build_dir(cache, E5), dirs_exist_ok=True)
    active = json.loads(agent.cli("status", "--json"))["active_brand"]
    try:
        agent.cli("demo", "--lang", "id", "--quiet", timeout=900)
    finally:
        agent.cli("brands", "use", active)
    set_site_brand(paired_id, "X", KOPI, active)
    try:
        yield active
    finally:
        set_site_brand(paired_id, "X", None)


def originality_hint(panel: Locator) -> Locator:
    return panel.locator('.hint[data-kind="originality"]')


def test_an_indonesian_brand_finds_its_post_in_english_and_reworded(
    page_id: Page, kopi_on_x: str
) -> None:
    site = SITES[0]  # X, Draft.js
    open_editor(page_id, site)
    type_draft(page_id, OUTAGE_EN)
    h = settled(page_id)
    panel = open_panel(h)
    # The nearest post is the Indonesian original, and the draft repeats it.
    expect(panel.locator(".nearest .quote")).to_have_text(OUTAGE["text"], timeout=ANALYSIS_TIMEOUT)
    expect(h).to_have_attribute("data-verdict", "repeat")
    expect(panel.locator(".nearest .meta")).to_contain_text("Facebook")
    expect(panel.locator(".nearest .meta")).to_contain_text("% mirip")
    # The agent's words are the brand's language, Indonesian; it says this is a translation.
    hint = originality_hint(panel)
    expect(hint).to_have_attribute("data-severity", "alert")
    said = ALREADY_SAID.format(platform="Facebook", date="2025-11-10")
    expect(hint.locator(".msg")).to_have_text(
        re.compile("^" + said + " " + re.escape(IN_ANOTHER_LANGUAGE) + "$")
    )
    expect(panel.locator(".summary")).to_have_text(
        "Hampir mengulang postingan Facebook Anda tanggal 2025-11-10: tambahkan apa yang "
        "baru sejak itu, atau tautkan ke postingan itu."
    )
    messages = panel.locator(".hint .msg").all_inner_texts()
    assert not [m for m in messages if ENGLISH_HINT.search(m)], messages
    # The card's own words follow the browser: Indonesian, naming the site's brand.
    expect(panel).to_have_attribute("aria-label", msg("card_label"))
    expect(h.locator(".badge .label")).to_have_text(msg("verdict_repeat_short"))
    expect(panel.locator("header h2")).to_have_text(msg("verdict_repeat_title"))
    expect(panel.locator("header .sub")).to_have_text(f"{msg('card_brand', KOPI)} · X")
    expect(panel.locator(".hints h3")).to_have_text(msg("card_hints_heading"))
    expect(panel.locator(".nearest h3")).to_have_text(msg("card_nearest_heading"))
    expect(hint.locator(".sev")).to_have_attribute("aria-label", msg("severity_alert"))
    expect(hint.locator(".update")).to_have_text(msg("card_update"))
    expect(hint.locator(".ignore")).to_have_text(msg("card_ignore"))
    expect(panel.locator(".approve")).to_have_text(msg("card_approve"))
    names = panel.locator(".score .name").all_inner_texts()
    assert msg("score_originality") in names, names
    panel.locator(".nearest").scroll_into_view_if_needed()
    shot(page_id, "brand-repeat")

    # An Indonesian rewording of another post: a repeat, and no word of translation.
    clear_editor(page_id)
    type_draft(page_id, SWEET_AGAIN)
    h = settled(page_id)
    panel = open_panel(h)
    expect(panel.locator(".nearest .quote")).to_have_text(SWEET["text"], timeout=ANALYSIS_TIMEOUT)
    expect(h).to_have_attribute("data-verdict", "repeat")
    expect(h.locator(".badge .label")).to_have_text(msg("verdict_repeat_short"))
    expect(panel.locator(".nearest .meta")).to_contain_text("Threads")
    said = ALREADY_SAID.format(platform="Threads", date="2025-03-11")
    expect(originality_hint(panel).locator(".msg")).to_have_text(re.compile("^" + said + "$"))
    messages = panel.locator(".hint .msg").all_inner_texts()
    assert not [m for m in messages if ENGLISH_HINT.search(m)], messages
    panel.locator(".nearest").scroll_into_view_if_needed()
    shot(page_id, "brand-paraphrase")
