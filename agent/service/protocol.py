"""The websocket protocol, defined once for the agent (docs/protocol.md).

Its twin for the extension is extension/src/shared/protocol.js; tests/test_protocol_sync.py
keeps the two in step (version, message types, error codes, limits).

Frames are JSON text objects with a `type`. Unknown fields are ignored;
an unknown `type` is answered with an `error` and the connection stays open.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from agent.platforms import MAX_POST_CHARS, PLATFORMS
from agent.text.unicode import valid

PROTOCOL_VERSION = 1

# The Chromium id of the onbrand extension, pinned by the "key" in
# extension/manifest.json. Only this extension's origin may open the socket.
EXTENSION_ID = "fjfpoacdahenfgeamodngdjenohfijea"
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"

# Keep-alive: an MV3 service worker is suspended after ~30 s without extension
# events; socket traffic counts. The client sends `ping` this often while a
# compose box is active, and the agent answers `pong`.
KEEPALIVE_SECONDS = 20

# Limits, each answered with its own error code when breached.
MAX_FRAME_BYTES = 512 * 1024  # a 63,206-character post in 4-byte UTF-8 still fits
MAX_TEXT_CHARS = MAX_POST_CHARS
MAX_ID_CHARS = 128
RATE_PER_SECOND = 40  # sustained messages per connection
RATE_BURST = 80
MAX_CONNECTIONS = 32

CLIENT_TYPES = (
    "hello",
    "pair",
    "analyze",
    "approve",
    "ping",
    "report",
    "login",
    "ignore_rule",
    "list_ignored",
    "list_reminders",
)
SERVER_TYPES = (
    "welcome",
    "paired",
    "analysis",
    "approved",
    "pong",
    "reported",
    "login_link",
    "rules_ignored",
    "reminders",
    "error",
)
REPORT_KINDS = ("session", "activity")

# code -> whether the connection stays open after it
ERROR_CODES: dict[str, bool] = {
    "bad_json": True,  # the frame is not a JSON object
    "bad_frame": True,  # a field is missing or of the wrong kind
    "unknown_type": True,
    "unsupported_protocol": False,  # hello with a protocol version we do not speak
    "not_authenticated": True,  # a message that needs a successful hello first
    "unauthorized": True,  # wrong, revoked or missing token
    "pairing_failed": True,  # wrong code
    "pairing_expired": True,  # no valid code: none made, used, or older than 5 minutes
    "pairing_locked": True,  # too many wrong codes; make a new one with `onbrand pair`
    "frame_too_large": False,  # closes with 1009
    "text_too_long": True,
    "rate_limited": True,
    "too_many_connections": False,  # closes with 1013
    "unknown_brand": True,
    "unknown_platform": True,
    "internal": True,
}

# The HTTP API answers each error with this status; every code has one
# (tests/test_protocol_sync.py).
HTTP_STATUS: dict[str, int] = {
    "bad_json": 400,
    "bad_frame": 400,
    "unknown_type": 400,
    "unsupported_protocol": 400,
    "not_authenticated": 401,
    "unauthorized": 401,
    "pairing_failed": 403,
    "pairing_expired": 403,
    "pairing_locked": 429,
    "frame_too_large": 413,
    "text_too_long": 413,
    "rate_limited": 429,
    "too_many_connections": 503,
    "unknown_brand": 404,
    "unknown_platform": 400,
    "internal": 500,
}

# The extension sends a draft after this pause in typing, and at the latest this
# long after the first unsent change (extension/src/shared/schedule.js); the
# bench types with the same rhythm.
TYPING_PAUSE_MS = 300
TYPING_MAX_WAIT_MS = 2000

CLOSE_TOO_LARGE = 1009
CLOSE_TRY_AGAIN = 1013
CLOSE_POLICY = 1008


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, re: dict[str, Any] | None = None) -> None:
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.re = re or {}

    @property
    def fatal(self) -> bool:
        return not ERROR_CODES[self.code]

    def frame(self) -> dict[str, Any]:
        return error_frame(self.code, self.message, self.re)


def error_frame(code: str, message: str, re: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "re": re or {}}


@dataclass(frozen=True)
class Hello:
    protocol: int
    token: str | None
    client: dict[str, str]


@dataclass(frozen=True)
class Pair:
    code: str
    client: dict[str, str]


@dataclass(frozen=True)
class Analyze:
    draft_id: str
    seq: int
    text: str
    platform: str | None
    brand: str | None
    reply_to: str | None


@dataclass(frozen=True)
class Approve:
    id: str | None
    text: str
    platform: str | None
    url: str | None
    brand: str | None


@dataclass(frozen=True)
class Ping:
    id: str | None


@dataclass(frozen=True)
class Report:
    """Aggregates for the dashboard: a compose session or active time on a site.
    The fields are validated by agent.metrics; never any text."""

    id: str | None
    kind: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Login:
    id: str | None


@dataclass(frozen=True)
class IgnoreRule:
    """Stop checking one rule for a brand (`ignore` false: check it again)."""

    id: str | None
    rule: str
    ignore: bool
    brand: str | None


@dataclass(frozen=True)
class ListIgnored:
    id: str | None
    brand: str | None


@dataclass(frozen=True)
class ListReminders:
    """The brand's weekly goals behind their pace (the popup shows them)."""

    id: str | None
    brand: str | None


Message = (
    Hello
    | Pair
    | Analyze
    | Approve
    | Ping
    | Report
    | Login
    | IgnoreRule
    | ListIgnored
    | ListReminders
)


