"""Readers for the files people export their posts in.

Each reader turns one file into records (text, platform, date, url, where it
came from) and rejects (where, why). Nothing here touches the store: the core
writes a file's good records in one transaction, or none of them.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from agent.platforms import MAX_POST_CHARS, PLATFORMS, platform_name

MAX_FILE_BYTES = 64 * 1024 * 1024
# An X archive's zip: what its tweets files may unzip to, counted on the bytes
# actually inflated, never on the sizes the zip declares (docs/import.md).
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_PARTS = 100
_UNZIP_CHUNK = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
FORMATS = ("csv", "jsonl", "text", "twitter", "mastodon", "linkedin")

TEXT_COLUMNS = ("text", "content", "post", "full_text", "body", "message", "sharecommentary")
DATE_COLUMNS = ("posted_at", "date", "created_at", "published", "timestamp", "time")
URL_COLUMNS = ("url", "link", "sharelink", "permalink")
# Engagement a CSV or JSON Lines file may carry, under the names the tools people
# export from use (docs/import.md); the first of each list that is present counts.
STAT_COLUMNS = {
    "likes": ("likes", "like_count", "favorite_count", "favorites", "reactions"),
    "replies": ("replies", "reply_count", "comments", "comment_count"),
    "reposts": ("reposts", "repost_count", "retweet_count", "retweets", "shares", "boosts"),
}
MAX_STAT = 10**12


class ImportFileError(ValueError):
    """The whole file cannot be read; nothing from it is imported."""


@dataclass
class Record:
    text: str
    where: str
    platform: str | None = None
    posted_at: str | None = None
    url: str | None = None
    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None

    @property
    def stats(self) -> tuple[int | None, int | None, int | None] | None:
        """(likes, replies, reposts) when the file gave any of them."""
        figures = (self.likes, self.replies, self.reposts)
        return None if all(v is None for v in figures) else figures


class BadFigure(ValueError):
    """An engagement figure that is not a whole number; the row is rejected."""


def count(value: object, name: str) -> int | None:
    """A like, reply or repost count: None when absent or blank, else a whole
    number from 0 up ("1,204" and "1204.0" read as 1204)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadFigure(f"{name} must be a whole number, not {value!r}")
    if isinstance(value, int):
        n = value
    else:
        s = str(value).strip().replace(",", "").replace("_", "")
        try:
            f = float(s)
        except ValueError:
            raise BadFigure(f"{name} must be a whole number, not {str(value)[:20]!r}") from None
        if f != f or f != int(f):
            raise BadFigure(f"{name} must be a whole number, not {str(value)[:20]!r}")
        n = int(f)
    if not 0 <= n < MAX_STAT:
        raise BadFigure(f"{name} must be a whole number from 0 up, not {n}")
    return n


def stats_from(row: dict[str, Any], columns: Sequence[str]) -> dict[str, int | None]:
    """The likes, replies and reposts of a row (a CSV row or a JSON object), from
    the first column of each kind that the file has."""
    figures: dict[str, int | None] = {}
    for kind, names in STAT_COLUMNS.items():
        col = _pick(columns, names)
        figures[kind] = count(row.get(col), kind) if col else None
    return figures


@dataclass
class Parsed:
    format: str
    records: list[Record] = field(default_factory=list)
    rejects: list[tuple[str, str]] = field(default_factory=list)

    def add(self, rec: Record) -> None:
        text = rec.text.strip() if rec.text else ""
        if not text:
            self.rejects.append((rec.where, "empty text"))
        elif len(text) > MAX_POST_CHARS:
            self.rejects.append(
                (rec.where, f"text is {len(text):,} characters, over the {MAX_POST_CHARS:,} limit")
            )
        elif "\x00" in text:
            self.rejects.append((rec.where, "text contains a NUL byte"))
        else:
            rec.text = text
            rec.platform = platform_name(rec.platform)
            self.records.append(rec)


