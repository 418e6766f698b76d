"""`make package`: the extension's store packages, each checked by `web-ext lint`.

dist/extension/onbrand-firefox-VERSION.zip   web-ext build (for addons.mozilla.org,
                                             or signed there for self-hosting)
dist/extension/onbrand-chromium-VERSION.zip  the same files without the manifest's
                                             "key" (the Chrome Web Store refuses it; it
                                             only pins the ID of an unpacked copy)

Both are linted from what is inside the zip, so the check covers what ships.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "extension"
WEB_EXT = ["npx", "--no-install", "web-ext"]


def _web_ext(*args: str) -> None:
    subprocess.run([*WEB_EXT, *args], cwd=EXT, check=True)


def chromium_zip(firefox: Path, out: Path) -> None:
    """Copy the Firefox package's files, the manifest without "key"."""
    with zipfile.ZipFile(firefox) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest.pop("key", None)
                data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
            dst.writestr(item, data)


def lint(package: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(package) as z:
            z.extractall(tmp)
        print(f"web-ext lint {package.name}", flush=True)
        _web_ext("lint", "--source-dir", tmp, "--output", "text")


def main(out_dir: Path) -> int:
    out_dir = out_dir.resolve()  # web-ext runs in extension/
    out_dir.mkdir(parents=True, exist_ok=True)
    version = json.loads((EXT / "manifest.json").read_text())["version"]
    firefox = out_dir / f"onbrand-firefox-{version}.zip"
    chromium = out_dir / f"onbrand-chromium-{version}.zip"
    _web_ext(
        "build",
        "--artifacts-dir",
        str(out_dir),
        "--filename",
        firefox.name,
        "--overwrite-dest",
    )
    chromium_zip(firefox, chromium)
    for package in (firefox, chromium):
        lint(package)
    print(f"packages: {firefox} {chromium}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "extension"))
