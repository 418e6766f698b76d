"""Start at login: the systemd user unit (Linux), the launchd agent (macOS) and
the scheduled task (Windows) that run `onbrand serve` when the user logs in.

The definitions are plain text made by pure functions (unit-tested on every
system); `install` writes one and asks the system to load it, `uninstall`
undoes both. The entry runs this very Python (`sys.executable -m agent serve`),
so a pipx or venv install starts the onbrand it was set up from, and the agent
reads its port and addresses from its settings (agent.config)."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

NAME = "onbrand"
UNIT_NAME = "onbrand.service"
LAUNCHD_LABEL = "com.onbrand.agent"
TASK_NAME = "onbrand"
DESCRIPTION = "onbrand agent: hints for social posts, from this computer"
# Variables the agent reads that a login session would not pass to it.
PASSED_ENV = ("ONBRAND_HOME", "ONBRAND_ENCODER", "ONBRAND_MODEL_CACHE")

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


class AutostartError(RuntimeError):
    """The entry could not be written or loaded: one line with what to do."""


def system_kind(platform: str | None = None) -> str | None:
    """`systemd`, `launchd`, `task`, or None where onbrand has no autostart."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        return "systemd"
    if platform == "darwin":
        return "launchd"
    if platform == "win32":
        return "task"
    return None


def serve_command(python: str | None = None) -> list[str]:
    """The command the entry runs. On Windows pythonw.exe, when it is there, so
    that no console window opens at every login."""
    python = python or sys.executable
    if sys.platform == "win32":
        windowless = Path(python).with_name("pythonw.exe")
        if windowless.exists():
            python = str(windowless)
    return [python, "-m", "agent", "serve"]


def agent_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = dict(os.environ) if environ is None else environ
    return {k: environ[k] for k in PASSED_ENV if environ.get(k)}


# -- the definitions ---------------------------------------------------------
def _systemd_quote(arg: str) -> str:
    """One ExecStart/Environment word: double-quoted with C escapes; `%` doubled
    (systemd expands %-specifiers even inside quotes)."""
    body = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{body}"'


def systemd_unit(command: Sequence[str], env: dict[str, str]) -> str:
    lines = [
        "[Unit]",
        f"Description={DESCRIPTION}",
        # A second agent on a busy port fails fast; five tries in five minutes, then
        # systemd stops retrying instead of looping all session long.
        "StartLimitIntervalSec=300",
        "StartLimitBurst=5",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_quote(a) for a in command),
    ]
    for key, value in sorted(env.items()):
        lines.append("Environment=" + _systemd_quote(f"{key}={value}"))
    lines += [
        "Restart=on-failure",
        "RestartSec=10",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def launchd_plist(command: Sequence[str], env: dict[str, str], log_dir: Path) -> bytes:
    spec: dict[str, object] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        # Restarted after a crash, not after a clean stop (`onbrand uninstall`).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "ProcessType": "Interactive",
        "StandardOutPath": str(log_dir / "agent.log"),
        "StandardErrorPath": str(log_dir / "agent.log"),
    }
    if env:
        spec["EnvironmentVariables"] = dict(sorted(env.items()))
    return plistlib.dumps(spec, sort_keys=False)


def _windows_args(args: Sequence[str]) -> str:
    return subprocess.list2cmdline(list(args))


def task_xml(command: Sequence[str], user: str) -> str:
    """A Task Scheduler 1.2 definition: at this user's logon, no elevation, no time
    limit, restarted three times after a failure. (A task cannot set environment
    variables; ONBRAND_HOME is not passed on Windows, see docs/install.md.)"""
    exe, args = command[0], _windows_args(command[1:])
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{escape(DESCRIPTION)}</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>{escape(user)}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>3</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(exe)}</Command>
      <Arguments>{escape(args)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


# -- where they go -----------------------------------------------------------
def entry_path(kind: str, environ: dict[str, str] | None = None) -> Path:
    """The file the entry is written to (for `task`: a copy of what was
    registered, kept so `doctor` can tell it is there)."""
    environ = dict(os.environ) if environ is None else environ
    home = Path(environ.get("HOME") or Path.home())
    if kind == "systemd":
        base = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        return base / "systemd" / "user" / UNIT_NAME
    if kind == "launchd":
        return home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    from agent.config import config_dir

    return config_dir() / "onbrand-task.xml"


def definition(kind: str, environ: dict[str, str] | None = None) -> bytes:
    """The bytes of the entry for this system, for this Python and environment."""
    env = agent_env(environ)
    command = serve_command()
    if kind == "systemd":
        return systemd_unit(command, env).encode("utf-8")
    if kind == "launchd":
        from agent.config import data_dir

        return launchd_plist(command, env, data_dir())
    user = os.environ.get("USERDOMAIN", "") + "\\" + os.environ.get("USERNAME", "")
    # schtasks reads task XML as UTF-16 (with its byte-order mark).
    return task_xml(command, user.strip("\\")).encode("utf-16")


# -- install, uninstall, state ----------------------------------------------
@dataclass
class Outcome:
    path: Path
    loaded: bool  # the system took it (and started the agent, when asked)
    message: str  # one line for the user


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60)