def parse_date(value: object) -> str | None:
    """ISO 8601 in UTC, or None when the value is not a date we can read."""
    if value in (None, ""):
        return None
    s = str(value).strip()
    try:
        if re.fullmatch(r"\d{9,13}(\.\d+)?", s):  # epoch seconds or ms
            ts = float(s)
            dt = datetime.fromtimestamp(ts / 1000 if ts > 1e11 else ts, UTC)
        else:
            try:
                dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
            except ValueError:
                try:
                    dt = datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")  # X archive
                except ValueError:
                    dt = parsedate_to_datetime(s)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC).replace(microsecond=0).isoformat()
    except (ValueError, TypeError, OverflowError, OSError):
        return None


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_html(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    return html.unescape("".join(parser.parts)).strip()


# -- reading bytes safely ----------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:8192]:
        raise ImportFileError(f"{name}: binary data, not a text export (NUL byte near the start)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{name}: not UTF-8 text (invalid byte at offset {exc.start}); export the file as UTF-8"
        ) from None
    return text


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    if path.is_dir():
        raise ImportFileError(f"{path}: is a folder; name a file")
    if size == 0:
        raise ImportFileError(f"{path.name}: the file is empty")
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
            if head[:4] == _ZIP_MAGIC:
                return head  # a zip is read member by member, from the file (read_twitter)
            if size > MAX_FILE_BYTES:
                raise ImportFileError(
                    f"{path.name}: {size / 2**20:.1f} MiB is over the "
                    f"{MAX_FILE_BYTES // 2**20} MiB limit for one file; split it"
                )
            return head + fh.read()
    except OSError as exc:
        raise ImportFileError(f"{path.name}: cannot read ({exc.strerror})") from None


# -- format detection --------------------------------------------------------


def detect(name: str, raw: bytes) -> str:
    if raw[:4] == _ZIP_MAGIC:
        return "twitter"
    head = raw[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"window.YTD."):
        return "twitter"
    if head.startswith(b"{") or head.startswith(b"["):
        if b'"orderedItems"' in raw[:1_000_000] or b'"@context"' in head[:4096]:
            return "mastodon"
        return "jsonl"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if "sharecommentary" in first:
        return "linkedin"
    lower = name.lower()
    cols = [c.strip().strip('"').lower() for c in first.split(",")]
    if lower.endswith((".csv", ".tsv")) or (len(cols) > 1 and any(c in TEXT_COLUMNS for c in cols)):
        return "csv"
    return "text"


# -- readers -----------------------------------------------------------------

_TOO_DEEP = "nested too deeply to read"


def _loads(text: str, name: str, what: str) -> Any:
    """A whole file's JSON; any way it fails is one ImportFileError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name}:{exc.lineno}: {what} ({exc.msg})") from None
    except RecursionError:  # thousands of nested brackets: json gives up, not the import
        raise ImportFileError(f"{name}: {what} ({_TOO_DEEP})") from None


def _pick(cols: Sequence[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in cols if c}
    for w in wanted:
        if w in lowered:
            return lowered[w]
    return None


def read_csv(name: str, text: str, platform: str | None, fmt: str = "csv") -> Parsed:
    out = Parsed(fmt)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    cols = reader.fieldnames or []
    text_col = _pick(cols, TEXT_COLUMNS)
    if text_col is None:
        found = ", ".join(c for c in cols if c) or "none"
        raise ImportFileError(
            f"{name}:1: no text column (looked for {', '.join(TEXT_COLUMNS[:3])}); "
            f"columns found: {found}"
        )
    date_col, url_col = _pick(cols, DATE_COLUMNS), _pick(cols, URL_COLUMNS)
    plat_col = _pick(cols, ("platform", "network", "site"))
    default_platform = "linkedin" if fmt == "linkedin" else platform
    try:
        for row in reader:
            where = f"{name}:{reader.line_num}"
            if None in row:
                out.rejects.append((where, "more fields than the header has"))
                continue
            body = row.get(text_col) or ""
            try:
                figures = stats_from(row, cols)
            except BadFigure as exc:
                out.rejects.append((where, str(exc)))
                continue
            if fmt == "linkedin":
                # LinkedIn doubles quotes inside ShareCommentary in some exports.
                body = body.replace('""', '"')
            out.add(
                Record(
                    text=body,
                    where=where,
                    platform=(row.get(plat_col) if plat_col else None) or default_platform,
                    posted_at=parse_date(row.get(date_col)) if date_col else None,
                    url=(row.get(url_col) or None) if url_col else None,
                    **figures,
                )
            )
    except csv.Error as exc:
        raise ImportFileError(f"{name}:{reader.line_num}: broken CSV ({exc})") from None
    return out


def _from_obj(obj: object, where: str, platform: str | None) -> Record | str:
    if not isinstance(obj, dict):
        return "not a JSON object"
    body = next((obj[k] for k in TEXT_COLUMNS if isinstance(obj.get(k), str)), None)
    if body is None:
        return "no text field (text, content or post)"
    try:
        figures = stats_from(obj, [k for k in obj if isinstance(k, str)])
    except BadFigure as exc:
        return str(exc)
    return Record(
        text=body,
        where=where,
        platform=obj.get("platform") or platform,
        posted_at=parse_date(next((obj[k] for k in DATE_COLUMNS if k in obj), None)),
        url=next((obj[k] for k in URL_COLUMNS if isinstance(obj.get(k), str)), None),
        **figures,
    )


def read_jsonl(name: str, text: str, platform: str | None) -> Parsed:
    out = Parsed("jsonl")
    stripped = text.lstrip()
    if stripped.startswith("["):  # a JSON array is accepted too
        items = _loads(stripped, name, "bad JSON")
        for i, obj in enumerate(items, 1):
            rec = _from_obj(obj, f"{name}:item {i}", platform)
            out.rejects.append((f"{name}:item {i}", rec)) if isinstance(rec, str) else out.add(rec)
        return out
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.rejects.append((where, f"bad JSON ({exc.msg} at column {exc.colno})"))
            continue
        except RecursionError:
            out.rejects.append((where, f"bad JSON ({_TOO_DEEP})"))
            continue
        rec = _from_obj(obj, where, platform)
        out.rejects.append((where, rec)) if isinstance(rec, str) else out.add(rec)
    if not out.records and out.rejects and all("bad JSON" in r for _, r in out.rejects):
        raise ImportFileError(f"{out.rejects[0][0]}: bad JSON; is this a JSON Lines file?")
    return out


def read_text(name: str, text: str, platform: str | None) -> Parsed:
    out = Parsed("text")
    start, buf = 1, list[str]()
    lines = text.splitlines()
    for n, line in enumerate([*lines, ""], 1):
        if line.strip():
            if not buf:
                start = n
            buf.append(line.rstrip())
        elif buf:
            out.add(Record(text="\n".join(buf), where=f"{name}:{start}", platform=platform))
            buf = []
    return out


def _unzip(name: str, source: Path | bytes) -> Iterator[tuple[str, bytes]]:
    """The tweets files of an X archive's zip, one at a time, each read in chunks:
    a zip bomb is stopped by the bytes it inflates to, whatever sizes it declares."""
    try:
        with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as zf:
            names = [n for n in zf.namelist() if re.search(r"(^|/)data/tweets?(-part\d+)?\.js$", n)]
            if not names:
                names = [n for n in zf.namelist() if n.endswith("tweets.js")]
            if not names:
                raise ImportFileError(f"{name}: a zip without data/tweets.js; not an X archive")
            if len(names) > MAX_ARCHIVE_PARTS:
                raise ImportFileError(
                    f"{name}: {len(names):,} tweets files, over the limit of "
                    f"{MAX_ARCHIVE_PARTS} for one archive; not an X archive as X makes them"
                )
            total = 0
            for n in sorted(names):
                parts: list[bytes] = []
                size = 0
                with zf.open(n) as fh:
                    while block := fh.read(_UNZIP_CHUNK):
                        size += len(block)
                        total += len(block)
                        if size > MAX_FILE_BYTES:
                            raise ImportFileError(
                                f"{name}:{n}: unzips to over {MAX_FILE_BYTES / 2**20:.3g} MiB, "
                                "the limit for one file"
                            )
                        if total > MAX_ARCHIVE_BYTES:
                            raise ImportFileError(
                                f"{name}: its tweets files unzip to over "
                                f"{MAX_ARCHIVE_BYTES / 2**20:.3g} MiB, the limit for one archive; "
                                "unzip it and import data/tweets*.js one file at a time"
                            )
                        parts.append(block)
                yield n, b"".join(parts)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportFileError(f"{name}: broken zip ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # encrypted, or an unknown method
        raise ImportFileError(f"{name}: a zip this reader cannot open ({exc})") from None
    except OSError as exc:
        raise ImportFileError(f"{name}: cannot read ({exc.strerror or exc})") from None


def read_twitter(name: str, raw: bytes, platform: str | None, path: Path | None = None) -> Parsed:
    """An X archive's `tweets.js`, or its zip (`raw`, or read from `path` when
    `raw` holds only the zip's first bytes)."""
    out = Parsed("twitter")
    chunks: Iterator[tuple[str, bytes]] | list[tuple[str, bytes]]
    if raw[:4] == _ZIP_MAGIC:
        chunks = _unzip(name, path if path is not None else raw)
    else:
        chunks = [(name, raw)]
    for member, data in chunks:
        text = _decode(data, member)
        body = re.sub(r"^\s*window\.YTD\.[\w.]+\s*=\s*", "", text, count=1)
        items = _loads(body, member, "bad JSON in the X archive")
        if not isinstance(items, list):
            raise ImportFileError(f"{member}: expected a list of tweets")
        for i, item in enumerate(items, 1):
            where = f"{member}:item {i}"
            tw = item.get("tweet", item) if isinstance(item, dict) else None
            if not isinstance(tw, dict) or not isinstance(tw.get("full_text", tw.get("text")), str):
                out.rejects.append((where, "no full_text"))
                continue
            body = html.unescape(str(tw.get("full_text") or tw.get("text") or ""))
            if body.startswith("RT @"):
                out.rejects.append((where, "a repost of someone else's post"))
                continue
            tid = tw.get("id_str") or tw.get("id")
            try:  # X's archive has likes and reposts (as strings), no reply count
                likes = count(tw.get("favorite_count"), "favorite_count")
                reposts = count(tw.get("retweet_count"), "retweet_count")
            except BadFigure as exc:
                out.rejects.append((where, str(exc)))
                continue
            out.add(
                Record(
                    text=body,
                    where=where,
                    platform=platform or "x",
                    posted_at=parse_date(tw.get("created_at")),
                    url=f"https://x.com/i/web/status/{tid}" if tid else None,
                    likes=likes,
                    reposts=reposts,
                )
            )
    return out


# A Note's collections that newer Mastodon servers count (`totalItems`); an
# outbox.json from an older server has `replies` without a count, or nothing.
MASTODON_STATS = {"likes": "likes", "replies": "replies", "reposts": "shares"}


def _total(collection: object, name: str) -> int | None:
    if not isinstance(collection, dict):
        return None
    return count(collection.get("totalItems"), name)


def read_mastodon(name: str, text: str, platform: str | None) -> Parsed:
    out = Parsed("mastodon")
    doc = _loads(text, name, "bad JSON")
    items = doc.get("orderedItems") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ImportFileError(f"{name}: no orderedItems list; not a Mastodon outbox.json")
    for i, act in enumerate(items, 1):
        where = f"{name}:item {i}"
        if not isinstance(act, dict):
            out.rejects.append((where, "not an activity object"))
            continue
        if act.get("type") == "Announce":
            out.rejects.append((where, "a boost of someone else's post"))
            continue
        obj = act.get("object")
        if not isinstance(obj, dict) or not isinstance(obj.get("content"), str):
            out.rejects.append((where, "no post content"))
            continue
        try:
            figures = {k: _total(obj.get(key), k) for k, key in MASTODON_STATS.items()}
        except BadFigure as exc:
            out.rejects.append((where, str(exc)))
            continue
        out.add(
            Record(
                text=strip_html(obj["content"]),
                where=where,
                platform=platform or "mastodon",
                posted_at=parse_date(obj.get("published") or act.get("published")),
                url=obj.get("url") if isinstance(obj.get("url"), str) else obj.get("id"),
                **figures,
            )
        )
    return out


def parse_file(path: Path, fmt: str | None = None, platform: str | None = None) -> Parsed:
    """Read one file; raise ImportFileError when the file as a whole is unusable."""
    if fmt is not None and fmt not in FORMATS:
        raise ImportFileError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if platform is not None and platform_name(platform) is None:
        raise ImportFileError(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    raw = _read(path)
    name = path.name
    fmt = fmt or detect(name, raw)
    if fmt == "twitter":
        return read_twitter(name, raw, platform, path)
    text = _decode(raw, name)
    if not text.strip():
        raise ImportFileError(f"{name}: the file holds only white space")
    readers: dict[str, Callable[[str, str, str | None], Parsed]] = {
        "csv": read_csv,
        "linkedin": lambda n, t, p: read_csv(n, t, p, "linkedin"),
        "jsonl": read_jsonl,
        "text": read_text,
        "mastodon": read_mastodon,
    }
    parsed = readers[fmt](name, text, platform)
    if not parsed.records and not parsed.rejects:
        raise ImportFileError(f"{name}: no posts found")
    return parsed
