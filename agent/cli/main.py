"""`onbrand`: a thin command-line shell over `agent.core.Onbrand`. The
commands live in `agent.cli.brand` (brands and posts), `agent.cli.service`
(the local agent), `agent.cli.install` (setup, uninstall, doctor) and
`agent.cli.kit` (a brand shared through git)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from agent import __version__
from agent.cli import brand, install, kit, service
from agent.cli.common import EXIT_USAGE, CLIError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="onbrand",
        description="Keep a company's social posts original, specific and in its voice.",
    )
    p.add_argument("--version", action="version", version=f"onbrand {__version__}")
    p.add_argument(
        "--encoder",
        choices=["auto", "onnx-int8", "onnx-fp32", "torch"],
        help="encoder backend (default: $ONBRAND_ENCODER, else auto: ONNX int8 when "
        "built, else the torch reference)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, fn: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(fn=fn)
        return sp

    brand.register(add)
    service.register(add)
    install.register(add)
    kit.register(add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.encoder:
        os.environ["ONBRAND_ENCODER"] = args.encoder  # read by embeddings.default_backend
    if not getattr(args, "fn", None):
        parser.print_help()
        return EXIT_USAGE
    from agent.config import StorageError
    from agent.core import OnbrandError
    from agent.store import StoreError
    from embeddings import EncoderError

    try:
        return int(args.fn(args) or 0)
    except (CLIError, OnbrandError, StoreError, StorageError, EncoderError) as exc:
        print(f"onbrand: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nonbrand: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
