"""CLI commands for brands and their posts: status, brands, export, import-brand,
import, guidelines, rules, check, approve, posts, retrain, voice, model, demo."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

from agent.cli.common import (
    CLIError,
    ProgressBar,
    encoder_status,
    ensure_fast_encoder,
    open_core,
    print_result,
    read_text,
    safe,
)
from agent.cli.service import agent_up, start_hint
from agent.config import load_settings
from agent.importers import FORMATS
from agent.platforms import PLATFORMS


def cmd_status(args: argparse.Namespace) -> int:
    core = open_core()
    st = core.status()
    st["encoder_backend"] = encoder_status()
    port = load_settings().port
    st["agent"] = {"port": port, "running": agent_up(port)}
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
        auto = " (auto)" if b.get("language_setting") == "auto" else ""
        print(
            f"  {b['name']:<16} {b['posts']:>6} posts  {b['passages']:>4} guideline passages  "
            f"voice model v{b['voice_model']}  language {b.get('language', 'en')}{auto}"
        )
    enc = st["encoder_backend"]
    print(f"encoder:       {enc['backend']} ({enc['detail']})")
    port = load_settings().port
    if agent_up(port):
        print(f"agent:         running on port {port}")
    else:
        print(f"agent:         not running on port {port} (start it: `{start_hint(port)}`)")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    if args.action == "build":
        ensure_fast_encoder(lambda m: print(m, file=sys.stderr))
    enc = encoder_status()
    print(f"encoder: {enc['backend']} ({enc['detail']})")
    print(f"multilingual encoder (id and mixed brands): {_multilingual_status()}")
    return 0


def _multilingual_status() -> str:
    from embeddings.e5 import E5
    from embeddings.onnx import is_built

    if is_built("int8", recipe=E5):
        return "e5-int8, built"
    return "e5-int8, built on the first use of such a brand (now: `python -m embeddings.e5 build`)"


def cmd_brands(args: argparse.Namespace) -> int:
    core = open_core()
    if args.action == "add":
        if not args.name:
            raise CLIError("brands add needs a NAME")
        core.store.ensure_brand(args.name, args.display_name)
        if args.lang:
            core.set_language(args.name, args.lang)
        lang = core.language(args.name)
        print(f"brand {args.name.lower()} ready ({_language_line(lang)})")
    elif args.action == "lang":
        if not args.name:
            raise CLIError("brands lang needs a NAME (and en, id, mixed or auto to set it)")
        if args.value:
            r = core.set_language(args.name, args.value)
            note = " (its posts are re-embedded when the agent next serves it)"
            print(f"brand {r['brand']}: {_language_line(r)}" + (note if r["changed"] else ""))
        else:
            print(f"brand {args.name.lower()}: {_language_line(core.language(args.name))}")
    elif args.action == "use":
        if not args.name:
            raise CLIError("brands use needs a NAME")
        core.use_brand(args.name)
        print(f"active brand: {args.name.lower()}")
    elif args.action == "remove":
        if not args.name:
            raise CLIError("brands remove needs a NAME")
        name = core.resolve_brand(args.name)
        posts = core.store.count_posts(name)
        if not args.yes:
            _confirm(
                f"remove brand {name} with its {posts} posts, guidelines, rules, goals and "
                f"history? This cannot be undone (a backup: `onbrand export {name} FILE`)"
            )
        r = core.remove_brand(name)
        print(f"removed brand {r['brand']} and its {r['posts']} posts")
        _restart_note()
        return 0
    active = core.active_brand()
    if args.action == "list":
        for b in core.store.brands():
            mark = "*" if b["name"] == active else " "
            print(
                f"{mark} {b['name']:<16} {b['posts']:>6} posts  {b['passages']:>4} passages  "
                f"{b['language']}"
            )
    return 0


def _language_line(lang: dict[str, Any]) -> str:
    line = f"language {lang['language']}"
    if lang["setting"] == "auto":
        line += f", detected: {lang['detected']['reason']}"
    return line


def _confirm(question: str) -> None:
    """Ask on the terminal; without one, refuse and say how to confirm."""
    if not sys.stdin.isatty():
        raise CLIError(f"{question.split('?')[0]}? Add --yes to confirm (no terminal to ask)")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CLIError("nothing removed")


def cmd_export(args: argparse.Namespace) -> int:
    r = open_core().export_brand(args.brand, Path(args.file))
    print(
        f"exported brand {r['brand']} to {r['file']}: {r['posts']} posts, {r['passages']} "
        f"guideline passages, {r['goals']} goals, {r['voice_versions']} voice versions"
        + (", its rules" if r["rules"] else "")
        + (f", {r['ignored_rules']} ignored rules" if r["ignored_rules"] else "")
    )
    return 0


def cmd_import_brand(args: argparse.Namespace) -> int:
    bar = ProgressBar(f"embedding {Path(args.file).name}")
    try:
        r = open_core().import_brand(Path(args.file), args.as_name, bar)
    finally:
        bar.close()
    print(
        f"restored brand {r['brand']} from {r['file']}: {r['posts']} posts, {r['passages']} "
        f"guideline passages, {r['goals']} goals, {r['voice_versions']} voice versions"
        + (", its rules" if r["rules"] else "")
        + (f", {r['ignored_rules']} ignored rules" if r["ignored_rules"] else "")
    )
    _restart_note()
    return 0


def _restart_note() -> None:
    """A running agent looks brands up once per run (Store.brand_id)."""
    port = load_settings().port
    if agent_up(port):
        print(
            f"note: restart the agent running on port {port} so that it sees this change",
            file=sys.stderr,
        )


def cmd_import(args: argparse.Namespace) -> int:
    core = open_core()
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
            print(f"  rejected {safe(r['where'])}: {safe(r['reason'])}")
        if len(s["rejected"]) > 50:
            print(f"  ... and {len(s['rejected']) - 50} more")
    return 1 if failed else 0


def cmd_guidelines(args: argparse.Namespace) -> int:
    core = open_core()
    bar = ProgressBar(f"embedding {Path(args.path).name}")
    try:
        s = core.add_guidelines(Path(args.path), args.brand, bar)
    finally:
        bar.close()
    print(f"{s['file']}: {s['passages']} passages for brand {s['brand']}")
    if s["rules"] is not None:
        print(f"rules.toml beside it: {s['rules']} rules loaded")
    return 0


RULE_ACTIONS = ("ignored", "ignore", "unignore")


def cmd_rules(args: argparse.Namespace) -> int:
    # `rules ignored`, `rules ignore NAME`, `rules unignore NAME`, unless a file has that name.
    if args.path in RULE_ACTIONS and not Path(args.path).exists():
        return cmd_rules_ignored(args)
    if args.name is not None:
        raise CLIError(f"unexpected argument {args.name!r}: onbrand rules PATH loads a rules.toml")
    s = open_core().load_rules(Path(args.path), args.brand)
    print(f"{s['file']}: {s['rules']} rules for brand {s['brand']}")
    return 0


def cmd_rules_ignored(args: argparse.Namespace) -> int:
    """The rules a brand no longer checks, and changing them; the running agent
    sees a change at its next analysis."""
    core = open_core()
    if args.path == "ignored":
        r = core.ignored_rules(args.brand)
    elif not args.name:
        raise CLIError(f"onbrand rules {args.path} NAME: name the rule")
    else:
        r = core.ignore_rule(args.name, args.path == "ignore", args.brand)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    if args.path != "ignored":
        what = "ignored" if args.path == "ignore" else "checked again"
        print(f"rule {r['rule']}: {what} for brand {r['brand']}")
    if r["rules"]:
        print(f"ignored for brand {r['brand']}: {', '.join(r['rules'])}")
    else:
        print(f"no rule is ignored for brand {r['brand']}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    text = read_text(args.text)
    reply = read_text(args.reply_to) if args.reply_to else None
    result = open_core().analyze(text, args.platform, args.brand, reply)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_result(result)
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    text = read_text(args.text)
    r = open_core().approve(text, args.platform, args.url, args.brand)
    if args.json:
        print(json.dumps(r))
    else:
        what = "approved as" if r["created"] else "already approved as"
        print(f"{what} post #{r['post_id']} in {r['brand']} (voice model v{r['voice_model']})")
    return 0


def cmd_posts(args: argparse.Namespace) -> int:
    core = open_core()
    if args.action == "list":
        brand = core.resolve_brand(args.brand)
        posts = core.store.list_posts(brand, args.limit, args.offset)
        if args.json:
            print(json.dumps([p.as_dict() for p in posts], indent=2))
            return 0
        for p in posts:
            snippet = p.text.replace("\n", " ")
            snippet = safe(snippet if len(snippet) < 70 else snippet[:67] + "...")
            when = safe((p.posted_at or "")[:10])
            print(f"#{p.id:<6} {safe(p.platform or '-'):<9} {when:<10}  {snippet}")
        return 0
    if args.id is None:
        raise CLIError(f"posts {args.action} needs an ID")
    if args.action == "set-stats":
        return _set_stats(core, args)
    if args.action == "show":
        post = core.store.get_post(args.id)
        if post is None:
            raise CLIError(f"no post with id {args.id}")
        if args.json:
            print(json.dumps(post.as_dict(), indent=2))
        else:
            for k, v in post.as_dict().items():
                if k != "text":
                    print(f"{k + ':':<10} {safe(str(v)) if v is not None else '-'}")
            print(f"\n{safe(post.text, newlines=True)}")
        return 0
    r = core.remove_post(args.id)
    print(f"removed post #{r['post_id']} from {r['brand']} (voice model v{r['voice_model']})")
    return 0


def _set_stats(core: Any, args: argparse.Namespace) -> int:
    """A post's likes, replies and reposts, for posts whose export carries none."""
    from agent import metrics

    try:
        r = metrics.set_post_stats(core.store, args.id, args.likes, args.replies, args.reposts)
    except metrics.MetricsError as exc:
        raise CLIError(str(exc)) from None
    if args.json:
        print(json.dumps(r))
        return 0
    shown = ", ".join(
        f"{r[k] if r[k] is not None else '-'} {k}" for k in ("likes", "replies", "reposts")
    )
    print(f"post #{r['post_id']}: {shown}")
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    core = open_core()
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
    core = open_core()
    brand = core.resolve_brand(args.brand)
    for v in core.store.voice_history(brand, args.limit):
        print(f"v{v['version']:<5} {v['created_at']}  {v['n_posts']:>6} posts  {v['reason']}")
    return 0


