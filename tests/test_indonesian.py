"""Bahasa Indonesia in the text-side analyzers (issue #19): dates, prices and
places as concrete details, Indonesian stock phrases, saya/aku/gue against kami.
Every draft is the team's own writing."""

from __future__ import annotations

from agent.analyzers.specificity import Specificity
from agent.text.concrete import evidence
from agent.text.platitudes import bank
from agent.text.rules import load_rules
from agent.text.style import NAMES, features
from embeddings import Encoder
from tests.test_specificity_risk import run

PERSON = """
[[rule]]
name = "kami"
kind = "person"
message = "Akun perusahaan berbicara sebagai 'kami'."
severity = "warn"
"""


def _found(text: str) -> dict[str, list[str]]:
    return {k: [str(x["text"]) for x in v] for k, v in evidence(text).items() if v}


def test_indonesian_dates_prices_and_places_are_concrete_details() -> None:
    got = _found(
        "Promo Kamis (12/8): kopi susu gula aren Rp 18.000 sampai pukul 14.00 di Jl. Braga 45."
    )
    assert got["dates"] == ["Kamis (12/8)", "pukul 14.00"]
    assert got["quantities"] == ["Rp 18.000"]
    assert got["places"] == ["Jl. Braga 45"]
    got = _found("Minggu depan cabang ke-3 buka di Surabaya: 40 kursi, mulai jam 7 pagi 🎉")
    assert got["dates"] == ["Minggu depan", "jam 7 pagi"]
    assert got["quantities"] == ["40 kursi"]
    assert got["places"] == ["Surabaya"]
    got = _found("Naik 1,5 jt per karung sejak 17 Agustus 2025; belanja 95rb gratis ongkir.")
    assert got["quantities"] == ["1,5 jt", "95rb"]
    assert got["dates"] == ["17 Agustus 2025"]


def test_a_week_is_not_a_sunday() -> None:
    got = _found("Sudah 2 minggu paketnya belum sampai, katanya dikirim hari Senin.")
    assert got["quantities"] == ["2 minggu"]
    assert got["dates"] == ["hari Senin"]


def test_english_reads_as_before() -> None:
    # April, September and November belong to the English pattern alone
    got = _found("We became the largest holder in September 2008, and again in 2020.")
    assert got["dates"] == ["September", "2008", "2020"]
    assert "places" not in _found("We met Di at the studio on Monday.")


def test_an_indonesian_announcement_of_stock_phrases_is_called_so(encoder: Encoder) -> None:
    hollow = (
        "Dengan bangga kami umumkan era baru telah dimulai! Kualitas terbaik, pelayanan "
        "prima, harga terjangkau. Nantikan kejutan selanjutnya, stay tuned ya! 🙌"
    )
    concrete = (
        "Mulai Senin 3 Maret, gerai kami di Jl. Dago 112 Bandung buka jam 7 pagi. Kopi susu "
        "Rp 18.000, roti srikaya Rp 12.000, 30 kursi di lantai 2."
    )
    hits, share, _ = bank().find(hollow)
    assert len(hits) >= 4 and share >= 0.3
    f = run(encoder, Specificity(), hollow)
    assert any(h.kind == "platitude" and h.severity == "warn" for h in f.hints)
    hollow_value = f.scores["specificity"].value
    concrete_value = run(encoder, Specificity(), concrete).scores["specificity"].value
    assert hollow_value is not None and concrete_value is not None
    assert hollow_value < 35 <= concrete_value


def test_the_person_rule_knows_saya_aku_and_gue() -> None:
    rs = load_rules(PERSON)
    text = "Saya kecewa. Aku sudah bilang ke tim, gue juga capek. Kami tetap buka."
    (hint,) = rs.check(text, "x")
    matches = hint.evidence["matches"]
    assert [(m["text"], m["replacement"]) for m in matches] == [
        ("Saya", "Kami"),
        ("Aku", "Kami"),
        ("gue", "kami"),
    ]
    assert rs.check("Kami buka jam 7 pagi, sampai jumpa!", "x") == []


def test_the_voice_counts_indonesian_first_person() -> None:
    person = NAMES.index("first_person_singular")
    assert features("Aku sih suka banget, gue rekomen!")[person] == 1.0
    assert features("Kami buka jam 7, saya yang jaga kasir.")[person] == 0.5


def test_indonesian_blaming_is_confrontation_and_plain_words_are_not() -> None:
    from agent.analyzers.risk import text_cues

    blaming = [
        "Antre itu wajar dong kak, jam 7 memang ramai.",
        "Kalau nggak mau antre ya datang lebih siang.",
        "Mungkin lidah kakak yang lagi nggak enak.",
        "Nggak suka ya nggak usah pesan lagi.",
        "Itu bukan urusan kakak, itu keputusan kami.",
        "Jangan langsung nyalahin barista kami ya.",
        "Pakainya yang pelan dong kak, jangan dibanting.",
    ]
    for text in blaming:
        assert text_cues(text)["confront"], text
    calm = [
        "Harga yang wajar untuk petani: Rp 16.500 per kg ceri merah.",
        "Antre wajar di jam sibuk; Sabtu ini kami tambah satu barista.",
        "Semua orang bisa ikut kelas seduh Sabtu ini, gratis.",
        "Urusan pengiriman kami serahkan ke kurir langganan, JNE dan SiCepat.",
    ]
    for text in calm:
        assert not text_cues(text)["confront"], text
