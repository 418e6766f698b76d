"""A brand kit shared through git (agent/kit.py, docs/kit.md): writers on many
machines approve and remove posts, sync through a bare repository on local disk,
and end up with the same brand: no post lost, none doubled. A conflict in a shared
file, a kit from a newer onbrand and a broken kit file are refused, and the local
brand stays as it was. Posts are the team's own writing."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from agent import kit
from agent.core import Onbrand, OnbrandError
from agent.kit import Event, KitError, present, stamp
from agent.store import Store, norm_key
from embeddings import Encoder

TOPICS = ["oat latte", "sourdough", "bike repair", "night market", "kopi susu", "delivery"]
DAYS = ["Monday", "Tuesday", "Saturday", "Sunday", "Kamis", "Jumat"]
RULES = """
[[rule]]
name = "we-not-i"
kind = "person"
message = "The company speaks as 'we'."
severity = "warn"
"""


def post(n: int) -> str:
    t = TOPICS[n % len(TOPICS)]
    return f"Post {n}: our {t} stall opens {DAYS[n % len(DAYS)]} at {7 + n % 5} a.m. ☕ #{n}"


def sh(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


class Home:
    """One writer's machine: its own ONBRAND_HOME, store and kit clone."""

    def __init__(self, root: Path, name: str, encoder: Encoder) -> None:
        self.path = root / name
        self.path.mkdir()
        with self.active():
            self.core = Onbrand(Store(self.path / "onbrand.sqlite3"), encoder)
        self.clone = root / f"{name}-kit"

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        before = os.environ.get("ONBRAND_HOME")
        os.environ["ONBRAND_HOME"] = str(self.path)
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("ONBRAND_HOME", None)
            else:
                os.environ["ONBRAND_HOME"] = before

    def held(self, brand: str = "team") -> set[str]:
        return {norm_key(p.text) for p in self.core.store.list_posts(brand, 100_000, 0)}

    def sync(self) -> dict:
        with self.active():
            return kit.sync(self.core, "team")


def team(tmp_path: Path, encoder: Encoder, n: int) -> tuple[Path, list[Home]]:
    """A bare repository and `n` homes following one kit of 'team' (8 posts)."""
    bare = tmp_path / "kit.git"
    sh("git", "init", "-q", "--bare", "-b", "main", str(bare))
    homes = [Home(tmp_path, f"home{i}", encoder) for i in range(n)]
    first = homes[0]
    with first.active():
        first.core.store.ensure_brand("team")
        for i in range(8):
            first.core.approve(post(i), "x", brand="team")
        first.core.load_rules_text(RULES, "rules.toml", "team")
        kit.init(first.core, first.clone, "team")
    sh("git", "-C", str(first.clone), "remote", "add", "origin", str(bare))
    sh("git", "-C", str(first.clone), "push", "-q", "-u", "origin", "HEAD:main")
    for h in homes[1:]:
        sh("git", "clone", "-q", str(bare), str(h.clone))
        with h.active():
            kit.attach(h.core, h.clone)
    return bare, homes


# -- the merge rule, alone ------------------------------------------------------------
events = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove"]),
        st.integers(0, 5),  # which post
        st.integers(0, 50),  # when
        st.sampled_from(["ana", "budi", "chen"]),
    ),
    max_size=40,
)


@given(events, st.randoms())
def test_the_merge_is_order_free_and_a_removal_wins_only_when_newer(raw, rnd) -> None:
    evs = [
        Event(op, norm_key(post(n)), f"2026-01-01T00:00:{t:02d}.000000+00:00", by, post(n))
        for op, n, t, by in raw
    ]
    got = present(evs)
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    assert present(shuffled).keys() == got.keys()  # whoever's file is read first
    for n in range(6):
        key = norm_key(post(n))
        adds = [e.at for e in evs if e.key == key and e.op == "add"]
        removes = [e.at for e in evs if e.key == key and e.op == "remove"]
        want = bool(adds) and (not removes or max(adds) > max(removes))
        assert (key in got) is want


