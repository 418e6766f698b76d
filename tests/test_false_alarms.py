"""A brand's ordinary posts get no warning (issue #17): "vague" is judged against
the brand's own posts, a question is not told to add a date, and a draft's
length against the platform's posts. Drafts and posts are the team's own writing."""

from __future__ import annotations

import pytest

from agent.analyzers.specificity import asks_only
from agent.core import Onbrand

# A support team's replies: short, warm, general. This is how that brand writes.
SUPPORT_POSTS = [
    "Thanks for letting us know. We're looking into it now.",
    "Sorry about the trouble! Can you tell us a bit more about what happened?",
    "We hear you, and we're on it. Hang tight.",
    "That's not the experience we want for you. Let's sort it out together.",
    "Happy to help! What does the screen show right now?",
    "Thanks for your patience while we check this.",
    "We'd love to take a closer look. Could you send us a DM?",
    "Glad it's working again! Reach out anytime.",
    "Good question. Let us find out for you.",
    "We're sorry for the wait. Someone from the team will follow up.",
    "That sounds frustrating. Have you tried turning it off and on again?",
    "Thanks for the kind words, they made our day.",
    "We appreciate the feedback and will pass it along.",
    "Oh no! Let's get this fixed for you.",
    "Thanks for checking in. We're still working on it.",
    "We understand. We'll do what we can to help.",
    "Hi there! How can we help today?",
    "Thanks for reaching out. What seems to be the problem?",
    "So sorry to hear that. We're here for you.",
    "Great to hear! Enjoy your day.",
    "Let us know if anything else comes up.",
    "We're on it and will keep you posted.",
    "Thanks for bearing with us. Almost there.",
    "Sounds like something we should look into. Thanks for flagging it.",
    "We've shared this with the right people.",
    "Appreciate you! Anything else we can do?",
    "That's odd. Does it happen every time?",
    "We'll get back to you as soon as we can.",
    "You're welcome! Take care.",
    "Thanks for sticking with us while we sort this out.",
]
VAGUE = "We're always working to make things better for everyone. More soon!"


@pytest.fixture
def support(demo: Onbrand, tmp_path) -> Onbrand:
    """The demo store with a second brand, a support team's."""
    core = demo
    path = tmp_path / "support.txt"
    path.write_text("\n\n".join(SUPPORT_POSTS), encoding="utf-8")
    core.store.ensure_brand("support")
    core.import_file(path, brand="support", fmt="text")
    return core


def _spec_hint(result: dict) -> dict:
    return next(h for h in result["hints_all"] if h["kind"] == "specificity")


def test_vague_is_a_warning_only_when_vaguer_than_the_brands_own_posts(support: Onbrand) -> None:
    demo = support
    # the demo brand's posts are full of figures, names and dates: a vague draft stands out
    r = demo.analyze(VAGUE, "x", "demo")
    assert r["scores"]["specificity"]["value"] < 35
    assert _spec_hint(r)["severity"] == "warn"
    assert r["verdict"] in ("vague", "off-voice")  # off-voice outranks vague
    # a support team writes like this every day: a quiet note, no "vague" verdict
    r = support.analyze(VAGUE, "x", "support")
    assert r["scores"]["specificity"]["value"] < 35
    assert _spec_hint(r)["severity"] == "info"
    assert r["verdict"] != "vague"
    assert r["scores"]["specificity"]["brand_floor"] is not None


def test_the_brands_own_posts_raise_no_warning(support: Onbrand) -> None:
    texts = SUPPORT_POSTS[:10]
    results = support.analyze_many([support.make_draft(t, "x", "support") for t in texts])
    warned = [
        (t, [h["message"] for h in r["hints_all"] if h["severity"] != "info"])
        for t, r in zip(texts, results, strict=True)
        if any(h["severity"] != "info" and h["kind"] != "originality" for h in r["hints_all"])
    ]
    assert len(warned) <= 1, warned


def test_a_question_is_not_told_to_add_a_date(demo: Onbrand) -> None:
    r = demo.analyze("What should we fix next, do you think?", "x", "demo")
    hints = [h for h in r["hints_all"] if h["kind"] == "specificity"]
    assert all(h["severity"] == "info" for h in hints)
    assert r["verdict"] != "vague"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("What's going on, exactly?", True),
        ("Hi there! What's going on, exactly?", True),
        ("Kapan paketnya sampai ya kak?", True),
        ("Is it 5? Or 6?", True),
        ("We opened a new shop in town today. Want one?", False),
        ("Great news today.", False),
        ("What a day!", False),
    ],
)
def test_asks_only(text: str, asks: bool) -> None:
    assert asks_only(text) is asks
