"""Where onbrand keeps its files, and the settings that outlive a process: the
privacy mode and the server's port."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

DEFAULT_PORT = 47615
PRIVACY_MODES = ("local-only", "off")
# The data dir and the config dir are the user's alone (docs/privacy.md).
PRIVATE_DIR_MODE = 0o700


class StorageError(ValueError):
    """A file or folder of onbrand's cannot be used (the disk is full, a folder is
    read-only, the database is damaged): one line that says where and what to do."""


def storage_error(exc: OSError, path: Path, folder: Path | None = None) -> StorageError:
    """The OSError of writing `path` (in `folder`) as one line for the user."""
    folder = folder or path.parent
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return StorageError(
            f"the disk is full: could not write {path}; free some space and try again"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(read_only_message(folder))
    return StorageError(f"could not write {path} ({exc.strerror or exc})")


def read_only_message(folder: Path, name: str | None = None) -> str:
    """Why a write in `folder` (to its file `name`) failed, and what to do."""
    if name:
        return (
            f"cannot write {name} in {folder}: the folder or the file is read-only or not "
            f"yours; make them writable (chmod u+w) or set ONBRAND_HOME to a folder you can write"
        )
    return (
        f"cannot write to {folder}: it is read-only or not yours; make it writable "
        f"(chmod u+w {folder}) or set ONBRAND_HOME to a folder you can write"
    )


def private_dir(path: Path) -> Path:
    """Make `path` (and its missing parents) and keep it 0700; an existing folder
    with wider modes (an older install) is narrowed."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    except OSError as exc:
        raise storage_error(exc, path, path.parent) from None
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
