"""The protocol is defined once per side; this keeps the two definitions and
docs/protocol.md in step."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from agent.config import DEFAULT_PORT
from agent.platforms import PLATFORMS
from agent.service import protocol as P
from tests.conftest import ROOT


def js_module(path: str) -> dict:
    """What an extension script exports to node, as JSON."""
    node = shutil.which("node")
    assert node, "node is required (apt-get install nodejs)"
    out = subprocess.run(
        [
            node,
            "-e",
            "process.stdout.write(JSON.stringify(require(process.argv[1])))",
            str(ROOT / path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def js_protocol() -> dict:
    return js_module("extension/src/shared/protocol.js")


def test_constants_match() -> None:
    js = js_protocol()
    expected = {
        "PROTOCOL_VERSION": P.PROTOCOL_VERSION,
        "DEFAULT_PORT": DEFAULT_PORT,
        "EXTENSION_ID": P.EXTENSION_ID,
        "KEEPALIVE_SECONDS": P.KEEPALIVE_SECONDS,
        "MAX_FRAME_BYTES": P.MAX_FRAME_BYTES,
        "MAX_TEXT_CHARS": P.MAX_TEXT_CHARS,
        "MAX_ID_CHARS": P.MAX_ID_CHARS,
        "RATE_PER_SECOND": P.RATE_PER_SECOND,
        "RATE_BURST": P.RATE_BURST,
        "MAX_CONNECTIONS": P.MAX_CONNECTIONS,
        "CLIENT_TYPES": list(P.CLIENT_TYPES),
        "SERVER_TYPES": list(P.SERVER_TYPES),
        "ERROR_CODES": P.ERROR_CODES,
        "PLATFORMS": list(PLATFORMS),
    }
    for name, value in expected.items():
        assert js.get(name) == value, f"protocol.js {name} = {js.get(name)!r}, Python has {value!r}"


def test_manifest_key_pins_the_trusted_id() -> None:
    import base64
    import hashlib

    manifest = json.loads((ROOT / "extension/manifest.json").read_text())
    der = base64.b64decode(manifest["key"])
    digest = hashlib.sha256(der).hexdigest()[:32]
    ext_id = "".join(chr(ord("a") + int(c, 16)) for c in digest)
    assert ext_id == P.EXTENSION_ID


def test_docs_list_every_type_and_error_code() -> None:
    doc = (ROOT / "docs/protocol.md").read_text()
    for name in (*P.CLIENT_TYPES, *P.SERVER_TYPES, *P.ERROR_CODES):
        assert re.search(rf"`{name}`", doc), f"docs/protocol.md does not mention `{name}`"
    assert f"{P.KEEPALIVE_SECONDS} s" in doc and str(DEFAULT_PORT) in doc


def test_every_error_code_has_an_http_status() -> None:
    assert set(P.HTTP_STATUS) == set(P.ERROR_CODES)
    assert all(400 <= s < 600 for s in P.HTTP_STATUS.values())
    doc = (ROOT / "docs/protocol.md").read_text()
    for code, status in P.HTTP_STATUS.items():
        row = re.search(rf"^\| `{code}` \|.*$", doc, re.M)
        assert row, f"docs/protocol.md has no row for `{code}`"
        assert f"HTTP {status}" in row[0] or "websocket only" in row[0], (
            f"docs/protocol.md does not give `{code}` its HTTP status {status}"
        )


def test_typing_schedule_matches() -> None:
    js = js_module("extension/src/shared/schedule.js")
    assert js["DEFAULT_DELAY_MS"] == P.TYPING_PAUSE_MS
    assert js["DEFAULT_MAX_WAIT_MS"] == P.TYPING_MAX_WAIT_MS
