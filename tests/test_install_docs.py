"""README and docs/install.md stay true: every `onbrand COMMAND` and `make TARGET`
they show exists, and the wheel they name is the one `make dist` builds."""

from __future__ import annotations

import re
import tomllib

import pytest

from agent.cli.main import build_parser
from tests.conftest import ROOT

DOCS = ["README.md", "docs/install.md"]


def _commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[arg-type]


def _code(doc: str) -> str:
    """What the document shows as commands: fenced blocks and `inline code`."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)
    return "\n".join(blocks + re.findall(r"`([^`\n]+)`", text))


@pytest.mark.parametrize("doc", DOCS)
def test_every_onbrand_command_shown_exists(doc: str) -> None:
    shown = set(re.findall(r"onbrand(?:\.exe\"?)? ([a-z][a-z-]+)", _code(doc)))
    missing = shown - _commands()
    assert not missing, f"{doc} shows commands that do not exist: {sorted(missing)}"
    assert {"setup", "doctor", "uninstall", "export", "import-brand"} <= shown


@pytest.mark.parametrize("doc", DOCS)
def test_every_make_target_shown_exists(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    shown = set(re.findall(r"`make ([a-z][a-z-]*)", text)) | set(
        re.findall(r"^make ([a-z][a-z-]*)", text, re.M)
    )
    assert shown and shown <= targets, sorted(shown - targets)


@pytest.mark.parametrize("doc", DOCS)
def test_the_wheel_named_is_the_one_built(doc: str) -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wheel = f"{meta['name']}-{meta['version']}-py3-none-any.whl"
    names = set(re.findall(r"onbrand-[0-9][^ `\"]*\.whl", (ROOT / doc).read_text()))
    assert names == {wheel}
    # and the Linux route keeps pip on torch's CPU build
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in (ROOT / doc).read_text()
