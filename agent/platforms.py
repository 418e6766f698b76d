"""The six platforms onbrand knows, their names and aliases, and the longest
post any of them takes. The extension's list is in extension/src/shared/protocol.js;
tests/test_protocol_sync.py keeps the two in step."""

from __future__ import annotations

MAX_POST_CHARS = 63_206  # Facebook's limit, the longest of the six platforms
PLATFORMS = ("x", "linkedin", "facebook", "mastodon", "bluesky", "threads")
PLATFORM_NAMES = {
    "x": "X",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "threads": "Threads",
}
PLATFORM_ALIASES = {"twitter": "x", "x.com": "x", "fb": "facebook", "meta": "facebook"}


def platform_name(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    v = PLATFORM_ALIASES.get(v, v)
    return v if v in PLATFORMS else None
