"""Brand guidelines in Markdown, split into passages a hint can quote."""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
MAX_PASSAGE = 700  # characters; a longer section is split at paragraphs


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
        m = None if in_code else HEADING.match(line)
        if m:
            flush_section()
            level = len(m.group(1))
            del path[level - 1 :]
            path.extend([""] * (level - 1 - len(path)))
            path.append(m.group(2).strip())
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
    return [s for s in out if s.text.strip()]
