"""`onbrand`: a thin command-line shell over `agent.core.Onbrand`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from agent import __version__
from agent.importers import FORMATS, PLATFORMS

EXIT_USAGE = 2


class CLIError(Exception):
    pass


def _core() -> Any:
    # Imported lazily so `onbrand --help` and `onbrand brands` start instantly.
    from agent.core import Onbrand

    return Onbrand()


class ProgressBar:
    """A one-line progress bar on stderr for long jobs; silent when not a tty
    unless the job is long, so logs stay readable."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if total < 200 and not self.tty:
            return
        if done < total and now - self.last < (0.1 if self.tty else 2.0):
            return
        self.last = now
        frac = done / total if total else 1.0
        bar = "#" * int(frac * 30)
        line = f"{self.label} [{bar:<30}] {done:,}/{total:,} {now - self.started:5.1f}s"
        self.stream.write(("\r" if self.tty else "") + line + ("" if self.tty else "\n"))
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")


def _read_text(value: str) -> str:
    if value == "-":
        data = sys.stdin.buffer.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise CLIError("standard input is not UTF-8 text") from None
    return value


def _bar(value: int | None, width: int = 20) -> str:
    if value is None:
        return " " * width
    n = round(value / 100 * width)
    return "█" * n + "·" * (width - n)


