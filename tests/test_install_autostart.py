"""Start at login: the systemd unit, launchd plist and scheduled-task XML that
`onbrand setup` writes, and setup, uninstall and doctor around them."""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent import autostart
from agent.cli.main import main

TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


class FakeSystem:
    """Stands in for systemctl, launchctl and schtasks: records each call and
    answers with `returncode`."""

    def __init__(self, returncode: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.returncode = returncode

    def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        return subprocess.CompletedProcess(list(args), self.returncode, "", "Access denied")


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def _unit_fields(text: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line:
            key, value = line.split("=", 1)
            fields.setdefault(f"{section}.{key}", []).append(value)
    return fields


def test_systemd_unit_runs_this_python_with_the_agents_env() -> None:
    unit = autostart.systemd_unit(
        ["/opt/my apps/py%1", "-m", "agent", "serve"], {"ONBRAND_HOME": '/d/"x"'}
    )
    f = _unit_fields(unit)
    assert f["Service.ExecStart"] == ['"/opt/my apps/py%%1" "-m" "agent" "serve"']
    assert f["Service.Environment"] == ['"ONBRAND_HOME=/d/\\"x\\""']
    assert f["Service.Restart"] == ["on-failure"]
    assert f["Install.WantedBy"] == ["default.target"]
    assert f["Unit.StartLimitBurst"] == ["5"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not here")
def test_installed_unit_passes_systemd_analyze_verify(
    xdg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Python path with a space and a % checks the quoting against systemd itself.
    odd = tmp_path / "my apps" / "py%thon"
    odd.parent.mkdir()
    odd.symlink_to(sys.executable)
    monkeypatch.setattr(autostart, "serve_command", lambda: [str(odd), "-m", "agent", "serve"])
    fake = FakeSystem()
    out = autostart.install("systemd", run=fake)
    unit = xdg / "systemd" / "user" / "onbrand.service"
    assert out.path == unit and out.loaded and unit.is_file()
    assert fake.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "onbrand.service"],
    ]
    r = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
    # and a unit that names a missing program is refused: the check has teeth
    unit.write_text(unit.read_text().replace(str(odd).replace("%", "%%"), "/nonexistent/py"))
    r = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode != 0


def test_install_that_the_system_refuses_says_the_command(xdg: Path) -> None:
    out = autostart.install("systemd", start_now=False, run=FakeSystem(returncode=1))
    assert not out.loaded and out.path.is_file()
    assert "failed (Access denied)" in out.message
    assert out.message.endswith(
        "load it by hand: systemctl --user daemon-reload && systemctl --user enable onbrand.service"
    )


def test_uninstall_stops_and_removes(xdg: Path) -> None:
    autostart.install("systemd", run=FakeSystem())
    fake = FakeSystem()
    out = autostart.uninstall("systemd", run=fake)
    assert out is not None and not out.path.exists()
    assert fake.calls == [
        ["systemctl", "--user", "disable", "--now", "onbrand.service"],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert autostart.uninstall("systemd", run=fake) is None
    assert autostart.installed("systemd") is None


def test_enabled_asks_systemd() -> None:
    class Says(FakeSystem):
        def __init__(self, code: int, out: str) -> None:
            super().__init__(code)
            self.out = out

        def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
            self.calls.append(list(args))
            return subprocess.CompletedProcess(list(args), self.returncode, self.out, "")

    assert autostart.enabled("systemd", Says(0, "enabled\n")) is True
    assert autostart.enabled("systemd", Says(1, "disabled\n")) is False
    assert autostart.enabled("systemd", Says(1, "")) is None  # no user session to ask
    assert autostart.enabled("launchd", Says(0, "")) is None


def test_launchd_plist(tmp_path: Path) -> None:
    raw = autostart.launchd_plist(
        ["/Users/a b/.local/pipx/venvs/onbrand/bin/python", "-m", "agent", "serve"],
        {"ONBRAND_HOME": "/Users/a b/onbrand"},
        tmp_path,
    )
    spec = plistlib.loads(raw)
    assert spec["Label"] == "com.onbrand.agent"
    assert spec["ProgramArguments"][1:] == ["-m", "agent", "serve"]
    assert spec["ProgramArguments"][0].startswith("/Users/a b/")
    assert spec["RunAtLoad"] is True
    assert spec["KeepAlive"] == {"SuccessfulExit": False}
    assert spec["EnvironmentVariables"] == {"ONBRAND_HOME": "/Users/a b/onbrand"}
    assert spec["StandardErrorPath"] == str(tmp_path / "agent.log")
    assert raw.startswith(b"<?xml") and b"<!DOCTYPE plist" in raw


def test_launchd_install_replaces_a_loaded_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fake = FakeSystem()
    out = autostart.install("launchd", run=fake)
    assert out.path == tmp_path / "home" / "Library" / "LaunchAgents" / "com.onbrand.agent.plist"
    assert plistlib.loads(out.path.read_bytes())["Label"] == "com.onbrand.agent"
    assert [c[:2] for c in fake.calls] == [["launchctl", "bootout"], ["launchctl", "bootstrap"]]
    assert fake.calls[1][3] == str(out.path)


def test_an_agent_already_running_is_not_started_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fake = FakeSystem()
    out = autostart.install("launchd", start_now=False, run=fake)
    assert out.loaded and out.path.is_file() and fake.calls == []  # loaded at next login
    out = autostart.install("task", start_now=False, run=fake)
    assert [c[:2] for c in fake.calls] == [["schtasks", "/Create"]]
    fake.calls.clear()
    autostart.install("task", run=fake)
    assert [c[:2] for c in fake.calls] == [["schtasks", "/Create"], ["schtasks", "/Run"]]


def test_windows_task_xml() -> None:
    cmd = [r"C:\Users\A&B\pipx\venvs\onbrand\Scripts\pythonw.exe", "-m", "agent", "serve"]
    xml = autostart.task_xml(cmd, r"PC\A&B")
    root = ET.fromstring(xml.encode("utf-16"))
    assert root.tag == "{" + TASK_NS["t"] + "}Task"
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=TASK_NS) == cmd[0]
    assert root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=TASK_NS) == "-m agent serve"
    logon = root.find("t:Triggers/t:LogonTrigger", TASK_NS)
    assert logon is not None
    assert logon.findtext("t:UserId", namespaces=TASK_NS) == r"PC\A&B"
    assert root.findtext("t:Settings/t:ExecutionTimeLimit", namespaces=TASK_NS) == "PT0S"
    assert (
        root.findtext("t:Principals/t:Principal/t:RunLevel", namespaces=TASK_NS) == "LeastPrivilege"
    )


def test_windows_definition_is_utf16_for_schtasks() -> None:
    raw = autostart.definition("task")
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # the BOM schtasks wants
    assert ET.fromstring(raw).find("t:Actions", TASK_NS) is not None


def test_kinds() -> None:
    assert [autostart.system_kind(p) for p in ("linux", "darwin", "win32", "freebsd14")] == [
        "systemd",
        "launchd",
        "task",
        None,
    ]


def test_setup_uninstall_and_doctor(
    xdg: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONBRAND_ENCODER", "torch")  # no ONNX build in the fast tier
    fake = FakeSystem()
    monkeypatch.setattr(autostart, "_run", fake)
    assert main(["setup"]) == 0
    out = capsys.readouterr().out
    assert "loading the demo brand" in out and "onbrand pair" in out
    unit = xdg / "systemd" / "user" / "onbrand.service"
    assert unit.read_bytes() == autostart.definition("systemd")
    assert f'"ONBRAND_HOME={os.environ["ONBRAND_HOME"]}"' in unit.read_text()
    assert ["systemctl", "--user", "enable", "--now", "onbrand.service"] in fake.calls

    assert main(["doctor", "--json"]) == 1  # no agent runs, the extension never paired
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["start at login"]["ok"] and checks["brand"]["ok"]
    assert not checks["agent"]["ok"]
    assert checks["agent"]["fix"].startswith("systemctl --user start onbrand")
    assert checks["extension"]["fix"].startswith("onbrand pair")

    # a second setup finds the brand and does not load the demo again
    assert main(["setup", "--no-autostart"]) == 0
    assert "loading the demo brand" not in capsys.readouterr().out

    assert main(["uninstall"]) == 0
    out = capsys.readouterr().out
    assert not unit.exists() and "removed start-at-login" in out
    assert f"rm -rf '{os.environ['ONBRAND_HOME']}'" in out
    assert main(["doctor", "--json"]) == 1
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["start at login"]["fix"] == "onbrand setup"
