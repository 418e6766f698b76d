"""`onbrand kit`: share a brand between writers through a git repository
(agent/kit.py, docs/kit.md)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.cli.common import CLIError, open_core, safe


def _run(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from agent.kit import KitError

    try:
        return fn()
    except KitError as exc:
        raise CLIError(str(exc)) from None


def cmd_kit(args: argparse.Namespace) -> int:
    from agent import kit

    core = open_core()
    if args.action == "init":
        if not args.dir:
            raise CLIError("name the kit's folder: onbrand kit init DIR --brand NAME")
        r = _run(lambda: kit.init(core, Path(args.dir), args.brand))
        said = (
            f"kit of brand {r['brand']} written to {r['folder']}: {r['posts']} posts "
            f"(this machine writes as {r['writer']}). Add a remote (`git -C {r['folder']} "
            "remote add origin URL`) and push, then others run `onbrand kit attach`."
        )
    elif args.action == "attach":
        if not args.dir:
            raise CLIError("name the kit's folder (a clone of the kit): onbrand kit attach DIR")
        r = _run(lambda: kit.attach(core, Path(args.dir), args.brand))
        said = (
            f"brand {r['brand']} follows the kit in {r['folder']}: {r['added']} posts added, "
            f"{r['withdrawn']} withdrawn, {r['posts']} in all."
        )
    elif args.action == "schedule":
        if args.every is None:
            raise CLIError("say how often: onbrand kit schedule [BRAND] --every 15m (or off)")
        every = _run(lambda: {"s": kit.parse_every(args.every)})["s"]
        r = _run(lambda: kit.schedule(core, args.dir or args.brand, every))
        if every is None:
            said = f"brand {r['brand']} syncs only when you run `onbrand kit sync`."
        else:
            said = (
                f"brand {r['brand']} syncs every {every // 60} min while `onbrand serve` runs"
                + (
                    ""
                    if kit.remote_is_local(r["remote"])
                    else " (not in local-only mode: its remote is not on this disk; "
                    "`onbrand serve --no-privacy` allows it)"
                )
                + "."
            )
    else:
        name = args.dir or args.brand
        r = _run(lambda: kit.sync(core, name))
        sent = r["sent"]
        said = (
            f"synced brand {r['brand']}: sent {sent['approved']} approvals and "
            f"{sent['removed']} removals; got {r['added']} new posts, {r['withdrawn']} "
            f"withdrawn{', ' + ', '.join(r['loaded']) if r['loaded'] else ''}; "
            f"{r['posts']} posts in all"
            + ("; pushed." if r["pushed"] else " (no remote: nothing pushed).")
        )
    print(json.dumps(r, ensure_ascii=False) if args.json else safe(said))
    return 0


def register(add: Any) -> None:
    sp = add("kit", cmd_kit, "share a brand through git: init, attach, sync, schedule")
    sp.add_argument("action", choices=["init", "attach", "sync", "schedule"])
    sp.add_argument("dir", nargs="?", metavar="DIR", help="the kit's folder (sync: a BRAND)")
    sp.add_argument("--brand", help="the brand (default: the active one; attach: the kit's)")
    sp.add_argument("--every", metavar="WHEN", help="schedule: 15m, 1h, ... or off")
    sp.add_argument("--json", action="store_true")
