"""A brand's backup: one JSON file with what a brand is made of and cannot be
computed again (approved posts with their dates, platforms and dashboard
scores; guideline passages; rules; goals; ignored rules; the voice model's
history). Vectors, style features and calibration are derived, so a restore
computes them again. Drafts are never in it: the store never holds one.

`dump` reads a brand through the store; `read` checks a file completely
before anything is written (Onbrand.import_brand then writes it in one
transaction)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from agent.language import DEFAULT as DEFAULT_LANGUAGE
from agent.language import LANGUAGES, SETTINGS
from agent.platforms import MAX_POST_CHARS, platform_name
from agent.store import BRAND_NAME, Store, norm_key, now_iso

FORMAT = "onbrand-brand-backup"
VERSION = 1
MAX_BACKUP_BYTES = 512 * 1024 * 1024  # a brand of ~1M posts; more is not a backup of ours


class BackupError(ValueError):
    """A backup file that cannot be used: one line with where and what to do."""


def dump(store: Store, brand: str, version: str) -> dict[str, Any]:
    body = store.brand_dump(brand)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now_iso(),
        "onbrand": version,
        **body,
        "ignored_rules": store.ignored_rules(brand),
    }


def write(doc: dict[str, Any], path: Path) -> None:
    """Write atomically: an interrupted export never leaves half a backup where a
    good one was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # 0600 like the store: a backup holds the brand's goals and scores too.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise BackupError(
            f"cannot write {path} ({exc.strerror or exc}); choose a folder you can write"
        ) from None


