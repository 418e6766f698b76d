"""Brand backup: `onbrand export` and `onbrand import-brand` round-trip a brand
exactly, `onbrand brands remove` removes everything of it, and a bad backup
changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from agent import metrics
from agent.cli.main import main
from agent.core import Onbrand, OnbrandError
from agent.store import Store

DRAFTS = [
    ("We're thrilled to announce our game-changing new range! #blessed", "linkedin", None),
    ("Our Leeds workshop now repairs 40 boots a day, up from 25 in March.", "x", None),
    ("I think the competition is a joke, honestly.", "mastodon", "What do you make of rivals?"),
]


def _analyses(core: Onbrand) -> list[dict[str, Any]]:
    """Full results, but for how long each step took."""
    out = [core.analyze(t, p, "demo", r) for t, p, r in DRAFTS]
    for r in out:
        r.pop("timings_ms", None)
    return out


def _rows(store: Store) -> dict[str, int]:
    """Row counts of every table that holds a brand's data."""
    tables = [
        "brands", "posts", "vectors", "post_style", "post_scores", "guideline_docs",
        "passages", "rules", "goals", "voice_versions", "voice_fits", "sessions",
        "post_stats",
    ]  # fmt: skip
    return {t: store._q(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}


@pytest.fixture
def rich_demo(demo: Onbrand) -> Onbrand:
    """The demo brand with goals, a scored approved post, an ignored rule (when
    the store has them) and a second brand beside it."""
    metrics.set_goal(demo.store, "demo", "posts_per_week", 3, "linkedin")
    metrics.set_goal(demo.store, "demo", "min_specificity", 3, None)
    shop = demo.approve("Our Leeds shop fixed 1,200 pairs of boots in May.", "x", brand="demo")
    demo.store.set_post_stats(shop["post_id"], 48, 3, None)  # engagement goes with it
    if hasattr(demo, "ignore_rule"):
        demo.ignore_rule("hype-words", True, "demo")
    demo.store.ensure_brand("other")
    demo.approve("A post of another brand, kept apart.", "x", brand="other")
    return demo


def test_export_remove_import_gives_identical_analyses(rich_demo: Onbrand, tmp_path: Path) -> None:
    core = rich_demo
    before = _analyses(core)
    dump_before = core.store.brand_dump("demo")
    ignored_before = core.store.ignored_rules("demo")
    rows_before = _rows(core.store)
    file = tmp_path / "demo.json"

    r = core.export_brand("demo", file)
    assert r["posts"] == len(dump_before["posts"]) > 50 and r["goals"] == 2
    doc = json.loads(file.read_text(encoding="utf-8"))
    assert file.stat().st_mode & 0o777 == 0o600
    assert doc["format"] == "onbrand-brand-backup" and doc["rules"]["name"] == "rules.toml"
    assert all(p["posted_at"] and p["platform"] for p in doc["posts"][:5])

    removed = core.remove_brand("demo")
    assert removed["posts"] == r["posts"]
    with pytest.raises(OnbrandError, match="unknown brand"):
        core.resolve_brand("demo")
    gone = _rows(core.store)
    assert gone["brands"] == rows_before["brands"] - 1
    # only the other brand's post (and the models' vectors of it) remain
    assert gone["posts"] == 1 and gone["passages"] == gone["rules"] == gone["goals"] == 0
    assert gone["post_stats"] == 0 and rows_before["post_stats"] == 1
    assert gone["vectors"] == 1 and gone["post_style"] == 1
    assert core.store.get_meta("active_brand") is None

    restored = core.import_brand(file)
    assert restored["posts"] == r["posts"]
    assert core.active_brand() == "demo"  # it was active before; no other one was chosen
    assert core.store.brand_dump("demo") == dump_before
    assert core.store.ignored_rules("demo") == ignored_before
    assert _analyses(core) == before
    # and a fresh process reading the store answers the same
    fresh = Onbrand(Store(core.store.path), core.encoder)
    assert _analyses(fresh) == before
    # exporting again gives the same file but for its date
    again = tmp_path / "again.json"
    core.export_brand("demo", again)
    a, b = json.loads(file.read_text()), json.loads(again.read_text())
    a.pop("exported_at"), b.pop("exported_at")
    assert a == b


def test_import_under_another_name_and_refusing_an_existing_brand(
    rich_demo: Onbrand, tmp_path: Path
) -> None:
    file = tmp_path / "demo.json"
    rich_demo.export_brand("demo", file)
    with pytest.raises(OnbrandError, match=r"brand demo already exists; remove it first"):
        rich_demo.import_brand(file)
    r = rich_demo.import_brand(file, "demo-copy")
    copy, orig = rich_demo.store.brand_dump("demo-copy"), rich_demo.store.brand_dump("demo")
    assert [p["text"] for p in copy["posts"]] == [p["text"] for p in orig["posts"]]
    assert copy["voice_history"] == orig["voice_history"] and r["brand"] == "demo-copy"
    # new ids where the originals are taken, same answers
    assert copy["posts"][0]["id"] != orig["posts"][0]["id"]
    assert (
        rich_demo.analyze(*DRAFTS[1][:2], "demo-copy")["scores"]
        == rich_demo.analyze(*DRAFTS[1][:2], "demo")["scores"]
    )


def _break(doc: dict[str, Any], how: str) -> None:
    if how == "post_text":
        doc["posts"][-1]["text"] = 42
    elif how == "platform":
        doc["posts"][3]["platform"] = "myspace"
    elif how == "goal":
        doc["goals"][0]["kind"] = "likes"
    elif how == "rules":
        doc["rules"]["source"] = "[[rule]]\nkind = 'nope'\n"
    elif how == "duplicate":
        doc["posts"].append(dict(doc["posts"][0]))
    elif how == "version":
        doc["version"] = 99
    elif how == "likes":
        doc["posts"][2]["likes"] = -4


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("post_text", "posts[-1].text must be text"),
        ("platform", "posts[3].platform is not a platform"),
        ("goal", "goals[0].kind is not a goal kind"),
        ("rules", "rules.source is not valid"),
        ("duplicate", "repeats an earlier post"),
        ("version", "upgrade onbrand"),
        ("likes", "posts[2].likes must be 0 or more"),
    ],
)
def test_a_bad_backup_changes_nothing(
    rich_demo: Onbrand, tmp_path: Path, how: str, message: str
) -> None:
    file = tmp_path / "demo.json"
    rich_demo.export_brand("demo", file)
    rich_demo.remove_brand("demo")
    doc = json.loads(file.read_text())
    _break(doc, how)
    if how == "post_text":
        message = f"posts[{len(doc['posts']) - 1}].text must be text"
    file.write_text(json.dumps(doc))
    rows = _rows(rich_demo.store)
    with pytest.raises(OnbrandError) as err:
        rich_demo.import_brand(file)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert _rows(rich_demo.store) == rows


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an onbrand backup (not JSON)"),
        (b'{"format": "onbrand-brand-backup", "version": 1, "brand": {"id": 1', "not JSON"),
        (b"\x00\x01binary", "not JSON"),
        (b'{"posts": []}', "is not an onbrand backup; make one with `onbrand export"),
    ],
)
def test_files_that_are_not_backups(
    core: Onbrand, tmp_path: Path, content: bytes, message: str
) -> None:
    file = tmp_path / "x.json"
    file.write_bytes(content)
    with pytest.raises(OnbrandError, match=re.escape(message)):
        core.import_brand(file)
    assert [b["name"] for b in core.store.brands()] == ["default"]


