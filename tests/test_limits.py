"""Limits on what a brand's files may hold, and one-line errors for files that
cannot be used (issue #16): rules.toml, Markdown guidelines."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.core import Onbrand, OnbrandError
from agent.guidelines import MAX_PASSAGES, split_markdown
from agent.store import Store
from agent.text.rules import (
    MAX_PATTERN_CHARS,
    MAX_PROGRAM,
    MAX_RULES,
    MAX_RULES_BYTES,
    MAX_TERMS,
    RulesError,
    load_rules,
)
from tests.conftest import ROOT


def existence(name: str, terms: list[str]) -> str:
    quoted = ", ".join('"' + t.replace("\\", "\\\\") + '"' for t in terms)
    return f'[[rule]]\nname = "{name}"\nkind = "existence"\nmessage = "m"\nterms = [{quoted}]\n\n'


def refusal(toml: str) -> str:
    with pytest.raises(RulesError) as err:
        load_rules(toml, "rules.toml")
    msg = str(err.value)
    assert msg.startswith("rules.toml: ") and "\n" not in msg, msg
    return msg


def test_rules_file_size_is_limited() -> None:
    padding = "# " + "x" * 70 + "\n"
    toml = existence("a", ["b"]) + padding * (MAX_RULES_BYTES // len(padding) + 1)
    assert "larger than 256 KiB, the limit of a rules file" in refusal(toml)


def test_number_of_rules_is_limited() -> None:
    toml = "".join(existence(f"r{i}", ["w"]) for i in range(MAX_RULES + 1))
    assert f"{MAX_RULES + 1:,} rules, over the limit of {MAX_RULES:,}" in refusal(toml)
    assert len(load_rules("".join(existence(f"r{i}", ["w"]) for i in range(MAX_RULES)))) == 500


def test_terms_per_rule_and_pattern_length_are_limited() -> None:
    msg = refusal(existence("many", [f"w{i}" for i in range(MAX_TERMS + 1)]))
    assert msg == (
        "rules.toml: rule 1 'many': field 'terms' has 2,001 terms, over the limit of 2,000"
    )
    assert len(load_rules(existence("many", [f"w{i}" for i in range(MAX_TERMS)]))) == 1
    msg = refusal(existence("long", ["re:" + "a" * MAX_PATTERN_CHARS]))
    assert "rule 1 'long': field 'terms' has a term of 1,003 characters" in msg
    required = '[[rule]]\nname = "req"\nkind = "required"\nmessage = "m"\npattern = "{}"\n'
    msg = refusal(required.format("b" * (MAX_PATTERN_CHARS + 1)))
    assert "rule 1 'req': field 'pattern' has a pattern of 1,001 characters" in msg


def test_a_pattern_too_large_for_the_matcher_is_refused() -> None:
    # 200,000 alternatives used to take 11 s to load; a huge program is refused fast.
    msg = refusal(existence("big", ["re:(?:\\w+\\W*){900}x"]))
    assert "rule 1 'big': field 'terms' is too large (" in msg
    assert f"RE2 instructions, over the limit of {MAX_PROGRAM:,})" in msg
    many = "".join(existence(f"r{i}", ["re:(?:\\w+\\W*){500}x"]) for i in range(20))
    assert "together are too large" in refusal(many)


def test_deeply_nested_toml_is_one_line_not_a_traceback() -> None:
    msg = refusal("x = " + "[" * 5000 + "]" * 5000)
    assert msg == "rules.toml: not valid rules: arrays or tables nested too deeply"
    msg = refusal("x = " + "{ a = " * 3000 + "1" + " }" * 3000)
    assert "nested too deeply" in msg


def test_binary_rules_text_is_refused() -> None:
    assert "binary data" in refusal('[[rule]]\nname = "a\x00"')


def test_rule_names_in_errors_stay_on_one_line() -> None:
    msg = refusal('[[rule]]\nname = "a\\nb\\u001b[2J"\nkind = "nope"\nmessage = "m"')
    assert msg.startswith("rules.toml: rule 1 'a\\nb\\x1b[2J': field 'kind' must be one of")


def test_guidelines_passages_are_limited() -> None:
    md = "".join(f"# H{i}\n\nText {i}.\n\n" for i in range(MAX_PASSAGES + 1))
    with pytest.raises(ValueError, match="2,001 passages, over the limit of 2,000"):
        split_markdown(md)
    assert len(split_markdown("".join(f"# H{i}\n\nText.\n\n" for i in range(MAX_PASSAGES)))) == 2000


def test_a_heading_of_many_spaces_splits_in_linear_time() -> None:
    # The heading regex used to backtrack in cubic time: 4,000 spaces took 50 s.
    code = (
        "from agent.guidelines import split_markdown\n"
        "print(split_markdown('# Voice' + ' ' * 200_000 + 'x\\n\\nWe say we.')[0].heading)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and r.stdout.strip().endswith("x"), r.stderr
    assert split_markdown("## Voice ##\n\nx")[0].heading == "Voice"


# -- through the core: files that cannot be used ---------------------------------
@pytest.fixture
def bare(onbrand_home: Path) -> Onbrand:
    """A core whose encoder must not be needed: every file here is refused first."""

    class NoEncoder:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError("a refused file must not be embedded")

    return Onbrand(Store(onbrand_home / "onbrand.sqlite3"), NoEncoder())  # type: ignore[arg-type]


def refused(fn: Any, path: Path) -> str:
    with pytest.raises(OnbrandError) as err:
        fn(path)
    msg = str(err.value)
    assert "\n" not in msg, msg
    return msg


def test_unusable_rules_files_are_one_line_with_what_to_do(bare: Onbrand, tmp_path: Path) -> None:
    folder = tmp_path / "rules.toml"
    folder.mkdir()
    assert "is a folder; name a rules.toml file" in refused(bare.load_rules, folder)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[[rule]]\nname = "caf\xe9"\n'.encode("latin-1"))
    msg = refused(bare.load_rules, latin1)
    assert "latin1.toml: not UTF-8 text (invalid byte at 20); save it as UTF-8" in msg
    assert msg.endswith("(the previous rules stay active)")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert "bin.toml: binary data, not text; name a rules.toml file" in refused(
        bare.load_rules, binary
    )
    huge = tmp_path / "huge.toml"
    huge.write_text("# x\n" * (MAX_RULES_BYTES // 4 + 1))
    assert "huge.toml: larger than 256 KiB" in refused(bare.load_rules, huge)
    assert "no such file" in refused(bare.load_rules, tmp_path / "missing.toml")


def test_unusable_guidelines_are_one_line_and_change_nothing(bare: Onbrand, tmp_path: Path) -> None:
    folder = tmp_path / "guide"
    folder.mkdir()
    (folder / "rules.toml").write_text(existence("hype", ["amazing"]))
    assert "is a folder; name a Markdown guidelines file" in refused(bare.add_guidelines, tmp_path)
    big = folder / "big.md"
    big.write_text("Words and more words.\n" * 50_000)  # ~1.1 MB
    assert "big.md: larger than 1 MiB, the limit of a Markdown guidelines file" in refused(
        bare.add_guidelines, big
    )
    bad = folder / "bad.md"
    bad.write_bytes(b"# Voice\n\n\xff\xfe")
    assert "bad.md: not UTF-8 text (invalid byte at 9)" in refused(bare.add_guidelines, bad)
    assert bare.store.rules_source("default") is None  # the rules beside were not loaded


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied; make the file"),
        (OSError(errno.EIO, "Input/output error"), "cannot be read (Input/output error)"),
    ],
)
def test_unreadable_files_say_why(
    bare: Onbrand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, message: str
) -> None:
    # Tests run as root, where chmod 000 does not stop a read: the error is injected.
    rules, guide = tmp_path / "rules.toml", tmp_path / "guide.md"
    rules.write_text(existence("a", ["b"]))
    guide.write_text("# G\n\nText.\n")

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr("agent.guidelines.open", fail, raising=False)
    assert message in refused(bare.load_rules, rules)
    assert message in refused(bare.add_guidelines, guide)


def test_guidelines_report_embedding_progress(core: Onbrand, tmp_path: Path) -> None:
    p = tmp_path / "g.md"
    p.write_text("".join(f"# Part {i}\n\nRule {i} of the voice.\n\n" for i in range(70)))
    calls: list[tuple[int, int]] = []
    assert (
        core.add_guidelines(p, None, lambda done, total: calls.append((done, total)))["passages"]
        == 70
    )
    assert calls == [(64, 70), (70, 70)]
    assert core.add_guidelines(p)["passages"] == 70  # the callback stays optional