# -- reading and checking ----------------------------------------------------
class _Check:
    """Field checks that name the file and the field that is wrong."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> BackupError:
        return BackupError(
            f"{self.path.name}: {where} {what}; it is not an intact onbrand backup "
            "(export the brand again, or restore an unedited copy)"
        )

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def arr(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return value

    def text(self, d: dict[str, Any], key: str, where: str, optional: bool = False) -> None:
        v = d.get(key)
        if v is None and optional:
            d[key] = None
            return
        if not isinstance(v, str) or (not optional and not v):
            raise self.fail(f"{where}.{key}", "must be text")

    def integer(self, d: dict[str, Any], key: str, where: str, optional: bool = False) -> None:
        v = d.get(key)
        if v is None and optional:
            d[key] = None
            return
        if not isinstance(v, int) or isinstance(v, bool):
            raise self.fail(f"{where}.{key}", "must be a whole number")

    def number(self, d: dict[str, Any], key: str, where: str) -> None:
        v = d.get(key)
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise self.fail(f"{where}.{key}", "must be a number")


def read(path: Path) -> dict[str, Any]:
    """The backup in `path`, every field checked; BackupError otherwise."""
    from agent.metrics import GOAL_KINDS
    from agent.text.rules import RulesError, load_rules

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BACKUP_BYTES:
            raise BackupError(f"{path.name} is {size:,} bytes, too big for an onbrand backup")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder; give the backup file") from None
    except OSError as exc:
        raise BackupError(f"cannot read {path} ({exc.strerror or exc})") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BackupError(
            f"{path.name} is not an onbrand backup (not JSON); "
            "make one with `onbrand export BRAND FILE`"
        ) from None
    c = _Check(path)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BackupError(
            f"{path.name} is not an onbrand backup; make one with `onbrand export BRAND FILE`"
        )
    if doc.get("version") != VERSION:
        raise BackupError(
            f"{path.name} is a backup of version {doc.get('version')!r}, this onbrand reads "
            f"version {VERSION}; upgrade onbrand"
        )
    brand = c.obj(doc.get("brand"), "brand")
    c.integer(brand, "id", "brand")
    c.text(brand, "name", "brand")
    if not BRAND_NAME.match(brand["name"]):
        raise c.fail("brand.name", "is not a valid brand name")
    c.text(brand, "display_name", "brand")
    c.text(brand, "created_at", "brand")
    # backups from before languages (docs/languages.md) hold none: English
    for k, allowed in (("language", LANGUAGES), ("language_setting", SETTINGS)):
        c.text(brand, k, "brand", optional=True)
        brand[k] = brand[k] or DEFAULT_LANGUAGE
        if brand[k] not in allowed:
            raise c.fail(f"brand.{k}", f"is not one of {', '.join(allowed)}")
    keys: set[str] = set()
    for n, p in enumerate(c.arr(doc.get("posts"), "posts")):
        where = f"posts[{n}]"
        c.obj(p, where)
        c.integer(p, "id", where)
        c.text(p, "text", where)
        if len(p["text"]) > MAX_POST_CHARS or not p["text"].strip():
            raise c.fail(f"{where}.text", f"must be 1 to {MAX_POST_CHARS:,} characters")
        key = norm_key(p["text"])
        if key in keys:
            raise c.fail(where, "repeats an earlier post")
        keys.add(key)
        for k in ("platform", "posted_at", "url", "source", "scored_at"):
            c.text(p, k, where, optional=True)
        if p["platform"] is not None and platform_name(p["platform"]) != p["platform"]:
            raise c.fail(f"{where}.platform", f"is not a platform ({p['platform']!r})")
        c.text(p, "added_at", where)
        for k in ("originality", "voice_drift", "specificity", "risk"):
            c.integer(p, k, where, optional=True)
        # engagement (docs/dashboard.md); backups from before it hold none
        for k in ("likes", "replies", "reposts"):
            c.integer(p, k, where, optional=True)
            if p[k] is not None and p[k] < 0:
                raise c.fail(f"{where}.{k}", "must be 0 or more")
        for k in ("stats_source", "stats_at"):
            c.text(p, k, where, optional=True)
    for n, d in enumerate(c.arr(doc.get("guidelines"), "guidelines")):
        where = f"guidelines[{n}]"
        c.obj(d, where)
        c.integer(d, "id", where)
        for k in ("name", "sha256", "added_at"):
            c.text(d, k, where)
        for m, g in enumerate(c.arr(d.get("passages"), f"{where}.passages")):
            pw = f"{where}.passages[{m}]"
            c.obj(g, pw)
            c.integer(g, "id", pw)
            c.integer(g, "ord", pw)
            c.text(g, "heading", pw)
            c.text(g, "text", pw)
    rules = doc.get("rules")
    if rules is not None:
        c.obj(rules, "rules")
        for k in ("name", "source", "loaded_at"):
            c.text(rules, k, "rules")
        try:
            load_rules(rules["source"], rules["name"])
        except RulesError as exc:
            raise c.fail("rules.source", f"is not valid ({exc})") from None
    else:
        doc["rules"] = None
    for n, g in enumerate(c.arr(doc.get("goals"), "goals")):
        where = f"goals[{n}]"
        c.obj(g, where)
        c.text(g, "kind", where)
        if g["kind"] not in GOAL_KINDS:
            raise c.fail(f"{where}.kind", f"is not a goal kind ({g['kind']!r})")
        c.text(g, "platform", where, optional=True)
        g["platform"] = g["platform"] or ""
        c.number(g, "target", where)
        c.text(g, "created_at", where)
        c.text(g, "updated_at", where)
    versions: set[int] = set()
    for n, v in enumerate(c.arr(doc.get("voice_history"), "voice_history")):
        where = f"voice_history[{n}]"
        c.obj(v, where)
        c.integer(v, "version", where)
        c.integer(v, "n_posts", where)
        c.text(v, "created_at", where)
        c.text(v, "reason", where, optional=True)
        v["reason"] = v["reason"] or ""
        if v["version"] in versions:
            raise c.fail(where, f"repeats version {v['version']}")
        versions.add(v["version"])
    ignored = c.arr(doc.get("ignored_rules", []), "ignored_rules")
    if not all(isinstance(r, str) and r for r in ignored):
        raise c.fail("ignored_rules", "must be a list of rule names")
    doc["ignored_rules"] = ignored
    return doc
