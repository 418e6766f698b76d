"""Settings that outlive a process: privacy mode and the server's port."""

from __future__ import annotations

import os

DEFAULT_PORT = 47615
PRIVACY_MODES = ("local-only", "off")


def privacy_mode() -> str:
    """`local-only` unless the user turned it off (`onbrand serve --no-privacy`
    sets ONBRAND_PRIVACY=off for its own process)."""
    mode = os.environ.get("ONBRAND_PRIVACY", "local-only").strip().lower()
    return mode if mode in PRIVACY_MODES else "local-only"
