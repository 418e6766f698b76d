"""Which guideline passage a draft gets quoted, if any (agent/analyzers/guidelines.py).

The measured test runs the held-out half of tests/fixtures/guideline_judgements.json
through the real model and the whole analysis (`demo.analyze`); the rule was fitted
on the other half (tools/training/fit_passages.py, docs/quality.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agent.analyzers.guidelines import (
    GuidelinePassages,
    Params,
    Profile,
    choose,
    load_params,
    scores,
    words,
)
from agent.core import Onbrand
from agent.guidelines import split_markdown
from tests.conftest import FIXTURES, ROOT

JUDGEMENTS = json.loads((FIXTURES / "guideline_judgements.json").read_text(encoding="utf-8"))
ROWS = JUDGEMENTS["judgements"]
HEADINGS = {s.heading for s in split_markdown((ROOT / "agent/demo/guidelines.md").read_text())}
ROOT_HEADING = "Ferrow & Pine — Social Media Guidelines"
WHO = f"{ROOT_HEADING} > Who we are"


def quoted(demo: Onbrand, row: dict) -> str | None:
    r = demo.analyze(row["text"], row["platform"], "demo", row.get("reply_to"))
    assert len(r["passages"]) <= 1
    return r["passages"][0]["heading"] if r["passages"] else None


# -- the labelled set ------------------------------------------------------------------
def test_judgements_are_a_labelled_set_of_the_demo_guidelines() -> None:
    assert "by hand" in JUDGEMENTS["about"]
    assert len(ROWS) >= 80
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    assert {r["passage"] for r in ROWS} - {None} <= HEADINGS
    none_share = sum(r["passage"] is None for r in ROWS) / len(ROWS)
    assert 0.25 <= none_share <= 0.4
    assert {r["split"] for r in ROWS} == {"fit", "held_out"}
    held = [r for r in ROWS if r["split"] == "held_out"]
    assert 0.4 <= len(held) / len(ROWS) <= 0.6
    assert sum("reply_to" in r for r in ROWS) >= 8


# -- measured: the held-out half through the whole analysis ----------------------------
def test_held_out_precision_at_1_and_none_accuracy(demo: Onbrand) -> None:
    held = [r for r in ROWS if r["split"] == "held_out"]
    got = [(quoted(demo, r), r["passage"]) for r in held]
    quotes = [(q, want) for q, want in got if q is not None]
    right = sum(q == want for q, want in quotes)
    precision = right / len(quotes)
    nones = [q for q, want in got if want is None]
    none_accuracy = sum(q is None for q in nones) / len(nones)
    recall = right / sum(want is not None for _, want in got)
    # docs/quality.md, "Guideline passages": 13 of 15 quotes right (0.867), 17 of 18
    # "none" drafts quote nothing (0.944), 13 of 35 labelled drafts quoted right.
    assert precision >= 0.8, (precision, quotes)
    assert none_accuracy >= 0.85, none_accuracy
    assert recall >= 0.3, recall  # a rule that never quotes would pass the other two
    # the "who we are" intro is quoted only where it is the passage that applies
    assert all(want == WHO for q, want in got if q == WHO)


# -- on the demo brand: unrelated drafts, clear matches ---------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The Timbers won 2-1 tonight. What a finish at Providence Park.",
        "Cold morning: at 28°F a Brick gives about 20% less range. Keep it indoors overnight.",
        "Repair Café is on Saturday, March 14, 10 a.m. to 2 p.m. at the Foster Road workshop.",
        "Ledger 3.5 shows each Stick's temperature during a charge.",
        "Selamat pagi semuanya, hari ini hujan deras di Portland.",
    ],
)
def test_intro_is_not_quoted_for_unrelated_drafts(demo: Onbrand, text: str) -> None:
    r = demo.analyze(text, "bluesky", "demo")
    assert [p["heading"] for p in r["passages"]] == []


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        (
            "Job opening: we're hiring a battery technician. Pay range $28 to $33 an hour, "
            "closing date April 3.",
            "Hiring posts",
        ),
        (
            "Unlike other brands, our batteries are the best. The competition can't keep up.",
            "Talking about competitors",
        ),
        (
            "We're so excited to announce our amazing, revolutionary new charger!",
            "Words we avoid (and what to say instead)",
        ),
        (
            "Ledger is down: the app isn't syncing since 9 a.m. Pacific; your Brick works "
            "normally. Next update at 11 a.m. on status.ferrowpine.com.",
            "Crisis and outage communication",
        ),
        (
            "Paid partnership: we're paying a Portland creator to ride a Brick 360 for 30 "
            "days. #ad",
            "Disclosures",
        ),
        ("Great ride today #MondayMotivation #Blessed #Hustle #FounderLife", "Hashtags"),
    ],
)
def test_a_clearly_matching_draft_gets_its_passage(demo: Onbrand, text: str, heading: str) -> None:
    r = demo.analyze(text, "x", "demo")
    assert [p["heading"] for p in r["passages"]] == [f"{ROOT_HEADING} > {heading}"]
    assert r["passages"][0]["similarity"] > 0.2


# -- the rule itself, on made-up vectors ------------------------------------------------
def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def _profile() -> tuple[Profile, np.ndarray]:
    """Three passages: an intro that sits close to every post of the brand, a
    hiring passage and a hashtag passage, neither like the posts; and the
    posts' common direction."""
    rng = np.random.default_rng(7)
    axis = np.eye(16)
    brand, hiring, hashtags = axis[0], axis[1], axis[2]
    intro = _unit(brand + 0.3 * axis[3])

    def post() -> np.ndarray:  # the brand's direction and some noise of its own
        own = np.zeros(16)
        own[4:] = rng.normal(size=12)
        return _unit(brand + 0.7 * own / np.linalg.norm(own))

    texts = [
        "Who we are: we build bikes in a garage and run a shop network.",
        "Hiring posts: every job post states the pay range and the closing date.",
        "Hashtags: at most two; no #Blessed or #Hustle.",
    ]
    profile = Profile(
        np.array([1, 2, 3]),
        np.array([intro, hiring, hashtags], dtype=np.float32),
        ["G > Who we are", "G > Hiring posts", "G > Hashtags"],
        [words(t, 6) for t in texts],
        np.array([post() for _ in range(40)], dtype=np.float32),
        [words("we fixed a bike in our garage and our shop network grew", 6)] * 40,
        1,
    )
    return profile, post()


