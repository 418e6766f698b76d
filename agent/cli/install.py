"""CLI commands that install onbrand as a product: setup (fast encoder, a brand
to start with, start at login), uninstall, and doctor (what works, what to do)."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent import autostart
from agent.cli.common import CLIError, encoder_status, ensure_fast_encoder, open_core
from agent.cli.service import agent_up, extension_note, start_hint
from agent.config import Settings, StorageError, config_dir, data_dir, load_settings, save_settings

# A pairing or activity older than this and the extension has likely lost touch.
RECENT_DAYS = 30
WATCH_CLIENT = "onbrand-watch"  # the token `onbrand watch` makes for itself


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_setup(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.port is not None and args.port != settings.port:
        if not 1 <= args.port <= 65535:
            raise CLIError(f"--port {args.port} is not a port: use a number from 1 to 65535")
        settings = Settings(args.port, settings.hosts, settings.allow_remote)
        save_settings(settings)
        _say(f"port: {settings.port} (remembered for `onbrand serve` and every other command)")
    ensure_fast_encoder(_say)
    enc = encoder_status()
    _say(f"encoder: {enc['backend']}")
    core = open_core()
    if not any(b["posts"] for b in core.store.brands()):
        _say("no brand has posts yet: loading the demo brand (Ferrow & Pine) to start with...")
        r = core.load_demo()
        _say(
            f"demo brand: {r['posts']['added']} posts, {r['guidelines']['passages']} "
            "guideline passages (import your own with `onbrand import`)"
        )
    else:
        _say(f"brands: {', '.join(b['name'] for b in core.store.brands() if b['posts'])}")
    running = agent_up(settings.port)
    if args.no_autostart:
        _say("start at login: skipped (--no-autostart); start the agent with `onbrand serve`")
    else:
        try:
            outcome = autostart.install(start_now=not running)
        except autostart.AutostartError as exc:
            raise CLIError(str(exc)) from None
        _say(outcome.message)
        if outcome.loaded and not running:
            _say(f"the agent is starting on port {settings.port}")
    _say("")
    _say("next: pair the browser extension (docs/install.md says how to install it):")
    _say("  onbrand pair      # then type the code into the extension's popup")
    note = extension_note(settings.port)
    if note:
        _say(f"  ({note})")
    _say("then `onbrand doctor` checks that every part works")
    return 0


def _data_folders() -> list[Path]:
    folders = [data_dir()]
    conf = config_dir()
    if not conf.is_relative_to(folders[0]):
        folders.append(conf)
    return folders


def cmd_uninstall(args: argparse.Namespace) -> int:
    try:
        outcome = autostart.uninstall()
    except autostart.AutostartError as exc:
        raise CLIError(str(exc)) from None
    _say(outcome.message if outcome else "start at login was not installed: nothing to remove")
    port = load_settings().port
    if agent_up(port):
        _say(f"an agent still runs on port {port}: stop it (Ctrl-C in its terminal)")
    folders = _data_folders()
    _say(f"your brands, posts and settings are kept in: {', '.join(map(str, folders))}")
    if sys.platform == "win32":
        rm = " && ".join(f'rmdir /s /q "{f}"' for f in folders)
    else:
        rm = "rm -rf " + " ".join(f"'{f}'" for f in folders)
    _say(f"to delete them too (back a brand up first: `onbrand export BRAND FILE`): {rm}")
    _say("to remove the program: pipx uninstall onbrand (or pip uninstall onbrand in its venv)")
    return 0


# -- doctor ------------------------------------------------------------------
def _check(name: str, ok: bool, detail: str, fix: str | None = None) -> dict[str, Any]:
    return {"check": name, "ok": ok, "detail": detail, "fix": None if ok else fix}


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _start_fix(port: int) -> str:
    kind = autostart.system_kind()
    if kind and autostart.installed(kind):
        return {
            "systemd": "systemctl --user start onbrand (its log: journalctl --user -u onbrand)",
            "launchd": f"launchctl kickstart gui/$(id -u)/{autostart.LAUNCHD_LABEL}",
            "task": f"schtasks /Run /TN {autostart.TASK_NAME}",
        }[kind]
    return start_hint(port)


def _age_days(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (time.time() - when.timestamp()) / 86400


def doctor_checks() -> list[dict[str, Any]]:
    from agent.service.auth import Auth
    from agent.store import Store
    from embeddings.onnx import AUTO_PRECISION, is_built

    out: list[dict[str, Any]] = []
    try:
        settings = load_settings()
        out.append(_check("settings", True, f"port {settings.port}"))
    except StorageError as exc:
        out.append(_check("settings", False, str(exc), "fix the file or delete it"))
        settings = Settings()
    port = settings.port
    up = agent_up(port)
    if up:
        out.append(_check("agent", True, f"running on port {port}"))
    elif _port_taken(port):
        out.append(
            _check(
                "agent",
                False,
                f"another program answers on port {port}",
                f"pick another port: onbrand serve --port {port + 1}",
            )
        )
    else:
        out.append(_check("agent", False, f"not running on port {port}", _start_fix(port)))
    kind = autostart.system_kind()
    entry = autostart.installed(kind) if kind else None
    if kind is None:
        out.append(_check("start at login", False, f"not supported on {sys.platform}", None))
    elif entry is None:
        out.append(_check("start at login", False, "not installed", "onbrand setup"))
    elif entry.read_bytes() != autostart.definition(kind):
        out.append(
            _check(
                "start at login",
                False,
                f"{entry} differs from what setup writes now (another install of onbrand, "
                "or other ONBRAND_* variables)",
                "onbrand setup (writes it again for this install)",
            )
        )
    elif autostart.enabled(kind) is False:
        out.append(
            _check(
                "start at login",
                False,
                f"{entry} is there but not enabled",
                "systemctl --user enable --now onbrand",
            )
        )
    else:
        out.append(_check("start at login", True, str(entry)))
    enc = encoder_status()
    built = is_built(AUTO_PRECISION)
    out.append(
        _check(
            "fast encoder",
            built,
            f"ONNX {AUTO_PRECISION} built" if built else f"not built; using {enc['backend']}",
            "onbrand model build",
        )
    )
    store = Store()
    with_posts = [b["name"] for b in store.brands() if b["posts"]]
    out.append(
        _check(
            "brand",
            bool(with_posts),
            ", ".join(with_posts) if with_posts else "no brand has approved posts",
            "onbrand demo (a demo brand), or onbrand import FILE",
        )
    )
    paired = [t for t in Auth().list_tokens() if t.get("name") != WATCH_CLIENT]
    if not paired:
        out.append(
            _check(
                "extension",
                False,
                "never paired",
                "onbrand pair, then type the code into the extension's popup",
            )
        )
    else:
        ages = [_age_days(t.get("created")) for t in paired]
        ages += [_age_days(day + "T23:59:59") for day, _, _ in store.activity()[-1:]]
        known = [a for a in ages if a is not None]
        newest = min(known) if known else None
        recent = newest is not None and newest <= RECENT_DAYS
        out.append(
            _check(
                "extension",
                recent,
                f"paired; last seen {newest:.0f} days ago"
                if newest is not None
                else "paired; never seen since",
                "if its popup says it is not paired: onbrand pair, then type the code into it",
            )
        )
    store.close()
    return out


def cmd_doctor(args: argparse.Namespace) -> int:
    checks = doctor_checks()
    if args.json:
        print(json.dumps(checks, indent=2))
    else:
        for c in checks:
            mark = "ok  " if c["ok"] else "FAIL"
            print(f"{mark} {c['check']:<15} {c['detail']}")
            if c["fix"]:
                print(f"     {'':<15} fix: {c['fix']}")
    return 0 if all(c["ok"] for c in checks) else 1


def register(add: Any) -> None:
    sp = add(
        "setup",
        cmd_setup,
        "build the fast encoder, load the demo brand if there is none, start at login",
    )
    sp.add_argument("--no-autostart", action="store_true", help="do not start at login")
    sp.add_argument("--port", type=int, help="the agent's port (remembered)")

    add("uninstall", cmd_uninstall, "remove start at login; says how to delete the data")

    sp = add("doctor", cmd_doctor, "check each part (agent, start at login, model, extension)")
    sp.add_argument("--json", action="store_true")
