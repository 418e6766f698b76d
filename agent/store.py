"""SQLite is the source of truth: brands, approved posts, guidelines, vectors.

Everything in memory (indexes, voice models) is derived from this file and can
be rebuilt from it. Writes that belong together (one imported file, one
approval with its vector) go in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agent.config import StorageError, data_dir, read_only_message, storage_error
from embeddings.encoder import ModelIdentity, identity_from_json

SCHEMA_VERSION = 7
DEFAULT_BRAND = "default"
DB_FILE_MODE = 0o600  # the database and its -wal and -shm: the user's alone
# SQLite's primary result codes (an extended code's low byte) that mean the file
# cannot be used, not that a statement was wrong.
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 3, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_SPACE = re.compile(r"\s+")
BRAND_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class StoreError(ValueError):
    """A request the store refuses, with a message fit for the user."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def normalise(text: str) -> str:
    """The form two posts share when they are 'the same post': case, spacing and
    links (which shorteners rewrite) do not count."""
    return _SPACE.sub(" ", _URL.sub(" ", text)).strip().casefold()


def norm_key(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


@dataclass(frozen=True)
class Post:
    id: int
    brand: str
    text: str
    platform: str | None
    posted_at: str | None
    url: str | None
    source: str | None
    added_at: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Passage:
    id: int
    doc: str
    heading: str
    text: str
    ord: int


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE brands (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        norm_key TEXT NOT NULL,
        platform TEXT,
        posted_at TEXT,
        url TEXT,
        source TEXT,
        added_at TEXT NOT NULL,
        UNIQUE (brand_id, norm_key)
    );
    CREATE TABLE guideline_docs (
        id INTEGER PRIMARY KEY,
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        added_at TEXT NOT NULL,
        UNIQUE (brand_id, name)
    );
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES guideline_docs(id) ON DELETE CASCADE,
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        heading TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE TABLE models (
        key TEXT PRIMARY KEY,
        identity TEXT NOT NULL,
        first_seen TEXT NOT NULL
    );
    CREATE TABLE vectors (
        kind TEXT NOT NULL CHECK (kind IN ('post', 'passage')),
        item_id INTEGER NOT NULL,
        model_key TEXT NOT NULL REFERENCES models(key),
        vec BLOB NOT NULL,
        PRIMARY KEY (kind, item_id, model_key)
    );
    CREATE TRIGGER posts_drop_vectors AFTER DELETE ON posts BEGIN
        DELETE FROM vectors WHERE kind = 'post' AND item_id = OLD.id;
    END;
    CREATE TRIGGER passages_drop_vectors AFTER DELETE ON passages BEGIN
        DELETE FROM vectors WHERE kind = 'passage' AND item_id = OLD.id;
    END;
    """,
    # 2: a record of every voice-model version (what changed, when, how many posts)
    """
    CREATE TABLE voice_versions (
        id INTEGER PRIMARY KEY,
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        n_posts INTEGER NOT NULL,
        reason TEXT NOT NULL,
        UNIQUE (brand_id, version)
    );
    """,
    # 3: goals and the metrics the dashboard shows (aggregates only: never draft text)
    """
    CREATE TABLE goals (
        id INTEGER PRIMARY KEY,
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('posts_per_week', 'min_specificity', 'max_drift',
                                           'max_minutes_per_day')),
        platform TEXT NOT NULL DEFAULT '',
        target REAL NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (brand_id, kind, platform)
    );
    CREATE TABLE post_scores (
        post_id INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
        originality INTEGER,
        voice_drift INTEGER,
        specificity INTEGER,
        risk INTEGER,
        scored_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        site TEXT NOT NULL,
        platform TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        analyses INTEGER NOT NULL,
        final_verdict TEXT,
        approved INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE activity (
        day TEXT NOT NULL,
        site TEXT NOT NULL,
        seconds INTEGER NOT NULL,
        PRIMARY KEY (day, site)
    );
    """,
    # 4: the brand's rules.toml (validated before it is stored: a bad file never
    # replaces good rules)
    """
    CREATE TABLE rules (
        brand_id INTEGER PRIMARY KEY REFERENCES brands(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    """,
    # 5: what a start would otherwise recompute for every post: each post's style
    # features (agent.text.style), stored when the post is added, and the voice model's
    # calibration for the brand's current version
    """
    CREATE TABLE post_style (
        post_id INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
        recipe INTEGER NOT NULL,
        style BLOB NOT NULL
    );
    CREATE TABLE voice_fits (
        brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        model_key TEXT NOT NULL,
        n_posts INTEGER NOT NULL,
        fit TEXT NOT NULL,
        PRIMARY KEY (brand_id, version, model_key)
    );
    """,
    # 6: a brand's language (agent/language.py): what a person set (en, id, mixed or
    # auto) and the language it resolved to; every brand before this one is English
    """
    ALTER TABLE brands ADD COLUMN language_setting TEXT NOT NULL DEFAULT 'en';
    ALTER TABLE brands ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    """,
    # 7: what happened to each post (likes, replies, reposts), from an import that
    # carries the figures or from `onbrand posts set-stats`; NULL where not known
    """
    CREATE TABLE post_stats (
        post_id INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
        likes INTEGER,
        replies INTEGER,
        reposts INTEGER,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
]
assert len(MIGRATIONS) == SCHEMA_VERSION


def _statements(script: str) -> Iterator[str]:
    """Split a script into statements (trigger bodies hold `;` too), so that a
    migration runs inside our own transaction; `executescript` would commit."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            yield buf.strip()
            buf = ""
    if buf.strip():
        raise StoreError("incomplete statement in a migration")


class Store:
    """One SQLite file. Thread-safe: one connection guarded by a lock, which is
    plenty for a single user's agent and keeps transactions simple."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "onbrand.sqlite3"
        self._lock = threading.RLock()
        # A brand's id never changes while it exists (brands are not renamed; a
        # removed one is dropped from here), so each name is looked up once; every
        # draft names its brand. Forgotten when another process (the CLI's `brands
        # remove`) commits to the file, which SQLite's data_version tells.
        self._brand_ids: dict[str, int] = {}
        self._brand_ids_version = -1
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            created = self._create()
            if not created and self.path.stat().st_size == 0:
                # SQLite would take it for an empty database and start afresh,
                # hiding that the posts are gone (docs/privacy.md).
                raise StorageError(
                    f"{self.path} is empty (0 bytes), so it is not a valid onbrand database "
                    "(a crash or a copy may have truncated it); restore it from a backup, "
                    "or delete it to start with an empty store"
                )
        except OSError as exc:
            raise storage_error(exc, self.path) from None
        self._private_files()
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=30
            )
        except sqlite3.Error as exc:
            self._check(exc)
            raise
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # an acknowledged approval survives a crash
            self._db.execute("PRAGMA foreign_keys=ON")
            self._private_files()  # -wal and -shm from before (SQLite gives new ones our mode)
            self._migrate()
            self.ensure_brand(DEFAULT_BRAND)
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, sqlite3.Error):
                self._check(exc)
            raise

    def _create(self) -> bool:
        """Create the database file 0600 unless it exists; whether it was made now."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DB_FILE_MODE)
        except FileExistsError:
            return False
        os.close(fd)
        os.chmod(self.path, DB_FILE_MODE)  # whatever the umask
        return True

    def _private_files(self) -> None:
        """0600 for the database, its -wal and its -shm (an older install made them
        0644); SQLite creates a new -wal or -shm with the database's mode."""
        for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            try:
                if stat.S_IMODE(p.stat().st_mode) != DB_FILE_MODE:
                    os.chmod(p, DB_FILE_MODE)
            except OSError:
                pass  # absent, or not ours: SQLite reports what it cannot open

    def _check(self, exc: sqlite3.Error) -> None:
        """Raise the StorageError that `exc` means when the file itself cannot be
        used (disk full, read-only, damaged); return for any other error."""
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        text = str(exc).lower()
        if primary == _SQLITE_FULL or "disk is full" in text:
            raise StorageError(
                f"the disk is full: could not write {self.path}; free some space and try again"
            ) from None
        if (
            primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_PERM)
            or "readonly database" in text
            or "unable to open database" in text
        ):
            raise StorageError(read_only_message(self.path.parent, self.path.name)) from None
        if (
            primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
            or "not a database" in text
            or "malformed" in text
        ):
            raise StorageError(
                f"{self.path} is not a valid onbrand database ({exc}); move it aside "
                "(onbrand then starts an empty one) and restore a backup if you have one"
            ) from None
        if primary == _SQLITE_IOERR or "disk i/o error" in text:
            raise StorageError(
                f"could not read or write {self.path} (a disk I/O error); check the disk "
                "and try again"
            ) from None

    # -- plumbing ---------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                self._check(exc)
                raise
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                # A full disk may have rolled the transaction back already.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    self._check(exc)
                raise

    def _q(self, sql: str, args: Iterable[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, tuple(args)).fetchall()
            except sqlite3.Error as exc:
                self._check(exc)
                raise

    def _tuples(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        """`_q` as plain tuples: for the bulk reads of a start (10,000s of rows),
        where building a Row per row is a measurable share of the time."""
        with self._lock:
            cur = self._db.cursor()
            cur.row_factory = None
            try:
                return cur.execute(sql, tuple(args)).fetchall()
            except sqlite3.Error as exc:
                self._check(exc)
                raise

    def _migrate(self) -> None:
        with self._lock:
            have = self._db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            version = 0
            if have:
                row = self._db.execute(
                    "SELECT value FROM meta WHERE key='schema_version'"
                ).fetchone()
                version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this onbrand "
                    f"({SCHEMA_VERSION}); upgrade onbrand"
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                with self.transaction() as db:
                    for stmt in _statements(MIGRATIONS[number - 1]):
                        db.execute(stmt)
                    db.execute(
                        "INSERT INTO meta(key, value) VALUES('schema_version', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (str(number),),
                    )

    def schema_version(self) -> int:
        return int(self._q("SELECT value FROM meta WHERE key='schema_version'")[0][0])

    def integrity_ok(self) -> bool:
        return self._q("PRAGMA integrity_check")[0][0] == "ok"

    # -- brands -----------------------------------------------------------
    def ensure_brand(self, name: str, display_name: str | None = None) -> int:
        name = name.strip().lower()
        if not BRAND_NAME.match(name):
            raise StoreError(
                f"brand name {name!r} is not valid: use lowercase letters, digits, - and _"
            )
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO brands(name, display_name, created_at) VALUES(?,?,?)",
                (name, display_name or name, now_iso()),
            )
            if display_name:
                db.execute("UPDATE brands SET display_name=? WHERE name=?", (display_name, name))
            return int(db.execute("SELECT id FROM brands WHERE name=?", (name,)).fetchone()[0])

    def change_mark(self) -> tuple[int, int]:
        """Changes since: another connection's commits to the file (SQLite's
        data_version) and this connection's own writes. Equal marks: nothing
        changed in between."""
        with self._lock:
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            return version, self._db.total_changes

    def brand_id(self, name: str) -> int:
        key = name.strip().lower()
        with self._lock:
            version = self.change_mark()[0]
            if version != self._brand_ids_version:
                self._brand_ids.clear()
                self._brand_ids_version = version
            bid = self._brand_ids.get(key)
        if bid is not None:
            return bid
        rows = self._q("SELECT id FROM brands WHERE name=?", (key,))
        if not rows:
            known = ", ".join(b["name"] for b in self.brands())
            raise StoreError(f"unknown brand {name!r} (known: {known})")
        bid = int(rows[0][0])
        if not self._db.in_transaction:  # a brand made in an open transaction may roll back
            self._brand_ids[key] = bid
        return bid

    def brands(self) -> list[dict[str, Any]]:
        rows = self._q(
            """SELECT b.name, b.display_name, b.created_at, b.language, b.language_setting,
                      (SELECT COUNT(*) FROM posts p WHERE p.brand_id=b.id) AS posts,
                      (SELECT COUNT(*) FROM passages g WHERE g.brand_id=b.id) AS passages
               FROM brands b ORDER BY b.name"""
        )
        return [dict(r) for r in rows]

    def brand_language(self, brand: str) -> tuple[str, str]:
        """(the language the brand resolved to, what was set: a language or auto)."""
        rows = self._q(
            "SELECT language, language_setting FROM brands WHERE id=?", (self.brand_id(brand),)
        )
        return str(rows[0][0]), str(rows[0][1])

    @staticmethod
    def set_brand_language(
        db: sqlite3.Connection, brand_id: int, language: str, setting: str
    ) -> None:
        db.execute(
            "UPDATE brands SET language=?, language_setting=? WHERE id=?",
            (language, setting, brand_id),
        )

    def get_meta(self, key: str) -> str | None:
        rows = self._q("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    @staticmethod
    def delete_meta(db: sqlite3.Connection, key: str) -> None:
        db.execute("DELETE FROM meta WHERE key=?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    # -- models and vectors -----------------------------------------------
    @staticmethod
    def register_model(db: sqlite3.Connection, key: str, identity_json: str) -> None:
        db.execute(
            "INSERT OR IGNORE INTO models(key, identity, first_seen) VALUES(?,?,?)",
            (key, identity_json, now_iso()),
        )

    @staticmethod
    def put_vectors(
        db: sqlite3.Connection, kind: str, ids: list[int], vecs: np.ndarray, model_key: str
    ) -> None:
        vecs = np.asarray(vecs, dtype=np.float32)
        db.executemany(
            "INSERT OR REPLACE INTO vectors(kind, item_id, model_key, vec) VALUES(?,?,?,?)",
            [(kind, i, model_key, v.tobytes()) for i, v in zip(ids, vecs, strict=True)],
        )

    def vectors(
        self, kind: str, brand: str, model_key: str, dim: int
    ) -> tuple[list[int], np.ndarray, list[int]]:
        """(ids with a vector of this model, their matrix, ids lacking one)."""
        table = "posts" if kind == "post" else "passages"
        bid = self.brand_id(brand)
        # Scanning the vectors (in item order, by their key) and checking the
        # brand beats looking a vector up per post: ~2x faster at 10k posts.
        rows = self._tuples(
            f"""SELECT v.item_id, v.vec FROM vectors v JOIN {table} t ON t.id=v.item_id
                WHERE v.kind=? AND v.model_key=? AND t.brand_id=? ORDER BY v.item_id""",
            (kind, model_key, bid),
        )
        have = [int(r[0]) for r in rows]
        width = dim * 4
        for r in rows:
            if len(r[1]) != width:
                raise StoreError(f"stored vector for {kind} {r[0]} has the wrong size")
        # One copy of all the bytes, not one array per row.
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
        mat = mat.reshape(len(rows), dim).copy()
        have_set = set(have)
        every = self._tuples(f"SELECT id FROM {table} WHERE brand_id=? ORDER BY id", (bid,))
        missing = [int(r[0]) for r in every if int(r[0]) not in have_set]
        return have, mat, missing

    @staticmethod
    def put_style(db: sqlite3.Connection, rows: dict[int, np.ndarray], recipe: int) -> None:
        """Store posts' style features; a post removed meanwhile is skipped."""
        db.executemany(
            """INSERT OR REPLACE INTO post_style(post_id, recipe, style)
               SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM posts WHERE id=?)""",
            [
                (pid, recipe, np.asarray(v, dtype=np.float64).tobytes(), pid)
                for pid, v in rows.items()
            ],
        )

    def style_rows(self, brand: str, recipe: int, width: int) -> dict[int, np.ndarray]:
        """The stored style features of this brand's posts, of this recipe."""
        rows = self._tuples(
            """SELECT s.post_id, s.style FROM post_style s JOIN posts p ON p.id=s.post_id
               WHERE p.brand_id=? AND s.recipe=?""",
            (self.brand_id(brand), recipe),
        )
        size = width * 8
        good = [r for r in rows if len(r[1]) == size]  # anything else is recomputed
        mat = np.frombuffer(b"".join(r[1] for r in good), dtype=np.float64).reshape(-1, width)
        return dict(zip((int(r[0]) for r in good), mat, strict=True))

    def voice_fit(
        self, brand: str, version: int, model_key: str, n_posts: int
    ) -> dict[str, Any] | None:
        """The stored calibration of this voice-model version, if any."""
        rows = self._q(
            """SELECT fit FROM voice_fits WHERE brand_id=? AND version=? AND model_key=?
               AND n_posts=?""",
            (self.brand_id(brand), version, model_key, n_posts),
        )
        return json.loads(rows[0][0]) if rows else None

    def put_voice_fit(
        self, brand: str, version: int, model_key: str, n_posts: int, fit: dict[str, Any]
    ) -> None:
        """Keep this version's calibration (older versions' are dropped)."""
        bid = self.brand_id(brand)
        with self.transaction() as db:
            db.execute(
                "DELETE FROM voice_fits WHERE brand_id=? AND model_key=? AND version<?",
                (bid, model_key, version),
            )
            db.execute(
                """INSERT OR REPLACE INTO voice_fits(brand_id, version, model_key, n_posts, fit)
                   VALUES(?,?,?,?,?)""",
                (bid, version, model_key, n_posts, json.dumps(fit)),
            )

    def missing_vectors(self, kind: str, brand: str, model_key: str) -> list[int]:
        """Ids of this brand's posts or passages with no vector of this model."""
        table = "posts" if kind == "post" else "passages"
        rows = self._q(
            f"""SELECT t.id FROM {table} t WHERE t.brand_id=? AND NOT EXISTS (
                    SELECT 1 FROM vectors v
                    WHERE v.kind=? AND v.item_id=t.id AND v.model_key=?)
                ORDER BY t.id""",
            (self.brand_id(brand), kind, model_key),
        )
        return [int(r[0]) for r in rows]

    def item_counts(self, brand: str) -> dict[str, int]:
        bid = self.brand_id(brand)
        posts = self._q("SELECT COUNT(*) FROM posts WHERE brand_id=?", (bid,))[0][0]
        passages = self._q("SELECT COUNT(*) FROM passages WHERE brand_id=?", (bid,))[0][0]
        return {"post": int(posts), "passage": int(passages)}

    def vector_coverage(self, brand: str) -> dict[str, dict[str, int]]:
        """For each model: how many of this brand's posts and passages it covers."""
        bid = self.brand_id(brand)
        out: dict[str, dict[str, int]] = {}
        for kind, table in (("post", "posts"), ("passage", "passages")):
            rows = self._q(
                f"""SELECT v.model_key, COUNT(*) FROM vectors v JOIN {table} t ON t.id=v.item_id
                    WHERE v.kind=? AND t.brand_id=? GROUP BY v.model_key""",
                (kind, bid),
            )
            for key, n in rows:
                out.setdefault(key, {"post": 0, "passage": 0})[kind] = int(n)
        return out

    def model_identity(self, key: str) -> ModelIdentity | None:
        rows = self._q("SELECT identity FROM models WHERE key=?", (key,))
        return identity_from_json(rows[0][0]) if rows else None

    def stale_model_keys(self, model_key: str) -> list[str]:
        return [r[0] for r in self._q("SELECT key FROM models WHERE key != ?", (model_key,))]

    # -- posts ------------------------------------------------------------
    def _post(self, row: sqlite3.Row) -> Post:
        return Post(
            id=row["id"],
            brand=row["brand"],
            text=row["text"],
            platform=row["platform"],
            posted_at=row["posted_at"],
            url=row["url"],
            source=row["source"],
            added_at=row["added_at"],
        )

    _POST_SQL = """SELECT p.*, b.name AS brand FROM posts p JOIN brands b ON b.id=p.brand_id"""

    def get_post(self, post_id: int) -> Post | None:
        rows = self._q(self._POST_SQL + " WHERE p.id=?", (post_id,))
        return self._post(rows[0]) if rows else None

    def posts_by_ids(self, ids: Iterable[int]) -> dict[int, Post]:
        """The posts of these ids (any number: read in chunks under SQLite's limit of
        bound values); an id with no post is left out."""
        ids = list(ids)
        out: dict[int, Post] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._q(self._POST_SQL + f" WHERE p.id IN ({marks})", chunk)
            out.update({r["id"]: self._post(r) for r in rows})
        return out

    def list_posts(self, brand: str, limit: int = 50, offset: int = 0) -> list[Post]:
        rows = self._q(
            self._POST_SQL + " WHERE b.name=? ORDER BY p.id DESC LIMIT ? OFFSET ?",
            (brand, limit, offset),
        )
        return [self._post(r) for r in rows]

    def post_texts(self, brand: str) -> dict[int, str]:
        bid = self.brand_id(brand)
        return {r[0]: r[1] for r in self._q("SELECT id, text FROM posts WHERE brand_id=?", (bid,))}

    def post_keys(self, brand: str) -> dict[str, int]:
        """Every post of the brand by its normalised-text key (a brand kit's merge)."""
        bid = self.brand_id(brand)
        rows = self._q("SELECT norm_key, id FROM posts WHERE brand_id=?", (bid,))
        return {str(r[0]): int(r[1]) for r in rows}

    def count_posts(self, brand: str) -> int:
        return int(
            self._q("SELECT COUNT(*) FROM posts WHERE brand_id=?", (self.brand_id(brand),))[0][0]
        )

    def existing_keys(self, brand: str, keys: Iterable[str]) -> dict[str, int]:
        bid = self.brand_id(brand)
        keys = list(keys)
        found: dict[str, int] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self._q(
                f"SELECT norm_key, id FROM posts WHERE brand_id=? AND norm_key IN ({marks})",
                [bid, *chunk],
            ):
                found[r[0]] = int(r[1])
        return found

    @staticmethod
    def insert_post(
        db: sqlite3.Connection,
        brand_id: int,
        text: str,
        platform: str | None,
        posted_at: str | None,
        url: str | None,
        source: str | None,
    ) -> tuple[int, bool]:
        """(post id, created). A duplicate returns the existing post's id."""
        key = norm_key(text)
        row = db.execute(
            "SELECT id FROM posts WHERE brand_id=? AND norm_key=?", (brand_id, key)
        ).fetchone()
        if row:
            return int(row[0]), False
        cur = db.execute(
            """INSERT INTO posts(brand_id, text, norm_key, platform, posted_at, url, source,
                                 added_at) VALUES(?,?,?,?,?,?,?,?)""",
            (brand_id, text, key, platform, posted_at, url, source, now_iso()),
        )
        return int(cur.lastrowid or 0), True

    @staticmethod
    def delete_post(db: sqlite3.Connection, post_id: int) -> None:
        db.execute("DELETE FROM posts WHERE id=?", (post_id,))

    def unscored_posts(self, brand: str, limit: int) -> list[tuple[int, str, str | None]]:
        """(id, text, platform) of the most recent posts with no scores yet."""
        rows = self._q(
            """SELECT p.id, p.text, p.platform FROM posts p
               LEFT JOIN post_scores s ON s.post_id = p.id
               WHERE p.brand_id=? AND s.post_id IS NULL
               ORDER BY COALESCE(p.posted_at, p.added_at) DESC LIMIT ?""",
            (self.brand_id(brand), limit),
        )
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    def remove_post(self, post_id: int) -> Post:
        post = self.get_post(post_id)
        if post is None:
            raise StoreError(f"no post with id {post_id}")
        with self.transaction() as db:
            db.execute("DELETE FROM posts WHERE id=?", (post_id,))
        return post

    # -- guidelines -------------------------------------------------------
    def passages(self, brand: str) -> dict[int, Passage]:
        rows = self._q(
            """SELECT g.id, d.name AS doc, g.heading, g.text, g.ord FROM passages g
               JOIN guideline_docs d ON d.id=g.doc_id WHERE g.brand_id=?
               ORDER BY d.name, g.ord""",
            (self.brand_id(brand),),
        )
        return {
            r["id"]: Passage(r["id"], r["doc"], r["heading"], r["text"], r["ord"]) for r in rows
        }

    @staticmethod
    def replace_guidelines(
        db: sqlite3.Connection,
        brand_id: int,
        name: str,
        sha256: str,
        sections: Iterable[tuple[str, str]],
    ) -> list[int]:
        """Replace the guideline document of this name with these (heading, text)
        passages, inside the caller's transaction; the passages' ids in order."""
        db.execute("DELETE FROM guideline_docs WHERE brand_id=? AND name=?", (brand_id, name))
        cur = db.execute(
            "INSERT INTO guideline_docs(brand_id, name, sha256, added_at) "
            "VALUES(?,?,?,datetime('now'))",
            (brand_id, name, sha256),
        )
        doc_id = int(cur.lastrowid or 0)
        ids = []
        for n, (heading, text) in enumerate(sections):
            c = db.execute(
                "INSERT INTO passages(doc_id, brand_id, ord, heading, text) VALUES(?,?,?,?,?)",
                (doc_id, brand_id, n, heading, text),
            )
            ids.append(int(c.lastrowid or 0))
        return ids

    @staticmethod
    def put_rules(db: sqlite3.Connection, brand_id: int, name: str, source: str) -> None:
        db.execute(
            "INSERT OR REPLACE INTO rules(brand_id, name, source, loaded_at) "
            "VALUES(?,?,?,datetime('now'))",
            (brand_id, name, source),
        )

    def rules_source(self, brand: str) -> tuple[str, str] | None:
        rows = self._q("SELECT name, source FROM rules WHERE brand_id=?", (self.brand_id(brand),))
        return (rows[0][0], rows[0][1]) if rows else None

    # Rules a person chose to ignore for a brand ("ignore this rule" in the
    # extension): a JSON list in meta, so no schema change; kept apart from the
    # rules.toml, so loading a new file keeps them ignored.
    def ignored_rules(self, brand: str) -> list[str]:
        raw = self.get_meta(f"ignored_rules:{self.brand_id(brand)}")
        try:
            names = json.loads(raw) if raw else []
        except ValueError:
            return []
        return sorted(n for n in names if isinstance(n, str)) if isinstance(names, list) else []

    def set_rule_ignored(self, brand: str, rule: str, ignored: bool) -> list[str]:
        """Ignore a rule for a brand (or check it again); the names ignored now."""
        key = f"ignored_rules:{self.brand_id(brand)}"
        names = set(self.ignored_rules(brand))
        names = names | {rule} if ignored else names - {rule}
        with self.transaction() as db:
            if names:
                db.execute(
                    "INSERT INTO meta(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (key, json.dumps(sorted(names))),
                )
            else:
                self.delete_meta(db, key)
        return sorted(names)

    # -- voice versions ---------------------------------------------------
    def voice_version(self, brand: str) -> int:
        rows = self._q(
            "SELECT MAX(version) FROM voice_versions WHERE brand_id=?", (self.brand_id(brand),)
        )
        return int(rows[0][0] or 0)

    @staticmethod
    def bump_voice_version(db: sqlite3.Connection, brand_id: int, reason: str) -> int:
        """Record a new voice-model version inside the caller's transaction, so the
        version and the change that made it land together or not at all."""
        row = db.execute(
            "SELECT COALESCE(MAX(version), 0) FROM voice_versions WHERE brand_id=?", (brand_id,)
        ).fetchone()
        version = int(row[0]) + 1
        n = db.execute("SELECT COUNT(*) FROM posts WHERE brand_id=?", (brand_id,)).fetchone()[0]
        db.execute(
            "INSERT INTO voice_versions(brand_id, version, created_at, n_posts, reason) "
            "VALUES(?,?,?,?,?)",
            (brand_id, version, now_iso(), n, reason),
        )
        return version

    def voice_history(self, brand: str, limit: int = 50) -> list[dict[str, object]]:
        rows = self._q(
            "SELECT version, created_at, n_posts, reason FROM voice_versions WHERE brand_id=? "
            "ORDER BY version DESC LIMIT ?",
            (self.brand_id(brand), limit),
        )
        return [dict(r) for r in rows]

    # -- goals and the dashboard's records ---------------------------------
    def put_goal(self, brand: str, kind: str, platform: str, target: float) -> int:
        """Set a goal (one per brand, kind and platform); its id."""
        bid = self.brand_id(brand)
        with self.transaction() as db:
            db.execute(
                """INSERT INTO goals(brand_id, kind, platform, target, created_at, updated_at)
                   VALUES(?,?,?,?,?,?)
                   ON CONFLICT(brand_id, kind, platform) DO UPDATE SET target=excluded.target,
                   updated_at=excluded.updated_at""",
                (bid, kind, platform, target, now_iso(), now_iso()),
            )
            row = db.execute(
                "SELECT id FROM goals WHERE brand_id=? AND kind=? AND platform=?",
                (bid, kind, platform),
            ).fetchone()
        return int(row[0])

    def goals(self, brand: str) -> list[tuple[int, str, str, float, str]]:
        """(id, kind, platform, target, updated_at) of the brand's goals."""
        rows = self._q(
            "SELECT id, kind, platform, target, updated_at FROM goals WHERE brand_id=? ORDER BY id",
            (self.brand_id(brand),),
        )
        return [(int(r[0]), str(r[1]), str(r[2] or ""), float(r[3]), str(r[4])) for r in rows]

    def delete_goal(self, brand: str, goal_id: int) -> bool:
        with self.transaction() as db:
            cur = db.execute(
                "DELETE FROM goals WHERE id=? AND brand_id=?", (goal_id, self.brand_id(brand))
            )
            return cur.rowcount > 0

    def put_scores(
        self,
        post_id: int,
        originality: int | None,
        voice_drift: int | None,
        specificity: int | None,
        risk: int | None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                """INSERT OR REPLACE INTO post_scores(post_id, originality, voice_drift,
                   specificity, risk, scored_at) VALUES(?,?,?,?,?,?)""",
                (post_id, originality, voice_drift, specificity, risk, now_iso()),
            )

    def insert_session(
        self,
        brand: str,
        site: str,
        platform: str | None,
        started_at: str,
        ended_at: str,
        analyses: int,
        final_verdict: str | None,
        approved: bool,
    ) -> int:
        with self.transaction() as db:
            cur = db.execute(
                """INSERT INTO sessions(brand_id, site, platform, started_at, ended_at, analyses,
                   final_verdict, approved) VALUES(?,?,?,?,?,?,?,?)""",
                (
                    self.brand_id(brand),
                    site,
                    platform,
                    started_at,
                    ended_at,
                    analyses,
                    final_verdict,
                    1 if approved else 0,
                ),
            )
            return int(cur.lastrowid or 0)

    def add_activity(self, day: str, site: str, seconds: int) -> None:
        """Add active seconds to a site's total for a day."""
        with self.transaction() as db:
            db.execute(
                """INSERT INTO activity(day, site, seconds) VALUES(?,?,?)
                   ON CONFLICT(day, site) DO UPDATE SET seconds = seconds + excluded.seconds""",
                (day, site, seconds),
            )

    def scored_posts(self, brand: str) -> list[dict[str, Any]]:
        """Every post of the brand with its scores and engagement (None where not
        known), oldest first; `at` is when it was posted, else when it was added."""
        rows = self._q(
            """SELECT p.id, p.text, p.platform, p.url, COALESCE(p.posted_at, p.added_at) AS at,
                      s.originality, s.voice_drift, s.specificity, s.risk,
                      e.likes, e.replies, e.reposts
               FROM posts p LEFT JOIN post_scores s ON s.post_id = p.id
               LEFT JOIN post_stats e ON e.post_id = p.id
               WHERE p.brand_id=? ORDER BY at""",
            (self.brand_id(brand),),
        )
        return [dict(r) for r in rows]

    @staticmethod
    def put_post_stats(
        db: sqlite3.Connection,
        rows: Iterable[tuple[int, int | None, int | None, int | None]],
        source: str,
    ) -> None:
        """(post id, likes, replies, reposts) inside the caller's transaction; a
        None keeps the figure stored before (an import without replies keeps the
        replies set by hand)."""
        db.executemany(
            """INSERT INTO post_stats(post_id, likes, replies, reposts, source, updated_at)
               VALUES(?,?,?,?,?,?)
               ON CONFLICT(post_id) DO UPDATE SET
                 likes=COALESCE(excluded.likes, likes),
                 replies=COALESCE(excluded.replies, replies),
                 reposts=COALESCE(excluded.reposts, reposts),
                 source=excluded.source, updated_at=excluded.updated_at""",
            [(pid, lk, rp, rs, source, now_iso()) for pid, lk, rp, rs in rows],
        )

    def set_post_stats(
        self, post_id: int, likes: int | None, replies: int | None, reposts: int | None
    ) -> dict[str, Any]:
        """Set a post's engagement by hand; the figures stored now."""
        if self.get_post(post_id) is None:
            raise StoreError(f"no post with id {post_id} (see `onbrand posts list`)")
        with self.transaction() as db:
            self.put_post_stats(db, [(post_id, likes, replies, reposts)], "manual")
        return self.post_stats(post_id) or {}

    def post_stats(self, post_id: int) -> dict[str, Any] | None:
        rows = self._q(
            "SELECT likes, replies, reposts, source, updated_at FROM post_stats WHERE post_id=?",
            (post_id,),
        )
        return dict(rows[0]) if rows else None

    def activity(self) -> list[tuple[str, str, int]]:
        """(day, site, seconds), by day."""
        rows = self._q("SELECT day, site, seconds FROM activity ORDER BY day")
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def complaint_sessions(self, brand: str, since: str) -> list[tuple[str, str, bool]]:
        """(site, ended_at, approved) of the brand's compose sessions since a UTC time
        whose last check found a reply to a customer complaint."""
        rows = self._q(
            """SELECT site, ended_at, approved FROM sessions
               WHERE brand_id=? AND started_at >= ? AND final_verdict='complaint'
               ORDER BY started_at""",
            (self.brand_id(brand), since),
        )
        return [(str(r[0]), str(r[1]), bool(r[2])) for r in rows]

    def session_counts(self, brand: str, since: str) -> list[tuple[str, int, int, int]]:
        """(site, sessions, analyses, approved) of the brand's sessions since a UTC time."""
        rows = self._q(
            """SELECT site, COUNT(*), SUM(analyses), SUM(approved) FROM sessions
               WHERE brand_id=? AND started_at >= ? GROUP BY site""",
            (self.brand_id(brand), since),
        )
        return [(str(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows]

    # -- a brand as a whole: backup, restore, removal (agent/backup.py) ----
    def brand_row(self, brand: str) -> dict[str, Any]:
        rows = self._q(
            """SELECT id, name, display_name, created_at, language, language_setting
               FROM brands WHERE id=?""",
            (self.brand_id(brand),),
        )
        return dict(rows[0])

    def brand_dump(self, brand: str) -> dict[str, Any]:
        """Everything a brand's backup holds, as plain rows in id order: its posts
        (with their dashboard scores and engagement), guideline documents and passages, rules,
        goals and voice-model history. Derived data (vectors, style, calibration)
        is left out: a restore computes it again."""
        bid = self.brand_id(brand)
        posts = [
            dict(r)
            for r in self._q(
                """SELECT p.id, p.text, p.platform, p.posted_at, p.url, p.source, p.added_at,
                          s.originality, s.voice_drift, s.specificity, s.risk, s.scored_at,
                          e.likes, e.replies, e.reposts, e.source AS stats_source,
                          e.updated_at AS stats_at
                   FROM posts p LEFT JOIN post_scores s ON s.post_id = p.id
                   LEFT JOIN post_stats e ON e.post_id = p.id
                   WHERE p.brand_id=? ORDER BY p.id""",
                (bid,),
            )
        ]
        docs = []
        for d in self._q(
            "SELECT id, name, sha256, added_at FROM guideline_docs WHERE brand_id=? ORDER BY id",
            (bid,),
        ):
            passages = self._q(
                "SELECT id, ord, heading, text FROM passages WHERE doc_id=? ORDER BY ord, id",
                (d["id"],),
            )
            docs.append({**dict(d), "passages": [dict(p) for p in passages]})
        rules = self._q("SELECT name, source, loaded_at FROM rules WHERE brand_id=?", (bid,))
        goals = self._q(
            """SELECT kind, platform, target, created_at, updated_at FROM goals
               WHERE brand_id=? ORDER BY id""",
            (bid,),
        )
        voice = self._q(
            """SELECT version, created_at, n_posts, reason FROM voice_versions
               WHERE brand_id=? ORDER BY version""",
            (bid,),
        )
        return {
            "brand": self.brand_row(brand),
            "posts": posts,
            "guidelines": docs,
            "rules": dict(rules[0]) if rules else None,
            "goals": [dict(g) for g in goals],
            "voice_history": [dict(v) for v in voice],
        }

    @staticmethod
    def _free(db: sqlite3.Connection, table: str, ids: list[int]) -> bool:
        """Whether none of these ids is taken in `table` (so a restore keeps them)."""
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            if db.execute(f"SELECT 1 FROM {table} WHERE id IN ({marks}) LIMIT 1", chunk).fetchone():
                return False
        return True

    @staticmethod
    def restore_brand(
        db: sqlite3.Connection, dump: dict[str, Any], name: str
    ) -> tuple[int, list[int], list[int]]:
        """Write a `brand_dump` (validated by agent.backup) as brand `name`, inside
        the caller's transaction: (brand id, post ids, passage ids) in the dump's
        order. The original ids are kept where they are free (a brand restored into
        the database it was removed from answers exactly as before), else new ones."""
        b = dump["brand"]
        keep_bid = Store._free(db, "brands", [b["id"]])
        cur = db.execute(
            """INSERT INTO brands(id, name, display_name, created_at, language, language_setting)
               VALUES(?,?,?,?,?,?)""",
            (
                b["id"] if keep_bid else None,
                name,
                b["display_name"],
                b["created_at"],
                b.get("language", "en"),
                b.get("language_setting", "en"),
            ),
        )
        bid = int(cur.lastrowid or 0)
        keep = Store._free(db, "posts", [p["id"] for p in dump["posts"]])
        post_ids = []
        for p in dump["posts"]:
            cur = db.execute(
                """INSERT INTO posts(id, brand_id, text, norm_key, platform, posted_at, url,
                                     source, added_at) VALUES(?,?,?,?,?,?,?,?,?)""",
                (
                    p["id"] if keep else None,
                    bid,
                    p["text"],
                    norm_key(p["text"]),
                    p["platform"],
                    p["posted_at"],
                    p["url"],
                    p["source"],
                    p["added_at"],
                ),
            )
            pid = int(cur.lastrowid or 0)
            post_ids.append(pid)
            if p.get("scored_at"):
                db.execute(
                    """INSERT INTO post_scores(post_id, originality, voice_drift, specificity,
                       risk, scored_at) VALUES(?,?,?,?,?,?)""",
                    (
                        pid,
                        p["originality"],
                        p["voice_drift"],
                        p["specificity"],
                        p["risk"],
                        p["scored_at"],
                    ),
                )
            if p.get("stats_at"):  # a backup from before engagement has none
                db.execute(
                    """INSERT INTO post_stats(post_id, likes, replies, reposts, source,
                       updated_at) VALUES(?,?,?,?,?,?)""",
                    (
                        pid,
                        p["likes"],
                        p["replies"],
                        p["reposts"],
                        p["stats_source"] or "backup",
                        p["stats_at"],
                    ),
                )
        every = [g["id"] for d in dump["guidelines"] for g in d["passages"]]
        keep_docs = Store._free(db, "guideline_docs", [d["id"] for d in dump["guidelines"]])
        keep_passages = Store._free(db, "passages", every)
        passage_ids = []
        for d in dump["guidelines"]:
            cur = db.execute(
                """INSERT INTO guideline_docs(id, brand_id, name, sha256, added_at)
                   VALUES(?,?,?,?,?)""",
                (d["id"] if keep_docs else None, bid, d["name"], d["sha256"], d["added_at"]),
            )
            doc_id = int(cur.lastrowid or 0)
            for g in d["passages"]:
                cur = db.execute(
                    """INSERT INTO passages(id, doc_id, brand_id, ord, heading, text)
                       VALUES(?,?,?,?,?,?)""",
                    (
                        g["id"] if keep_passages else None,
                        doc_id,
                        bid,
                        g["ord"],
                        g["heading"],
                        g["text"],
                    ),
                )
                passage_ids.append(int(cur.lastrowid or 0))
        r = dump["rules"]
        if r:
            db.execute(
                "INSERT INTO rules(brand_id, name, source, loaded_at) VALUES(?,?,?,?)",
                (bid, r["name"], r["source"], r["loaded_at"]),
            )
        for g in dump["goals"]:
            db.execute(
                """INSERT INTO goals(brand_id, kind, platform, target, created_at, updated_at)
                   VALUES(?,?,?,?,?,?)""",
                (bid, g["kind"], g["platform"], g["target"], g["created_at"], g["updated_at"]),
            )
        for v in dump["voice_history"]:
            db.execute(
                """INSERT INTO voice_versions(brand_id, version, created_at, n_posts, reason)
                   VALUES(?,?,?,?,?)""",
                (bid, v["version"], v["created_at"], v["n_posts"], v["reason"]),
            )
        return bid, post_ids, passage_ids

    @staticmethod
    def put_ignored_rules(db: sqlite3.Connection, brand_id: int, names: list[str]) -> None:
        """The brand's ignored rules (see `ignored_rules`), inside the caller's transaction."""
        if names:
            db.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (f"ignored_rules:{brand_id}", json.dumps(sorted(names))),
            )

    def remove_brand(self, brand: str) -> int:
        """Delete a brand and everything of it in one transaction: posts, their
        vectors, style and scores, guidelines, rules, goals, sessions, voice history
        and calibration, ignored rules; the posts it had."""
        bid = self.brand_id(brand)
        key = brand.strip().lower()
        with self.transaction() as db:
            n = db.execute("SELECT COUNT(*) FROM posts WHERE brand_id=?", (bid,)).fetchone()[0]
            # Vectors hang off posts and passages by triggers, which the cascade fires.
            db.execute("DELETE FROM brands WHERE id=?", (bid,))
            self.delete_meta(db, f"ignored_rules:{bid}")
            if self.get_meta("active_brand") == key:
                self.delete_meta(db, "active_brand")
        self._brand_ids.pop(key, None)  # the name may come back with another id
        return int(n)