def _str(
    obj: dict[str, Any],
    key: str,
    re: dict[str, Any],
    *,
    required: bool = False,
    limit: int = MAX_ID_CHARS,
) -> str | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise ProtocolError("bad_frame", f"`{key}` is required", re)
        return None
    if not isinstance(v, str):
        raise ProtocolError("bad_frame", f"`{key}` must be a string", re)
    if len(v) > limit:
        code = "text_too_long" if key == "text" else "bad_frame"
        raise ProtocolError(code, f"`{key}` is {len(v):,} characters; the limit is {limit:,}", re)
    return valid(v)


def _platform(obj: dict[str, Any], re: dict[str, Any]) -> str | None:
    p = _str(obj, "platform", re, limit=32)
    if p is None or p == "":
        return None
    p = p.lower()
    if p == "twitter":
        p = "x"
    if p not in PLATFORMS:
        raise ProtocolError(
            "unknown_platform", f"unknown platform {p!r}; known: {', '.join(PLATFORMS)}", re
        )
    return p


def _client(obj: dict[str, Any], re: dict[str, Any]) -> dict[str, str]:
    c = obj.get("client") or {}
    if not isinstance(c, dict):
        raise ProtocolError("bad_frame", "`client` must be an object", re)
    return {
        k: str(c[k])[:64] for k in ("name", "version") if isinstance(c.get(k), str | int | float)
    }


def parse(raw: str | bytes) -> Message:
    """Parse and validate one client frame, or raise ProtocolError."""
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("bad_json", "frames must be UTF-8 JSON text") from None
    try:
        obj = json.loads(raw, parse_constant=lambda c: math.nan)
    except (json.JSONDecodeError, RecursionError):
        raise ProtocolError("bad_json", "the frame is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_json", "a frame must be a JSON object")
    kind = obj.get("type")
    re: dict[str, Any] = {"type": kind} if isinstance(kind, str) and len(kind) <= 32 else {}
    for key in ("draft_id", "id"):
        if isinstance(obj.get(key), str) and len(obj[key]) <= MAX_ID_CHARS:
            re[key] = obj[key]
    if isinstance(obj.get("seq"), int) and not isinstance(obj.get("seq"), bool):
        re["seq"] = obj["seq"]
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", "`type` is required", re)
    if kind == "hello":
        proto = obj.get("protocol", PROTOCOL_VERSION)
        if not isinstance(proto, int) or isinstance(proto, bool):
            raise ProtocolError("bad_frame", "`protocol` must be an integer", re)
        return Hello(proto, _str(obj, "token", re, limit=256), _client(obj, re))
    if kind == "pair":
        code = _str(obj, "code", re, required=True, limit=16)
        return Pair(str(code).strip(), _client(obj, re))
    if kind == "analyze":
        draft_id = _str(obj, "draft_id", re, required=True)
        seq = obj.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**53:
            raise ProtocolError("bad_frame", "`seq` must be a non-negative integer", re)
        text = _str(obj, "text", re, required=True, limit=MAX_TEXT_CHARS)
        reply = obj.get("reply_to")
        reply_text: str | None = None
        if isinstance(reply, dict):
            reply_text = _str(reply, "text", re, limit=MAX_TEXT_CHARS)
        elif isinstance(reply, str):
            reply_text = _str(obj, "reply_to", re, limit=MAX_TEXT_CHARS)
        elif reply is not None:
            raise ProtocolError("bad_frame", "`reply_to` must be an object with `text`", re)
        return Analyze(
            str(draft_id),
            seq,
            str(text),
            _platform(obj, re),
            _str(obj, "brand", re, limit=64),
            reply_text or None,
        )
    if kind == "approve":
        text = _str(obj, "text", re, required=True, limit=MAX_TEXT_CHARS)
        if not str(text).strip():
            raise ProtocolError("bad_frame", "`text` is empty", re)
        return Approve(
            _str(obj, "id", re),
            str(text),
            _platform(obj, re),
            _str(obj, "url", re, limit=2048),
            _str(obj, "brand", re, limit=64),
        )
    if kind == "report":
        what = obj.get("kind")
        if what not in REPORT_KINDS:
            raise ProtocolError("bad_frame", f"`kind` must be one of {', '.join(REPORT_KINDS)}", re)
        keep = (
            "brand",
            "site",
            "platform",
            "started_at",
            "ended_at",
            "analyses",
            "final_verdict",
            "approved",
            "seconds",
            "day",
        )
        return Report(_str(obj, "id", re), str(what), {k: obj[k] for k in keep if k in obj})
    if kind == "login":
        return Login(_str(obj, "id", re))
    if kind == "ignore_rule":
        rule = _str(obj, "rule", re, required=True, limit=64)
        ignore = obj.get("ignore", True)
        if not isinstance(ignore, bool):
            raise ProtocolError("bad_frame", "`ignore` must be true or false", re)
        return IgnoreRule(_str(obj, "id", re), str(rule), ignore, _str(obj, "brand", re, limit=64))
    if kind == "list_ignored":
        return ListIgnored(_str(obj, "id", re), _str(obj, "brand", re, limit=64))
    if kind == "list_reminders":
        return ListReminders(_str(obj, "id", re), _str(obj, "brand", re, limit=64))
    if kind == "ping":
        return Ping(_str(obj, "id", re))
    raise ProtocolError("unknown_type", f"unknown message type {kind[:32]!r}", re)


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def answer_to(msg: Message) -> dict[str, Any]:
    """The `re` of any answer to this message: its type and ids."""
    # ListIgnored -> list_ignored: each message class is named for its type
    re: dict[str, Any] = {"type": _SNAKE.sub("_", type(msg).__name__).lower()}
    for key in ("draft_id", "seq", "id"):
        value = getattr(msg, key, None)
        if value is not None:
            re[key] = value
    return re


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
