"""Specificity, stock phrases and argument risk on hand-written drafts (real model)."""

from __future__ import annotations

import math

import pytest

from agent.analyzers.base import BrandView, Draft, Finding
from agent.analyzers.risk import Risk, classify_context, hostility_threshold, route
from agent.analyzers.specificity import Specificity
from agent.text.platitudes import bank
from embeddings import Encoder

TROLL = (
    "Your bikes are overpriced garbage and anyone who buys one is a sucker. "
    "Enjoy going bankrupt lol"
)
BILLING = (
    "I was charged twice for my order last week and still haven't got a refund. "
    "Three emails, no answer."
)
SHIPPING = (
    "Seriously?? My package was supposed to arrive Tuesday and tracking hasn't moved in "
    "six days. Worst service ever."
)


class _State:
    """A brand with no approved posts: the analyzers here judge the draft alone."""

    posts_index: tuple[()] = ()


def run(encoder: Encoder, analyzer, text: str, reply_to: str | None = None) -> Finding:
    vecs = encoder.encode([text] + ([reply_to] if reply_to else []))
    view = BrandView(state=_State(), vec=vecs[0], reply_vec=vecs[1] if reply_to else None)  # type: ignore[arg-type]
    return analyzer.analyze(Draft(text, reply_to=reply_to), view)


# -- specificity -----------------------------------------------------------------------
def test_vague_draft_scores_low_and_says_what_to_add(encoder: Encoder) -> None:
    f = run(
        encoder,
        Specificity(),
        "We're always working hard to make things better for everyone. Great things ahead!",
    )
    s = f.scores["specificity"]
    assert s.value is not None and s.value < 35
    assert 1 <= s.detail["score_1_5"] < 2.4
    assert s.value == round((s.detail["score_1_5"] - 1) / 4 * 100)
    hint = next(h for h in f.hints if h.kind == "specificity")
    assert hint.severity == "warn"
    assert "numbers, names, dates or places" in hint.message
    assert not any(s.detail["evidence"][k] for k in ("numbers", "dates", "names", "places"))


def test_specific_draft_scores_high_with_evidence(encoder: Encoder) -> None:
    text = (
        "On 12 March we opened our 24th repair shop, at 310 Alder Street in Eugene. "
        "Jonas Berg runs it and it can service 40 bikes a week."
    )
    f = run(encoder, Specificity(), text)
    s = f.scores["specificity"]
    assert s.value is not None and s.value >= 65
    ev = s.detail["evidence"]
    assert [d["text"] for d in ev["dates"]] == ["12 March"]
    assert "Eugene" in [d["text"] for d in ev["places"]]
    assert "Jonas Berg" in [d["text"] for d in ev["names"]]
    assert "40 bikes" not in [d["text"] for d in ev["numbers"]]
    for kind in ev.values():
        for item in kind:
            assert text[item["span"][0] : item["span"][1]] == item["text"]
    assert not [h for h in f.hints if h.kind == "specificity"]


def test_specific_beats_vague_on_the_same_subject(encoder: Encoder) -> None:
    vague = run(encoder, Specificity(), "Our new battery is better than ever and lasts longer.")
    concrete = run(
        encoder,
        Specificity(),
        "The Brick 720 battery now lasts 94 km on one charge, "
        "up from 71 km, after we switched to Samsung 50S cells in May.",
    )
    assert concrete.scores["specificity"].value > vague.scores["specificity"].value + 20


def test_too_short_is_not_judged(encoder: Encoder) -> None:
    s = run(encoder, Specificity(), "Hi there").scores["specificity"]
    assert s.value is None


# -- stock phrases ----------------------------------------------------------------------
def test_platitudes_flagged_with_spans(encoder: Encoder) -> None:
    text = "At the end of the day, our customers are our top priority. Stay tuned!"
    f = run(encoder, Specificity(), text)
    hints = [h for h in f.hints if h.kind == "platitude"]
    assert [(h.span, text[h.span[0] : h.span[1]]) for h in hints] == [
        ((0, 21), "At the end of the day"),
        ((27, 57), "customers are our top priority"),
        ((59, 69), "Stay tuned"),
    ]
    assert all(h.severity == "warn" for h in hints)
    plat = f.scores["specificity"].detail["platitudes"]
    assert plat["share"] >= 0.8
    assert "of this draft's words are stock phrases" in hints[0].message
    assert f.scores["specificity"].value < 35


