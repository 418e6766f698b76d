"""tools/system-deps.sh, the check `make test` and `.ci/run` make first: on a
machine that lacks what the tests need it installs it as root, and otherwise
stops at once with the exact apt-get command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "tools" / "system-deps.sh"


def _bare_path(tmp_path: Path, uid: int) -> tuple[Path, Path]:
    """A PATH with only what the script itself runs: no node, npm, make, openssl
    or Firefox; `id` says `uid`, and apt-get only records how it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "env"):
        os.symlink(
            f"/usr/bin/{tool}" if Path(f"/usr/bin/{tool}").exists() else f"/bin/{tool}",
            bin_dir / tool,
        )
    log = tmp_path / "apt.log"
    (bin_dir / "id").write_text(f"#!/bin/bash\necho {uid}\n")
    (bin_dir / "apt-get").write_text(f'#!/bin/bash\necho "$@" >> {log}\n')
    for f in ("id", "apt-get"):
        (bin_dir / f).chmod(0o755)
    return bin_dir, log


def _run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(bin_dir), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_not_root_stops_with_the_exact_command(tmp_path: Path) -> None:
    bin_dir, log = _bare_path(tmp_path, uid=1000)
    r = _run(bin_dir)
    assert r.returncode == 1
    assert not log.exists()  # nothing was installed, nothing tried
    line = r.stderr.splitlines()[-1].strip()
    assert line.startswith("sudo sh -c 'apt-get update && apt-get install -y")
    for pkg in ("firefox-esr", "nodejs", "npm", "make", "openssl"):
        assert f" {pkg}" in line


def test_root_installs_what_is_missing(tmp_path: Path) -> None:
    bin_dir, log = _bare_path(tmp_path, uid=0)
    r = _run(bin_dir)
    assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -q"
    assert calls[1].startswith("install -y -q --no-install-recommends")
    assert {"firefox-esr", "nodejs", "npm", "make", "openssl"} <= set(calls[1].split())


def test_make_test_and_ci_run_both_use_it() -> None:
    make = (ROOT / "Makefile").read_text()
    assert "\ntest: system-deps " in make
    assert "bash tools/system-deps.sh" in (ROOT / ".ci" / "run").read_text()
