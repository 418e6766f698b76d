"""Hints in the text, end to end in Chromium on every editor fixture: underlines
over the right characters (the agent counts code points, the page UTF-16), a
badge and card that cover neither the text nor the site's Post button, fixes
applied through the editor's own input path and undone with Ctrl+Z, ignoring a
hint or a rule, the keyboard shortcut, and no serious axe-core violations."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import EXTENSION_ID, FIXTURES, OUTPUT, POPUP_URL, Agent
from tests.e2e.test_extension import (
    PARAPHRASES,
    SITES,
    TYPE_DELAY,
    Site,
    open_editor,
    open_panel,
    settled,
)

# Emoji before the spans (two UTF-16 units, one code point each) and a combining
# accent: a span converted in the wrong unit lands one character off.
DRAFT = "🚲🔋 Our ebike Brick720 is amazing, and I think users will love it. Café culture too!!"
# Where "ebike" starts in UTF-16 units, as the page counts (the agent says 7, in code points).
EBIKE = len(DRAFT[: DRAFT.index("ebike")].encode("utf-16-le")) // 2
assert DRAFT.index("ebike") + 2 == EBIKE
FIXED = DRAFT.replace("ebike", "e-bike", 1)

# The site's own submit button on each fixture page.
SUBMIT = {
    "x": '[data-testid="tweetButtonInline"]',
    "linkedin": ".share-actions__primary-action",
    "facebook": '[role="button"][aria-label="Post"]',
    "threads": '[role="button"][aria-label="Post"]',
    "bluesky": '[data-testid="composerPublishBtn"]',
    "mastodon": ".compose-form button[type=submit]",
}
AXE = FIXTURES / "node_modules" / "axe-core" / "axe.min.js"

# The viewport rectangles of the editor's text: of the nth occurrence of `needle`,
# or of all of it. Computed from the DOM (or, for a textarea, by measuring the
# text with its font), independently of the extension.
TEXT_RECTS = """([sel, needle, nth]) => {
  const el = document.querySelector(sel);
  const out = [];
  const push = (r) => out.push({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
  if (el.tagName === 'TEXTAREA') {
    // First-line text only: measured with the textarea's font from its padding box.
    const cs = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = cs.font;
    const r = el.getBoundingClientRect();
    const x0 = r.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft);
    const y0 = r.top + parseFloat(cs.borderTopWidth) + parseFloat(cs.paddingTop);
    const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2;
    const line = el.value.split('\\n')[0];
    if (needle === null) {
      const inner = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      const right = x0 + Math.min(ctx.measureText(el.value).width, inner);
      push({left: x0, top: y0, right, bottom: y0 + lh * 3});
      return out;
    }
    const at = line.indexOf(needle);
    const left = x0 + ctx.measureText(line.slice(0, at)).width;
    push({left, top: y0, right: left + ctx.measureText(needle).width, bottom: y0 + lh});
    return out;
  }
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let seen = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const range = document.createRange();
    if (needle === null) {
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) if (r.width > 0) push(r);
      continue;
    }
    for (let i = n.nodeValue.indexOf(needle); i >= 0; i = n.nodeValue.indexOf(needle, i + 1)) {
      if (seen++ !== nth) continue;
      range.setStart(n, i);
      range.setEnd(n, i + needle.length);
      for (const r of range.getClientRects()) push(r);
      return out;
    }
  }
  return out;
}"""


def rects(page: Page, site: Site, needle: str | None, nth: int = 0) -> list[dict]:
    return page.evaluate(TEXT_RECTS, [site.editor, needle, nth])


def box(loc: Locator) -> dict:
    b = loc.bounding_box()
    assert b, "not rendered"
    return {
        "left": b["x"],
        "top": b["y"],
        "right": b["x"] + b["width"],
        "bottom": b["y"] + b["height"],
    }


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def shot(page: Page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"hints-{name}.png"))


def write(page: Page, site: Site, text: str = DRAFT) -> Locator:
    open_editor(page, site)
    page.keyboard.type(text, delay=TYPE_DELAY)
    page.wait_for_function("t => window.__fixture.getText() === t", arg=text)
    h = settled(page)
    expect(h.locator(".underline").first).to_be_attached(timeout=30_000)
    return h


def hint_of(h: Locator, rule: str) -> Locator:
    return h.locator(f'.hint[data-rule="{rule}"]')


# -- underlines ----------------------------------------------------------------------


@pytest.mark.parametrize("site", SITES, ids=str)
def test_underlines_lie_under_the_spans_characters(page: Page, site: Site) -> None:
    h = write(page, site)
    line = h.locator(f'.underline[data-start="{EBIKE}"]')
    starts = h.locator(".underline").evaluate_all(
        "ls => ls.map(l => [l.dataset.key, l.dataset.start, l.dataset.end])"
    )
    assert line.count() == 1, starts
    assert line.get_attribute("data-end") == str(EBIKE + len("ebike"))
    u = box(line)
    [t] = rects(page, site, "ebike")
    tol = 2.5 if site.library == "textarea" else 1.0
    assert abs(u["left"] - t["left"]) <= tol and abs(u["right"] - t["right"]) <= tol, (u, t)
    assert t["bottom"] - 4 <= u["top"] <= t["bottom"] + 1, (u, t)
    # Typing before the span moves the underline with its word until the next analysis.
    page.keyboard.press("Control+Home")
    page.keyboard.type("So ", delay=TYPE_DELAY)
    page.wait_for_function("t => window.__fixture.getText() === t", arg="So " + DRAFT)
    settled(page)
    [t] = rects(page, site, "ebike")
    line = h.locator(f'.underline[data-start="{EBIKE + 3}"]')
    expect(line).to_have_count(1)
    u = box(line)
    assert abs(u["left"] - t["left"]) <= tol, (u, t)
    shot(page, f"underlines-{site.name}")


@pytest.mark.parametrize("site", [SITES[1], SITES[4]], ids=str)  # Quill, TipTap
def test_underlines_follow_a_resize_that_rewraps_the_text(page: Page, site: Site) -> None:
    h = write(page, site)
    try:
        # Narrower: the box moves and its text wraps at other words.
        page.set_viewport_size({"width": 520, "height": 860})
        at = len(DRAFT[: DRAFT.index("users")].encode("utf-16-le")) // 2
        line = h.locator(f'.underline[data-start="{at}"]')
        page.wait_for_timeout(300)
        [t] = rects(page, site, "users")
        expect(line).to_have_count(1)
        u = box(line)
        assert abs(u["left"] - t["left"]) <= 1 and t["bottom"] - 4 <= u["top"] <= t["bottom"] + 1
        shot(page, f"rewrapped-{site.name}")
    finally:
        page.set_viewport_size({"width": 1280, "height": 860})


@pytest.mark.parametrize("site", [SITES[2], SITES[5]], ids=str)  # Lexical, textarea
def test_clicking_an_underlined_word_opens_its_hint(page: Page, site: Site) -> None:
    h = write(page, site)
    expect(h.locator(".panel")).to_be_hidden()
    [t] = rects(page, site, "amazing")
    page.mouse.click((t["left"] + t["right"]) / 2, (t["top"] + t["bottom"]) / 2)
    focused = h.locator(".hint.focus")
    expect(focused).to_have_attribute("data-rule", "hype-words")
    expect(focused).to_be_in_viewport()
    # The click also put the caret there, as any click in the text does.
    assert page.evaluate("window.__fixture.getText()") == DRAFT


# -- badge and card ------------------------------------------------------------------------


@pytest.mark.parametrize("site", SITES, ids=str)
def test_badge_and_card_cover_neither_text_nor_the_post_button(page: Page, site: Site) -> None:
    h = write(page, site)
    badge = h.locator(".badge")
    # The verdict word and the number of issues, in words for screen readers.
    expect(badge.locator(".label")).not_to_be_empty()
    count = int(badge.locator(".count").inner_text())
    assert count >= 5
    expect(badge).to_have_accessible_name(re.compile(rf"^\S.* {count} issues"))
    submit = box(page.locator(SUBMIT[site.name]))
    text = rects(page, site, None)
    assert text
    b = box(badge)
    assert not any(overlaps(b, t) for t in text), (b, text)
    assert not overlaps(b, submit)

    panel = open_panel(h)
    p = box(panel)
    assert not any(overlaps(p, t) for t in text), (p, text)
    assert not overlaps(p, submit), (p, submit)
    # The verdict and every score are visible without scrolling the card.
    for part in [panel.locator("h2"), *panel.locator(".score").all()]:
        r = box(part)
        assert p["top"] <= r["top"] and r["bottom"] <= p["bottom"], (part, r, p)
    # At most five hints, then "n more".
    hints = panel.locator(".hint")
    assert hints.count() <= 5
    if count > 5:
        more = panel.locator("button.more")
        expect(more).to_have_text(f"{count - 5} more")
        more.click()
        expect(hints).to_have_count(count)
    shot(page, f"card-{site.name}")


# -- one-click fixes ---------------------------------------------------------------------


@pytest.mark.parametrize("site", SITES, ids=str)
def test_fix_goes_through_the_editor_and_ctrl_z_undoes_it(page: Page, site: Site) -> None:
    h = write(page, site)
    # Quill and Lexical merge edits that follow typing closely into one undo step.
    time.sleep(1.2)
    panel = open_panel(h)
    panel.locator(".apply", has_text="ebike → e-bike").click()
    # The editor library's own model holds the fix: what its Post would send.
    page.wait_for_function("t => window.__fixture.getText() === t", arg=FIXED, timeout=10_000)
    settled(page)
    expect(h.locator(".hint .apply", has_text="ebike → e-bike")).to_have_count(0)
    shot(page, f"fixed-{site.name}")
    page.keyboard.press("Control+z")
    page.wait_for_function("t => window.__fixture.getText() === t", arg=DRAFT, timeout=10_000)
    # Nothing of ours went into the editor.
    assert page.locator(site.editor).evaluate("e => e.querySelectorAll('onbrand-hint').length") == 0


# -- ignoring ------------------------------------------------------------------------------


def test_ignore_a_hint_for_this_draft(page: Page) -> None:
    site = SITES[1]  # LinkedIn, Quill
    h = write(page, site)
    count = int(h.locator(".badge .count").inner_text())
    panel = open_panel(h)
    hint_of(panel, "hype-words").locator(".ignore").click()
    expect(hint_of(panel, "hype-words")).to_have_count(0)
    expect(h.locator(".badge .count")).to_have_text(str(count - 1))
    expect(h.locator('.underline[data-key^="rule:hype-words:"]')).to_have_count(0)
    # Still ignored after the next analysis of this draft.
    page.keyboard.type(" Soon.", delay=TYPE_DELAY)
    settled(page)
    expect(hint_of(panel, "we-not-i")).to_have_count(1)
    expect(hint_of(panel, "hype-words")).to_have_count(0)


def test_ignore_a_rule_for_the_brand_survives_a_reload(page: Page, agent: Agent, paired) -> None:
    site = SITES[4]  # Bluesky, TipTap
    try:
        h = write(page, site)
        panel = open_panel(h)
        hint_of(panel, "terminology").locator(".ignore-rule").click()
        expect(panel.locator(".approve-status")).to_contain_text("ignored", timeout=30_000)
        expect(hint_of(panel, "terminology")).to_have_count(0, timeout=30_000)
        assert "terminology" in agent.cli("rules", "ignored")
        page.reload()
        h = write(page, site)
        expect(hint_of(open_panel(h), "we-not-i")).to_have_count(1)
        expect(hint_of(h, "terminology")).to_have_count(0)
        shot(page, "rule-ignored")

        # Checked again from the options page.
        options = paired.new_page()
        options.goto(f"chrome-extension://{EXTENSION_ID}/options.html")
        row = options.locator("#ignored-rules li", has_text="terminology")
        expect(row).to_have_count(1, timeout=30_000)
        row.locator("button").click()
        expect(options.locator("#ignored-rules li", has_text="terminology")).to_have_count(0)
        options.close()
        assert "terminology" not in agent.cli("rules", "ignored")
    finally:
        agent.cli("rules", "unignore", "terminology")


def test_a_repeat_can_be_called_an_update(page: Page) -> None:
    pair = PARAPHRASES[0]
    open_editor(page, SITES[0])
    page.keyboard.type(pair["paraphrase"], delay=TYPE_DELAY)
    h = settled(page)
    expect(h).to_have_attribute("data-verdict", "repeat")
    panel = open_panel(h)
    panel.locator(".update").click()
    expect(h.locator(".badge .label")).to_have_text("Update")
    expect(panel.locator('.hint[data-kind="originality"]')).to_have_count(0)


POSTED = "Night shift at the Leeds bench: 11 packs rebuilt by 2 mechanics before 6 am on 9 May."


def test_approval_is_offered_after_the_site_posts(page: Page, agent: Agent) -> None:
    site = SITES[0]  # X, Draft.js
    open_editor(page, site)
    page.keyboard.type(POSTED, delay=TYPE_DELAY)
    h = settled(page)
    # Before posting, the card's button says what it does: approve this text.
    expect(open_panel(h).locator(".approve")).to_have_text("Approve this text")
    page.locator(SUBMIT[site.name]).click()  # the site sends the post and empties the box
    page.wait_for_function("() => window.__fixture.getText() === ''")
    expect(h.locator(".badge .label")).to_have_text("Posted")
    panel = open_panel(h)
    panel.locator(".approve-posted").click()
    expect(panel.locator(".approve-status")).to_contain_text("Saved to", timeout=30_000)
    shot(page, "posted-approved")
    assert any(p["text"] == POSTED for p in agent.posts())


# -- keyboard and accessibility ---------------------------------------------------------------


def test_shortcut_opens_the_card_and_escape_returns_to_the_editor(
    page: Page, service_worker
) -> None:
    site = SITES[0]
    h = write(page, site)
    manifest = json.loads((Path(__file__).parents[2] / "extension" / "manifest.json").read_text())
    assert manifest["commands"]["open-card"]["suggested_key"]["default"]
    # Headless Chromium does not deliver browser-level shortcuts: call what they run.
    service_worker.evaluate("runCommand('open-card')")
    expect(h.locator(".panel")).to_be_visible()
    assert page.evaluate("document.activeElement.tagName") == "ONBRAND-HINT"
    page.keyboard.press("Escape")
    expect(h.locator(".panel")).to_be_hidden()
    assert page.evaluate(
        "s => document.querySelector(s).contains(document.activeElement)", site.editor
    )


# Whether focus sits on the first tab stop (as the browser counts them) after the editor.
NEXT_STOP = """sel => {
  const ed = document.querySelector(sel);
  const now = document.activeElement;
  if (now && (ed.contains(now) || now.tagName === 'ONBRAND-HINT')) return false;
  const after = (el) => ed.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING;
  const first = [...document.querySelectorAll('*')].find((el) => el.tabIndex >= 0
    && !ed.contains(el) && !el.contains(ed) && after(el) && el.tagName !== 'ONBRAND-HINT'
    && !el.disabled && el.getClientRects().length > 0);
  // Nothing follows the editor (Bluesky's dialog): focus leaves the page, as without us.
  return first ? first === now : (!now || now === document.body);
}"""


@pytest.mark.parametrize("site", [s for s in SITES if s.name != "linkedin"], ids=str)
def test_the_badge_follows_the_editor_in_tab_order(page: Page, site: Site) -> None:
    h = write(page, site)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "ONBRAND-HINT"
    assert h.evaluate("el => el.shadowRoot.activeElement.classList.contains('badge')")
    page.keyboard.press("Shift+Tab")  # back to the editor, text untouched
    assert page.evaluate(
        "s => document.querySelector(s).contains(document.activeElement)", site.editor
    )
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # on to what follows the editor on the page
    assert page.evaluate(NEXT_STOP, site.editor)
    assert page.evaluate("() => window.__fixture.getText()") == DRAFT


def test_quill_keeps_its_tab_and_the_badge_is_not_forced_on_it(page: Page) -> None:
    site = next(s for s in SITES if s.name == "linkedin")  # Quill indents with Tab
    write(page, site)
    page.keyboard.press("Tab")
    assert page.evaluate(
        "s => document.querySelector(s).contains(document.activeElement)", site.editor
    )
    page.wait_for_function("t => window.__fixture.getText() === t", arg=DRAFT + "\t")


def serious(page: Page, context: str = "document") -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        f"""async () => {{
          const r = await axe.run({context}, {{resultTypes: ['violations']}});
          return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({{id: v.id, nodes: v.nodes.map(n => JSON.stringify(n.target))}}));
        }}"""
    )
    return [f"{v['id']}: {n}" for v in result for n in v["nodes"]]


def test_no_serious_axe_violations_in_card_popup_and_options(page: Page, paired) -> None:
    assert AXE.exists(), "axe-core missing: run tests/e2e/build_fixtures.sh"
    h = write(page, SITES[1])
    open_panel(h)
    found = [v for v in serious(page) if "onbrand-hint" in v]
    assert not found, found
    for url in (POPUP_URL, f"chrome-extension://{EXTENSION_ID}/options.html"):
        p = paired.new_page()
        p.goto(url)
        p.wait_for_timeout(500)
        found = serious(p)
        p.close()
        assert not found, (url, found)
