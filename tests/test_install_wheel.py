"""The product install: the wheel, built from this checkout, installed into a
fresh venv outside it the way README's install commands do (torch's CPU build
first, no CUDA), then `onbrand setup --no-autostart`, `check`, `serve` and a
websocket round trip through the installed package. Only the package index
is used (pip's configured one: on CI a local mirror)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.agent_server import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

ROUND_TRIP = textwrap.dedent(
    """
    import asyncio, json, sys
    from agent.service.auth import Auth
    from agent.service.client import connect

    async def main():
        async with connect() as c:  # the port `onbrand serve` remembered
            token = await c.pair(Auth().new_code(), "wheel-test")
        async with connect() as c:
            welcome = await c.hello(token, "wheel-test")
            await c.analyze("d1", 1, sys.argv[1], platform="linkedin")
            frame = await c.expect("analysis")
        print(json.dumps({"welcome": welcome, "result": frame["result"]}))

    asyncio.run(main())
    """
)


def _run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 900):
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{cmd}: {r.stdout}\n{r.stderr}"
    return r


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    t0 = time.monotonic()
    work = tmp_path / "elsewhere"  # cwd outside the checkout: `agent` must come from the venv
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "ONBRAND_ENCODER")
    }
    env["ONBRAND_HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")

    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        env,
        work,
    )
    (wheel,) = dist.glob("onbrand-*-py3-none-any.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], env, work)
    py, onbrand = venv / "bin" / "python", venv / "bin" / "onbrand"
    # README's route: the CPU build of torch first (here pip's index holds it), then onbrand.
    _run([str(py), "-m", "pip", "install", "-q", "torch==2.13.0"], env, work)
    _run([str(py), "-m", "pip", "install", "-q", str(wheel)], env, work)
    t_install = time.monotonic() - t0
    listed = _run([str(py), "-m", "pip", "list", "--format=json"], env, work).stdout
    names = {p["name"].lower(): p["version"] for p in json.loads(listed)}
    assert names["torch"].endswith("+cpu") or sys.platform != "linux"
    assert not [n for n in names if n.startswith("nvidia-")], "a CUDA build was pulled"
    where = _run([str(py), "-c", "import agent; print(agent.__file__)"], env, work).stdout
    assert str(venv) in where

    r = _run([str(onbrand), "setup", "--no-autostart"], env, work)
    assert "demo brand:" in r.stdout and "start at login: skipped" in r.stdout
    assert "encoder: onnx-int8" in r.stdout
    assert not (tmp_path / "xdg" / "systemd").exists()

    r = _run(
        [str(onbrand), "check", "We're thrilled to announce a game-changing synergy!", "--json"],
        env,
        work,
    )
    result = json.loads(r.stdout)
    assert result["brand"] == "demo" and result["verdict"]

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        agent = subprocess.Popen(
            [str(onbrand), "serve", "--port", str(port)],
            env=env,
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while "listening" not in log.read_text():
            assert agent.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        r = _run(
            [str(py), "-c", ROUND_TRIP, "Our Leeds workshop repaired 1,200 boots in May."],
            env,
            work,
            timeout=120,
        )
        frame = json.loads(r.stdout)
        assert frame["welcome"]["brand"] == "demo"
        assert frame["result"]["brand"] == "demo" and "scores" in frame["result"]
        doctor = subprocess.run(
            [str(onbrand), "doctor", "--json"],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
        )
        checks = {c["check"]: c["ok"] for c in json.loads(doctor.stdout)}
        assert checks["agent"] and checks["fast encoder"] and checks["brand"]
        assert checks["extension"]  # the round trip paired a client
    finally:
        agent.terminate()
        agent.wait(30)
    print(f"wheel install {t_install:.0f} s, whole test {time.monotonic() - t0:.0f} s")
