"""A brand kit: a brand shared between writers as plain files in a git repository.

Layout (docs/kit.md):

    kit.toml            format, brand, platforms
    guidelines.md       the brand's guidelines (Markdown)
    rules.toml          the brand's machine-checked rules
    ignored_rules.txt   rules the team chose not to check, one per line
    goals.json          the brand's goals
    posts/WRITER.jsonl  one writer's approvals and removals, one JSON event per line

Each writer appends only to their own posts file, so git never has to merge two
edits of one file: concurrent approvals merge by themselves. The brand's posts are
what the events say when read together: a post (keyed by its normalised text, the
store's `norm_key`) is in the brand when its latest approval is newer than its
latest removal. Never drafts, never vectors: each agent embeds with its own encoder.

Sync runs the `git` the user already has, with their credentials; onbrand stores
none. Which brand follows which kit, and what the last sync applied, is kept in
the config folder (`kits.json`), not in the kit.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import getpass
import hashlib
import json
import os
import re
import secrets
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.config import config_dir
from agent.importers import Record
from agent.store import norm_key
from agent.text.unicode import valid

if TYPE_CHECKING:
    from agent.core import Onbrand

FORMAT = 1  # the kit format this onbrand writes and reads
KIT_FILE = "kit.toml"
GUIDELINES = "guidelines.md"
RULES = "rules.toml"
IGNORED = "ignored_rules.txt"
GOALS = "goals.json"
POSTS = "posts"
ATTACHMENTS = "kits.json"
KIT_PATHS = (KIT_FILE, POSTS, GUIDELINES, RULES, IGNORED, GOALS)
GIT_TIMEOUT_S = 300  # a pull over a slow link; a hung credential prompt is killed
SYNC_LOCK = "onbrand-sync.lock"  # in the clone's git folder, never committed
PUSH_TRIES = 3  # another writer pushed meanwhile: pull, apply and push again
WRITER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KitError(ValueError):
    """A one-line reason a kit cannot be used, and what to do."""


@dataclass(frozen=True)
class Event:
    op: str  # "add" | "remove"
    key: str  # norm_key of the post's text
    at: str  # when, UTC ISO with microseconds (orders the events)
    by: str  # the writer
    text: str = ""
    platform: str | None = None
    posted_at: str | None = None
    url: str | None = None
    approved_by: str | None = None

    def line(self) -> str:
        body: dict[str, Any] = {"op": self.op, "key": self.key, "at": self.at, "by": self.by}
        if self.op == "add":
            body.update(text=self.text, platform=self.platform, posted_at=self.posted_at)
            if self.url:
                body["url"] = self.url
            if self.approved_by:
                body["approved_by"] = self.approved_by
        return json.dumps(body, ensure_ascii=False)


@dataclass
class Kit:
    folder: Path
    brand: str
    platforms: list[str]
    events: list[Event]
    guidelines: str | None
    rules: str | None
    ignored: list[str]
    goals: list[dict[str, Any]]

    def posts(self) -> dict[str, Event]:
        return present(self.events)

    def known(self) -> set[str]:
        """Every post key any event names."""
        return {e.key for e in self.events}


def present(events: Iterable[Event]) -> dict[str, Event]:
    """The posts the events leave in the brand, by key: a post is in when its latest
    approval is newer than its latest removal (a removal wins only when newer)."""
    added: dict[str, Event] = {}
    removed: dict[str, str] = {}
    for e in events:
        if e.op == "add":
            if e.key not in added or e.at > added[e.key].at:
                added[e.key] = e
        elif e.at > removed.get(e.key, ""):
            removed[e.key] = e.at
    return {k: e for k, e in added.items() if e.at > removed.get(k, "")}


def stamp() -> str:
    """Now, to the microsecond: two approvals in one second stay ordered."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


