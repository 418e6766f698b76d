"""Argument risk and complaint hints a user can trust (issue #17), on drafts and
reply contexts written for these tests, in English and Bahasa Indonesia, through
the whole analysis with the real model."""

from __future__ import annotations

from typing import Any

import pytest

from agent.analyzers.risk import PRIVATE
from agent.core import Onbrand

PRAISE = "already takes it private, which is right"
ARGUING = "reads as arguing with someone"

DELIVERY = (
    "My order was meant to arrive on Saturday and it's Wednesday. The courier says it was "
    "delivered but there's nothing at my door."
)
REFUND = "You charged me twice for one order and the refund still hasn't shown up. Ten days now."
BROKEN = "The grinder I bought from you stopped working after two weeks."


def analyze(demo: Onbrand, text: str, reply_to: str | None = None) -> dict[str, Any]:
    return demo.analyze(text, "x", brand="demo", reply_to=reply_to)


def hints(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [h for h in result["hints"] if h["kind"] == kind]


def assert_label_matches_hints(result: dict[str, Any]) -> None:
    """A warning or an alert about risk or a complaint never sits beside "Calm"."""
    risk = result["scores"]["risk"]
    loud = [
        h for h in result["hints"] if h["kind"] in ("risk", "complaint") and h["severity"] != "info"
    ]
    if loud:
        assert risk["label"] != "Calm", (risk, loud)
        assert risk["value"] >= 40
    if any(h["severity"] == "alert" for h in loud):
        assert risk["value"] >= 60, (risk, loud)


# -- calm posts that answer no one are not arguments ---------------------------------------
CALM_POSTS = [
    "Brewing tip: pour water just off the boil, about 93°C, and let the grounds bloom for "
    "30 seconds before you pour the rest.",
    "We just passed 10,000 orders this year. So proud of this team!",
    "Fresh bread, every morning.",
    "No shortcuts. No compromises. Just good coffee.",
    "You don't need fancy gear to make great coffee. A kettle and a jar will do.",
    "Think you know sambal? Think again.",
    "New on the menu from Monday: iced palm sugar latte, Rp 28.000, at all three stores.",
    "Launching today: the Trail 2 backpack, 28 litres, waterproof zips, $89.",
    "Myth: e-bike batteries can't be recycled. That's not true: we recycled 4,000 last year.",
    "Tips seduh: pakai air sekitar 93°C dan diamkan bubuk kopi 30 detik sebelum menuang sisanya.",
    "Kami baru saja melewati 10.000 pesanan tahun ini. Bangga sama tim!",
    "Kopi enak gak harus mahal.",
    "Jangan lupa, diskon 20% khusus hari ini aja ya!",
    "Produk baru sudah datang! Tumbler 1 liter, tahan panas 12 jam, mulai Rp 185.000.",
]


@pytest.mark.parametrize("text", CALM_POSTS)
def test_calm_posts_are_not_called_arguing(demo: Onbrand, text: str) -> None:
    result = analyze(demo, text)
    risk = result["scores"]["risk"]
    assert not any(ARGUING in h["message"] for h in result["hints"]), result["hints"]
    assert not hints(result, "risk")
    assert risk["value"] < 40 and risk["label"] == "Calm", risk


# -- hostile answers to a complaint ---------------------------------------------------------
def test_a_hostile_reply_with_a_phone_number_is_not_praised(demo: Onbrand) -> None:
    text = (
        "That's not true. Our courier has a photo of the parcel at your door, so stop lying. "
        "Call us on 0812 555 0199 if you want."
    )
    result = analyze(demo, text, DELIVERY)
    (hint,) = hints(result, "complaint")
    assert hint["severity"] == "alert" and hint["evidence"]["private"] is True
    assert "doesn't undo a public jab" in hint["message"]
    assert all(PRAISE not in h["message"] for h in result["hints"])
    assert_label_matches_hints(result)


# -- calm answers that take it to a private channel ----------------------------------------
PRIVATE_REPLIES = [
    # The reported case: a named colleague will message on WhatsApp.
    (
        DELIVERY,
        "Sorry Dewi, that's not the experience we want. Rina from our delivery team will "
        "message you on WhatsApp within the hour to sort it out.",
    ),
    (REFUND, "So sorry about the double charge. We'll call you this afternoon to fix it."),
    (REFUND, "Sorry! Message us on Telegram or LINE with your order number and we'll refund it."),
    (
        BROKEN,
        "That shouldn't happen after two weeks. We've sent you a DM to arrange a replacement.",
    ),
    (
        BROKEN,
        "Sorry about that. Please email help@example.com with your receipt and we'll swap it.",
    ),
]


@pytest.mark.parametrize(("reply_to", "text"), PRIVATE_REPLIES)
def test_calm_private_replies_are_recognised(demo: Onbrand, reply_to: str, text: str) -> None:
    result = analyze(demo, text, reply_to)
    risk = result["scores"]["risk"]
    assert risk["reply_to"]["kind"] == "complaint"
    (hint,) = hints(result, "complaint")
    assert hint["evidence"]["private"] is True, text
    assert hint["severity"] == "info" and PRAISE in hint["message"]
    assert risk["label"] == "Calm" and risk["value"] < 40, risk
    assert not hints(result, "risk")


# -- a phone or an email named in passing is not taking it private -------------------------
MENTIONS = [
    (BROKEN, "Sorry your phone broke too. Bring both to the Kemang shop and we'll fix them free."),
    (
        BROKEN,
        "Our phone repairs come with a 90-day warranty, and so does the grinder. Bring it in.",
    ),
    (REFUND, "Sorry! We answer every email within a day, and your refund went out this morning."),
    (REFUND, "Refunds to email wallets take 3 days; yours went out on Monday."),
]


@pytest.mark.parametrize(("reply_to", "text"), MENTIONS)
def test_a_phone_or_email_mention_is_not_a_private_offer(
    demo: Onbrand, reply_to: str, text: str
) -> None:
    result = analyze(demo, text, reply_to)
    (hint,) = hints(result, "complaint")
    assert hint["evidence"]["private"] is False, hint["evidence"]["private_offer"]
    assert hint["severity"] == "warn" and PRAISE not in hint["message"]
    assert result["scores"]["risk"]["label"] != "Calm"
    assert_label_matches_hints(result)


# -- the word patterns on their own (no model) ----------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Please DM us your order number.",
        "Could you send us a direct message with the details?",
        "We've just sent a DM your way.",
        "Check your inbox, we replied there.",
        "We'll email you a label today.",
        "Give us a call on 0800 123 456.",
        "Our store manager will phone you tomorrow.",
        "Let's take this to email.",
        "Reach us on WhatsApp or Messenger any time.",
        "Message us on LINE.",
        "DM kami ya kak.",
        "Silakan kirim pesan langsung ke admin.",
        "Boleh japri nomor pesanannya?",
        "Kakak akan kami hubungi hari ini.",
        "Kami telepon kakak besok pagi.",
        "Hubungi CS kami lewat WA di 0812-0000-1111.",
        "Cek email ya kak, detailnya sudah kami kirim.",
        "Sudah kami inbox ya kak.",
        "Nanti tim kami WA kakak.",
    ],
)
def test_private_offers_are_found(text: str) -> None:
    assert PRIVATE.search(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Your phone broke? That's rough.",
        "Did restarting your phone help?",
        "Refunds to email wallets take 3 days.",
        "We answer every email within a day.",
        "Our phone repairs come with a 90-day warranty.",
        "The line at the Salem shop was long on Saturday.",
        "HP kakak rusak lagi ya? Bawa ke cabang terdekat.",
        "Ganti nomor telepon bisa di menu akun.",
        "Kami kirim paketnya besok pagi.",
        "We're a privately owned bakery since 1998.",
    ],
)
def test_mentions_are_not_private_offers(text: str) -> None:
    assert not PRIVATE.search(text), PRIVATE.search(text)
