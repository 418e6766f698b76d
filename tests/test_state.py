"""What a start reads instead of recomputing (issue #7): each post's style
features and the voice model's calibration, stored in SQLite beside the posts;
and the analyzers' text-only `prepare` step, which must not change any result."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from agent.analyzers.base import BrandView
from agent.config import StorageError
from agent.core import Onbrand
from agent.models import voice
from agent.models.voice import VoiceModel
from agent.store import Store, StoreError
from agent.text.style import RECIPE, features
from tests.conftest import demo_posts


def test_style_features_are_stored_with_each_post(demo: Onbrand) -> None:
    st = demo.state("demo")
    stored = demo.store.style_rows("demo", RECIPE, 10)
    texts = demo.store.post_texts("demo")
    assert set(stored) == set(texts) == set(st.style_rows)
    for pid, text in texts.items():
        assert np.array_equal(stored[pid], features(text))
    pid = demo.approve("We re-spoked 41 wheels at the Salem shop this week.", brand="demo")[
        "post_id"
    ]
    assert np.array_equal(
        demo.store.style_rows("demo", RECIPE, 10)[pid],
        features("We re-spoked 41 wheels at the Salem shop this week."),
    )
    demo.remove_post(pid)
    assert pid not in demo.store.style_rows("demo", RECIPE, 10)  # cascades with the post


def test_missing_or_stale_style_rows_are_recomputed_and_stored(demo: Onbrand) -> None:
    """A store from before schema 5 (no rows) or of another recipe loads the same."""
    before = demo.state("demo").voice
    with demo.store.transaction() as db:
        db.execute("DELETE FROM post_style WHERE post_id % 2 = 0")
        db.execute("UPDATE post_style SET recipe = recipe + 100 WHERE post_id % 3 = 0")
    fresh = Onbrand(Store(demo.store.path), demo.encoder)
    st = fresh.state("demo")
    assert np.allclose(st.voice.style.mean, before.style.mean)
    assert np.allclose(st.voice.style.std, before.style.std)
    assert len(fresh.store.style_rows("demo", RECIPE, 10)) == len(demo_posts())


def test_stored_voice_calibration_is_the_fitted_one(demo: Onbrand) -> None:
    st = demo.state("demo")
    ids, vecs = st.posts_index.matrix()
    style = np.array([st.style_rows[i] for i in ids.tolist()])
    fitted = VoiceModel.fit("demo", st.voice.version, vecs, style)
    stored = demo.store.voice_fit("demo", st.voice.version, st.model_key, len(ids))
    assert stored == fitted.calibration()
    # a new version (an approval) gets its own calibration; the old one is dropped
    old = st.voice.version
    demo.approve("Our Eugene shop now opens at 8 on Saturdays.", brand="demo")
    st2 = demo.state("demo")
    assert st2.voice.version > old
    assert demo.store.voice_fit("demo", old, st.model_key, len(ids)) is None
    assert demo.store.voice_fit("demo", st2.voice.version, st2.model_key, len(ids) + 1) == (
        st2.voice.calibration()
    )
    # a restart reads it and scores exactly as before
    again = Onbrand(Store(demo.store.path), demo.encoder)
    assert again.state("demo").voice.calibration() == st2.voice.calibration()
    draft = "Honestly I just think everybody should follow their passion!!!"
    a = demo.analyze(draft, brand="demo")["scores"]["voice_drift"]
    b = again.analyze(draft, brand="demo")["scores"]["voice_drift"]
    assert a == b


def test_calibration_reads_the_posts_block_by_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """The calibration's leave-one-out neighbours come from blocks of posts (memory
    stays at one block of products at a million posts) and are the same however
    the posts are cut: a post is never its own neighbour, twins are each other's."""
    rng = np.random.default_rng(3)
    vecs = rng.normal(size=(700, 384)).astype(np.float32)
    vecs[350] = vecs[10]  # twins: each one's nearest other post is the other
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    rows = np.array([10, 350, 0, 699, 123])
    full = vecs[rows] @ vecs.T
    full[np.arange(len(rows)), rows] = -np.inf
    want = np.sort(full, axis=1)[:, -5:]
    style = np.zeros((len(vecs), 10))
    fits = []
    for block in (10_000, 97, 1):
        monkeypatch.setattr(voice, "CALIBRATION_BLOCK", block)
        got = np.sort(voice._top_cosines(vecs, rows, 5), axis=1)
        assert np.allclose(got, want, atol=1e-6)
        assert got[0, -1] == pytest.approx(1.0, abs=1e-6)  # the twin, not itself
        assert got[2, -1] < 0.9  # not itself (cosine 1)
        fits.append(VoiceModel.fit("b", 1, vecs, style).calibration())
    # (a one-post block multiplies row by row: the float32 sums may differ in the 7th digit)
    assert fits[0] == pytest.approx(fits[1], rel=1e-5)
    assert fits[0] == pytest.approx(fits[2], rel=1e-5)


