"""Where onbrand keeps its files, and the settings that outlive a process: the
privacy mode and the server's port."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PORT = 47615
PRIVACY_MODES = ("local-only", "off")


def privacy_mode() -> str:
    """`local-only` unless the user turned it off (`onbrand serve --no-privacy`
    sets ONBRAND_PRIVACY=off for its own process)."""
    mode = os.environ.get("ONBRAND_PRIVACY", "local-only").strip().lower()
    return mode if mode in PRIVACY_MODES else "local-only"


def data_dir() -> Path:
    """`ONBRAND_HOME`, else the platform's user data dir."""
    home = os.environ.get("ONBRAND_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("onbrand"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    home = os.environ.get("ONBRAND_HOME")
    if home:
        path = Path(home).expanduser() / "config"
    else:
        import platformdirs

        path = Path(platformdirs.user_config_dir("onbrand"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
