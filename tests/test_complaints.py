"""Argument risk and complaint hints a user can trust (issue #17), on drafts and
reply contexts written for these tests, in English and Bahasa Indonesia, through
the whole analysis with the real model."""

from __future__ import annotations

from typing import Any

import pytest

from agent.analyzers.risk import PRIVATE, classify_context, hostility_threshold, route, text_cues
from agent.core import Onbrand
from embeddings import Encoder

PRAISE = "already takes it private, which is right"
ARGUING = "reads as arguing with someone"

DELIVERY = (
    "My order was meant to arrive on Saturday and it's Wednesday. The courier says it was "
    "delivered but there's nothing at my door."
)
REFUND = "You charged me twice for one order and the refund still hasn't shown up. Ten days now."
BROKEN = "The grinder I bought from you stopped working after two weeks."
PENGIRIMAN = (
    "Pesanan saya harusnya sampai hari Sabtu, sekarang sudah Rabu. Kata kurirnya sudah "
    "diantar, tapi paketnya tidak ada."
)
SALDO = "Saldo saya kepotong dua kali tapi pesanannya gagal. Tolong dong dibalikin."
PELAYAN = "Kecewa banget, kopinya dingin dan pelayannya jutek."


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


def test_an_open_post_that_blames_its_critics_still_argues(demo: Onbrand) -> None:
    for text in (
        "Anyone who says our batteries aren't repairable clearly hasn't read the spec sheet.",
        "Buat yang komplain soal rasa: salah kamu sendiri pesan level 5. Baca dulu dong menunya.",
    ):
        result = analyze(demo, text)
        (hint,) = hints(result, "risk")
        assert ARGUING in hint["message"] and hint["severity"] == "warn"
        assert hint["evidence"]["confrontation"][0]["kind"] == "blames the customer"
        assert_label_matches_hints(result)


# -- hostile or blaming answers to a complaint ---------------------------------------------
HOSTILE_REPLIES = [
    # The reported case: a hostile answer that mentions a phone number.
    (
        DELIVERY,
        "That's not true. Our courier has a photo of the parcel at your door, so stop lying. "
        "Call us on 0812 555 0199 if you want.",
    ),
    (DELIVERY, "Your complaint is fake. We checked, and the parcel was signed for."),
    (
        DELIVERY,
        "Maybe ask your neighbours before posting. Tracking says delivered, so this is on you.",
    ),
    (DELIVERY, "Oh great, another customer who can't find their own front door."),
    (REFUND, "If you had read the checkout page you'd know refunds take 14 days. Your own fault."),
    (BROKEN, "You didn't read the manual. It says not to grind rice. We'll DM you the page."),
    (PENGIRIMAN, "Kamu bohong. Kurir kami punya foto paketnya di depan rumahmu."),
    (
        PENGIRIMAN,
        "Salah kamu sendiri, alamatnya kan kamu yang isi. Baca dulu dong sebelum komplain.",
    ),
    (SALDO, "Makanya baca dulu syaratnya kak, dana baru balik 14 hari. Cek email aja."),
    (PELAYAN, "Ya kali kopi dingin dibilang jutek. Lebay banget sih kak."),
]


@pytest.mark.parametrize(("reply_to", "text"), HOSTILE_REPLIES)
def test_hostile_replies_to_a_complaint_raise_risk_and_are_never_praised(
    demo: Onbrand, reply_to: str, text: str
) -> None:
    result = analyze(demo, text, reply_to)
    risk = result["scores"]["risk"]
    assert risk["reply_to"]["kind"] == "complaint"
    assert risk["value"] >= 60 and risk["label"] != "Calm", risk
    (hint,) = hints(result, "complaint")
    assert hint["severity"] == "alert"
    assert "Don't argue with a customer in public" in hint["message"]
    assert all(PRAISE not in h["message"] for h in result["hints"])
    assert_label_matches_hints(result)


