"""Repeat, echo, update: a close draft that brings new facts is an update."""

from __future__ import annotations

from agent.analyzers.originality import new_facts
from agent.core import Onbrand
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
