"""Pairing codes and tokens.

`onbrand pair` makes a one-time 6-digit code (valid 5 minutes) and writes only
its salted hash to the config dir; the agent process redeems it for a long
random token. Tokens are kept as SHA-256 hashes in `tokens.json` (mode 0600),
so the file alone lets no one in. Both files are re-read when they change, so
`onbrand tokens revoke` takes effect in a running agent at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from agent.config import StorageError, config_dir, storage_error

CODE_TTL_SECONDS = 300
MAX_ATTEMPTS = 5


class PairingError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # a protocol error code
        self.message = message


def write_private(path: Path, data: Any) -> None:
    """Atomic write with 0600 from the first byte: a crash leaves the old file. A
    full disk or a read-only folder is a StorageError (one line: where, what to do)."""
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):  # no half-written file beside the good one
                tmp.unlink()
            raise
        os.chmod(path, 0o600)
    except OSError as exc:
        raise storage_error(exc, path) from None


def _read(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except (OSError, ValueError):
        return default


def _hash(value: str, salt: str = "") -> str:
    return hashlib.sha256((salt + value).encode()).hexdigest()


class Auth:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or config_dir()
        self.tokens_path = self.folder / "tokens.json"
        self.code_path = self.folder / "pairing.json"
        self._lock = threading.Lock()

    # -- pairing codes ----------------------------------------------------
    def new_code(self) -> str:
        """A fresh code replaces any earlier one and clears a lock-out."""
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(8)
        with self._lock:
            write_private(
                self.code_path,
                {"salt": salt, "hash": _hash(code, salt), "created": time.time(), "attempts": 0},
            )
        return code

    def redeem(self, code: str, client_name: str = "client") -> str:
        """Trade a valid code for a new token, or raise PairingError."""
        try:
            return self._redeem(code, client_name)
        except StorageError as exc:  # told to the extension, not "internal error"
            raise PairingError("internal", str(exc)) from None

    def _redeem(self, code: str, client_name: str) -> str:
        with self._lock:
            rec = _read(self.code_path, None)
            if not rec or rec.get("used"):
                raise PairingError(
                    "pairing_expired", "no pairing code is active; run `onbrand pair`"
                )
            if rec.get("attempts", 0) >= MAX_ATTEMPTS:
                raise PairingError(
                    "pairing_locked", "too many wrong codes; run `onbrand pair` for a new one"
                )
            if time.time() - float(rec.get("created", 0)) > CODE_TTL_SECONDS:
                raise PairingError(
                    "pairing_expired", "the pairing code expired; run `onbrand pair`"
                )
            if not (
                isinstance(code, str) and code.isdigit() and len(code) == 6
            ) or not hmac.compare_digest(_hash(code, rec["salt"]), rec["hash"]):
                rec["attempts"] = rec.get("attempts", 0) + 1
                write_private(self.code_path, rec)
                left = MAX_ATTEMPTS - rec["attempts"]
                if left <= 0:
                    raise PairingError(
                        "pairing_locked", "too many wrong codes; run `onbrand pair` for a new one"
                    )
                raise PairingError("pairing_failed", f"wrong pairing code ({left} tries left)")
            rec["used"] = True  # one-time: a replayed code is refused
            write_private(self.code_path, rec)
        return self.issue_token(client_name)

    # -- tokens -----------------------------------------------------------
    def issue_token(self, name: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            tokens = _read(self.tokens_path, [])
            tokens.append(
                {
                    "id": secrets.token_hex(4),
                    "name": name[:64] or "client",
                    "sha256": _hash(token),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
            )
            write_private(self.tokens_path, tokens)
        return token

    def check(self, token: str | None) -> str | None:
        """The token's id when it is valid, else None. Constant-time compare."""
        if not token or not isinstance(token, str) or len(token) > 256:
            return None
        digest = _hash(token)
        found = None
        for t in _read(self.tokens_path, []):
            if hmac.compare_digest(t.get("sha256", ""), digest):
                found = t.get("id")
        return found

    def list_tokens(self) -> list[dict[str, str]]:
        return [
            {k: t[k] for k in ("id", "name", "created") if k in t}
            for t in _read(self.tokens_path, [])
        ]

    def revoke(self, token_id: str) -> bool:
        with self._lock:
            tokens = _read(self.tokens_path, [])
            kept = [t for t in tokens if t.get("id") != token_id]
            if len(kept) == len(tokens):
                return False
            write_private(self.tokens_path, kept)
            return True


LOGIN_TTL_SECONDS = 120


class Logins:
    """One-time login links for the dashboard. `onbrand dashboard` (another
    process) writes a code's hash; the agent redeems it once, within two
    minutes, for a browser session cookie."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or config_dir()) / "logins.json"
        self._lock = threading.Lock()

    def new(self) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            now = time.time()
            live = [
                x for x in _read(self.path, []) if now - x.get("created", 0) < LOGIN_TTL_SECONDS
            ]
            live.append({"sha256": _hash(code), "created": now})
            write_private(self.path, live)
        return code

    def redeem(self, code: str | None) -> bool:
        if not code or len(code) > 128:
            return False
        digest = _hash(code)
        with self._lock:
            now = time.time()
            entries = _read(self.path, [])
            hit = [
                x
                for x in entries
                if hmac.compare_digest(x.get("sha256", ""), digest)
                and now - x.get("created", 0) < LOGIN_TTL_SECONDS
            ]
            if not hit:
                return False
            write_private(self.path, [x for x in entries if x not in hit])
            return True