PARAMS = Params(prior=1.25, overlap=0.06, min_score=0.1, min_margin=0.0, stem=6, rarity_power=1)


def test_an_intro_close_to_everything_loses_to_its_prior() -> None:
    profile, draft = _profile()  # the draft: an ordinary post
    assert profile.prior[0] > 0.5 > max(abs(profile.prior[1]), abs(profile.prior[2]))
    cos = profile.cosines(draft)
    assert int(np.argmax(cos)) == 0  # by cosine alone the intro would be quoted
    none = scores(profile, cos, profile.overlap(words("a new bike rack", 6)), PARAMS)
    assert choose(profile, none, PARAMS) is None


def test_a_draft_near_a_passage_gets_it_and_forbidden_words_point_to_theirs() -> None:
    profile, post = _profile()
    draft = _unit(profile.vecs[1] + 0.3 * post)
    cos = profile.cosines(draft)
    s = scores(profile, cos, profile.overlap(words("hiring: $30 an hour", 6)), PARAMS)
    assert choose(profile, s, PARAMS) == 1
    # far from every passage, but it uses the hashtags the passage names
    blessed = words("what a day #Blessed #Hustle", 6)
    assert profile.overlap(blessed)[2] > 0 == profile.overlap(blessed)[0]
    s = scores(profile, np.zeros(3, np.float32), profile.overlap(blessed), PARAMS)
    assert choose(profile, s, PARAMS) == 2


def test_words_the_brand_posts_use_weigh_nothing() -> None:
    profile, _ = _profile()
    # "garage" and "network" are in every post: no evidence for the intro
    assert profile.overlap(words("garage network", 6)).tolist() == [0.0, 0.0, 0.0]


def test_a_margin_keeps_a_tie_between_headings_quiet() -> None:
    profile, _ = _profile()
    tied = np.array([0.0, 0.5, 0.49])
    assert choose(profile, tied, PARAMS) == 1
    assert choose(profile, tied, Params(**{**PARAMS.__dict__, "min_margin": 0.05})) is None


# -- the shipped parameters and the brand's side -----------------------------------------
def test_shipped_parameters_were_fitted_on_the_fit_half_only() -> None:
    raw = json.loads((ROOT / "agent/data/passages.json").read_text())
    fitted = raw["fit_half"]
    assert fitted["drafts"] == sum(r["split"] == "fit" for r in ROWS)
    p = load_params()
    assert (p.prior, p.overlap, p.min_score) == (
        raw["prior_weight"],
        raw["overlap_weight"],
        raw["min_score"],
    )


def test_profile_follows_the_brands_posts(demo: Onbrand) -> None:
    analyzer = next(a for a in demo.analyzers if isinstance(a, GuidelinePassages))
    demo.analyze("Ledger 3.5 is out.", "x", "demo")
    state = demo.brands.current("demo")
    first = analyzer._profiles.of(state)
    assert analyzer._profiles.of(state) is first  # built once per state
    demo.approve("Sticks 60 now ship in recycled card boxes, 30% lighter.", "x", brand="demo")
    state = demo.brands.current("demo")
    assert analyzer._profiles.of(state) is not first


def test_no_guidelines_no_passages(core: Onbrand, tmp_path: Path) -> None:
    core.approve("We fixed 40 packs on Saturday.", "x")
    r = core.analyze("We're hiring a technician, $30 an hour.", "x")
    assert r["passages"] == [] and not [h for h in r["hints"] if h["kind"] == "guideline"]


def test_guidelines_without_posts_still_quote(core: Onbrand, tmp_path: Path) -> None:
    guide = tmp_path / "guide.md"
    guide.write_text(
        "# Guide\n\n## Hiring posts\n\nEvery job post states the pay range and the "
        "closing date. No rockstars, ninjas or self-starters.\n\n## Emoji\n\nAt most one "
        "emoji per post, at the end.\n\n## Weather\n\nSay the temperature in °F.\n",
        encoding="utf-8",
    )
    core.add_guidelines(guide)
    r = core.analyze("Hiring a rockstar ninja self-starter, pay range to come.", "x")
    assert [p["heading"] for p in r["passages"]] == ["Guide > Hiring posts"]
    assert core.analyze("The Timbers won 2-1 tonight.", "x")["passages"] == []
