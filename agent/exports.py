"""The dashboard's figures as CSV files: the weekly figures, and the posts with
their scores and engagement.

A spreadsheet runs a cell that starts with = + - or @ as a formula, and a post's
text is anyone's to write; such a cell gets a leading apostrophe, which
spreadsheets show as text (docs/dashboard.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

WEEKLY_COLUMNS = (
    "week",
    "posts",
    "minutes",
    "minutes_per_post",
    "specificity",
    "voice_drift",
    "originality",
    "likes",
    "replies",
    "reposts",
)
POST_COLUMNS = (
    "id",
    "day",
    "platform",
    "specificity",
    "voice_drift",
    "originality",
    "risk",
    "likes",
    "replies",
    "reposts",
    "url",
    "text",
)


def cell(value: Any) -> str | int | float:
    """A value as a CSV cell: numbers as they are, None empty, text safe from
    being read as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue()


def weekly_csv(board: dict[str, Any]) -> str:
    """One row per week of the dashboard's range, oldest first."""
    return to_csv(WEEKLY_COLUMNS, board["trends"])


def posts_csv(posts: Iterable[dict[str, Any]]) -> str:
    """One row per post (as `metrics.post_rows` gives them), oldest first."""
    return to_csv(POST_COLUMNS, posts)
