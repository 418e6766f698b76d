"""The Indonesian demo brand (Kopi Lereng, agent/demo_id/) end to end with the
multilingual encoder: a translation of a past post is a repeat, stock phrases and
"aku/gue" are caught, a heated reply to a complaint is routed, and every hint is
in Bahasa Indonesia. The drafts are the team's own writing (drafts.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.core import DEMO_BRANDS, Onbrand
from agent.store import Store
from embeddings import Encoder
from tests.conftest import ROOT

DRAFTS = {
    d["label"]: d
    for d in json.loads((ROOT / "agent/demo_id/drafts.json").read_text(encoding="utf-8"))
}


@pytest.fixture(scope="module")
def kopi(tmp_path_factory: pytest.TempPathFactory, e5_models: Path, encoder: Encoder):
    mp = pytest.MonkeyPatch()
    from embeddings.onnx import CACHE_ENV

    home = tmp_path_factory.mktemp("kopi")
    mp.setenv(CACHE_ENV, str(e5_models))
    mp.setenv("ONBRAND_HOME", str(home))
    core = Onbrand(Store(home / "onbrand.sqlite3"), encoder)
    core.load_demo(lang="id")
    yield core
    mp.undo()


def analyze(core: Onbrand, label: str) -> dict:
    d = DRAFTS[label]
    return core.analyze(d["text"], d["platform"], DEMO_BRANDS["id"], d.get("reply_to"))


def test_the_demo_brand_speaks_indonesian(kopi: Onbrand) -> None:
    r = analyze(kopi, "Pengumuman yang isinya hanya frasa klise")
    assert r["brand_language"] == "id"
    assert r["verdict"] != "ok"
    messages = " ".join(h["message"] for h in r["hints_all"])
    assert "frasa klise" in messages.lower()
    for english in ("Stock phrase", "Vague:", "Drifting from", "This answers"):
        assert english not in messages


def test_a_translation_of_a_past_post_is_a_repeat(kopi: Onbrand) -> None:
    r = analyze(kopi, "Terjemahan Inggris dari unggahan lama (harga ceri 2025)")
    assert r["scores"]["originality"]["verdict"] in ("repeat", "echo"), r["scores"]["originality"]
    (hint,) = [h for h in r["hints"] if h["kind"] == "originality"]
    assert "dalam bahasa lain (bahasa Indonesia)" in hint["message"]
    assert hint["evidence"]["translation_of"] == "id"


def test_the_owners_rant_in_aku_and_gue_breaks_the_we_rule(kopi: Onbrand) -> None:
    r = analyze(kopi, "Curhat pribadi pemilik, bukan suara kami")
    person = [
        h for h in r["hints_all"] if h["kind"] == "rule" and h["evidence"]["kind"] == "person"
    ]
    assert person and {m["replacement"].lower() for m in person[0]["matches"]} == {"kami"}
    # the demo's rule is a warning: a note under the verdict, never silence
    assert person[0]["severity"] in ("warn", "alert")


def test_a_heated_reply_to_a_complaint_is_routed_in_indonesian(kopi: Onbrand) -> None:
    r = analyze(kopi, "Balasan panas untuk keluhan pelanggan")
    (hint,) = [h for h in r["hints_all"] if h["kind"] == "complaint"]
    assert hint["severity"] == "alert" and "keluhan pelanggan" in hint["message"]
    assert r["verdict"] in ("complaint", "risky")  # both alerts; risky comes first
    calm = analyze(kopi, "Balasan tenang untuk keluhan, dibawa ke jalur pribadi")
    assert calm["verdict"] != "complaint" or all(
        h["severity"] != "alert" for h in calm["hints_all"] if h["kind"] == "complaint"
    )
