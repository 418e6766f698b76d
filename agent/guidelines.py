"""Brand guidelines in Markdown, split into passages a hint can quote; and the
reading of a user's text file (guidelines, rules.toml) with one-line errors."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

HEADING = re.compile(r"(#{1,6})\s")  # then the title, its closing #s stripped
MAX_PASSAGE = 700  # characters; a longer section is split at paragraphs
# Limits of a guidelines file (docs/quality.md): embedding is the slow part.
MAX_GUIDELINES_BYTES = 1024 * 1024
MAX_PASSAGES = 2_000


class UnreadableFile(ValueError):
    """A file that cannot be used; the message is one line that says what to do."""


def read_user_file(path: Path, limit: int, what: str) -> tuple[bytes, str]:
    """The bytes of the user's file `path` and its text (UTF-8, a BOM allowed), at
    most `limit` bytes; `what` names the kind of file in messages ("a rules.toml")."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)  # never more: a huge file (or /dev/zero) is refused
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a folder; name {what} file") from None
    except PermissionError:
        raise UnreadableFile(
            f"{path}: permission denied; make the file readable or copy it somewhere readable"
        ) from None
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
        raise UnreadableFile(f"{path}: cannot be read ({reason})") from None
    if len(raw) > limit:
        size = f"{limit // 1024 // 1024} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
        raise UnreadableFile(
            f"{path.name}: larger than {size}, the limit of {what} file; split it or shorten it"
        )
    if b"\x00" in raw:
        raise UnreadableFile(f"{path.name}: binary data, not text; name {what} file")
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{path.name}: not UTF-8 text (invalid byte at {exc.start}); save it as UTF-8"
        ) from None


def _heading(line: str) -> tuple[int, str] | None:
    """(level, title) of an ATX heading line. Not one regular expression: the
    lazy title before optional closing #s and spaces backtracked in cubic time
    on a line of spaces."""
    m = HEADING.match(line)
    if m is None or m.end() == len(line):
        return None
    rest = line[m.end() :].strip()
    return len(m.group(1)), rest.rstrip("#").rstrip() or rest[:1]


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


def split_markdown(markdown: str) -> list[Section]:
    """One passage per section, or per paragraph when a section is long. The
    heading path ("Voice > Exclamation marks") travels with each passage so a
    quote says where it comes from."""
    if "\x00" in markdown:
        raise ValueError("binary data, not Markdown")
    path: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    paras: list[str] = []
    buf: list[str] = []
    in_code = False

    def flush_para() -> None:
        if buf:
            paras.append(" ".join(s.strip() for s in buf).strip())
            buf.clear()

    def flush_section() -> None:
        flush_para()
        if paras:
            sections.append((" > ".join(path) or "Guidelines", list(paras)))
            paras.clear()

    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        h = None if in_code else _heading(line)
        if h:
            flush_section()
            level, title = h
            del path[level - 1 :]
            path.extend([""] * (level - 1 - len(path)))
            path.append(title)
            path[:] = [p for p in path if p]
        elif not line.strip():
            flush_para()
        elif re.match(r"^\s*([-*+]|\d+\.)\s+", line):
            flush_para()  # list items stand alone so a quote can be one rule
            buf.append(line.strip())
        else:
            buf.append(line)
    flush_section()

    out: list[Section] = []
    for heading, ps in sections:
        whole = "\n".join(ps)
        if len(whole) <= MAX_PASSAGE:
            out.append(Section(heading, whole))
            continue
        chunk: list[str] = []
        for p in ps:
            if chunk and len("\n".join([*chunk, p])) > MAX_PASSAGE:
                out.append(Section(heading, "\n".join(chunk)))
                chunk = []
            chunk.append(p)
        if chunk:
            out.append(Section(heading, "\n".join(chunk)))
    out = [s for s in out if s.text.strip()]
    if len(out) > MAX_PASSAGES:
        raise ValueError(
            f"{len(out):,} passages, over the limit of {MAX_PASSAGES:,}; "
            "split the guidelines into smaller files"
        )
    return out