def test_platitude_matching_is_robust_to_case_punctuation_and_inflection() -> None:
    hits, share, words = bank().find(
        "CUSTOMERS are our top priorities -- we’re committed to excellence!!"
    )
    assert [h.phrase for h in hits] == [
        "customers are our top priority",
        "we're committed to excellence",
    ]
    assert share == pytest.approx(1.0)
    hits, _, _ = bank().find("Our Best-In-Class team, as always, apologises for any inconvenience.")
    assert [h.text for h in hits] == ["Best-In-Class"]
    hits, _, _ = bank().find("We apologize for any inconvenience")
    assert [h.phrase for h in hits] == ["we apologize for any inconvenience"]


def test_one_stock_phrase_in_a_concrete_post_is_only_a_note(encoder: Encoder) -> None:
    text = (
        "Stay tuned: on 3 June the Salem shop starts Saturday repairs, 9am to 2pm, for $25 a visit."
    )
    f = run(encoder, Specificity(), text)
    hints = [h for h in f.hints if h.kind == "platitude"]
    assert [(h.span, h.severity) for h in hints] == [((0, 10), "info")]


# -- risk ---------------------------------------------------------------------------------
def test_hostile_reply_to_a_troll_is_an_alert(encoder: Encoder) -> None:
    f = run(
        encoder,
        Risk(),
        "Lol, stay mad. Maybe learn to read a price tag before embarrassing yourself, clown.",
        reply_to=TROLL,
    )
    r = f.scores["risk"]
    assert r.value >= 60
    assert r.detail["reply_to"]["kind"] == "provocation"
    hint = next(h for h in f.hints if h.kind == "risk")
    assert hint.severity == "alert"
    assert "Don't argue in public" in hint.message


def test_calm_answer_to_a_troll_is_not_risky(encoder: Encoder) -> None:
    f = run(
        encoder,
        Risk(),
        "Our prices include a five-year battery warranty; the full breakdown "
        "is on our pricing page.",
        reply_to=TROLL,
    )
    r = f.scores["risk"]
    assert r.value < 60
    assert r.detail["reply_to"]["kind"] == "provocation"
    assert all(h.severity == "info" for h in f.hints)


def test_genuine_complaint_is_routed_to_billing_and_dm(encoder: Encoder) -> None:
    f = run(
        encoder,
        Risk(),
        "Refunds usually take 5 to 10 business days, please be patient.",
        reply_to=BILLING,
    )
    r = f.scores["risk"]
    assert r.value < 60
    ctx = r.detail["reply_to"]
    assert ctx["kind"] == "complaint"
    assert ctx["route"]["topic"] == "billing"
    hint = next(h for h in f.hints if h.kind == "complaint")
    assert hint.severity == "warn"
    assert "route it to billing" in hint.message and "DM" in hint.message


def test_complaint_answer_that_already_goes_private_is_info(encoder: Encoder) -> None:
    f = run(
        encoder,
        Risk(),
        "That's on us, sorry. We've sent you a DM so our billing team can "
        "refund the second charge today.",
        reply_to=BILLING,
    )
    hint = next(h for h in f.hints if h.kind == "complaint")
    assert hint.severity == "info"
    assert hint.evidence["private"] is True


def test_angry_complaint_is_still_a_complaint_routed_to_shipping(encoder: Encoder) -> None:
    vec = encoder.encode([SHIPPING])[0]
    ctx = classify_context(vec, SHIPPING, hostility_threshold())
    assert ctx["kind"] == "complaint"
    assert route(SHIPPING, vec)["topic"] == "shipping"


def test_hostile_post_without_context(encoder: Encoder) -> None:
    f = run(
        encoder,
        Risk(),
        "Anyone who still rides those cheap knockoff bikes is an idiot. Wake up, people.",
    )
    r = f.scores["risk"]
    assert r.value >= 60
    hint = next(h for h in f.hints if h.kind == "risk")
    assert hint.severity in ("warn", "alert")
    words = [w["text"] for w in hint.evidence["words"]]
    assert "idiot" in words


@pytest.mark.parametrize(
    "text",
    [
        "We shipped 212 Cradle adapter kits with the wrong screws, and we're sorry. The right "
        "screws are in the post to every buyer today.",
        "Lost the key to your lock? Send the four-digit code under the lock to help@example.com "
        "and a pair of replacement keys is $12, shipped within 3 days.",
        "Thanks to everyone who came to the Salem shop opening on Saturday: 140 riders, 31 "
        "tune-ups and one very tired mechanic.",
    ],
)
def test_calm_brand_posts_are_calm(encoder: Encoder, text: str) -> None:
    r = run(encoder, Risk(), text).scores["risk"]
    assert r.value < 60


