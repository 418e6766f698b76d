"""The CLI is a thin shell: readable output, --json, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


EVIL = "Launch \x1b]8;;http://evil\x07click\x1b]8;;\x07 day\x1b[2J\r\u202eevil\nline two\tend"


def test_stored_text_cannot_drive_the_terminal(
    demo: Onbrand, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["approve", EVIL, "--platform", "x", "--url", "http://x/\x1b[31m", "--json"]) == 0
    post_id = json.loads(capsys.readouterr().out)["post_id"]
    escaped = "Launch \\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07 day\\x1b[2J\\x0d\\u202eevil"

    assert main(["posts", "list", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert escaped[:40] in out and "\x1b" not in out and "\x07" not in out

    assert main(["posts", "show", str(post_id)]) == 0
    out = capsys.readouterr().out
    assert escaped + "\nline two\tend" in out  # newlines and tabs stay in `show`
    assert "http://x/\\x1b[31m" in out
    assert not any(c in out for c in "\x1b\x07\r\u202e")

    assert main(["posts", "show", str(post_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["text"] == EVIL and shown["url"] == "http://x/\x1b[31m"  # --json is exact

    assert main(["check", EVIL + " Amazing!", "--platform", "x"]) == 0
    out = capsys.readouterr().out
    assert "nearest approved posts" in out and "\\x1b]8;;http://evil" in out
    assert not any(c in out for c in "\x1b\x07\r\u202e")


def test_print_result_escapes_hints_and_snippets() -> None:
    import io

    from agent.cli.common import print_result

    result = {
        "verdict": "revise",
        "scores": {"rules": {"value": 90, "label": "1 rule hit (\x1b[2J)"}},
        "hints": [{"severity": "warn", "kind": "rule", "message": "Say \x1b]8;;x\x07it\u2066"}],
        "nearest": [
            {"similarity": 0.9, "post_id": 3, "platform": "x", "text": "a\x9bb\x7fc\u202ad"}
        ],
        "timings_ms": {"total": 5.0},
    }
    out = io.StringIO()
    print_result(result, out)
    text = out.getvalue()
    assert "1 rule hit (\\x1b[2J)" in text and "Say \\x1b]8;;x\\x07it\\u2066" in text
    assert "a\\x9bb\\x7fc\\u202ad" in text
    assert not any(c in text for c in "\x1b\x07\x9b\x7f\u202a\u2066")


def test_print_result_shows_each_hints_words_and_replacements() -> None:
    import io

    from agent.cli.common import print_result

    hint = {
        "severity": "warn",
        "kind": "rule",
        "message": "The company account speaks as 'we'. Found: 'I' ×2 → 'we'.",
        "span": [0, 1],
        "spans": [[0, 1], [12, 13]],
        "matches": [
            {"span": [0, 1], "text": "I", "replacement": "We"},
            {"span": [12, 13], "text": "I", "replacement": "we"},
        ],
        "evidence": {"rule": "we-not-i", "kind": "person"},
    }
    result = {
        "verdict": "rule",
        "summary": "Breaks your brand rule 'competitor-digs': fix it before posting.",
        "scores": {},
        "hints": [
            {
                "severity": "alert",
                "kind": "rule",
                "message": "Don't run down other brands.",
                "span": [20, 32],
                "matches": [{"span": [20, 32], "text": "cheap\x1bjunk!", "replacement": None}],
                "evidence": {"rule": "competitor-digs"},
            },
            hint,
            {
                "severity": "warn",
                "kind": "rule",
                "message": "At most one exclamation mark.",
                "matches": [{"span": [40, 42], "text": "!!", "replacement": ""}],
                "evidence": {"rule": "exclamation-limit"},
            },
            {"severity": "info", "kind": "specificity", "message": "Fairly general.", "span": None},
            # from an agent older than `matches`: the one span it has
            {"severity": "info", "kind": "platitude", "message": "Stock phrase.", "span": [5, 9]},
        ],
        "hints_more": 3,
        "nearest": [],
        "timings_ms": {},
    }
    out = io.StringIO()
    print_result(result, out)
    text = out.getvalue()
    assert text.startswith(
        "verdict: rule — Breaks your brand rule 'competitor-digs': fix it before posting.\n"
    )
    assert "!! rule (competitor-digs)" in text and " ! rule (we-not-i)" in text
    assert '    at: "cheap\\x1bjunk!" [20–32]\n' in text and "\x1b" not in text
    assert '    at: "I" → "We" [0–1], "I" → "we" [12–13]\n' in text
    assert '    at: "!!" → delete [40–42]\n' in text
    assert "    at: [5–9]\n" in text
    assert text.count("    at: ") == 4  # the whole-draft hint has none
    assert "… and 3 more hints (--json lists them all under hints_all)" in text


def test_check_prints_the_words_a_rule_caught(
    demo: Onbrand, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "I fixed it. Then I tested it, and I shipped it. I know I did it right."
    assert main(["check", text, "--brand", "demo", "--platform", "x"]) == 0
    out = capsys.readouterr().out
    assert " ! rule (we-not-i)\n" in out
    assert "Found: 'I' ×5 → 'we'." in out
    assert '"I" → "We" [0–1], "I" → "we" [17–18]' in out
    assert main(["check", text, "--brand", "demo", "--platform", "x", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (hint,) = [h for h in result["hints_all"] if h["evidence"].get("rule") == "we-not-i"]
    assert len(hint["spans"]) == 5


@pytest.mark.parametrize(
    ("command", "make", "message"),
    [
        ("rules", lambda p: p.mkdir(), "is a folder; name a rules.toml file"),
        ("rules", lambda p: p.write_bytes(b"\xff\xfe[[rule]]"), "not UTF-8 text"),
        ("rules", lambda p: p.write_bytes(b"PK\x03\x04\x00\x00"), "binary data"),
        ("rules", lambda p: p.write_text("x = " + "[" * 3000), "nested too deeply"),
        ("guidelines", lambda p: p.mkdir(), "is a folder; name a Markdown guidelines file"),
        ("guidelines", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00"), "binary data"),
        ("guidelines", lambda p: p.write_bytes(b"# Voice\n\n\xe9t\xe9"), "not UTF-8 text"),
    ],
)
def test_unusable_rules_and_guidelines_give_one_line(
    onbrand_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    make: Any,
    message: str,
) -> None:
    path = tmp_path / "input"
    make(path)
    assert main([command, str(path)]) == 2
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and message in lines[0], err


def test_guidelines_show_progress_while_embedding_many_passages(
    core: Onbrand,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agent.cli.brand

    monkeypatch.setattr(agent.cli.brand, "open_core", lambda: core)
    md = tmp_path / "voice.md"
    md.write_text("".join(f"# Rule {i}\n\nWe write rule {i} plainly.\n\n" for i in range(210)))
    assert main(["guidelines", str(md)]) == 0
    captured = capsys.readouterr()
    assert "210 passages for brand default" in captured.out
    assert "embedding voice.md [" in captured.err and "210/210" in captured.err
