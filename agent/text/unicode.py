"""Text made valid before anything reads it.

A JSON frame may carry a lone UTF-16 surrogate (`"\\ud800"`), and a command-line
argument that is not UTF-8 reaches Python as one; neither can be encoded to UTF-8,
so the tokenizer or SQLite would fail on it. Each lone surrogate becomes U+FFFD,
one character for one, so spans computed on the valid text fit the original."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text
