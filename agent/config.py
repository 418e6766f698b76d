"""Where onbrand keeps its files, and the settings that outlive a process: the
privacy mode and the server's port and addresses (settings.json)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from dataclasses import dataclass
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


# -- settings the user chose once and every command reads ---------------------
# `onbrand serve --port P` writes them; `onbrand pair`, `dashboard`, `watch`,
# `status` and `doctor` (other processes) read them to find the running agent.
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Settings:
    port: int = DEFAULT_PORT
    hosts: tuple[str, ...] = ()  # empty: loopback (127.0.0.1 and ::1)
    allow_remote: bool = False
    # Chromium ids besides the pinned one (a store or self-hosted install gets its own).
    extension_ids: tuple[str, ...] = ()


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def valid_port(port: object) -> bool:
    return isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535


def valid_extension_id(value: str) -> bool:
    """A Chromium extension id: 32 letters a-p."""
    return len(value) == 32 and all("a" <= c <= "p" for c in value)


def load_settings() -> Settings:
    """The saved settings, or the defaults when there are none. A damaged file is
    one line that says which file and what to do, never a silent default: the
    agent would be looked for on the wrong port."""
    path = settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        raise StorageError(
            f"cannot read {path} ({exc}); fix it or delete it to go back to the defaults"
        ) from None
    port = raw.get("port", DEFAULT_PORT) if isinstance(raw, dict) else None
    hosts = raw.get("hosts", []) if isinstance(raw, dict) else None
    allow = raw.get("allow_remote", False) if isinstance(raw, dict) else None
    ids = raw.get("extension_ids", []) if isinstance(raw, dict) else None
    if (
        not valid_port(port)
        or not isinstance(hosts, list)
        or not all(isinstance(h, str) and h for h in hosts)
        or not isinstance(allow, bool)
        or not isinstance(ids, list)
        or not all(isinstance(i, str) and valid_extension_id(i) for i in ids)
    ):
        raise StorageError(
            f"{path} is not valid onbrand settings (port 1-65535, hosts a list of addresses, "
            "allow_remote true or false, extension_ids a list of Chromium extension ids); "
            "fix it or delete it to go back to the defaults"
        )
    return Settings(
        port=int(port),  # type: ignore[arg-type]
        hosts=tuple(hosts),
        allow_remote=bool(allow),
        extension_ids=tuple(ids),
    )


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically (a crash leaves the old file), 0600."""
    path = settings_path()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    data = {
        "port": settings.port,
        "hosts": list(settings.hosts),
        "allow_remote": settings.allow_remote,
        "extension_ids": list(settings.extension_ids),
    }
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(exc, path) from None
    return path


def agent_port(explicit: int | None = None) -> int:
    """The port a command looks for the agent on: the one asked for, else the one
    `onbrand serve` was last given."""
    return explicit if explicit is not None else load_settings().port