# -- three writers through a bare repository -------------------------------------------
def test_approvals_and_removals_from_three_writers_meet(tmp_path: Path, encoder: Encoder) -> None:
    _, (a, b, c) = team(tmp_path, encoder, 3)
    start = a.held()
    assert b.held() == c.held() == start and len(start) == 8
    assert b.core.store.rules_source("team") is not None  # the rules came too
    with a.active():
        a.core.approve(post(100), "linkedin", brand="team")
    with b.active():
        b.core.approve(post(101), "x", brand="team")
        b.core.approve(post(100), "x", brand="team")  # the same post, written twice
    with c.active():
        gone = next(p for p in c.core.store.list_posts("team", 50, 0) if p.text == post(3))
        c.core.remove_post(gone.id)
    for h in (a, b, c, a, b, c):
        h.sync()
    want = (start | {norm_key(post(100)), norm_key(post(101))}) - {norm_key(post(3))}
    assert a.held() == b.held() == c.held() == want
    # the next analysis sees a post another writer approved
    r = a.core.analyze(post(101), "x", "team")
    assert r["scores"]["originality"]["verdict"] == "repeat"
    # a post re-approved after its removal comes back for everyone
    with a.active():
        a.core.approve(post(3), "x", brand="team")
    for h in (a, b, c):
        h.sync()
    assert norm_key(post(3)) in b.held() and norm_key(post(3)) in c.held()


def test_a_rules_conflict_stops_the_sync_and_changes_nothing(
    tmp_path: Path, encoder: Encoder
) -> None:
    _, (a, b) = team(tmp_path, encoder, 2)
    with a.active():
        a.core.load_rules_text(RULES.replace("'we'", "'we', always"), "rules.toml", "team")
    a.sync()
    with b.active():
        b.core.load_rules_text(RULES.replace("warn", "alert"), "rules.toml", "team")
        b.core.approve(post(200), "x", brand="team")
    before_rules = b.core.store.rules_source("team")
    before = b.held()
    with pytest.raises(KitError) as err:
        b.sync()
    said = str(err.value)
    assert "rules.toml was changed both here and in the kit" in said
    assert "always" in said and "alert" in said and "Nothing was applied" in said
    assert b.core.store.rules_source("team") == before_rules and b.held() == before
    assert not (b.clone / ".git" / "MERGE_HEAD").exists()  # the merge was abandoned


def test_a_kit_from_a_newer_onbrand_is_refused(tmp_path: Path, core: Onbrand) -> None:
    folder = tmp_path / "kit"
    (folder / "posts").mkdir(parents=True)
    (folder / "kit.toml").write_text('format = 2\nbrand = "team"\n', encoding="utf-8")
    with pytest.raises(KitError, match="format 2, written by a newer onbrand"):
        kit.attach(core, folder)
    assert "team" not in [b["name"] for b in core.store.brands()]


def test_a_broken_kit_file_is_refused_with_file_and_line(tmp_path: Path, encoder: Encoder) -> None:
    _, (a, b) = team(tmp_path, encoder, 2)
    bad = b.clone / "posts" / "someone.jsonl"
    line = Event("add", norm_key(post(7)), "2026-01-01T00:00:00+00:00", "x", post(7)).line()
    bad.write_text(line + "\n{not json\n", encoding="utf-8")
    before = b.held()
    with pytest.raises(KitError, match=r"posts/someone.jsonl, line 2: not JSON"):
        b.sync()
    assert b.held() == before