def _activate_cmds(kind: str, path: Path, start_now: bool) -> list[list[str]]:
    if kind == "systemd":
        enable = ["systemctl", "--user", "enable", UNIT_NAME]
        if start_now:
            enable.insert(3, "--now")
        return [["systemctl", "--user", "daemon-reload"], enable]
    if kind == "launchd":
        # launchd loads LaunchAgents at login by itself; bootstrap also starts it now.
        uid = str(os.getuid()) if hasattr(os, "getuid") else "0"
        return [["launchctl", "bootstrap", f"gui/{uid}", str(path)]] if start_now else []
    create = ["schtasks", "/Create", "/F", "/TN", TASK_NAME, "/XML", str(path)]
    return [create, ["schtasks", "/Run", "/TN", TASK_NAME]] if start_now else [create]


def _deactivate_cmds(kind: str, path: Path) -> list[list[str]]:
    if kind == "systemd":
        return [["systemctl", "--user", "disable", "--now", UNIT_NAME]]
    if kind == "launchd":
        uid = str(os.getuid()) if hasattr(os, "getuid") else "0"
        return [["launchctl", "bootout", f"gui/{uid}/{LAUNCHD_LABEL}"]]
    return [["schtasks", "/Delete", "/F", "/TN", TASK_NAME]]


def manual_command(kind: str, path: Path, start_now: bool = True) -> str:
    return " && ".join(" ".join(c) for c in _activate_cmds(kind, path, start_now))


def install(kind: str | None = None, start_now: bool = True, run: Runner | None = None) -> Outcome:
    """Write the entry and ask the system to load it (and start the agent now when
    `start_now`). A system tool that is missing or refuses leaves the file in
    place and says the command to run by hand."""
    kind = kind or system_kind()
    if kind is None:
        raise AutostartError(
            f"start-at-login is not supported on {sys.platform}; add `onbrand serve` to your "
            "session's startup programs, or run `onbrand setup --no-autostart`"
        )
    path = entry_path(kind)
    data = definition(kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise AutostartError(
            f"cannot write {path} ({exc.strerror or exc}); make the folder writable, or run "
            "`onbrand setup --no-autostart` and start `onbrand serve` yourself"
        ) from None
    run = run or _run
    cmds = _activate_cmds(kind, path, start_now)
    if not cmds:
        return Outcome(path, True, f"onbrand starts at login ({path})")
    tool = cmds[0][0]
    if run is _run and shutil.which(tool) is None:
        return Outcome(path, False, f"wrote {path}, but `{tool}` is not here to load it")
    if kind == "launchd":  # bootstrap refuses a label that is already loaded
        for cmd in _deactivate_cmds(kind, path):
            run(cmd)
    for cmd in cmds:
        r = run(cmd)
        if r.returncode != 0:
            why = (r.stderr or r.stdout or "").strip().splitlines()
            return Outcome(
                path,
                False,
                f"wrote {path}, but `{' '.join(cmd)}` failed ({why[-1] if why else r.returncode}); "
                f"load it by hand: {manual_command(kind, path, start_now)}",
            )
    return Outcome(path, True, f"onbrand starts at login ({path})")


def uninstall(kind: str | None = None, run: Runner | None = None) -> Outcome | None:
    """Stop and remove the entry; None when there was none."""
    kind = kind or system_kind()
    if kind is None:
        return None
    path = entry_path(kind)
    if not path.exists():
        return None
    run = run or _run
    tool = _deactivate_cmds(kind, path)[0][0]
    loaded = True
    if run is not _run or shutil.which(tool):
        for cmd in _deactivate_cmds(kind, path):
            r = run(cmd)
            loaded = loaded and r.returncode == 0
    try:
        path.unlink()
    except OSError as exc:
        raise AutostartError(
            f"cannot remove {path} ({exc.strerror or exc}); delete it by hand"
        ) from None
    if kind == "systemd" and (run is not _run or shutil.which("systemctl")):
        run(["systemctl", "--user", "daemon-reload"])  # forget the removed unit
    return Outcome(path, loaded, f"removed start-at-login ({path})")


def installed(kind: str | None = None) -> Path | None:
    """The entry's file when it is in place."""
    kind = kind or system_kind()
    if kind is None:
        return None
    path = entry_path(kind)
    return path if path.exists() else None


def enabled(kind: str, run: Runner | None = None) -> bool | None:
    """Whether the system has the entry loaded for the next login; None when it
    cannot tell (launchd and Task Scheduler: the file is the entry; systemd with no
    user session to ask)."""
    if kind != "systemd":
        return None
    run = run or _run
    if run is _run and shutil.which("systemctl") is None:
        return None
    r = run(["systemctl", "--user", "is-enabled", UNIT_NAME])
    state = (r.stdout or "").strip()
    if r.returncode == 0:
        return True
    return False if state in ("disabled", "linked", "masked", "static") else None
