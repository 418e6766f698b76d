"""kill -9 at random moments during import, approve and retrain: no acknowledged
post is lost, SQLite stays sound, and the next start is consistent with the store.

These tests are about storage and process life, so the agent runs with a fast
stand-in encoder (tests/fake_agent.py); scoring tests use the real model."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets

from agent.core import Onbrand
from agent.service.auth import Auth
from agent.service.client import AgentError, connect
from agent.store import Store
from tests.agent_server import free_port
from tests.conftest import ROOT
from tests.fake_agent import HashEncoder

pytestmark = pytest.mark.slow


def env(home: Path, delay: float = 0.002) -> dict[str, str]:
    # The stand-in encoder replaces every backend; naming one keeps `serve` from
    # building the real ONNX model first.
    return {
        **os.environ,
        "ONBRAND_HOME": str(home),
        "FAKE_ENCODER_DELAY": str(delay),
        "ONBRAND_ENCODER": "torch",
    }


def fake(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.fake_agent", *args]


def consistent(home: Path, brand: str = "default") -> Onbrand:
    """Open the store as a new agent would and check everything derived from it."""
    store = Store(home / "onbrand.sqlite3")
    assert store.integrity_ok()
    core = Onbrand(store, HashEncoder())
    state = core.state(brand)
    post_ids = set(store.post_texts(brand))
    assert set(state.posts_index.ids()) == post_ids
    assert state.voice.n_posts == len(post_ids)
    assert not store.missing_vectors("post", brand, core.encoder.identity.key)
    return core


def kill_after(cmd: list[str], home: Path, delay: float, **kw: object) -> int | None:
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw
    )  # type: ignore[call-overload]
    try:
        proc.wait(delay)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        return None


def test_kill_during_import_keeps_each_file_whole(onbrand_home: Path, tmp_path: Path) -> None:
    rng = random.Random(7)
    outcomes = []
    for i in range(8):
        f = tmp_path / f"batch{i}.txt"
        f.write_text(
            "\n\n".join(
                f"F{i}X post {j}: we repaired {j * 3 + i} packs in shop {j % 40}."
                for j in range(400)
            )
        )
        rc = kill_after(fake("import", str(f)), onbrand_home, rng.uniform(0.3, 2.5))
        store = Store(onbrand_home / "onbrand.sqlite3")
        n = sum(1 for t in store.post_texts("default").values() if t.startswith(f"F{i}X "))
        store.close()
        assert n in (0, 400), f"file {i} half-imported: {n} rows"
        if rc == 0:
            assert n == 400  # acknowledged: the command printed its summary and exited
        outcomes.append(n)
        consistent(onbrand_home)
    assert 0 in outcomes or 400 in outcomes


def test_kill_during_retrain_then_restart(onbrand_home: Path, tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text("\n\n".join(f"Post {j}: shop {j % 61} fixed {j} packs." for j in range(3000)))
    subprocess.run(
        fake("import", str(f)),
        cwd=ROOT,
        env=env(onbrand_home, 0),
        check=True,
        capture_output=True,
        timeout=120,
    )
    rng = random.Random(3)
    for _ in range(5):
        kill_after(fake("retrain"), onbrand_home, rng.uniform(0.5, 4.0))
        core = consistent(onbrand_home)
        assert core.store.count_posts("default") == 3000
        core.store.close()
    r = subprocess.run(
        fake("retrain"),
        cwd=ROOT,
        env=env(onbrand_home, 0),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "retrained default: 3000 posts" in r.stdout
    core = consistent(onbrand_home)
    assert not [
        k
        for k in ("retrain:default",)
        if any(m.startswith(k) for m in [r[0] for r in core.store._q("SELECT key FROM meta")])
    ]


async def approve_until_killed(port: int, token: str, tag: str, acked: dict[int, str]) -> None:
    """Approve posts one after another, recording each acknowledged one, until
    the agent disappears."""
    async with connect(port) as c:
        await c.hello(token)
        n = 0
        while True:
            text = f"{tag} approval {n}: shop {n % 9} opened on day {n}."
            try:
                r = await c.approve(text, platform="x")
            except (TimeoutError, AgentError, OSError, websockets.exceptions.ConnectionClosed):
                return
            acked[r["post_id"]] = text
            n += 1


async def kill_while_approving(
    proc: subprocess.Popen[bytes],
    port: int,
    token: str,
    tag: str,
    acked: dict[int, str],
    after: float,
) -> None:
    task = asyncio.create_task(approve_until_killed(port, token, tag, acked))
    await asyncio.sleep(after)
    proc.send_signal(signal.SIGKILL)
    await asyncio.wait_for(task, 30)


def wait_healthy(port: int, log: Path) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"agent did not start; its output:\n{log.read_text(errors='replace')}")


def test_kill_during_approvals_loses_no_acknowledged_post(onbrand_home: Path) -> None:
    Store(onbrand_home / "onbrand.sqlite3").close()
    token = Auth().issue_token("crash-test")
    acked: dict[int, str] = {}
    rng = random.Random(11)
    for round_ in range(4):
        port = free_port()
        log = onbrand_home / f"agent-{round_}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                fake("serve", "--port", str(port)),
                cwd=ROOT,
                env=env(onbrand_home, 0.001),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_healthy(port, log)
            asyncio.run(
                kill_while_approving(
                    proc, port, token, f"Round {round_}", acked, rng.uniform(0.5, 2.0)
                )
            )
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(30)
        core = consistent(onbrand_home)
        texts = core.store.post_texts("default")
        missing = {i: t for i, t in acked.items() if texts.get(i) != t}
        assert not missing, f"acknowledged approvals lost: {list(missing)[:5]}"
        core.store.close()
    assert len(acked) > 20


def test_sigterm_stops_a_busy_agent(onbrand_home: Path) -> None:
    """SIGTERM stops the agent within 5 s even while it analyses, and the store
    stays sound (docs/security.md)."""
    Store(onbrand_home / "onbrand.sqlite3").close()
    token = Auth().issue_token("sigterm-test")
    port = free_port()
    log = onbrand_home / "agent.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            fake("serve", "--port", str(port)),
            cwd=ROOT,
            env=env(onbrand_home, 0.05),  # a slow encoder: the agent is busy
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(port, log)

        async def busy() -> None:
            async with connect(port) as c:
                await c.hello(token)
                for i in range(20):
                    await c.analyze(f"d{i}", 1, f"draft {i} about our Salem shop " * 30)
                await asyncio.sleep(0.3)
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(Exception):
                    await c.recv(timeout=10)

        asyncio.run(busy())
        assert proc.wait(5) is not None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    consistent(onbrand_home)
