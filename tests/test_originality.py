"""Repeat, echo, update: a close draft that brings new facts is an update."""

from __future__ import annotations

from agent.analyzers.originality import FLOOR_OF_ECHO, closeness, is_update, new_facts
from agent.core import Onbrand
from agent.models.calibration import thresholds
from tests.conftest import demo_posts


def test_a_restated_post_with_new_numbers_and_a_new_day_is_an_update(demo: Onbrand) -> None:
    first = demo_posts()[2]["text"]  # the Repair Café notes of June 7
    draft = first.replace("19 packs", "23 packs").replace("14 fixed", "18 fixed")
    draft = draft.replace("Saturday, June 7", "Saturday, August 2")
    r = demo.analyze(draft, "mastodon", brand="demo")
    orig = r["scores"]["originality"]
    assert orig["verdict"] == "update", orig
    assert r["verdict"] != "repeat"
    hint = next(h for h in r["hints"] if h["kind"] == "originality")
    assert hint["severity"] == "info"
    assert "23" in hint["message"] and "August 2" in hint["message"]
    assert "Add what is new" not in hint["message"]


def test_a_reworded_post_with_nothing_new_stays_a_repeat(demo: Onbrand) -> None:
    first = demo_posts()[0]["text"]
    r = demo.analyze(first.replace("When one wears out", "If one wears out"), "x", brand="demo")
    assert r["scores"]["originality"]["verdict"] == "repeat"


def test_new_facts_ignore_possessives_case_and_thousands_separators() -> None:
    past = "The Pine Network fixed 1,960 packs in Portland on June 7."
    assert new_facts("Pine Network's shops fixed 1960 packs in portland on June 7.", past) == []
    added = new_facts("The Pine Network fixed 2,400 packs in Eugene.", past)
    assert added == ["2,400", "Eugene"]


def test_an_approved_post_without_a_date_gets_the_approval_time(demo: Onbrand) -> None:
    r = demo.approve("Salem bench hours change to 9-5 from Monday, 3 November.", "x", brand="demo")
    post = demo.store.get_post(r["post_id"])
    assert post is not None and post.posted_at
    again = demo.analyze("Salem bench hours change to 9-5 from Monday, 3 November!", brand="demo")
    assert again["nearest"][0]["post_id"] == r["post_id"]
    hint = next(h for h in again["hints"] if h["kind"] == "originality")
    assert post.posted_at[:10] in hint["message"]


# -- the pair classifier decides (cosine plus word overlap) ----------------------------
SUMMER = (
    "Summer hours at the Foster Road workshop: through August 28 we're open until 7 p.m. "
    "on Thursdays"
)


def test_a_reworded_repeat_under_the_cosine_cut_is_still_a_repeat(demo: Onbrand) -> None:
    assert any(SUMMER in p["text"] for p in demo_posts())
    draft = (
        "Until the end of August, drop-offs, pickups and free health checks at Foster Road "
        "run late on Thursday evenings, to 7 p.m."
    )
    r = demo.analyze(draft, "x", "demo")
    top = r["nearest"][0]["similarity"]
    assert top < thresholds().repeat  # the cosine alone would not call it a repeat
    assert r["scores"]["originality"]["verdict"] == "repeat", r["scores"]["originality"]
    assert r["verdict"] == "repeat"


def test_a_new_announcement_on_a_familiar_subject_is_no_repeat(demo: Onbrand) -> None:
    r = demo.analyze(
        "Our Foster Road workshop is closed this Thursday for a staff training day.", "x", "demo"
    )
    assert r["scores"]["originality"]["verdict"] in ("update", "fresh", "echo")
    assert r["verdict"] != "repeat"


def test_the_brands_own_product_name_alone_does_not_make_an_update(demo: Onbrand) -> None:
    draft = (
        "Thursdays until August 28, the Foster Road workshop stays open till 7 p.m.: bring "
        "your Brick for a drop-off, a pickup or a free health check."
    )
    r = demo.analyze(draft, "x", "demo")
    assert r["scores"]["originality"]["verdict"] == "repeat", r["scores"]["originality"]


def test_an_update_needs_a_new_number_date_or_two_new_names() -> None:
    draft = "Bring your Brick to Foster Road on Friday, 9 a.m. to noon, Marisol will be there."
    assert is_update(["Friday"], draft)
    assert not is_update(["Brick"], draft)
    assert is_update(["Brick", "Marisol"], draft)


def test_text_the_overlap_cannot_read_is_judged_by_the_cosine() -> None:
    t = thresholds()
    # a pair in a script with no Latin words: the pair classifier would see no overlap
    verdict, _ = closeness(t.repeat + 0.01, "新しい店が開きました", "新しい店を開きました", t)
    assert verdict == "repeat"
    verdict, _ = closeness(
        FLOOR_OF_ECHO * t.echo - 0.01, "we fixed 19 packs", "we fixed 19 packs", t
    )
    assert verdict == "fresh"
