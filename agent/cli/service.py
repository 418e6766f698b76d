"""CLI commands for the local service: serve, pair, tokens, dashboard, goals, watch.

`serve` remembers its options (agent.config.Settings); the others look for the
agent on the port it remembered unless told --port."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

from agent.cli.common import CLIError, ensure_fast_encoder, open_core, print_result
from agent.config import (
    DEFAULT_PORT,
    Settings,
    StorageError,
    agent_port,
    load_settings,
    save_settings,
    valid_extension_id,
    valid_port,
)

SWITCH_INTERVAL_S = 0.001  # the GIL switch interval while serving (see cmd_serve)
START_GRACE_S = 10.0  # the longest index builds wait for the server to listen


def agent_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_hint(port: int) -> str:
    """The command that starts an agent on `port`: plain `onbrand serve` when that
    is the port it remembers."""
    return "onbrand serve" if port == load_settings().port else f"onbrand serve --port {port}"


def extension_note(port: int) -> str | None:
    """What to set in the extension when the agent is not on the port it assumes."""
    if port == DEFAULT_PORT:
        return None
    return (
        f"the extension looks for the agent on port {DEFAULT_PORT}: set the port to {port} "
        "in its options page"
    )


def serve_settings(args: argparse.Namespace) -> Settings:
    """What this `serve` runs with: each option given now, else the one saved by an
    earlier `serve`, so `onbrand serve` (and the start-at-login entry) keeps them."""
    saved = load_settings()
    if args.port is not None and not valid_port(args.port):
        raise CLIError(f"--port {args.port} is not a port: use a number from 1 to 65535")
    port = args.port if args.port is not None else saved.port
    ids = saved.extension_ids
    for ext_id in args.extension_id or ():
        if not valid_extension_id(ext_id):
            raise CLIError(
                f"--extension-id {ext_id!r} is not a Chromium extension id (32 letters a-p, "
                "as chrome://extensions shows it)"
            )
        ids = ids if ext_id in ids else (*ids, ext_id)
    if args.loopback:
        return Settings(port=port, extension_ids=ids)
    return Settings(
        port=port,
        hosts=tuple(args.host) if args.host else saved.hosts,
        allow_remote=args.allow_remote or (saved.allow_remote and not args.host),
        extension_ids=ids,
    )


def _load_encoder(store: Any = None) -> None:
    """Load the process's shared encoder (`Onbrand().encoder` then finds it): the
    one of the active brand's language, so an agent serving an Indonesian brand
    does not also hold MiniLM until an English brand needs it (docs/languages.md)."""
    from agent.language import MULTILINGUAL
    from agent.store import DEFAULT_BRAND
    from embeddings.backends import MULTILINGUAL as MULTILINGUAL_BACKEND
    from embeddings.backends import default_backend, load_encoder

    log = logging.getLogger("onbrand")
    try:
        backend = default_backend()
        if store is not None:
            active = store.get_meta("active_brand") or DEFAULT_BRAND
            if store.brand_language(active)[0] in MULTILINGUAL:
                backend = MULTILINGUAL_BACKEND
        enc = load_encoder(backend)
        log.debug("model loaded: %s", enc.identity.key)
    except Exception:  # the core meets the same error and reports it
        log.debug("early model load failed", exc_info=True)


def cmd_serve(args: argparse.Namespace) -> int:
    # One OpenBLAS thread, set before numpy loads: the agent's products are small
    # (a 10k x 384 search), and a second BLAS thread spinning beside onnxruntime's
    # makes the search's p95 several times worse (docs/speed.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from agent.service.auth import Auth

    if args.no_privacy:
        os.environ["ONBRAND_PRIVACY"] = "off"
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = serve_settings(args)
    hosts = settings.hosts or ("127.0.0.1", "::1")
    from agent.store import Store

    # The store opens first: a read-only data dir or a damaged database is told in
    # one line at once, not after the encoder's build.
    store = Store()
    if not settings.allow_remote:  # a refused bind is refused before any build
        ensure_fast_encoder(lambda m: print(m, flush=True))
    # A start overlaps its three slow parts: the model loads on one thread (the
    # session build releases the GIL), the brand and a warm-up analysis follow on
    # it, and meanwhile this thread imports the core and the web server.
    threading.Thread(target=_load_encoder, args=(store,), daemon=True, name="onbrand-model").start()
    from agent.core import Onbrand

    core = Onbrand(store)
    # A big brand's approximate index is built once the start is done: the brand
    # loaded and warmed up, and the server listening (exact search meanwhile).
    core.hold_index_builds()
    listening = threading.Event()

    def preload() -> None:
        try:
            core.preload()
        finally:
            # A draft's text steps run in Python beside the encoder
            # (Onbrand.analyze_many); with the default 5 ms switch interval the
            # encoder's thread could wait that long for the GIL to tokenise or to
            # come back from onnxruntime. A short interval helps a draft but slows a
            # start (three threads importing and loading), so it is set once the
            # start's work is done (docs/speed.md).
            sys.setswitchinterval(SWITCH_INTERVAL_S)
            listening.wait(START_GRACE_S)
            core.release_index_builds()

    threading.Thread(target=preload, daemon=True, name="onbrand-preload").start()
    from agent.service.app import AgentServer, serve_forever

    try:
        server = AgentServer(
            core,
            Auth(),
            port=settings.port,
            bind_hosts=hosts,
            allow_remote=settings.allow_remote,
            extra_origins=tuple(f"chrome-extension://{i}" for i in settings.extension_ids),
        )
    except ValueError as exc:
        raise CLIError(str(exc)) from None

    def ready() -> None:
        # Remembered once listening: a port that could not be bound is not kept.
        try:
            if settings != load_settings():
                save_settings(settings)
        except StorageError as exc:  # serving matters more than remembering
            print(f"note: the settings were not saved: {exc}", flush=True)
        print(
            f"onbrand agent listening on ws://127.0.0.1:{settings.port}/ws "
            f"(privacy mode: {server.privacy})",
            flush=True,
        )
        print(
            "pair the browser extension: run `onbrand pair` and type the code "
            "into the extension's popup",
            flush=True,
        )
        note = extension_note(settings.port)
        if note:
            print(note, flush=True)
        listening.set()

    try:
        asyncio.run(serve_forever(server, ready))
    except OSError as exc:
        raise CLIError(f"cannot listen on port {settings.port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        print("onbrand agent stopped", file=sys.stderr)
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    from agent.service.auth import CODE_TTL_SECONDS, Auth

    port = agent_port(args.port)
    code = Auth().new_code()
    print(code)
    print(
        f"Type this code into the onbrand extension's popup within {CODE_TTL_SECONDS // 60} "
        "minutes. It works once.",
        file=sys.stderr,
    )
    if not agent_up(port):
        print(
            f"note: no agent answers on port {port} yet; start it with `{start_hint(port)}`",
            file=sys.stderr,
        )
    note = extension_note(port)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    from agent.service.auth import Auth

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
    from agent.service.client import AgentError, connect, ensure_token

    port = agent_port(args.port)

    async def run() -> None:
        token = await ensure_token(port)
        async with connect(port) as c:
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
        raise CLIError(
            f"cannot reach the agent on port {port} ({exc}); start it with `{start_hint(port)}`"
        ) from None
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    import webbrowser

    from agent.service.auth import Logins

    port = agent_port(args.port)
    if not agent_up(port):
        raise CLIError(f"no agent answers on port {port}; start it with `{start_hint(port)}`")
    url = f"http://127.0.0.1:{port}/login?code={Logins().new()}"
    print(url)
    print("a one-time link, valid for 2 minutes", file=sys.stderr)
    if not args.no_open:
        webbrowser.open(url)
    return 0


def cmd_goals(args: argparse.Namespace) -> int:
    from agent import metrics

    core = open_core()
    brand = core.resolve_brand(args.brand)
    try:
        if args.action == "set":
            if not args.kind or args.target is None:
                raise CLIError("goals set needs KIND and TARGET, e.g. goals set posts_per_week 3")
            g = metrics.set_goal(core.store, brand, args.kind, args.target, args.platform)
            where = f" on {g['platform']}" if g["platform"] else ""
            print(f"goal #{g['id']}: {g['kind']}{where} = {g['target']:g} for {brand}")
        elif args.action == "remove":
            if not (args.kind or "").isdigit():
                raise CLIError("goals remove needs a goal ID (see `onbrand goals list`)")
            metrics.delete_goal(core.store, brand, int(args.kind))
            print(f"removed goal #{args.kind}")
        else:
            board = metrics.dashboard(core.store, brand)
            if not board["goals"]:
                print(f"no goals for {brand}; set one with `onbrand goals set KIND TARGET`")
            for g in board["goals"]:
                where = f" ({g['platform']})" if g["platform"] else ""
                state = {True: "met", False: "not yet", None: "no data"}[g["met"]]
                current = "-" if g["current"] is None else f"{g['current']:g}"
                print(
                    f"#{g['id']:<4} {g['kind']:<20}{where:<11} target {g['target']:<6g} "
                    f"this week {current:<6} {state}"
                )
            for r in board["reminders"]:  # the same words as the dashboard's /api/reminders
                print(f"behind: {r['message']}")
    except metrics.MetricsError as exc:
        raise CLIError(str(exc)) from None
    return 0


def register(add: Any) -> None:
    sp = add("serve", cmd_serve, "run the local agent (websocket + HTTP on 127.0.0.1)")
    sp.add_argument(
        "--port",
        type=int,
        help=f"port to listen on (default: the last one given, else {DEFAULT_PORT}); remembered",
    )
    sp.add_argument(
        "--host",
        action="append",
        help="address to listen on (default 127.0.0.1 and ::1); repeatable; remembered",
    )
    sp.add_argument(
        "--allow-remote",
        action="store_true",
        help="permit a non-loopback --host (refused in privacy mode); remembered",
    )
    sp.add_argument(
        "--extension-id",
        action="append",
        metavar="ID",
        help="also admit this Chromium extension id (a Chrome Web Store or self-hosted "
        "install); repeatable; remembered",
    )
    sp.add_argument(
        "--loopback",
        action="store_true",
        help="forget --host and --allow-remote: listen on 127.0.0.1 and ::1 again",
    )
    sp.add_argument(
        "--no-privacy",
        action="store_true",
        help="turn privacy mode local-only off for this run (see docs/privacy.md)",
    )
    sp.add_argument("--verbose", action="store_true")

    sp = add("pair", cmd_pair, "print a one-time 6-digit code to pair the extension")
    sp.add_argument(
        "--port", type=int, help="the agent port (default: the one `onbrand serve` last used)"
    )

    sp = add("tokens", cmd_tokens, "list or revoke paired clients")
    sp.add_argument("action", choices=["list", "revoke"])
    sp.add_argument("id", nargs="?")

    sp = add("dashboard", cmd_dashboard, "open the local dashboard (a one-time login link)")
    sp.add_argument(
        "--port", type=int, help="the agent port (default: the one `onbrand serve` last used)"
    )
    sp.add_argument("--no-open", action="store_true", help="print the link, do not open it")

    sp = add("goals", cmd_goals, "list, set or remove goals")
    sp.add_argument("action", nargs="?", choices=["list", "set", "remove"], default="list")
    sp.add_argument(
        "kind",
        nargs="?",
        help="posts_per_week, min_specificity, max_drift, "
        "max_minutes_per_day (for remove: the goal ID)",
    )
    sp.add_argument("target", nargs="?", type=float)
    sp.add_argument("--platform")
    sp.add_argument("--brand")

    sp = add("watch", cmd_watch, "type drafts on stdin, see hints (a debugging client)")
    sp.add_argument(
        "--port", type=int, help="the agent port (default: the one `onbrand serve` last used)"
    )
    sp.add_argument("--platform")
    sp.add_argument("--brand")
