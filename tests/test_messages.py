"""The agent's words in Bahasa Indonesia (agent/messages.py): a brand that writes
in Indonesian (or mixes it with English) reads its hints, labels and summary in
Indonesian; English brands read exactly what they did."""

from __future__ import annotations

import string

from agent.analyzers.base import BrandView, Draft
from agent.analyzers.risk import Risk
from agent.analyzers.specificity import Specificity
from agent.messages import ID, say, style_reason
from agent.result import summary
from embeddings import Encoder


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_translation_has_the_same_placeholders() -> None:
    for en, indo in ID.items():
        assert _fields(en) == _fields(indo), en
        assert indo.strip() and indo != en or en in ("emoji",), en


def test_say_speaks_the_brands_language_and_falls_back_to_english() -> None:
    assert say("en", "Calm") == "Calm"
    assert say("id", "Calm") == "Tenang"
    assert say("mixed", "Calm") == "Tenang"
    assert say("id", "A sentence nobody translated.") == "A sentence nobody translated."
    assert say("id", "All {n} brand rules pass", n=14) == "Semua 14 aturan merek terpenuhi"


class _State:
    posts_index: tuple[()] = ()

    def __init__(self, language: str) -> None:
        self.language = language


def _run(encoder: Encoder, analyzer, text: str, lang: str, reply_to: str | None = None):
    vecs = encoder.encode([text] + ([reply_to] if reply_to else []))
    view = BrandView(
        state=_State(lang),  # type: ignore[arg-type]
        vec=vecs[0],
        reply_vec=vecs[1] if reply_to else None,
    )
    return analyzer.analyze(Draft(text, reply_to=reply_to), view)


def test_an_indonesian_brand_reads_its_hints_in_indonesian(encoder: Encoder) -> None:
    hollow = "Dengan bangga kami umumkan era baru telah dimulai! Nantikan kejutan selanjutnya 🙌"
    f = _run(encoder, Specificity(), hollow, "id")
    assert any("frasa klise" in h.message.lower() for h in f.hints), [h.message for h in f.hints]
    assert f.scores["specificity"].label in (
        "Samar: tidak ada yang bisa dicek pembaca",
        "Cukup umum",
    )
    english = _run(encoder, Specificity(), hollow, "en")
    assert any("Stock phrase" in h.message or "stock phrases" in h.message for h in english.hints)


def test_a_complaint_is_routed_in_indonesian(encoder: Encoder) -> None:
    f = _run(
        encoder,
        Risk(),
        "Bukan salah kami kak, makanya baca dulu syarat pengirimannya!",
        "id",
        reply_to="Paket saya sudah 2 minggu belum sampai, kecewa banget!",
    )
    (hint,) = [h for h in f.hints if h.kind == "complaint"]
    assert hint.severity == "alert"
    assert "keluhan pelanggan" in hint.message and "bagian pengiriman" in hint.message
    assert "menyalahkan" in hint.message  # says how it argues
    assert f.scores["risk"].label.startswith(("Berisiko", "Bisa memicu"))


def test_voice_reasons_and_the_summary_in_indonesian() -> None:
    length = {
        "feature": "length",
        "value": 1420.0,
        "brand_mean": 800.0,
        "z": 3.0,
        "message": "1,420 characters (your LinkedIn posts run 684–963)",
        "range": (684.0, 963.0, "LinkedIn"),
    }
    assert style_reason("id", length) == "1.420 karakter (postingan LinkedIn Anda biasanya 684–963)"
    assert style_reason("en", length) == length["message"]
    marks = {"feature": "exclamations", "value": 3.0, "brand_mean": 0.2, "z": 4.0, "message": "x"}
    assert (
        style_reason("id", marks) == "3 tanda seru (postingan Anda yang disetujui: rata-rata 0,2)"
    )
    said = summary("vague", {}, [], "id")
    assert said.startswith("Samar: tambahkan fakta")
    assert summary("vague", {}, [], "en").startswith("Vague: add a fact")