def test_a_failure_inside_the_write_rolls_everything_back(
    rich_demo: Onbrand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.config import StorageError

    file = tmp_path / "demo.json"
    rich_demo.export_brand("demo", file)
    rich_demo.remove_brand("demo")
    rows = _rows(rich_demo.store)

    def disk_full(*a: Any) -> None:
        raise StorageError("the disk is full: could not write x; free some space and try again")

    monkeypatch.setattr(rich_demo.store, "put_ignored_rules", disk_full)  # the last write
    with pytest.raises(OnbrandError, match="the disk is full"):
        rich_demo.import_brand(file)
    assert _rows(rich_demo.store) == rows
    with pytest.raises(OnbrandError, match="unknown brand"):
        rich_demo.resolve_brand("demo")


def test_cli_round_trip_and_confirmation(
    rich_demo: Onbrand, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rich_demo.store.close()
    file = tmp_path / "b.json"
    assert main(["export", "demo", str(file)]) == 0
    assert "exported brand demo to" in capsys.readouterr().out
    # no terminal to ask: refused, nothing removed
    assert main(["brands", "remove", "demo"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("Add --yes to confirm (no terminal to ask)") and "\n" not in err
    assert main(["brands", "remove", "demo", "--yes"]) == 0
    assert capsys.readouterr().out.startswith("removed brand demo and its")
    assert main(["brands", "remove", "demo", "--yes"]) == 2
    assert "unknown brand 'demo'" in capsys.readouterr().err
    assert main(["import-brand", str(file)]) == 0
    assert "restored brand demo from" in capsys.readouterr().out
    assert main(["export", "demo", str(tmp_path / "no" / "such" / "dir.json")]) == 2
    assert "choose a folder you can write" in capsys.readouterr().err
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_brand_removed_by_another_process_is_unknown_here_at_once(tmp_path: Path) -> None:
    """The CLI's `brands remove` runs beside the agent: the agent's store, which knew
    the brand's id, says the brand is unknown (a one-line error), and does not write
    rows for the id that is gone (SQLite refused them with a foreign-key error)."""
    from agent.store import StoreError

    agent_store = Store(tmp_path / "onbrand.sqlite3")
    agent_store.ensure_brand("kopi")
    agent_store.brand_id("kopi")  # known, and kept in memory
    cli_store = Store(tmp_path / "onbrand.sqlite3")
    cli_store.remove_brand("kopi")
    cli_store.close()
    with pytest.raises(StoreError, match="unknown brand 'kopi'"):
        agent_store.brand_id("kopi")
    again = Store(tmp_path / "onbrand.sqlite3")
    again.ensure_brand("kopi")  # made again by another process: found at once
    fresh = again.brand_id("kopi")
    again.close()
    assert agent_store.brand_id("kopi") == fresh
    agent_store.close()
