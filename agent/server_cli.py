"""CLI commands for the local service: serve, pair, tokens, watch."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import urllib.error
import urllib.request
from typing import Any

from agent.config import DEFAULT_PORT


def _agent_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    from agent.auth import Auth
    from agent.cli import CLIError
    from agent.core import Onbrand
    from agent.server import AgentServer, serve_forever

    if args.no_privacy:
        os.environ["ONBRAND_PRIVACY"] = "off"
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    hosts = tuple(args.host) if args.host else ("127.0.0.1", "::1")
    try:
        server = AgentServer(
            Onbrand(), Auth(), port=args.port, bind_hosts=hosts, allow_remote=args.allow_remote
        )
    except ValueError as exc:
        raise CLIError(str(exc)) from None

    def ready() -> None:
        print(
            f"onbrand agent listening on ws://127.0.0.1:{args.port}/ws "
            f"(privacy mode: {server.privacy})",
            flush=True,
        )
        print(
            "pair the browser extension: run `onbrand pair` and type the code "
            "into the extension's popup",
            flush=True,
        )

    try:
        asyncio.run(serve_forever(server, ready))
    except OSError as exc:
        raise CLIError(f"cannot listen on port {args.port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        print("onbrand agent stopped", file=sys.stderr)
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    from agent.auth import CODE_TTL_SECONDS, Auth

    code = Auth().new_code()
    print(code)
    print(
        f"Type this code into the onbrand extension's popup within {CODE_TTL_SECONDS // 60} "
        "minutes. It works once.",
        file=sys.stderr,
    )
    if not _agent_up(args.port):
        print(
            f"note: no agent answers on port {args.port} yet; start it with `onbrand serve`",
            file=sys.stderr,
        )
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    from agent.auth import Auth
    from agent.cli import CLIError

    auth = Auth()
    if args.action == "list":
        tokens = auth.list_tokens()
        if not tokens:
            print("no paired clients")
        for t in tokens:
            print(f"{t['id']}  {t.get('created', ''):<22} {t.get('name', '')}")
        return 0
    if not args.id:
        raise CLIError("tokens revoke needs a token ID (see `onbrand tokens list`)")
    if not auth.revoke(args.id):
        raise CLIError(f"no token with id {args.id}")
    print(f"revoked {args.id}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from agent.cli import CLIError, print_result
    from agent.client import AgentError, connect, ensure_token

    async def run() -> None:
        token = await ensure_token(args.port)
        async with connect(args.port) as c:
            welcome = await c.hello(token)
            print(
                f"connected to onbrand {welcome['agent']['version']}, brand {welcome['brand']}, "
                f"privacy {welcome['privacy']}. Type a draft and press Enter (Ctrl-D to quit).",
                file=sys.stderr,
            )
            loop = asyncio.get_running_loop()
            seq = 0
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    return
                text = line.rstrip("\n")
                if not text.strip():
                    continue
                seq += 1
                fields: dict[str, Any] = {}
                if args.platform:
                    fields["platform"] = args.platform
                if args.brand:
                    fields["brand"] = args.brand
                await c.analyze("watch", seq, text, **fields)
                frame = await c.expect("analysis")
                print_result(frame["result"])
                sys.stdout.flush()

    try:
        asyncio.run(run())
    except AgentError as exc:
        raise CLIError(str(exc)) from None
    except (TimeoutError, OSError) as exc:
        raise CLIError(f"cannot reach the agent on port {args.port}: {exc}") from None
    return 0


def register(add: Any) -> None:
    sp = add("serve", cmd_serve, "run the local agent (websocket + HTTP on 127.0.0.1)")
    sp.add_argument("--port", type=int, default=DEFAULT_PORT)
    sp.add_argument(
        "--host",
        action="append",
        help="address to listen on (default 127.0.0.1 and ::1); repeatable",
    )
    sp.add_argument(
        "--allow-remote",
        action="store_true",
        help="permit a non-loopback --host (refused in privacy mode)",
    )
    sp.add_argument(
        "--no-privacy",
        action="store_true",
        help="turn privacy mode local-only off for this run (see docs/privacy.md)",
    )
    sp.add_argument("--verbose", action="store_true")

    sp = add("pair", cmd_pair, "print a one-time 6-digit code to pair the extension")
    sp.add_argument("--port", type=int, default=DEFAULT_PORT)

    sp = add("tokens", cmd_tokens, "list or revoke paired clients")
    sp.add_argument("action", choices=["list", "revoke"])
    sp.add_argument("id", nargs="?")

    sp = add("watch", cmd_watch, "type drafts on stdin, see hints (a debugging client)")
    sp.add_argument("--port", type=int, default=DEFAULT_PORT)
    sp.add_argument("--platform")
    sp.add_argument("--brand")
