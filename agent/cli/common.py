"""What the CLI's commands share: errors, the core, progress and how a result
is printed."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

EXIT_USAGE = 2

# Characters a terminal may act on rather than show: C0 controls (ESC starts ANSI
# and OSC sequences, CR overwrites a line), DEL, C1 controls, and the bidi
# overrides and isolates that reorder what is shown. Tab stays; newline is the
# caller's choice.
_UNSAFE = {
    c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    for c in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    if c != 0x09
}
_UNSAFE_LINES = {c: v for c, v in _UNSAFE.items() if c != 0x0A}


class CLIError(Exception):
    pass


def safe(text: str, newlines: bool = False) -> str:
    """`text` for a terminal: the characters it would act on, shown escaped
    ("\\x1b"); `newlines` keeps line breaks. Stored posts and rules are anyone's
    text. Human output only: --json prints the exact text."""
    return text.translate(_UNSAFE_LINES if newlines else _UNSAFE)


def open_core() -> Any:
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


def read_text(value: str) -> str:
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


MAX_MATCHES_SHOWN = 12  # spans of one hint printed; the rest are counted


def _quote(text: str, limit: int = 40) -> str:
    one = " ".join(text.split())
    return '"' + safe(one if len(one) <= limit else one[: limit - 1] + "…") + '"'


def _matches(hint: dict[str, Any]) -> str:
    """Where a hint applies, as the words it caught: `"I" → "we" [8–9]`."""
    found = hint.get("matches")
    if not isinstance(found, list):  # an agent older than `matches`: the one span
        span = hint.get("span")
        found = [{"span": span}] if span else []
    parts = []
    for m in found[:MAX_MATCHES_SHOWN]:
        start, end = m["span"]
        text = m.get("text")
        shown = _quote(text) if text else ("(end of the post)" if start == end else "")
        rep = m.get("replacement")
        if rep is not None:
            shown += f" → {_quote(rep)}" if rep else " → delete"
        parts.append(f"{shown} [{start}–{end}]".strip())
    if len(found) > MAX_MATCHES_SHOWN:
        parts.append(f"and {len(found) - MAX_MATCHES_SHOWN} more")
    return ", ".join(parts)


def print_result(result: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    w = textwrap.TextWrapper(width=88, initial_indent="    ", subsequent_indent="    ")
    where = textwrap.TextWrapper(
        width=88, initial_indent="    at: ", subsequent_indent="        ", break_on_hyphens=False
    )
    said = result.get("summary")
    head = f"verdict: {result['verdict']}" + (f" — {said}" if said else "")
    out.write(textwrap.fill(safe(head), width=88, subsequent_indent="    ") + "\n")
    names = {
        "originality": "originality",
        "voice_drift": "voice drift",
        "specificity": "specificity",
        "risk": "risk",
    }
    for key, score in result["scores"].items():
        v = score.get("value")
        shown = "  -" if v is None else f"{v:3d}"
        label = safe(str(score["label"]))
        out.write(f"  {safe(names.get(key, key)):<12} {shown} {_bar(v)}  {label}\n")
    if result["hints"]:
        out.write("hints:\n")
        marks = {"alert": "!!", "warn": " !", "info": " ·"}
        for h in result["hints"]:
            rule = (h.get("evidence") or {}).get("rule") if h["kind"] == "rule" else None
            kind = safe(str(h["kind"])) + (f" ({safe(str(rule))})" if rule else "")
            out.write(f"  {marks[h['severity']]} {kind}\n")
            out.write(w.fill(safe(str(h["message"]))) + "\n")
            at = _matches(h)
            if at:
                out.write(where.fill(at) + "\n")
        more = result.get("hints_more") or 0
        if more:
            out.write(
                f"  … and {more} more {'hint' if more == 1 else 'hints'} "
                "(--json lists them all under hints_all)\n"
            )
    if result["nearest"]:
        out.write("nearest approved posts:\n")
        for n in result["nearest"]:
            when = safe((n.get("posted_at") or "")[:10])
            snippet = n["text"].replace("\n", " ")
            snippet = safe(snippet if len(snippet) < 90 else snippet[:87] + "...")
            platform = safe(n.get("platform") or "")
            out.write(f"  {n['similarity']:.2f}  #{n['post_id']} {platform} {when}\n")
            out.write(f"        {snippet}\n")
    ms = result["timings_ms"].get("total")
    if ms is not None:
        out.write(f"({ms:.0f} ms)\n")


def encoder_status() -> dict[str, str]:
    """Which encoder this process would load, without loading it."""
    from embeddings.backends import default_backend, resolve_backend
    from embeddings.encoder import MODEL_NAME
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
    from embeddings.backends import AUTO, default_backend
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