def test_a_sync_killed_before_it_noted_what_it_applied_loses_nothing(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (a, b) = team(tmp_path, encoder, 2)
    with a.active():
        a.core.approve(post(300), "x", brand="team")
        gone = next(p for p in a.core.store.list_posts("team", 50, 0) if p.text == post(1))
        a.core.remove_post(gone.id)
    a.sync()
    real = kit._remember

    def die(att, k):  # the process dies after applying, before noting it
        raise KeyboardInterrupt

    monkeypatch.setattr(kit, "_remember", die)
    with pytest.raises(KeyboardInterrupt):
        b.sync()
    monkeypatch.setattr(kit, "_remember", real)
    # a half-done merge left behind is abandoned and redone
    (b.clone / ".git" / "MERGE_HEAD").write_text(sh("git", "-C", str(b.clone), "rev-parse", "HEAD"))
    b.sync()
    a.sync()
    assert a.held() == b.held()
    assert norm_key(post(300)) in b.held() and norm_key(post(1)) not in b.held()
    lines = (b.clone / "posts").glob("*.jsonl")
    removals = [json.loads(x) for f in lines for x in f.read_text().splitlines() if '"remove"' in x]
    assert [r["key"] for r in removals] == [norm_key(post(1))]  # no made-up removals


# -- ten writers, random interleavings -------------------------------------------------
@pytest.mark.slow
def test_ten_writers_in_any_order_end_with_the_same_posts(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path

    class Team(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.run = Path(tempfile.mkdtemp(dir=root))  # a fresh team per example
            _, self.homes = team(self.run, encoder, 10)
            self.next = 1000

        @rule(h=st.integers(0, 9))
        def approve(self, h: int) -> None:
            home = self.homes[h]
            with home.active():
                home.core.approve(post(self.next), "x", brand="team")
            self.next += 1

        @rule(h=st.integers(0, 9), pick=st.integers(0, 10**6))
        def remove(self, h: int, pick: int) -> None:
            home = self.homes[h]
            posts = home.core.store.list_posts("team", 1000, 0)
            if posts:
                with home.active():
                    home.core.remove_post(posts[pick % len(posts)].id)

        @rule(h=st.integers(0, 9))
        def sync(self, h: int) -> None:
            self.homes[h].sync()

        def teardown(self) -> None:
            if not hasattr(self, "homes"):
                return
            for _ in range(2):
                for home in self.homes:
                    home.sync()
            keys = [home.held() for home in self.homes]
            assert all(k == keys[0] for k in keys)
            # every approval made anywhere is there unless someone removed it
            kit_posts = kit.read_kit(self.homes[0].clone).posts()
            assert keys[0] == set(kit_posts)
            for home in self.homes:
                store = home.core.store
                texts = [p.text for p in store.list_posts("team", 100_000, 0)]
                assert len(texts) == len(set(map(norm_key, texts)))  # none doubled

        @invariant()
        def no_half_merge(self) -> None:
            for home in getattr(self, "homes", []):
                assert not (home.clone / ".git" / "MERGE_HEAD").exists()

    Team.TestCase.settings = settings(
        max_examples=3,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    Team.TestCase().runTest()


# -- syncing on a schedule -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("1h", 3600), ("90s", 90), ("120", 120), ("off", None), (" 2M ", 120)],
)
def test_how_often(text: str, seconds: int | None) -> None:
    assert kit.parse_every(text) == seconds


@pytest.mark.parametrize("text", ["often", "5 minutes", "10s", "-1m"])
def test_how_often_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(KitError, match="--every"):
        kit.parse_every(text)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        (None, True),
        ("/srv/kits/acme.git", True),
        ("../acme.git", True),
        ("file:///srv/kits/acme.git", True),
        ("C:\\kits\\acme.git", True),
        ("https://git.example.com/acme/kit.git", False),
        ("ssh://git@example.com/acme/kit.git", False),
        ("git@example.com:acme/kit.git", False),
        ("example.com:acme/kit.git", False),
    ],
)
def test_which_remotes_are_on_this_disk(url: str | None, local: bool) -> None:
    assert kit.remote_is_local(url) is local


def test_a_scheduled_kit_is_due_and_local_only_keeps_a_networked_one_home(
    tmp_path: Path, encoder: Encoder
) -> None:
    bare, (a, b) = team(tmp_path, encoder, 2)
    with b.active():
        kit.schedule(b.core, "team", 900)
        att = kit.attachments()["team"]
        assert att.every_s == 900
        now = kit._epoch(att.synced_at) or 0.0
        assert kit.due("local-only", now + 60) == []  # synced a minute ago
        assert kit.due("local-only", now + 901) == [("team", None)]  # a bare repo on disk
        sh("git", "-C", str(b.clone), "remote", "set-url", "origin", "https://example.com/k.git")
        ((brand, why_not),) = kit.due("local-only", now + 901)
        assert brand == "team" and "not on this disk" in str(why_not)
        assert kit.due("off", now + 901) == [("team", None)]
        kit.schedule(b.core, "team", None)
        assert kit.due("off", now + 10**6) == []


@pytest.mark.slow
def test_kill_9_during_a_sync_leaves_store_and_kit_consistent(
    tmp_path: Path, onnx_cache: Path
) -> None:
    """`onbrand kit sync` killed with SIGKILL at moments from start-up to push; the
    next sync finishes the job and every writer ends with the same posts."""
    import signal
    import sys
    import time

    from embeddings import load_encoder

    enc = load_encoder("onnx-int8")
    _, (a, b) = team(tmp_path, enc, 2)
    env = {**os.environ, "ONBRAND_HOME": str(b.path), "ONBRAND_ENCODER": "onnx-int8"}
    n = 500
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6, 2.0):
        with a.active():
            for _ in range(3):
                a.core.approve(post(n), "x", brand="team")
                n += 1
        a.sync()
        with b.active():
            b.core.approve(post(n), "x", brand="team")
            n += 1
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent.cli.main", "kit", "sync", "team"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # the git the killed sync started finishes; the next sync waits for it
        b.sync()
    a.sync()
    b.sync()
    assert a.held() == b.held() == set(kit.read_kit(a.clone).posts())
    assert len(a.held()) == 8 + 6 * 4
    texts = [p.text for p in b.core.store.list_posts("team", 1000, 0)]
    assert len(texts) == len({norm_key(t) for t in texts})


