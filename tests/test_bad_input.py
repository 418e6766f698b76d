"""Hostile or broken surroundings (issue #16): a full disk, a read-only data dir, a
damaged database, JSON nested 100,000 deep. Each is one line on stderr naming
the place and what to do, never a traceback, and the store stays as it was."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from agent import store as store_module
from agent.cli import service as cli_service
from agent.cli.main import main
from agent.core import Onbrand
from agent.service.auth import Auth
from agent.store import Store
from embeddings import Encoder
from tests.agent_server import free_port, running

FULL = "database or disk is full"


@pytest.fixture(autouse=True)
def torch_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    # No command here may start an ONNX build; one that needs a model reuses the
    # session's torch reference.
    monkeypatch.setenv("ONBRAND_ENCODER", "torch")
    monkeypatch.setattr(cli_service, "_load_encoder", lambda: None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`onbrand ARGS` in this process: (exit code, the one stderr line)."""
    code = main(list(args))
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return code, err[0]


def posts_in(home: Path) -> int:
    db = sqlite3.connect(home / "onbrand.sqlite3")
    try:
        return int(db.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    finally:
        db.close()


def filled_store(home: Path, n: int = 3000) -> Path:
    store = Store(home / "onbrand.sqlite3")
    bid = store.brand_id("default")
    with store.transaction() as db:
        for i in range(n):
            store.insert_post(
                db, bid, f"Post {i}: shop {i} fixed {i} wheels. " * 5, None, None, None, "t"
            )
    store.close()
    return home / "onbrand.sqlite3"


# -- import ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.jsonl", "[" * 100_000),
        ("deep.json", '{"orderedItems": ' + "[" * 100_000),
        ("tweets.js", "window.YTD.tweets.part0 = " + "[" * 100_000),
    ],
)
def test_import_of_deeply_nested_json_is_one_line(
    onbrand_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
) -> None:
    filled_store(onbrand_home, 1)
    p = tmp_path / name
    p.write_text(content)
    code, line = run(capsys, "import", str(p))
    assert code == 1  # import's own code for "this file failed" (it goes on to the next)
    assert "nested too deeply" in line and "nothing from this file was imported" in line
    assert posts_in(onbrand_home) == 1


# -- a full disk -------------------------------------------------------------


def full_disk(*a: object, **k: object) -> Any:
    raise sqlite3.OperationalError(FULL)


def test_approve_on_a_full_disk_is_one_line(
    onbrand_home: Path,
    encoder: Encoder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filled_store(onbrand_home, 1)
    monkeypatch.setattr(Store, "insert_post", staticmethod(full_disk))
    code, line = run(capsys, "approve", "The Salem shop fixed 41 wheels this week.")
    assert code == 2
    assert line.startswith("onbrand: the disk is full") and "free some space" in line
    monkeypatch.undo()
    assert posts_in(onbrand_home) == 1
    assert Store(onbrand_home / "onbrand.sqlite3").integrity_ok()


def no_space(*a: object, **k: object) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_pair_on_a_full_disk_is_one_line(
    onbrand_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", no_space)
    code, line = run(capsys, "pair", "--port", str(free_port()))
    assert code == 2
    assert line.startswith("onbrand: the disk is full") and "pairing.json" in line
    config = onbrand_home / "config"
    assert not list(config.iterdir())  # neither a code nor a half-written temporary file


def test_the_service_tells_a_full_disk_on_approve_and_pair(
    core: Onbrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = Auth().issue_token("test")
    Auth().new_code()
    with running(core) as server:

        def post(path: str, body: dict[str, Any], auth: bool = True) -> tuple[int, dict[str, Any]]:
            headers = {"Content-Type": "application/json"}
            if auth:
                headers["Authorization"] = f"Bearer {token}"
            req = urllib.request.Request(
                f"http://127.0.0.1:{server.port}{path}",
                data=json.dumps(body).encode(),
                headers=headers,
            )
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())

        monkeypatch.setattr(Store, "insert_post", staticmethod(full_disk))
        status, body = post("/api/approve", {"text": "Shop 31 opened in Bellingham today."})
        assert status == 500 and body["code"] == "internal"
        assert body["message"].startswith("the disk is full"), body
        monkeypatch.setattr(os, "fsync", no_space)
        status, body = post("/api/pair", {"code": "123456"}, auth=False)
        assert status == 500 and body["message"].startswith("the disk is full"), body
    monkeypatch.undo()
    assert core.store.count_posts("default") == 0


# -- a read-only data dir ----------------------------------------------------


def read_only_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite as it opens a database in a folder the user cannot write (tests run
    as root, for whom chmod blocks nothing)."""
    real = sqlite3.connect

    def connect(path: Any, *a: Any, **k: Any) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", *a, uri=True, **k)

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


@pytest.mark.parametrize(
    "args", [["approve", "A post."], ["serve", "--port", "47999"], ["status"], ["posts", "list"]]
)
def test_read_only_database_is_one_line(
    onbrand_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    filled_store(onbrand_home, 1)
    read_only_sqlite(monkeypatch)
    code, line = run(capsys, *args)
    assert code == 2
    assert f"in {onbrand_home}" in line and "read-only or not yours" in line
    assert "ONBRAND_HOME" in line


def test_read_only_config_dir_on_pair_is_one_line(
    onbrand_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.open
    config = onbrand_home / "config"

    def denied(path: Any, *a: Any, **k: Any) -> int:
        if str(path).startswith(str(config)):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    code, line = run(capsys, "pair", "--port", str(free_port()))
    assert code == 2
    assert f"cannot write to {config}" in line and f"chmod u+w {config}" in line


def test_data_dir_that_cannot_be_made_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "locked" / "onbrand"
    monkeypatch.setenv("ONBRAND_HOME", str(home))

    def denied(self: Path, *a: Any, **k: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    code, line = run(capsys, "status")
    assert code == 2 and f"cannot write to {home.parent}" in line


# -- a damaged database ------------------------------------------------------


@pytest.mark.parametrize("args", [["serve", "--port", "47999"], ["status"], ["posts", "list"]])
def test_garbage_database_is_one_line(
    onbrand_home: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    db = onbrand_home / "onbrand.sqlite3"
    db.write_bytes(os.urandom(20_000))
    before = db.read_bytes()
    code, line = run(capsys, *args)
    assert code == 2
    assert f"{db} is not a valid onbrand database" in line
    assert "move it aside" in line and "restore a backup" in line
    assert db.read_bytes() == before  # refused, not "repaired"


@pytest.mark.parametrize("args", [["status"], ["posts", "list"]])
def test_truncated_database_is_one_line(
    onbrand_home: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    db = filled_store(onbrand_home)
    os.truncate(db, db.stat().st_size // 2)
    code, line = run(capsys, *args)
    assert code == 2 and f"{db} is not a valid onbrand database" in line


def test_empty_database_file_is_refused_but_a_fresh_install_starts(
    onbrand_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = onbrand_home / "onbrand.sqlite3"
    db.touch()
    code, line = run(capsys, "status")
    assert code == 2
    assert f"{db} is empty (0 bytes)" in line and "restore it from a backup" in line
    assert db.stat().st_size == 0  # left as found
    db.unlink()
    assert main(["status"]) == 0  # no file at all: a fresh install
    assert db.stat().st_size > 0
