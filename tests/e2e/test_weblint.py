"""Firefox: `web-ext lint` (Mozilla's addons-linter) must find no errors in the
extension. Warnings are allowed: they are the Chromium-only manifest keys
Firefox ignores (background.service_worker) and keys newer than the minimum
Firefox version. web-ext is a devDependency in extension/package.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "extension"
WEB_EXT = EXTENSION / "node_modules" / ".bin" / "web-ext"


def test_web_ext_lint_finds_no_errors() -> None:
    if not WEB_EXT.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: it installs web-ext (cd extension && npm ci)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True)
    # Run from extension/ so web-ext-config.mjs keeps tests and tooling out of the lint.
    r = subprocess.run(
        [str(WEB_EXT), "lint", "--output=json", "--no-input"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(r.stdout[r.stdout.index("{") :])
    errors = [
        f"{e['code']}: {e['message']} ({e.get('file')}:{e.get('line')})" for e in report["errors"]
    ]
    assert not errors, "web-ext lint errors:\n" + "\n".join(errors)
    assert report["summary"]["errors"] == 0
    linted = {m.get("file") for m in report["warnings"] + report["notices"]}
    assert not any(str(f).startswith(("test/", "tools/", "node_modules/")) for f in linted if f)
