"""Where onbrand keeps its files, and the settings that outlive a process: the
privacy mode and the server's port."""

from __future__ import annotations

import os
import stat
from pathlib import Path

DEFAULT_PORT = 47615
PRIVACY_MODES = ("local-only", "off")
# The data dir and the config dir are the user's alone (docs/privacy.md).
PRIVATE_DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Make `path` (and its missing parents) and keep it 0700; an existing folder
    with wider modes (an older install) is narrowed."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    try:
        if stat.S_IMODE(path.stat().st_mode) != PRIVATE_DIR_MODE:
            os.chmod(path, PRIVATE_DIR_MODE)
    except OSError:
        pass  # not ours, or a read-only file system: a write there reports it
    return path


def privacy_mode() -> str:
    """`local-only` unless the user turned it off (`onbrand serve --no-privacy`
    sets ONBRAND_PRIVACY=off for its own process)."""
    mode = os.environ.get("ONBRAND_PRIVACY", "local-only").strip().lower()
    return mode if mode in PRIVACY_MODES else "local-only"


def data_dir() -> Path:
    """`ONBRAND_HOME`, else the platform's user data dir; made 0700."""
    home = os.environ.get("ONBRAND_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("onbrand"))
    return private_dir(path)


def config_dir() -> Path:
    """`config/` in `ONBRAND_HOME`, else the platform's user config dir; made 0700."""
    if os.environ.get("ONBRAND_HOME"):
        return private_dir(data_dir() / "config")
    import platformdirs

    return private_dir(Path(platformdirs.user_config_dir("onbrand")))