def test_big_brand_keeps_its_calibration_until_it_has_grown(
    demo: Onbrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An approval on a big brand refits the style norms and adds the post to the
    index at once, but keeps the calibration until the post count has moved by
    RECALIBRATE_SHARE (the demo brand stands in for a big one here)."""
    monkeypatch.setattr(voice, "RECALIBRATE_ALWAYS", 20)
    monkeypatch.setattr(voice, "RECALIBRATE_SHARE", 0.05)  # 112 posts: 6 more is a refit
    st = demo.state("demo")
    old = st.voice  # the state object is updated in place
    n = len(st.posts_index)
    first = old.calibration()
    assert first["calibrated_on"] == n
    new = "Our Eugene shop now opens at 8 on Saturdays, and the Salem one at 9."
    pid = demo.approve(new, brand="demo")["post_id"]
    kept = demo.state("demo").voice
    assert kept.version > old.version and kept.n_posts == n + 1
    assert kept.calibration() == first  # the same calibration, not a new sample
    assert not np.allclose(kept.style.mean, old.style.mean)  # the norms did move
    near = demo.analyze(new, brand="demo")["nearest"][0]
    assert near["post_id"] == pid and near["similarity"] > 0.99
    # stored under the new version: a restart reads it instead of recalibrating
    again = Onbrand(Store(demo.store.path), demo.encoder)
    assert again.state("demo").voice.calibration() == first
    # a withdrawal counts as a change too; back at n posts, nothing to redo
    demo.remove_post(pid)
    assert demo.state("demo").voice.calibration() == first
    for i in range(6):
        demo.approve(f"Post {i} of six: the Bend shop fixed {12 + i} wheels today.", brand="demo")
    refit = demo.state("demo").voice
    assert refit.calibrated_on == n + 6
    ids, vecs = demo.state("demo").posts_index.matrix()
    style = np.array([demo.state("demo").style_rows[i] for i in ids.tolist()])
    assert refit.calibration() == VoiceModel.fit("demo", 0, vecs, style).calibration()


def test_small_brand_recalibrates_at_every_change(demo: Onbrand) -> None:
    before = demo.state("demo").voice.calibration()
    demo.approve("Our Eugene shop now opens at 8 on Saturdays.", brand="demo")
    after = demo.state("demo").voice
    assert after.calibrated_on == before["calibrated_on"] + 1
    assert after.calibration() != before


def test_prepare_changes_no_result(demo: Onbrand) -> None:
    """Each analyzer gives the same finding with and without its prepare step."""
    st = demo.state("demo")
    drafts = [
        "We opened 3 new stores in Leeds on 4 March; thanks to the team for it.",
        "Only an idiot would believe that. You people never learn, do you???",
        "Pick the best company for your money. Synergy! Innovation! #blessed",
        "ok",
    ] + [p["text"] for p in demo_posts()[:5]]
    for text in drafts:
        draft = demo.make_draft(text, "x", "demo", None)
        vec = demo.encoder.encode([text])[0]
        hits = tuple(st.posts_index.search(vec, 9))[:8]
        plain = BrandView(state=st, vec=vec, neighbours=hits)
        prepped = BrandView(
            state=st,
            vec=vec,
            neighbours=hits,
            prepared={
                a.name: a.prepare(draft, st) for a in demo.analyzers if hasattr(a, "prepare")
            },
        )
        assert len(prepped.prepared) >= 4
        for a in demo.analyzers:
            x, y = a.analyze(draft, plain), a.analyze(draft, prepped)
            assert x.scores == y.scores and x.hints == y.hints, (a.name, text)


def test_brand_ids_are_remembered_only_once_committed(tmp_path: Path) -> None:
    """Every draft names its brand, so ids are looked up once; a brand made inside a
    transaction that rolls back must not be remembered."""
    store = Store(tmp_path / "x.sqlite3")
    try:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO brands(name, display_name, created_at) VALUES('tmp','tmp','2026')"
            )
            assert store.brand_id("tmp") > 0
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with pytest.raises(StoreError):
        store.brand_id("tmp")
    bid = store.ensure_brand("acme")
    assert store.brand_id(" ACME ") == bid
    assert store.brand_id("acme") == bid  # remembered


def test_a_start_holds_index_builds_until_it_is_done(demo: Onbrand) -> None:
    """`onbrand serve` holds big brands' index builds through its start (they would
    compete with it for the GIL): brands loaded meanwhile get the held gate, and
    releasing it lets them build. A library user's Onbrand builds at once."""
    assert demo.state("demo").posts_index.build_gate.is_set()
    starting = Onbrand(Store(demo.store.path), demo.encoder)
    starting.hold_index_builds()
    gate = starting.state("demo").posts_index.build_gate
    assert gate is not None and not gate.is_set()
    starting.release_index_builds()
    assert gate.is_set()


def test_a_full_disk_is_a_storage_error_and_the_store_stays_whole(tmp_path: Path) -> None:
    """SQLite's own SQLITE_FULL (a page limit stands in for the disk), in the middle
    of a transaction: one clear error, the transaction rolled back, the store usable."""
    store = Store(tmp_path / "x.sqlite3")
    bid = store.brand_id("default")
    pages = store._q("PRAGMA page_count")[0][0]
    store._q(f"PRAGMA max_page_count={pages + 2}")
    full = "^the disk is full: could not write .*x.sqlite3"
    with pytest.raises(StorageError, match=full), store.transaction() as db:
        store.insert_post(db, bid, "A post that fits.", None, None, None, "t")
        store.insert_post(db, bid, "A long post. " * 5000, None, None, None, "t")
    assert store.count_posts("default") == 0 and store.integrity_ok()
    store._q("PRAGMA max_page_count=1073741823")
    with store.transaction() as db:
        store.insert_post(db, bid, "A post that fits.", None, None, None, "t")
    assert store.count_posts("default") == 1


def test_damage_found_after_the_open_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    store = Store(path)
    bid = store.brand_id("default")
    with store.transaction() as db:
        for i in range(2000):
            store.insert_post(db, bid, f"Post {i} " + "x" * 300, None, None, None, "t")
    store.close()
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(StorageError, match="is not a valid onbrand database") as err:
        Store(path).list_posts("default", limit=5000)
    assert "\n" not in str(err.value)