def test_a_kit_in_an_existing_repository_commits_only_its_own_files(
    tmp_path: Path, core: Onbrand
) -> None:
    repo = tmp_path / "notes"
    repo.mkdir()
    sh("git", "init", "-q", str(repo))
    (repo / "draft-ideas.txt").write_text("not for the kit\n", encoding="utf-8")
    core.store.ensure_brand("team")
    with pytest.raises(OnbrandError, match="unknown brand 'nobody'"):
        kit.init(core, repo, "nobody")  # refused before anything is written
    assert not (repo / "kit.toml").exists()
    kit.init(core, repo, "team")
    tracked = sh("git", "-C", str(repo), "ls-files").split()
    assert "kit.toml" in tracked and "draft-ideas.txt" not in tracked


def test_files_a_killed_pull_half_wrote_are_set_back_and_nothing_is_lost(
    tmp_path: Path, encoder: Encoder
) -> None:
    """The state a pull killed mid-merge leaves (MERGE_HEAD, another writer's file
    and guidelines.md cut short, a new file begun): the next sync restores git's
    files, keeps this writer's lines and the user's own edit, and loses no post."""
    _, (a, b) = team(tmp_path, encoder, 2)
    with a.active():
        for n in (400, 401):
            a.core.approve(post(n), "x", brand="team")
    (a.clone / "guidelines.md").write_text("# Team\n\nWe write as a team. ☕\n", encoding="utf-8")
    a.sync()
    (a.clone / "posts" / "zz-new.jsonl").write_text(
        Event("add", norm_key(post(402)), stamp(), "zz", post(402)).line() + "\n", encoding="utf-8"
    )
    sh("git", "-C", str(a.clone), "add", "posts/zz-new.jsonl")
    sh("git", "-C", str(a.clone), "commit", "-qm", "zz")
    sh("git", "-C", str(a.clone), "push", "-q", "origin", "HEAD:main")
    with b.active():
        b.core.approve(post(403), "x", brand="team")
    sh("git", "-C", str(b.clone), "fetch", "-q")
    git_dir = b.clone / ".git"
    (git_dir / "MERGE_HEAD").write_text(sh("git", "-C", str(b.clone), "rev-parse", "origin/main"))
    (git_dir / "ORIG_HEAD").write_text(sh("git", "-C", str(b.clone), "rev-parse", "HEAD"))
    with a.active():
        a_file = f"posts/{kit.attachments()['team'].writer}.jsonl"
    for name in ("posts/zz-new.jsonl", "guidelines.md", a_file):
        whole = sh("git", "-C", str(b.clone), "show", f"origin/main:{name}")
        (b.clone / name).write_text(whole[: len(whole) // 2], encoding="utf-8")
    with (b.clone / "rules.toml").open("a", encoding="utf-8") as fh:
        fh.write("# checked with the team on Kamis\n")  # the user's own edit, kept
    b.sync()
    a.sync()
    assert a.held() == b.held()
    assert {norm_key(post(n)) for n in (400, 401, 402, 403)} <= b.held()
    assert (b.clone / "guidelines.md").read_text(encoding="utf-8").endswith("team. ☕\n")
    assert "checked with the team on Kamis" in (a.clone / "rules.toml").read_text(encoding="utf-8")
    assert not (git_dir / "MERGE_HEAD").exists()


def test_a_lock_a_stopped_git_left_is_named_with_what_to_do(
    tmp_path: Path, encoder: Encoder
) -> None:
    _, (a, b) = team(tmp_path, encoder, 2)
    with b.active():
        b.core.approve(post(410), "x", brand="team")
    (b.clone / ".git" / "index.lock").write_text("", encoding="utf-8")
    with pytest.raises(KitError) as err:
        b.sync()
    said = str(err.value)
    assert "index.lock behind" in said and "delete that file and sync again" in said
    assert "\n" not in said
    (b.clone / ".git" / "index.lock").unlink()
    b.sync()
    a.sync()
    assert norm_key(post(410)) in a.held()