def _demo_drafts(folder: str = "demo") -> list[dict[str, Any]]:
    raw = resources.files("agent").joinpath(f"{folder}/drafts.json").read_text(encoding="utf-8")
    return json.loads(raw)


def cmd_demo(args: argparse.Namespace) -> int:
    from agent.core import DEMO_BRANDS, DEMO_FOLDERS

    core = open_core()
    demo = DEMO_BRANDS[args.lang]
    brands = {b["name"]: b for b in core.store.brands()}
    if demo not in brands or not brands[demo]["posts"]:
        print(f"loading the demo brand {demo} (first run: embedding its posts)...")
        r = core.load_demo(lang=args.lang)
        added, passages = r["posts"]["added"], r["guidelines"]["passages"]
        print(f"demo brand {demo}: {added} posts, {passages} guideline passages")
    elif args.lang != "en" or not any(b["posts"] for n, b in brands.items() if n != demo):
        core.use_brand(demo)
    if args.quiet:
        return 0
    for d in _demo_drafts(DEMO_FOLDERS[args.lang]):
        print("\n" + "=" * 88)
        print(f"{d['label']}  [{d['platform']}]")
        if d.get("reply_to"):
            print(textwrap.fill("replying to: " + d["reply_to"], 88, subsequent_indent="  "))
        print(textwrap.fill(d["text"], 88, initial_indent="> ", subsequent_indent="> "))
        print("-" * 88)
        print_result(core.analyze(d["text"], d["platform"], demo, d.get("reply_to")))
    return 0


