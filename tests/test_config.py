"""Settings remembered: `onbrand serve --port P` (and its addresses) are saved in
the config, and every other command looks for the agent there."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.cli.service import serve_settings
from agent.config import (
    DEFAULT_PORT,
    Settings,
    StorageError,
    agent_port,
    load_settings,
    save_settings,
    settings_path,
)
from agent.core import Onbrand
from tests.agent_server import free_port, running
from tests.test_cli import onbrand


def _serve_args(*argv: str) -> argparse.Namespace:
    from agent.cli.main import build_parser

    return build_parser().parse_args(["serve", *argv])


def test_defaults_without_a_file() -> None:
    assert load_settings() == Settings(port=DEFAULT_PORT, hosts=(), allow_remote=False)
    assert agent_port() == DEFAULT_PORT
    assert agent_port(5000) == 5000


def test_round_trip_private_file() -> None:
    s = Settings(port=48000, hosts=("127.0.0.1",), allow_remote=False)
    path = save_settings(s)
    assert load_settings() == s
    assert agent_port() == 48000
    assert path.stat().st_mode & 0o777 == 0o600
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"port": 0}',
        '{"port": "47615"}',
        '{"hosts": "::1"}',
        "[1, 2]",
        '{"extension_ids": ["not-an-id"]}',
    ],
)
def test_damaged_settings_are_one_line_with_what_to_do(content: str) -> None:
    settings_path().write_text(content)
    with pytest.raises(StorageError) as err:
        load_settings()
    msg = str(err.value)
    assert "\n" not in msg and str(settings_path()) in msg and "delete it" in msg


def test_serve_keeps_what_it_was_given_and_what_was_saved() -> None:
    assert serve_settings(_serve_args()) == Settings()
    assert serve_settings(_serve_args("--port", "48001")).port == 48001
    save_settings(Settings(port=48001, hosts=("0.0.0.0",), allow_remote=True))
    # nothing given: everything saved
    assert serve_settings(_serve_args()) == Settings(48001, ("0.0.0.0",), True)
    # a new --host drops the old permission: it was given for the old address
    assert serve_settings(_serve_args("--host", "127.0.0.1")) == Settings(
        48001, ("127.0.0.1",), False
    )
    assert serve_settings(_serve_args("--loopback")) == Settings(port=48001)


def test_serve_admits_and_remembers_a_store_extension_id() -> None:
    store_id = "abcdefghijklmnopabcdefghijklmnop"
    s = serve_settings(_serve_args("--extension-id", store_id))
    assert s.extension_ids == (store_id,)
    save_settings(s)
    assert load_settings().extension_ids == (store_id,)
    assert serve_settings(_serve_args("--extension-id", store_id)).extension_ids == (store_id,)
    assert serve_settings(_serve_args("--loopback")).extension_ids == (store_id,)


def test_serve_refuses_what_is_not_an_extension_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--extension-id", "chrome-extension://xyz"]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not a Chromium extension id" in err and "\n" not in err


def test_serve_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "onbrand: --port 70000 is not a port: use a number from 1 to 65535"
    assert not settings_path().exists()


def test_pair_names_the_remembered_port(onbrand_home: Path) -> None:
    port = free_port()  # nothing listens there
    save_settings(Settings(port=port))
    r = onbrand("pair", home=onbrand_home)
    assert r.returncode == 0 and r.stdout.strip().isdigit()
    assert f"no agent answers on port {port} yet; start it with `onbrand serve`" in r.stderr
    assert f"set the port to {port} in its options page" in r.stderr
    other = free_port()
    r = onbrand("pair", "--port", str(other), home=onbrand_home)
    assert f"start it with `onbrand serve --port {other}`" in r.stderr


def test_dashboard_and_status_find_the_agent_on_the_remembered_port(
    core: Onbrand, capsys: pytest.CaptureFixture[str]
) -> None:
    with running(core) as server:
        save_settings(Settings(port=server.port))
        assert main(["dashboard", "--no-open"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"http://127.0.0.1:{server.port}/login?code=")
        assert main(["status", "--json"]) == 0
        st = json.loads(capsys.readouterr().out)
        assert st["agent"] == {"port": server.port, "running": True}
    assert main(["dashboard", "--no-open"]) == 2
    err = capsys.readouterr().err
    assert f"no agent answers on port {server.port}; start it with `onbrand serve`" in err


def test_a_serve_that_listens_remembers_its_port(onbrand_home: Path, tmp_path: Path) -> None:
    import os
    import sys
    import time

    port = free_port()
    env = {**os.environ, "ONBRAND_HOME": str(onbrand_home), "ONBRAND_ENCODER": "torch"}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "listening" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        text = log.read_text()
        assert f"listening on ws://127.0.0.1:{port}/ws" in text, text
        assert f"set the port to {port} in its options page" in text
        assert load_settings().port == port
    finally:
        proc.terminate()
        proc.wait(30)
