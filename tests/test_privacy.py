"""Privacy mode local-only: no outbound connection at all, no draft on disk."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from agent.service.auth import Auth
from agent.store import Store
from tests.agent_server import free_port
from tests.conftest import ROOT

DRAFT = "ZEBRA-SECRET-DRAFT: our unreleased Brick 900 ships 3 March with 14 Sticks."


def guarded(log: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.netguard", str(log), "--", "onbrand", *args]


def test_the_guard_really_blocks(tmp_path: Path) -> None:
    log = tmp_path / "net.log"
    r = subprocess.run(guarded(log)[:-1] + ["probe"], cwd=ROOT, timeout=60)
    assert r.returncode == 0
    assert "192.0.2.1" in log.read_text()


def test_no_network_and_no_draft_on_disk(
    onbrand_home: Path, tmp_path: Path, onnx_cache: Path
) -> None:
    """The default run path (the ONNX encoder `auto` picks once it is built)."""
    env = {**os.environ, "ONBRAND_HOME": str(onbrand_home), "HF_HUB_OFFLINE": "1"}
    env.pop("ONBRAND_PRIVACY", None)  # the default must be local-only
    log = tmp_path / "net.log"
    subprocess.run(
        guarded(log, "demo", "--quiet"),
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
    )
    port = free_port()
    out = tmp_path / "serve.log"
    with out.open("w") as fh:
        proc = subprocess.Popen(
            guarded(log, "serve", "--port", str(port), "--verbose"),
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if json.loads(r.read())["ready"]:
                        break
            except OSError:
                pass
            assert time.time() < deadline, out.read_text()
            assert proc.poll() is None, out.read_text()
            time.sleep(0.3)
        token = Auth().issue_token("privacy-test")

        def post(path: str, body: dict) -> dict:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                data=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {token}"},
                method="POST",
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())

        result = post(
            "/api/analyze",
            {"text": DRAFT, "platform": "x", "reply_to": {"text": "When does the Brick 900 ship?"}},
        )["result"]
        assert result["scores"]["originality"]["value"] is not None
        assert result["model"]["encoder"]["backend"] == "onnx", result["model"]
        approved = post("/api/approve", {"text": "An approved post, stored by request."})
        assert approved["created"]
        # a full analysis over the websocket too
        import asyncio

        from agent.service.client import connect

        async def ws() -> None:
            async with connect(port) as c:
                await c.hello(token)
                await c.analyze("p", 1, DRAFT + " (ws)")
                await c.expect("analysis")

        asyncio.run(ws())
    finally:
        proc.terminate()
        proc.wait(30)
    assert not log.exists() or log.read_text() == "", (
        f"network access attempted:\n{log.read_text()}"
    )
    # drafts are never written: not in the store, the logs, or any file under the data dir
    for path in onbrand_home.rglob("*"):
        if path.is_file():
            assert b"ZEBRA-SECRET-DRAFT" not in path.read_bytes(), path
    assert "ZEBRA-SECRET-DRAFT" not in out.read_text()
    # what the user approved is stored, because they asked for it
    store = Store(onbrand_home / "onbrand.sqlite3")
    assert "An approved post, stored by request." in store.post_texts("demo").values()


@pytest.mark.parametrize("args", [["serve", "--host", "0.0.0.0", "--allow-remote"]])
def test_remote_bind_refused_in_privacy_mode(args: list[str], onbrand_home: Path) -> None:
    env = {**os.environ, "ONBRAND_HOME": str(onbrand_home)}
    r = subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "privacy" in r.stderr and "Traceback" not in r.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_and_the_config_are_the_users_alone(onbrand_home: Path) -> None:
    """0700 for the data and config dirs, 0600 for the database, its -wal and -shm
    (tests run as root, for whom the bits are still what they say)."""
    old = os.umask(0)  # the most permissive umask: the modes must not depend on it
    try:
        store = Store()
        Auth().new_code()
    finally:
        os.umask(old)
    db = onbrand_home / "onbrand.sqlite3"
    try:
        assert mode(onbrand_home) == 0o700
        assert mode(onbrand_home / "config") == 0o700
        assert mode(onbrand_home / "config" / "pairing.json") == 0o600
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert mode(p) == 0o600, p
    finally:
        store.close()


def test_an_older_install_is_made_private_when_the_store_opens(onbrand_home: Path) -> None:
    Store().close()
    db = onbrand_home / "onbrand.sqlite3"
    # An older onbrand left the folders 0755 and the files 0644, and a crash left
    # the -wal and -shm beside the database (a reader holds them open here).
    reader = sqlite3.connect(db)
    reader.execute("SELECT COUNT(*) FROM posts").fetchone()
    wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
    assert wal.exists() and shm.exists()
    for p in (onbrand_home, onbrand_home / "config"):
        p.mkdir(exist_ok=True)
        os.chmod(p, 0o755)
    for p in (db, wal, shm):
        os.chmod(p, 0o644)
    try:
        store = Store()
        Auth()
        assert mode(onbrand_home) == 0o700 and mode(onbrand_home / "config") == 0o700
        assert [mode(p) for p in (db, wal, shm)] == [0o600] * 3
        store.close()
    finally:
        reader.close()