def register(add: Any) -> None:
    sp = add("status", cmd_status, "brands, counts, model and data dir")
    sp.add_argument("--json", action="store_true")

    sp = add("brands", cmd_brands, "list, add, switch or remove brands; a brand's language")
    sp.add_argument(
        "action", nargs="?", choices=["list", "add", "use", "remove", "lang"], default="list"
    )
    sp.add_argument("name", nargs="?")
    sp.add_argument("value", nargs="?", metavar="LANG", help="for lang: en, id, mixed or auto")
    sp.add_argument("--display-name")
    sp.add_argument(
        "--lang",
        choices=["en", "id", "mixed", "auto"],
        help="for add: the brand's language (default en; auto reads its posts)",
    )
    sp.add_argument("--yes", action="store_true", help="remove without asking")

    sp = add("export", cmd_export, "back a brand up to one JSON file (never drafts)")
    sp.add_argument("brand", metavar="BRAND")
    sp.add_argument("file", metavar="FILE")

    sp = add("import-brand", cmd_import_brand, "restore a brand from `onbrand export`'s file")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--as", dest="as_name", metavar="NAME", help="restore under another name")

    sp = add("import", cmd_import, "import approved posts from export files")
    sp.add_argument("paths", nargs="+", metavar="PATH")
    sp.add_argument("--brand")
    sp.add_argument("--format", choices=FORMATS, help="override the detected format")
    sp.add_argument("--platform", choices=PLATFORMS, help="platform for rows that do not say")
    sp.add_argument("--json", action="store_true")

    sp = add("guidelines", cmd_guidelines, "load a brand's Markdown guidelines")
    sp.add_argument("path", metavar="PATH.md")
    sp.add_argument("--brand")

    sp = add(
        "rules",
        cmd_rules,
        "load a brand's rules.toml (validated first); `rules ignored` lists the rules "
        "ignored from the extension, `rules ignore|unignore NAME` changes them",
    )
    sp.add_argument("path", metavar="rules.toml|ignored|ignore|unignore")
    sp.add_argument("name", nargs="?", metavar="NAME", help="the rule, for ignore and unignore")
    sp.add_argument("--brand")
    sp.add_argument("--json", action="store_true")

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

    sp = add(
        "posts", cmd_posts, "list, show or remove approved posts; set-stats ID: their engagement"
    )
    sp.add_argument("action", choices=["list", "show", "remove", "set-stats"])
    sp.add_argument("id", nargs="?", type=int)
    sp.add_argument("--brand")
    sp.add_argument("--limit", type=int, default=50)
    sp.add_argument("--offset", type=int, default=0)
    for figure in ("likes", "replies", "reposts"):  # checked by metrics.set_post_stats
        sp.add_argument(f"--{figure}", metavar="N", help=f"for set-stats: the post's {figure}")
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
    sp.add_argument(
        "--lang",
        choices=["en", "id"],
        default="en",
        help="en: Ferrow & Pine (e-bike batteries); id: Kopi Lereng, in Bahasa Indonesia",
    )
