"""The synthetic eval data of tests/eval_fixture.py is read by the real loaders
(tools/training/datasets.py, tools/training/eval_hints.py) with the counts the
quick eval needs: both classes in every labelled set, 20+ training posts per
voice group, LinkedIn authors with 50+ posts."""

from __future__ import annotations

from pathlib import Path

from tests import eval_fixture as fx
from tools.training import datasets as ds
from tools.training import eval_hints
from tools.training.eval_hints import TWCS_BRANDS, olid_targeted

MIN_TRAIN = 20  # agent.models.voice.MIN_POSTS


def test_fixture_is_read_by_the_loaders(tmp_path: Path) -> None:
    data = fx.write_eval_data(tmp_path / "data")

    pit = ds.pit(data, "test")
    assert len(pit.y) == fx.PIT_PAIRS and 0 < pit.y.sum() < len(pit.y)
    url = ds.twitter_url(data)
    assert len(url.y) == fx.URL_PAIRS and 0 < url.y.sum() < len(url.y)

    texts, scores = ds.gao(data, "test")
    assert len(texts) == fx.GAO_ROWS and scores.min() >= 1.0 and scores.max() <= 5.0
    assert scores.std() > 0.5
    assert any(t.startswith(ds.PLACE_USER) for t in texts)  # <USER> turned into a mention
    assert not any(" n't" in t or " ," in t for t in texts)  # detokenised

    texts, off = ds.olid_test(data)
    assert len(texts) == fx.OLID_NOT + fx.OLID_TIN + fx.OLID_UNT
    assert off.sum() == fx.OLID_TIN + fx.OLID_UNT
    assert len(olid_targeted(data)) == fx.OLID_TIN

    brands = ds.twcs_brands(data)
    assert set(TWCS_BRANDS) <= set(brands)
    assert all(len(rows) == fx.TWCS_POSTS for rows in brands.values())
    assert not any("@" in t or "^JK" in t for rows in brands.values() for _, t in rows)
    for train, test in ds.twcs_split(brands, 60, 20).values():  # the voice line
        assert len(train) >= MIN_TRAIN and len(test) >= 5
        assert len(set(train + test)) == len(train + test)
    for b in TWCS_BRANDS:  # the false-alarm line
        train, test = ds.twcs_split(brands, 150, 20)[b]
        assert len(train) >= MIN_TRAIN and len(test) >= 5

    sisters_train, sisters_test = ds.celebrity(data, "train"), ds.celebrity(data, "test")
    for sister in ds.SISTERS:
        assert len(sisters_train[sister]) == fx.SISTER_TRAIN >= MIN_TRAIN
        assert len(sisters_test[sister]) == fx.SISTER_TEST

    authors = eval_hints._linkedin(data)
    assert len(authors) == 3  # the author with too few posts is left out
    assert all(len(posts) == fx.LINKEDIN_POSTS >= 50 for posts in authors.values())
    assert all(len(set(posts)) == len(posts) for posts in authors.values())


def test_fixture_is_deterministic(tmp_path: Path) -> None:
    a = fx.write_eval_data(tmp_path / "a")
    b = fx.write_eval_data(tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