# -- reading a kit -------------------------------------------------------------------
def read_kit(folder: Path) -> Kit:
    """Read and check every file of the kit; a broken one is refused with its file,
    line and reason."""
    folder = Path(folder)
    meta_path = folder / KIT_FILE
    if not meta_path.is_file():
        raise KitError(
            f"{folder} is not an onbrand kit (no {KIT_FILE}); `onbrand kit init` makes one"
        )
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KitError(f"{KIT_FILE}: {exc}") from None
    fmt = meta.get("format")
    if not isinstance(fmt, int) or fmt < 1:
        raise KitError(f"{KIT_FILE}: 'format' must be a whole number, not {fmt!r}")
    if fmt > FORMAT:
        raise KitError(
            f"{KIT_FILE}: this kit is format {fmt}, written by a newer onbrand; this one "
            f"reads format {FORMAT}. Upgrade onbrand, then sync again"
        )
    brand = meta.get("brand")
    if not isinstance(brand, str) or not brand.strip():
        raise KitError(f"{KIT_FILE}: 'brand' must name the brand")
    platforms = meta.get("platforms", [])
    if not isinstance(platforms, list) or not all(isinstance(p, str) for p in platforms):
        raise KitError(f"{KIT_FILE}: 'platforms' must be a list of names")
    events: list[Event] = []
    posts_dir = folder / POSTS
    if posts_dir.is_dir():
        for path in sorted(posts_dir.glob("*.jsonl")):
            events += _read_events(path, f"{POSTS}/{path.name}")
    goals: list[dict[str, Any]] = []
    if (folder / GOALS).is_file():
        goals = _read_goals(folder / GOALS)
    ignored: list[str] = []
    if (folder / IGNORED).is_file():
        ignored = sorted({ln.strip() for ln in _text(folder / IGNORED).splitlines() if ln.strip()})
    return Kit(
        folder,
        brand.strip().lower(),
        list(platforms),
        events,
        _text(folder / GUIDELINES) if (folder / GUIDELINES).is_file() else None,
        _text(folder / RULES) if (folder / RULES).is_file() else None,
        ignored,
        goals,
    )


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KitError(f"{path.name}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise KitError(f"{path.name}: {exc.strerror or exc}") from None


def _read_events(path: Path, name: str) -> list[Event]:
    out = []
    for n, line in enumerate(_text(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}, line {n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KitError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(raw, dict):
            raise KitError(f"{where}: an event must be a JSON object")
        op, key, at, by = raw.get("op"), raw.get("key"), raw.get("at"), raw.get("by")
        if op not in ("add", "remove"):
            raise KitError(f"{where}: 'op' must be 'add' or 'remove', not {op!r}")
        if not all(isinstance(v, str) and v for v in (key, at, by)):
            raise KitError(f"{where}: 'key', 'at' and 'by' must be non-empty text")
        text = raw.get("text", "")
        if op == "add":
            if not isinstance(text, str) or not text.strip():
                raise KitError(f"{where}: an approval needs the post's 'text'")
            text = valid(text)
            if norm_key(text) != key:
                raise KitError(f"{where}: 'key' does not match the text (edited by hand?)")
        for opt in ("platform", "posted_at", "url", "approved_by"):
            if raw.get(opt) is not None and not isinstance(raw[opt], str):
                raise KitError(f"{where}: '{opt}' must be text")
        out.append(
            Event(
                op,
                str(key),
                str(at),
                str(by),
                text if op == "add" else "",
                raw.get("platform"),
                raw.get("posted_at"),
                raw.get("url"),
                raw.get("approved_by"),
            )
        )
    return out


def _read_goals(path: Path) -> list[dict[str, Any]]:
    try:
        goals = json.loads(_text(path))
    except ValueError as exc:
        raise KitError(f"{GOALS}: not JSON ({exc})") from None
    if not isinstance(goals, list):
        raise KitError(f"{GOALS}: must be a JSON list of goals")
    for n, g in enumerate(goals, 1):
        ok = (
            isinstance(g, dict)
            and isinstance(g.get("kind"), str)
            and isinstance(g.get("platform", ""), str)
            and isinstance(g.get("target"), int | float)
        )
        if not ok:
            raise KitError(f"{GOALS}: goal {n} needs 'kind', 'platform' and a number 'target'")
    return goals


# -- git -----------------------------------------------------------------------------
def git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the user's git in the kit; a failure is one line from git's own message."""
    proc: subprocess.CompletedProcess[str] = _run_git(folder, args, text=True)
    if check and proc.returncode != 0:
        raise KitError(f"git {args[0]} failed: {_said(folder, proc)}")
    return proc


def _run_git(folder: Path, args: tuple[str, ...], text: bool) -> subprocess.CompletedProcess[Any]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=text,
            timeout=GIT_TIMEOUT_S,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},  # never hang on a password
            pass_fds=_held.get(),
        )
    except FileNotFoundError:
        raise KitError("git is not installed; install it (e.g. `apt install git`)") from None
    except subprocess.TimeoutExpired:
        raise KitError(f"git {args[0]} took over {GIT_TIMEOUT_S} s; check the remote") from None


# The sync lock's descriptor goes to every git a sync starts, so a git that outlives
# a killed sync still holds the lock and the next sync waits for it to finish.
_held: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar("held", default=())


@contextlib.contextmanager
def _sync_lock(folder: Path) -> Iterator[None]:
    """One sync at a time per kit clone, across processes (CLI, agent schedule)."""
    try:
        import fcntl
    except ImportError:  # Windows: no inheritable lock; syncs there are not serialised
        yield
        return
    path = _git_path(folder, SYNC_LOCK)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        waited = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - waited > GIT_TIMEOUT_S:
                    raise KitError(
                        f"another sync of {folder} has run for over {GIT_TIMEOUT_S} s; "
                        "wait for it (or stop it) and sync again"
                    ) from None
                time.sleep(0.05)
        token = _held.set((*_held.get(), fd))
        try:
            yield
        finally:
            _held.reset(token)
    finally:
        os.close(fd)


def _said(folder: Path, proc: subprocess.CompletedProcess[str]) -> str:
    """git's reason in one line; a lock a stopped git left behind is named."""
    out = proc.stderr or proc.stdout
    lock = re.search(r"'([^']+\.lock)': File exists", out)
    if lock:
        return (
            f"git left {lock.group(1)} behind (stopped mid-way?); if no git is "
            f"running in {folder}, delete that file and sync again"
        )
    lines = out.strip().splitlines()
    return lines[-1] if lines else str(proc.returncode)


def _has_remote(folder: Path) -> bool:
    return bool(git(folder, "remote").stdout.strip())


def _tracking(folder: Path) -> tuple[str, str] | None:
    """(remote, branch) this clone's branch follows, or None."""
    up = git(folder, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
    remote, _, branch = up.stdout.strip().partition("/")
    return (remote, branch) if up.returncode == 0 and branch else None


def _upstream(folder: Path) -> list[str]:
    """`origin HEAD:main` for the branch this clone follows, whatever the local
    branch is called (a kit started with `git init` may be on master)."""
    tracked = _tracking(folder)
    return [tracked[0], f"HEAD:{tracked[1]}"] if tracked else []


def _heal(folder: Path, writer: str) -> None:
    """Put right what a sync killed mid-way leaves: a half-written file from a killed
    merge or checkout is set back to the last commit (only git writes other writers'
    files and the shared ones, and they must never be committed half-done); a merge
    half-done is abandoned (the next pull redoes it); this writer's own uncommitted
    event lines are kept and committed by this sync."""
    status = git(folder, "status", "--porcelain", "-uall", "--", *KIT_PATHS, check=False)
    dirty = [ln[3:].strip('"') for ln in status.stdout.splitlines() if len(ln) > 3]
    own = f"{POSTS}/{writer}.jsonl"
    stale = [p for p in dirty if p != own and _written_by_git(folder, p)]
    if own in dirty:
        _keep_own_lines(folder, own)
    if stale:
        git(folder, "reset", "-q", "HEAD", "--", *stale, check=False)
        for p in stale:
            if git(folder, "cat-file", "-e", f"HEAD:{p}", check=False).returncode == 0:
                git(folder, "checkout", "-q", "HEAD", "--", p, check=False)
            else:
                (folder / p).unlink(missing_ok=True)
    if _git_path(folder, "MERGE_HEAD").exists():
        git(folder, "merge", "--abort", check=False)


def _git_path(folder: Path, name: str) -> Path:
    return folder / git(folder, "rev-parse", "--git-path", name).stdout.strip()


def _written_by_git(folder: Path, path: str) -> bool:
    """Whether an uncommitted kit file is git's work cut short rather than someone's
    edit: it is (the start of) a version a merge or checkout was writing."""
    try:
        here = (folder / path).read_bytes()
    except OSError:
        return True  # deleted or unreadable: git's checkout was cut before writing it

    def version(rev: str) -> bytes | None:  # bytes: a cut may fall inside a character
        shown = _run_git(folder, ("show", f"{rev}:{path}"), text=False)
        return bytes(shown.stdout) if shown.returncode == 0 else None

    head = version("HEAD")
    for rev in ("MERGE_HEAD", "ORIG_HEAD", "@{u}"):
        there = version(rev)
        if there is not None and there != head and there.startswith(here):
            return True
    return False


def _keep_own_lines(folder: Path, own: str) -> None:
    """This writer's file must extend the committed one; lines a crash left out
    of order are put after it, none dropped or doubled."""
    committed = git(folder, "show", f"HEAD:{own}", check=False)
    if committed.returncode != 0:
        return
    path = folder / own
    here = path.read_text(encoding="utf-8") if path.exists() else ""
    if here.startswith(committed.stdout):
        return
    known = set(committed.stdout.splitlines())
    extra = [ln for ln in here.splitlines() if ln.strip() and ln not in known]
    path.write_text(committed.stdout + "".join(ln + "\n" for ln in extra), encoding="utf-8")


# -- which brand follows which kit (config, not brand data) --------------------------
@dataclass
class Attachment:
    brand: str
    folder: str
    writer: str
    applied: list[str] = field(default_factory=list)  # post keys the last sync left
    rules_sha: str | None = None
    guidelines_sha: str | None = None
    ignored_sha: str | None = None
    goals_sha: str | None = None
    synced_at: str | None = None
    every_s: int | None = None  # sync on a schedule while the agent runs (opt-in)


def _attachments_path() -> Path:
    return config_dir() / ATTACHMENTS


def attachments() -> dict[str, Attachment]:
    path = _attachments_path()
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {b: Attachment(**a) for b, a in raw.items()}
    except (ValueError, TypeError) as exc:
        raise KitError(
            f"{path}: unreadable ({exc}); delete it and `onbrand kit attach` again"
        ) from None


def save_attachment(att: Attachment) -> None:
    """Written whole, atomically: a sync killed halfway leaves the last good one."""
    every = attachments()
    every[att.brand] = att
    path = _attachments_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kits-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({b: a.__dict__ for b, a in every.items()}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def new_writer() -> str:
    """A name for this machine's posts file: the user, and a random tail so two
    machines of one person never share a file."""
    user = re.sub(r"[^A-Za-z0-9._-]", "-", getpass.getuser() or "writer")[:40]
    return f"{user}-{secrets.token_hex(3)}"


# -- what the local brand has ----------------------------------------------------------
def guidelines_markdown(core: Onbrand, brand: str) -> str | None:
    """The brand's guidelines as Markdown, one heading per passage path: reading it
    back gives the same passages."""
    passages = list(core.store.passages(brand).values())
    if not passages:
        return None
    out: list[str] = []
    last = None
    for p in sorted(passages, key=lambda p: (p.doc, p.ord)):
        if p.heading != last:
            out.append(f"# {p.heading}\n")
            last = p.heading
        out.append(p.text + "\n")
    return "\n".join(out)


def goals_of(core: Onbrand, brand: str) -> list[dict[str, Any]]:
    return [{"kind": k, "platform": p, "target": t} for _, k, p, t, _ in core.store.goals(brand)]


def _goals_text(goals: list[dict[str, Any]]) -> str:
    return json.dumps(goals, indent=2, sort_keys=True) + "\n"


def _ignored_text(names: list[str]) -> str:
    return "".join(f"{n}\n" for n in sorted(names))


def local_posts(core: Onbrand, brand: str) -> dict[str, int]:
    """The brand's post ids by key."""
    return core.store.post_keys(brand)


# -- syncing on a schedule (opt-in; `onbrand serve` runs it) ---------------------------
MIN_EVERY_S = 60
EVERY = re.compile(r"^(\d+)\s*([smh]?)$")


def parse_every(text: str) -> int | None:
    """'15m', '1h', '900s' or '900' as seconds; 'off' as None."""
    text = text.strip().lower()
    if text in ("off", "never", "0"):
        return None
    m = EVERY.match(text)
    if not m:
        raise KitError(f"--every {text!r}: say how often, e.g. 15m, 1h or off")
    seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    if seconds < MIN_EVERY_S:
        raise KitError(f"--every {text!r}: at most once a minute (60s)")
    return seconds


def schedule(core: Onbrand, brand: str | None, every_s: int | None) -> dict[str, Any]:
    name = core.resolve_brand(brand)
    att = attachments().get(name)
    if att is None:
        raise KitError(f"brand {name} follows no kit; `onbrand kit attach DIR` first")
    att.every_s = every_s
    save_attachment(att)
    return {"brand": name, "every_s": every_s, "remote": remote_url(Path(att.folder))}


def remote_url(folder: Path) -> str | None:
    """Where a sync pushes: the URL of the remote the kit's branch follows."""
    tracked = _tracking(folder)
    remote = tracked[0] if tracked else ""
    if not remote:
        names = git(folder, "remote", check=False).stdout.split()
        remote = names[0] if names else ""
    if not remote:
        return None
    url = git(folder, "remote", "get-url", remote, check=False).stdout.strip()
    return url or None


def remote_is_local(url: str | None) -> bool:
    """A remote on this machine's disk (a path or file:// URL): a sync to it sends
    nothing over the network."""
    if url is None:
        return True
    if url.startswith("file://") or re.match(r"^[A-Za-z]:[\\/]", url):  # C:\kits on Windows
        return True
    # https://, ssh://, git@host:path and host:path go over the network
    networked = "://" in url or re.match(r"^[^/]+@[^/]+:", url) or re.match(r"^[\w.-]+:", url)
    return not networked


def due(privacy: str, now: float | None = None) -> list[tuple[str, str | None]]:
    """(brand, why not) for every brand on a schedule whose time has come; `why
    not` is set when local-only mode keeps its kit from syncing (a remote that is
    not on this disk), and the sync is skipped."""
    now = time.time() if now is None else now
    out: list[tuple[str, str | None]] = []
    for brand, att in attachments().items():
        if not att.every_s:
            continue
        last = _epoch(att.synced_at)
        if last is not None and now - last < att.every_s:
            continue
        url = remote_url(Path(att.folder)) if (Path(att.folder) / ".git").exists() else None
        if privacy == "local-only" and not remote_is_local(url):
            out.append((brand, f"local-only mode: the kit's remote {url} is not on this disk"))
        else:
            out.append((brand, None))
    return out


def _epoch(iso: str | None) -> float | None:
    try:
        return datetime.fromisoformat(iso).timestamp() if iso else None
    except ValueError:
        return None


# -- the three commands --------------------------------------------------------------
def init(core: Onbrand, folder: Path, brand: str | None = None) -> dict[str, Any]:
    """Write a brand's kit into a new or existing git repository, and make the brand
    follow it."""
    name = core.resolve_brand(brand)
    folder = Path(folder).expanduser().resolve()
    if (folder / KIT_FILE).exists():
        raise KitError(f"{folder} already holds a kit; `onbrand kit attach {folder}` follows it")
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / ".git").exists():
        git(folder, "init", "-q")
    writer = new_writer()
    keys = local_posts(core, name)
    full = core.store.posts_by_ids(keys.values())
    posts = {k: full[i] for k, i in keys.items() if i in full}
    platforms = sorted({p.platform for p in posts.values() if p.platform})
    (folder / KIT_FILE).write_text(
        f"# An onbrand brand kit (docs/kit.md). Shared with git; never drafts.\n"
        f"format = {FORMAT}\nbrand = {json.dumps(name)}\n"
        f"platforms = {json.dumps(platforms)}\n",
        encoding="utf-8",
    )
    md = guidelines_markdown(core, name)
    if md is not None:
        (folder / GUIDELINES).write_text(md, encoding="utf-8")
    rules = core.store.rules_source(name)
    if rules is not None:
        (folder / RULES).write_text(rules[1], encoding="utf-8")
    (folder / IGNORED).write_text(_ignored_text(core.store.ignored_rules(name)), encoding="utf-8")
    (folder / GOALS).write_text(_goals_text(goals_of(core, name)), encoding="utf-8")
    at = stamp()
    events = [_add_event(key, p, at, writer) for key, p in posts.items()]
    _append(folder, writer, events)
    _commit(folder, f"onbrand: kit of {name}, {len(events)} posts")
    kit = read_kit(folder)
    att = Attachment(name, str(folder), writer, sorted(posts))
    _remember(att, kit)
    return {"brand": name, "folder": str(folder), "posts": len(events), "writer": writer}


def attach(core: Onbrand, folder: Path, brand: str | None = None) -> dict[str, Any]:
    """Make a local brand (the kit's, or `brand`) follow the kit, and apply it."""
    folder = Path(folder).expanduser().resolve()
    kit = read_kit(folder)
    name = (brand or kit.brand).strip().lower()
    core.store.ensure_brand(name)
    att = Attachment(name, str(folder), new_writer())
    save_attachment(att)
    applied = _apply(core, att, kit)
    return {"brand": name, "folder": str(folder), "writer": att.writer, **applied}


def sync(core: Onbrand, brand: str | None = None) -> dict[str, Any]:
    """Pull, merge, apply the kit to the local brand, commit this machine's new
    approvals and removals, and push. A conflict in a shared file stops the sync
    with both versions named, and nothing is applied."""
    name = core.resolve_brand(brand)
    att = attachments().get(name)
    if att is None:
        raise KitError(f"brand {name} follows no kit; `onbrand kit attach DIR` first")
    folder = Path(att.folder)
    if not (folder / KIT_FILE).is_file():
        raise KitError(f"{folder}: the kit is gone (moved?); `onbrand kit attach` its new place")
    with _sync_lock(folder):
        return _sync_locked(core, name, folder)


def _sync_locked(core: Onbrand, name: str, folder: Path) -> dict[str, Any]:
    att = attachments()[name]  # read again: a sync that held the lock may have moved it on
    _heal(folder, att.writer)
    sent = _export(core, att, read_kit(folder))
    remote = _has_remote(folder)
    result: dict[str, Any] = {"brand": name, "sent": sent, "pushed": False}
    for attempt in range(PUSH_TRIES):
        if remote:
            _pull(folder)
        applied = _apply(core, att, read_kit(folder))
        result.update(applied)
        if not remote:
            break
        pushed = git(folder, "push", "-q", *_upstream(folder), check=False)
        if pushed.returncode == 0:
            result["pushed"] = True
            break
        if attempt == PUSH_TRIES - 1:
            raise KitError(
                f"git push was refused {PUSH_TRIES} times ({_said(folder, pushed)}); sync again"
            )
        time.sleep(0.2 * (attempt + 1))
    return result


# -- the steps -----------------------------------------------------------------------
def _add_event(key: str, post: Any, at: str, writer: str) -> Event:
    return Event("add", key, at, writer, post.text, post.platform, post.posted_at, post.url, writer)


def _append(folder: Path, writer: str, events: list[Event]) -> None:
    if not events:
        return
    if not WRITER.match(writer):
        raise KitError(f"writer name {writer!r} cannot name a file; attach again")
    path = folder / POSTS / f"{writer}.jsonl"
    path.parent.mkdir(exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(e.line() + "\n" for e in events))
        fh.flush()
        os.fsync(fh.fileno())


def _commit(folder: Path, message: str) -> bool:
    """Commit the kit's own files, and nothing else the repository holds."""
    paths = [p for p in KIT_PATHS if (folder / p).exists()]
    if not git(folder, "status", "--porcelain", "--", *paths).stdout.strip():
        return False
    git(folder, "add", "-A", "--", *paths)
    git(
        folder,
        "-c",
        "user.name="
        + (git(folder, "config", "user.name", check=False).stdout.strip() or "onbrand"),
        "-c",
        "user.email="
        + (git(folder, "config", "user.email", check=False).stdout.strip() or "onbrand@localhost"),
        "commit",
        "-q",
        "-m",
        message,
        "--",
        *paths,
    )
    return True


def _export(core: Onbrand, att: Attachment, kit: Kit) -> dict[str, int]:
    """Write what changed here since the last sync into the kit and commit it:
    approvals and removals as events in this writer's file, and the brand's rules,
    guidelines, ignored rules and goals where they changed here."""
    local = local_posts(core, att.brand)
    in_kit = kit.posts()
    applied = set(att.applied) if att.synced_at else set(in_kit)
    at = stamp()
    fresh = {k: i for k, i in local.items() if k not in applied and k not in in_kit}
    full = core.store.posts_by_ids(fresh.values())
    adds = [_add_event(k, full[i], at, att.writer) for k, i in fresh.items() if i in full]
    removes = [
        Event("remove", k, at, att.writer) for k in sorted(applied - set(local)) if k in in_kit
    ]
    _append(kit.folder, att.writer, adds + removes)
    changed = 0
    rules = core.store.rules_source(att.brand)
    if rules is not None and sha(rules[1]) != att.rules_sha and rules[1] != kit.rules:
        (kit.folder / RULES).write_text(rules[1], encoding="utf-8")
        changed += 1
    md = guidelines_markdown(core, att.brand)
    if md is not None and sha(md) != att.guidelines_sha and md != kit.guidelines:
        (kit.folder / GUIDELINES).write_text(md, encoding="utf-8")
        changed += 1
    ignored = _ignored_text(core.store.ignored_rules(att.brand))
    if sha(ignored) != att.ignored_sha and ignored != _ignored_text(kit.ignored):
        (kit.folder / IGNORED).write_text(ignored, encoding="utf-8")
        changed += 1
    goals = _goals_text(goals_of(core, att.brand))
    if sha(goals) != att.goals_sha and goals != _goals_text(kit.goals):
        (kit.folder / GOALS).write_text(goals, encoding="utf-8")
        changed += 1
    # also when nothing is new: lines a killed sync appended but never committed
    _commit(kit.folder, f"onbrand: {att.writer} +{len(adds)} -{len(removes)}")
    return {"approved": len(adds), "removed": len(removes), "files": changed}


def _pull(folder: Path) -> None:
    """Merge the remote's kit; a conflict in a shared file stops with both versions."""
    proc = git(folder, "pull", "--no-rebase", "--no-edit", "-q", check=False)
    if proc.returncode == 0:
        return
    conflicted = git(folder, "diff", "--name-only", "--diff-filter=U", check=False).stdout.split()
    if not conflicted:
        if _git_path(folder, "MERGE_HEAD").exists():
            raise KitError(
                f"a merge is unfinished in {folder}: finish it (`git commit`) or undo it "
                "(`git merge --abort`) there, and sync again"
            )
        raise KitError(f"git pull failed: {_said(folder, proc)}")
    name = conflicted[0]
    ours = git(folder, "show", f"HEAD:{name}", check=False).stdout
    theirs = git(folder, "show", f"MERGE_HEAD:{name}", check=False).stdout
    git(folder, "merge", "--abort", check=False)
    raise KitError(
        f"{name} was changed both here and in the kit: {_differences(ours, theirs)}; "
        f"settle it in {folder} (edit {name}, commit) and sync again. Nothing was applied"
    )


def _differences(ours: str, theirs: str) -> str:
    """The lines only one side has (two at most each), to name both versions."""
    diff = list(difflib.ndiff(theirs.splitlines(), ours.splitlines()))
    mine = [ln[2:].strip()[:70] for ln in diff if ln.startswith("+ ") and ln[2:].strip()][:2]
    kits = [ln[2:].strip()[:70] for ln in diff if ln.startswith("- ") and ln[2:].strip()][:2]
    show = lambda lines: " / ".join(repr(x) for x in lines) or "(nothing)"  # noqa: E731
    return f"yours has {show(mine)}, the kit's has {show(kits)}"


def _apply(core: Onbrand, att: Attachment, kit: Kit) -> dict[str, Any]:
    """Make the local brand what the kit says: new posts embedded (only those),
    removed ones withdrawn, and rules, guidelines, ignored rules and goals loaded
    where the kit changed them. A local post the kit has never heard of stays: it
    is an approval made since this sync began, sent by the next."""
    name = att.brand
    target = kit.posts()
    local = local_posts(core, name)
    known = kit.known()
    new = [target[k] for k in target if k not in local]
    gone = [i for k, i in local.items() if k not in target and k in known]
    if new:
        records = [Record(e.text, f"kit:{e.by}", e.platform, e.posted_at, e.url) for e in new]
        core.add_kit_posts(name, records)
    for post_id in gone:
        core.remove_post(post_id)
    loaded = []
    if kit.rules is not None and sha(kit.rules) != att.rules_sha:
        core.load_rules_text(kit.rules, RULES, name)
        loaded.append(RULES)
    if kit.guidelines is not None and sha(kit.guidelines) != att.guidelines_sha:
        if kit.guidelines != guidelines_markdown(core, name):
            core.add_guidelines(kit.folder / GUIDELINES, name)
        loaded.append(GUIDELINES)
    if sha(_ignored_text(kit.ignored)) != att.ignored_sha:
        have = set(core.store.ignored_rules(name))
        for rule in sorted(have - set(kit.ignored)):
            core.store.set_rule_ignored(name, rule, False)
        for rule in sorted(set(kit.ignored) - have):
            core.store.set_rule_ignored(name, rule, True)
        core.invalidate(name)
        loaded.append(IGNORED)
    if sha(_goals_text(kit.goals)) != att.goals_sha:
        for g in kit.goals:
            core.store.put_goal(name, g["kind"], g.get("platform", ""), float(g["target"]))
        loaded.append(GOALS)
    _remember(att, kit)
    return {"added": len(new), "withdrawn": len(gone), "loaded": loaded, "posts": len(target)}


def _remember(att: Attachment, kit: Kit) -> None:
    att.applied = sorted(kit.posts())
    att.rules_sha = sha(kit.rules)
    att.guidelines_sha = sha(kit.guidelines)
    att.ignored_sha = sha(_ignored_text(kit.ignored))
    att.goals_sha = sha(_goals_text(kit.goals))
    att.synced_at = stamp()
    save_attachment(att)