def test_a_private_offer_in_a_hostile_reply_is_named_not_praised(demo: Onbrand) -> None:
    text, reply_to = HOSTILE_REPLIES[0][1], HOSTILE_REPLIES[0][0]
    (hint,) = hints(analyze(demo, text, reply_to), "complaint")
    assert hint["evidence"]["private"] is True
    assert "doesn't undo a public jab" in hint["message"]
    kinds = {c["kind"] for c in hint["evidence"]["confrontation"]}
    assert "calls it false" in kinds


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
    (
        PENGIRIMAN,
        "Mohon maaf ya kak. Boleh japri nomor pesanannya? Tim kami akan hubungi kakak hari ini.",
    ),
    (
        PENGIRIMAN,
        "Maaf atas ketidaknyamanannya, kak. Kami sudah kirim pesan langsung, cek inbox ya.",
    ),
    (PENGIRIMAN, "Maaf ya kak. Kami telepon kakak sore ini untuk cek alamatnya bersama."),
    (SALDO, "Waduh, maaf kak. Hubungi kami lewat WA di 0812-3456-7890 ya, biar cepat kami bantu."),
    (SALDO, "Maaf kak, dananya kami kembalikan hari ini. Cek email ya untuk bukti refund-nya."),
    (PELAYAN, "Mohon maaf atas pengalamannya, kak. Kami sudah DM kakak untuk tanya cabangnya."),
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
    (PENGIRIMAN, "Maaf kak, HP kurir kami sempat mati. Paketnya kami antar ulang besok pagi."),
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


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("You're making this up.", "calls it false"),
        ("Stop lying about our couriers.", "calls it false"),
        ("Your review is completely fake.", "calls it false"),
        ("Kamu bohong.", "calls it false"),
        ("Komplainnya ngarang.", "calls it false"),
        ("You didn't read the description.", "blames the customer"),
        ("That's your own fault.", "blames the customer"),
        ("You should have checked the size chart.", "blames the customer"),
        ("Salah kamu sendiri.", "blames the customer"),
        ("Baca dulu dong, kak.", "blames the customer"),
        ("Bukan salah kami kalau alamatnya keliru.", "blames the customer"),
        ("Oh great, another genius who can't read a label.", "sarcasm"),
        ("Bless your heart.", "sarcasm"),
        ("Sok tahu banget.", "sarcasm"),
    ],
)
def test_confrontation_is_found_with_its_kind(text: str, kind: str) -> None:
    found = text_cues(text)["confront"]
    assert kind in [c["kind"] for c in found], found
    for c in found:
        assert text[c["span"][0] : c["span"][1]] == c["text"]


@pytest.mark.parametrize(
    "text",
    [
        "We're thankful for people like you, Karina!",
        "If you had checked in online, the kiosk prints your pass.",
        "Read the manual before your first ride.",
        "Check the size chart before ordering.",
        "Do your research and then just do it.",
        "Kasihan kak, semoga cepat pulih ya.",
        "Gak bohong, kopinya enak banget.",
        "Harusnya paket sampai hari ini, kami cek dulu ya kak.",
    ],
)
def test_calm_wording_is_not_confrontation(text: str) -> None:
    assert not text_cues(text)["confront"]


# -- the post answered, in either language --------------------------------------------------
@pytest.mark.parametrize(
    ("reply_to", "kind", "topic"),
    [
        (DELIVERY, "complaint", "shipping"),
        (PENGIRIMAN, "complaint", "shipping"),
        (SALDO, "complaint", "billing"),
        (PELAYAN, "complaint", "store and staff"),
        ("HP saya mati total seminggu setelah diservis di cabang kalian.", "complaint", None),
        ("Toko kalian penipu, barang palsu semua. Jangan beli di sini!", "provocation", None),
        ("Kak, ada ukuran XL nggak?", "other", None),
        ("Mantap kak, kopinya enak banget!", "other", None),
    ],
)
def test_reply_context_is_read_in_english_and_indonesian(
    encoder: Encoder, reply_to: str, kind: str, topic: str | None
) -> None:
    vec = encoder.encode([reply_to])[0]
    ctx = classify_context(vec, reply_to, hostility_threshold())
    assert ctx["kind"] == kind, ctx
    if topic:
        assert route(reply_to, vec)["topic"] == topic


def test_blaming_someone_who_asked_a_question_is_an_alert(demo: Onbrand) -> None:
    result = analyze(
        demo, "It's in the FAQ. Maybe read it before posting next time.", "Do you ship to Canada?"
    )
    assert result["scores"]["risk"]["reply_to"]["kind"] == "other"
    (hint,) = hints(result, "risk")
    assert hint["severity"] == "alert" and ARGUING in hint["message"]
    assert_label_matches_hints(result)
    calm = analyze(
        demo, "Yes! Shipping to Canada takes 5 to 7 days and costs $12.", "Do you ship to Canada?"
    )
    assert not calm["hints"] or all(h["kind"] not in ("risk", "complaint") for h in calm["hints"])
    assert calm["scores"]["risk"]["label"] == "Calm"
