"""Scoring with the real model on the demo brand."""

from __future__ import annotations

import numpy as np
import pytest

from agent.core import Onbrand, OnbrandError
from agent.models.voice import MIN_POSTS
from tests.conftest import demo_posts, fixture_json, paragraphs


def test_paraphrase_of_a_demo_post_is_a_repeat_with_that_post_as_evidence(demo: Onbrand) -> None:
    for case in fixture_json("paraphrases.json"):
        result = demo.analyze(case["paraphrase"], brand="demo")
        assert result["verdict"] == "repeat", case["paraphrase"]
        assert result["scores"]["originality"]["verdict"] == "repeat"
        assert result["nearest"][0]["text"] == case["original"]
        alert = [h for h in result["hints"] if h["kind"] == "originality"]
        assert alert and alert[0]["severity"] == "alert"
        assert alert[0]["evidence"]["post_id"] == result["nearest"][0]["post_id"]


def test_new_specific_on_brand_post_is_not_a_repeat(demo: Onbrand) -> None:
    for case in fixture_json("fresh_onbrand.json"):
        result = demo.analyze(case["text"], case["platform"], brand="demo")
        assert result["scores"]["originality"]["verdict"] != "repeat", case["text"]
        assert result["scores"]["originality"]["value"] > 40


def test_voice_drift_separates_held_out_posts_from_a_personal_voice(demo: Onbrand) -> None:
    """Margin stated: the off-brand drafts' mean drift is at least 40 points above
    the held-out on-brand posts', and an off-brand draft outranks an on-brand one
    in at least 90% of pairs (AUC >= 0.9)."""
    on = np.array(
        [
            demo.analyze(t, brand="demo")["scores"]["voice_drift"]["value"]
            for t in paragraphs("voice_onbrand_heldout.txt")
        ]
    )
    off = np.array(
        [
            demo.analyze(t, brand="demo")["scores"]["voice_drift"]["value"]
            for t in paragraphs("voice_offbrand_personal.txt")
        ]
    )
    assert len(on) >= 20 and len(off) >= 20
    assert off.mean() - on.mean() >= 40, (on.mean(), off.mean())
    auc = float(np.mean(off[:, None] > on[None, :]) + 0.5 * np.mean(off[:, None] == on[None, :]))
    assert auc >= 0.9, auc


def test_voice_drift_says_why(demo: Onbrand) -> None:
    r = demo.analyze(
        "I'm SO pumped!!! My team crushed it 🚀🔥 #blessed #hustle #grind", "x", "demo"
    )
    drift = r["scores"]["voice_drift"]
    assert drift["value"] >= 75
    why = " ".join(drift["reasons"])
    assert "exclamation mark" in why and "I/me/my" in why
    assert any(h["kind"] == "voice" and h["severity"] in ("warn", "alert") for h in r["hints"])


def test_small_brand_gets_an_honest_not_enough_posts(core: Onbrand) -> None:
    for p in demo_posts()[:5]:
        core.approve(p["text"], p["platform"])
    r = core.analyze("We opened a new repair shop in Eugene on Monday.")
    drift = r["scores"]["voice_drift"]
    assert drift["value"] is None and drift["status"] == "insufficient"
    assert f"5 of {MIN_POSTS}" in drift["label"]


def test_guideline_passage_is_quoted(demo: Onbrand) -> None:
    r = demo.analyze(
        "Unlike other brands, our batteries are the best. The competition can't keep up.",
        "x",
        "demo",
    )
    assert r["passages"], "a guideline passage should apply"
    assert any("competitor" in p["heading"].lower() for p in r["passages"])


def test_result_shape(demo: Onbrand) -> None:
    r = demo.analyze("Tidewater Bike Works in Astoria joined the network.", "bluesky", "demo")
    assert set(r) >= {
        "version",
        "brand",
        "platform",
        "verdict",
        "scores",
        "hints",
        "nearest",
        "passages",
        "model",
        "timings_ms",
    }
    for s in r["scores"].values():
        assert s["value"] is None or 0 <= s["value"] <= 100
        assert isinstance(s["label"], str) and s["label"]
    assert len(r["nearest"]) == 3
    assert r["model"]["encoder"]["backend"] == "torch"
    assert r["model"]["voice_model"]["version"] >= 1
    for h in r["hints"]:
        assert h["severity"] in ("info", "warn", "alert")


def test_empty_draft_and_bad_input(demo: Onbrand) -> None:
    r = demo.analyze("   ", brand="demo")
    assert r["verdict"] == "empty" and r["hints"] == []
    with pytest.raises(OnbrandError, match="unknown brand"):
        demo.analyze("hello", brand="nope")
    with pytest.raises(OnbrandError, match="platform"):
        demo.analyze("hello", platform="myspace", brand="demo")
    with pytest.raises(OnbrandError, match="limit"):
        demo.analyze("x" * 70_000, brand="demo")


def test_approve_is_reported_as_nearest_at_once(demo: Onbrand) -> None:
    text = (
        "Our Salem workshop now fixes Porchlight home batteries on Saturdays, "
        "10 a.m. to 2 p.m., at 412 Commercial St SE."
    )
    before = demo.store.voice_version("demo")
    r = demo.approve(text, "mastodon", brand="demo")
    assert r["created"] and r["voice_model"] == before + 1
    again = demo.approve(text.upper(), "mastodon", brand="demo")  # same text, other case
    assert not again["created"] and again["post_id"] == r["post_id"]
    res = demo.analyze(
        "On Saturdays from 10 to 2 our Salem workshop at 412 Commercial St SE "
        "repairs Porchlight home batteries.",
        brand="demo",
    )
    assert res["nearest"][0]["post_id"] == r["post_id"]
    removed = demo.remove_post(r["post_id"])
    assert removed["voice_model"] > r["voice_model"]
    res = demo.analyze(
        "On Saturdays our Salem workshop repairs Porchlight home batteries.", brand="demo"
    )
    assert all(n["post_id"] != r["post_id"] for n in res["nearest"])


def test_demo_rules_are_loaded_and_a_bad_file_keeps_the_old_ones(demo: Onbrand, tmp_path) -> None:
    r = demo.analyze("I'm so excited!!! Our partners are amazing #one #two #three", "x", "demo")
    rule_hints = [h for h in r["hints"] if h["kind"] == "rule"]
    assert rule_hints and all(h["span"] for h in rule_hints)
    assert r["scores"]["rules"]["hits"] == len(rule_hints)
    bad = tmp_path / "rules.toml"
    bad.write_text(
        '[[rule]]\nkind = "occurrence"\nname = "tags"\nmessage = "m"\n'
        'pattern = "hashtag"\nmax = "two"\n'
    )
    with pytest.raises(OnbrandError, match=r"rules.toml: rule 1 'tags': field 'max'") as err:
        demo.load_rules(bad, "demo")
    assert "previous rules stay active" in str(err.value)
    again = demo.analyze("I'm so excited!!! Our partners are amazing #one #two #three", "x", "demo")
    assert [h["message"] for h in again["hints"] if h["kind"] == "rule"] == [
        h["message"] for h in rule_hints
    ]
