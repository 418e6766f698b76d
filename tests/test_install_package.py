"""`make package`: the Chromium and Firefox packages of the extension, both
passing `web-ext lint` (tools/package_extension.py fails when either does not)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_make_package_builds_both_and_lints_them(tmp_path: Path) -> None:
    if not (ROOT / "extension" / "node_modules" / ".bin" / "web-ext").exists():
        pytest.fail("web-ext is missing: cd extension && npm ci")
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package_extension.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("web-ext lint ") == 2
    version = json.loads((ROOT / "extension" / "manifest.json").read_text())["version"]
    firefox = zipfile.ZipFile(tmp_path / f"onbrand-firefox-{version}.zip")
    chromium = zipfile.ZipFile(tmp_path / f"onbrand-chromium-{version}.zip")
    assert sorted(firefox.namelist()) == sorted(chromium.namelist())
    names = firefox.namelist()
    assert "manifest.json" in names and "popup.html" in names
    # tests, tooling and type declarations stay out (web-ext-config.mjs)
    assert not [n for n in names if n.split("/")[0] in ("test", "tools", "types", "node_modules")]
    ff = json.loads(firefox.read("manifest.json"))
    cr = json.loads(chromium.read("manifest.json"))
    assert "key" in ff and "key" not in cr  # the Chrome Web Store refuses "key"
    ff.pop("key")
    assert ff == cr
    # everything the manifest names is in the package
    for script in cr["background"]["scripts"] + cr["content_scripts"][0]["js"]:
        assert script in names


def test_make_package_uses_it() -> None:
    make = (ROOT / "Makefile").read_text()
    assert "\npackage: " in make and "tools/package_extension.py dist/extension" in make
