"""The CLI is a thin shell: readable output, --json, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.core import Onbrand
from tests.conftest import ROOT


def onbrand(*args: str, stdin: str | None = None, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ONBRAND_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/nonexistent/posts.csv"], "no such file"),
        (["posts", "show", "12345"], "no post with id 12345"),
        (["posts", "remove"], "needs an ID"),
        (["brands", "use", "nope"], "unknown brand"),
        (["brands", "add", "Bad Name!"], "not valid"),
        (["guidelines", "/nonexistent.md"], "no such file"),
        (["check", "hello", "--brand", "nope"], "unknown brand"),
        (["tokens", "revoke", "abc"], "no token with id abc"),
    ],
)
def test_wrong_input_gives_one_line_and_nonzero_exit(
    onbrand_home: Path, args: list[str], message: str
) -> None:
    r = onbrand(*args, home=onbrand_home)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_import_binary_junk_reports_and_keeps_nothing(onbrand_home: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02" * 1000)
    r = onbrand("import", str(junk), home=onbrand_home)
    assert r.returncode == 1 and "binary data" in r.stderr and "Traceback" not in r.stderr
    assert "nothing from this file was imported" in r.stderr


def test_check_json_from_stdin_and_readable_output(
    demo: Onbrand, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Tidewater Bike Works in Astoria joined the Pine Network today as shop 24."
    import io

    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(text.encode()))
    try:
        assert main(["check", "-", "--json", "--platform", "bluesky", "--brand", "demo"]) == 0
    finally:
        sys.stdin = old
    result = json.loads(capsys.readouterr().out)
    assert result["platform"] == "bluesky" and result["nearest"]
    assert main(["check", text, "--brand", "demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verdict: ") and "originality" in out and "nearest approved posts" in out


def test_status_brands_posts_approve(demo: Onbrand, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "privacy mode:  local-only" in out and "demo" in out and "data dir" in out
    assert main(["brands"]) == 0
    assert "* demo" in capsys.readouterr().out
    assert (
        main(["approve", "Shop 62 opens in Hood River on Friday.", "--platform", "x", "--json"])
        == 0
    )
    approved = json.loads(capsys.readouterr().out)
    assert approved["created"] and approved["brand"] == "demo"
    assert main(["posts", "show", str(approved["post_id"])]) == 0
    assert "Hood River" in capsys.readouterr().out
    assert main(["posts", "list", "--limit", "3"]) == 0
    assert "Hood River" in capsys.readouterr().out
    assert main(["posts", "remove", str(approved["post_id"])]) == 0
    assert "removed post" in capsys.readouterr().out


def test_guidelines_are_split_into_passages(core: Onbrand, tmp_path: Path) -> None:
    from agent.guidelines import split_markdown

    md = (
        "# Guide\n\nIntro paragraph.\n\n## Voice\n\nWe say we.\n\n- no hype\n- numbers\n\n"
        "```\n# not a heading\n```\n\n### Emoji\n\nOne at most.\n"
    )
    sections = split_markdown(md)
    assert [s.heading for s in sections] == ["Guide", "Guide > Voice", "Guide > Voice > Emoji"]
    assert "- no hype" in sections[1].text
    assert "# not a heading" in sections[1].text  # code is quoted, never a heading
    p = tmp_path / "g.md"
    p.write_text(md)
    assert core.add_guidelines(p)["passages"] == 3
    assert core.add_guidelines(p)["passages"] == 3  # re-loading replaces, never duplicates
    assert len(core.store.passages("default")) == 3