@pytest.mark.parametrize(
    "text",
    [
        "We shipped the new billing page on Tuesday: invoices now show each seat.",
        "  Three   customers asked for it in March;\tit took us 6 weeks (mostly migration)!  ",
        "exactly thirty-two characters!!",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "short",
        "",
        "Ünïcode drafts: café, naïve, 🚲 on Main St. “Curly” — and a ZWJ 👩‍👩‍👧 family.",
        "Kopi susu ☕️ Rp 18.000 — “enak” banget 🙏🏽 e\u0301 combining, 日本語のテキスト。",
        "a NUL \0 byte and a non-ASCII é beside it, with enough text to take numpy",
        "ééééééééééééééééééééééééééééééééééééééé",
    ],
)
def test_hashed_ngram_counts_are_the_same_on_both_paths(text: str) -> None:
    """The numpy path (per-position CRCs, windows sliced out of their draft's; a
    non-ASCII character stands in as one byte and the grams touching it are hashed
    from their own UTF-8) gives exactly the features of the dict loop over distinct
    n-grams, so the shipped heads read the same numbers either way."""
    from agent.models import heads as H

    def by_dict_loop(t: str, dim: int, lo: int, hi: int) -> dict[int, float]:
        grams, counts = H._gram_counts_any(H._normalise(t), lo, hi)
        per_bucket: dict[int, float] = {}
        for g, c in zip(grams.tolist(), counts.tolist(), strict=True):
            per_bucket[g % dim] = per_bucket.get(g % dim, 0.0) + c
        vals = {b: 1.0 + math.log(c) for b, c in per_bucket.items()}
        norm = math.sqrt(sum(v * v for v in vals.values()))
        return {b: v / norm for b, v in vals.items()}

    words = text.split()
    pieces = [text, " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]
    for lo, hi in ((2, 5), (3, 3), (2, 7)):
        H._RECENT.clear()
        for piece in pieces:  # the halves are sliced from the whole's positions
            for dim in (32768, 65536, 7):
                got = H.hashed_ngrams(piece, dim, lo, hi)
                want = by_dict_loop(piece, dim, lo, hi)
                assert got.keys() == want.keys()
                assert all(math.isclose(got[b], want[b], rel_tol=1e-12) for b in want)
        t = H._normalise(text)
        if H._vector_path(t, lo, hi):
            stand_in = "".join(c if c.isascii() else "\0" for c in t)
            assert (stand_in, lo, hi) in H._RECENT


@pytest.mark.parametrize(
    "text",
    [
        "We met Dana Ruiz at the Eugene shop; (Brick 500) - and I think you'd love it, really.",
        "Everything's great!!! So so good, the best community, u know?\nMy team & I: Thanks Bob",
        "a\u00a0Bob, x_ Carl\u2028Dee 3 Eve \u0663 Fay. Gus\x1cHal — ‘Ivy’ (Jo",
        "On March 3rd, 2025 at 9am (tomorrow: 10:30) we fixed 12 packs, $1,200 and 30% more;"
        " twenty riders, five dozen km, 03/04/25, last week, Tue.",
        "",
    ],
)
def test_fast_text_checks_agree_with_their_regexes(text: str) -> None:
    """The specificity features count vague and first/second-person words over word
    runs and test "mid-sentence" without a regex per word; both must agree with the
    regex rules they stand for, or the shipped head reads other numbers."""
    import re

    from agent.text import concrete as C

    vague = re.compile(r"\b(?:" + "|".join(sorted(C.VAGUE)) + r")\b", re.I)
    person = re.compile(r"\b(?:" + "|".join(sorted(C.FIRST_SECOND)) + r")\b", re.I)
    runs = [r.lower() for r in C.RUN.findall(text)]
    assert sum(r in C.VAGUE for r in runs) == len(vague.findall(text))
    assert sum(r in C.FIRST_SECOND for r in runs) == len(person.findall(text))
    for rx in (C.DATE, C.QUANTITY):  # the leading lookahead only skips positions
        assert rx.pattern.startswith("(?=[")
        plain = re.compile(rx.pattern.split(")", 1)[1], rx.flags)
        assert [m.span() for m in rx.finditer(text)] == [m.span() for m in plain.finditer(text)]
    for at in range(len(text) + 1):
        want = bool(C.MID_SENTENCE.search(text[max(0, at - 40) : at]))
        assert C._mid_sentence(text, at) is want, (text[max(0, at - 40) : at], want)