def print_result(result: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    w = textwrap.TextWrapper(width=88, initial_indent="    ", subsequent_indent="    ")
    out.write(f"verdict: {result['verdict']}\n")
    names = {
        "originality": "originality",
        "voice_drift": "voice drift",
        "specificity": "specificity",
        "risk": "risk",
    }
    for key, score in result["scores"].items():
        v = score.get("value")
        shown = "  -" if v is None else f"{v:3d}"
        out.write(f"  {names.get(key, key):<12} {shown} {_bar(v)}  {score['label']}\n")
    if result["hints"]:
        out.write("hints:\n")
        marks = {"alert": "!!", "warn": " !", "info": " ·"}
        for h in result["hints"]:
            out.write(f"  {marks[h['severity']]} {h['kind']}\n")
            out.write(w.fill(h["message"]) + "\n")
    if result["nearest"]:
        out.write("nearest approved posts:\n")
        for n in result["nearest"]:
            when = (n.get("posted_at") or "")[:10]
            snippet = n["text"].replace("\n", " ")
            snippet = snippet if len(snippet) < 90 else snippet[:87] + "..."
            out.write(
                f"  {n['similarity']:.2f}  #{n['post_id']} {n.get('platform') or ''} {when}\n"
            )
            out.write(f"        {snippet}\n")
    ms = result["timings_ms"].get("total")
    if ms is not None:
        out.write(f"({ms:.0f} ms)\n")


# -- commands ----------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    core = _core()
    st = core.status()
    st["encoder_backend"] = encoder_status()
    if args.json:
        print(json.dumps(st, indent=2))
        return 0
    from agent.config import privacy_mode

    print(f"onbrand {st['version']}")
    print(f"data dir:      {st['data_dir']}")
    print(f"database:      {st['database']} (schema {st['schema_version']})")
    print(f"privacy mode:  {privacy_mode()}")
    print(f"active brand:  {st['active_brand']}")
    print("brands:")
    for b in st["brands"]:
        print(
            f"  {b['name']:<16} {b['posts']:>6} posts  {b['passages']:>4} guideline passages  "
            f"voice model v{b['voice_model']}"
        )
    enc = st["encoder_backend"]
    print(f"encoder:       {enc['backend']} ({enc['detail']})")
    return 0


def encoder_status() -> dict[str, str]:
    """Which encoder this process would load, without loading it."""
    from embeddings.encoder import MODEL_NAME, default_backend, resolve_backend
    from embeddings.onnx import AUTO_PRECISION, build_dir

    asked = default_backend()
    backend = resolve_backend(asked)
    if backend == "torch":
        detail = f"{MODEL_NAME}, sentence-transformers reference on torch, CPU"
        if asked == "auto":
            detail += (
                f"; the faster onnx-{AUTO_PRECISION} is not built yet: `onbrand model build` "
                "(or `onbrand serve` builds it on its first start)"
            )
    else:
        detail = f"{MODEL_NAME}, ONNX Runtime on CPU, no torch; model cache {build_dir()}"
    return {"asked": asked, "backend": backend, "detail": detail}


def ensure_fast_encoder(say: Callable[[str], None]) -> None:
    """Build the ONNX encoder that "auto" picks, once, from the packaged weights
    (a subprocess that imports torch; ~30 s). Any failure leaves the torch
    reference in charge, which is slower but gives the same hints."""
    from embeddings import EncoderError
    from embeddings.encoder import AUTO, default_backend
    from embeddings.onnx import AUTO_PRECISION, ensure_built, is_built

    if default_backend() != AUTO or is_built(AUTO_PRECISION):
        return
    say(
        f"building the fast encoder (ONNX {AUTO_PRECISION}) from the packaged weights; "
        "once, about 30 s"
    )
    t0 = time.monotonic()
    try:
        ensure_built(AUTO_PRECISION)
    except EncoderError as exc:
        say(f"could not build it ({exc}); using the torch reference encoder")
        return
    say(f"fast encoder ready in {time.monotonic() - t0:.0f} s")


def cmd_model(args: argparse.Namespace) -> int:
    if args.action == "build":
        ensure_fast_encoder(lambda m: print(m, file=sys.stderr))
    enc = encoder_status()
    print(f"encoder: {enc['backend']} ({enc['detail']})")
    return 0


def cmd_brands(args: argparse.Namespace) -> int:
    core = _core()
    if args.action == "add":
        if not args.name:
            raise CLIError("brands add needs a NAME")
        core.store.ensure_brand(args.name, args.display_name)
        print(f"brand {args.name.lower()} ready")
    elif args.action == "use":
        if not args.name:
            raise CLIError("brands use needs a NAME")
        core.use_brand(args.name)
        print(f"active brand: {args.name.lower()}")
    active = core.active_brand()
    if args.action == "list":
        for b in core.store.brands():
            mark = "*" if b["name"] == active else " "
            print(f"{mark} {b['name']:<16} {b['posts']:>6} posts  {b['passages']:>4} passages")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    core = _core()
    failed = False
    for path in args.paths:
        bar = ProgressBar(f"embedding {Path(path).name}")
        try:
            s = core.import_file(Path(path), args.brand, args.format, args.platform, bar)
        except Exception as exc:  # report and go on with the next file
            bar.close()
            from agent.core import OnbrandError

            if not isinstance(exc, OnbrandError):
                raise
            print(f"onbrand: {exc} (nothing from this file was imported)", file=sys.stderr)
            failed = True
            continue
        bar.close()
        if args.json:
            print(json.dumps(s))
            continue
        print(
            f"{path}: {s['format']} -> brand {s['brand']}: {s['added']} added, "
            f"{s['duplicates']} duplicates, {len(s['rejected'])} rejected "
            f"(voice model v{s['voice_model']})"
        )
        for r in s["rejected"][:50]:
            print(f"  rejected {r['where']}: {r['reason']}")
        if len(s["rejected"]) > 50:
            print(f"  ... and {len(s['rejected']) - 50} more")
    return 1 if failed else 0


def cmd_guidelines(args: argparse.Namespace) -> int:
    s = _core().add_guidelines(Path(args.path), args.brand)
    print(f"{s['file']}: {s['passages']} passages for brand {s['brand']}")
    if s["rules"] is not None:
        print(f"rules.toml beside it: {s['rules']} rules loaded")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    s = _core().load_rules(Path(args.path), args.brand)
    print(f"{s['file']}: {s['rules']} rules for brand {s['brand']}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    reply = _read_text(args.reply_to) if args.reply_to else None
    result = _core().analyze(text, args.platform, args.brand, reply)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_result(result)
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    r = _core().approve(text, args.platform, args.url, args.brand)
    if args.json:
        print(json.dumps(r))
    else:
        what = "approved as" if r["created"] else "already approved as"
        print(f"{what} post #{r['post_id']} in {r['brand']} (voice model v{r['voice_model']})")
    return 0


def cmd_posts(args: argparse.Namespace) -> int:
    core = _core()
    if args.action == "list":
        brand = core.resolve_brand(args.brand)
        posts = core.store.list_posts(brand, args.limit, args.offset)
        if args.json:
            print(json.dumps([p.as_dict() for p in posts], indent=2))
            return 0
        for p in posts:
            snippet = p.text.replace("\n", " ")
            snippet = snippet if len(snippet) < 70 else snippet[:67] + "..."
            print(f"#{p.id:<6} {p.platform or '-':<9} {(p.posted_at or '')[:10]:<10}  {snippet}")
        return 0
    if args.id is None:
        raise CLIError(f"posts {args.action} needs an ID")
    if args.action == "show":
        post = core.store.get_post(args.id)
        if post is None:
            raise CLIError(f"no post with id {args.id}")
        if args.json:
            print(json.dumps(post.as_dict(), indent=2))
        else:
            for k, v in post.as_dict().items():
                if k != "text":
                    print(f"{k + ':':<10} {v if v is not None else '-'}")
            print(f"\n{post.text}")
        return 0
    r = core.remove_post(args.id)
    print(f"removed post #{r['post_id']} from {r['brand']} (voice model v{r['voice_model']})")
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    core = _core()
    brand = core.resolve_brand(args.brand)
    bar = ProgressBar(f"re-embedding {brand}")
    r = core.retrain(brand, bar)
    bar.close()
    print(
        f"retrained {r['brand']}: {r['posts']} posts, {r['passages']} passages "
        f"(voice model v{r['voice_model']})"
    )
    return 0


def cmd_voice(args: argparse.Namespace) -> int:
    core = _core()
    brand = core.resolve_brand(args.brand)
    for v in core.store.voice_history(brand, args.limit):
        print(f"v{v['version']:<5} {v['created_at']}  {v['n_posts']:>6} posts  {v['reason']}")
    return 0


def _demo_drafts() -> list[dict[str, Any]]:
    raw = resources.files("agent").joinpath("demo/drafts.json").read_text(encoding="utf-8")
    return json.loads(raw)


def cmd_demo(args: argparse.Namespace) -> int:
    from agent.core import DEMO_BRAND

    core = _core()
    brands = {b["name"]: b for b in core.store.brands()}
    if DEMO_BRAND not in brands or not brands[DEMO_BRAND]["posts"]:
        print("loading the demo brand (first run: embedding its posts)...")
        r = core.load_demo()
        added, passages = r["posts"]["added"], r["guidelines"]["passages"]
        print(f"demo brand: {added} posts, {passages} guideline passages")
    elif not any(b["posts"] for n, b in brands.items() if n != DEMO_BRAND):
        core.use_brand(DEMO_BRAND)
    if args.quiet:
        return 0
    for d in _demo_drafts():
        print("\n" + "=" * 88)
        print(f"{d['label']}  [{d['platform']}]")
        if d.get("reply_to"):
            print(textwrap.fill("replying to: " + d["reply_to"], 88, subsequent_indent="  "))
        print(textwrap.fill(d["text"], 88, initial_indent="> ", subsequent_indent="> "))
        print("-" * 88)
        print_result(core.analyze(d["text"], d["platform"], DEMO_BRAND, d.get("reply_to")))
    return 0


# -- wiring ------------------------------------------------------------------


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

    sp = add("status", cmd_status, "brands, counts, model and data dir")
    sp.add_argument("--json", action="store_true")

    sp = add("brands", cmd_brands, "list, add or switch brands")
    sp.add_argument("action", nargs="?", choices=["list", "add", "use"], default="list")
    sp.add_argument("name", nargs="?")
    sp.add_argument("--display-name")

    sp = add("import", cmd_import, "import approved posts from export files")
    sp.add_argument("paths", nargs="+", metavar="PATH")
    sp.add_argument("--brand")
    sp.add_argument("--format", choices=FORMATS, help="override the detected format")
    sp.add_argument("--platform", choices=PLATFORMS, help="platform for rows that do not say")
    sp.add_argument("--json", action="store_true")

    sp = add("guidelines", cmd_guidelines, "load a brand's Markdown guidelines")
    sp.add_argument("path", metavar="PATH.md")
    sp.add_argument("--brand")

    sp = add("rules", cmd_rules, "load a brand's rules.toml (validated first)")
    sp.add_argument("path", metavar="rules.toml")
    sp.add_argument("--brand")

    sp = add("check", cmd_check, "analyse a draft (TEXT, or - for stdin)")
    sp.add_argument("text", metavar="TEXT")
    sp.add_argument("--platform", choices=PLATFORMS)
    sp.add_argument("--brand")
    sp.add_argument("--reply-to", metavar="TEXT", help="the post this draft answers (- for stdin)")
    sp.add_argument("--json", action="store_true", help="print the result as JSON")

    sp = add("approve", cmd_approve, "approve a post as published (TEXT, or - for stdin)")
    sp.add_argument("text", metavar="TEXT")
    sp.add_argument("--platform", choices=PLATFORMS)
    sp.add_argument("--url")
    sp.add_argument("--brand")
    sp.add_argument("--json", action="store_true")

    sp = add("posts", cmd_posts, "list, show or remove approved posts")
    sp.add_argument("action", choices=["list", "show", "remove"])
    sp.add_argument("id", nargs="?", type=int)
    sp.add_argument("--brand")
    sp.add_argument("--limit", type=int, default=50)
    sp.add_argument("--offset", type=int, default=0)
    sp.add_argument("--json", action="store_true")

    sp = add("retrain", cmd_retrain, "rebuild a brand's vectors and voice model from the store")
    sp.add_argument("--brand")

    sp = add("voice", cmd_voice, "the voice model's version history")
    sp.add_argument("--brand")
    sp.add_argument("--limit", type=int, default=20)

    sp = add("model", cmd_model, "which encoder runs; build the fast ONNX one")
    sp.add_argument("action", nargs="?", choices=["status", "build"], default="status")

    sp = add("demo", cmd_demo, "load the bundled demo brand and show hints for demo drafts")
    sp.add_argument("--quiet", action="store_true", help="only load the demo brand")

    from agent.cli.service import register

    register(add)
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
    from agent.core import OnbrandError
    from agent.store import StoreError
    from embeddings import EncoderError

    try:
        return int(args.fn(args) or 0)
    except (CLIError, OnbrandError, StoreError, EncoderError) as exc:
        print(f"onbrand: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nonbrand: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
