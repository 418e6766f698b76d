"""End-to-end fixtures: the real agent, the real extension in Debian's Chromium,
and fixture pages built on the editor libraries the sites use, served under the
sites' real hostnames.

- The fixture pages (tests/e2e/fixtures, built by build_fixtures.sh) are served
  over HTTPS from 127.0.0.1 with a throwaway self-signed certificate.
  `--host-resolver-rules` maps x.com, www.linkedin.com, ... to that server, so the
  extension's manifest content scripts and its adapters run exactly as on the
  sites (HTTPS because several of those hosts are HSTS-preloaded).
- The agent is `onbrand serve` in a subprocess with its own ONBRAND_HOME holding
  the demo brand; it can be killed and restarted on the same port and data.
- The browser is one persistent Chromium context per session with the unpacked
  extension, paired with the agent once through the extension's popup.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXTENSION = ROOT / "extension"
FIXTURES = Path(__file__).parent / "fixtures"
DIST = FIXTURES / "dist"
OUTPUT = ROOT / "test-output"
VENV_BIN = ROOT / ".venv" / "bin"
CHROMIUM = Path("/usr/bin/chromium")
EXTENSION_ID = "fjfpoacdahenfgeamodngdjenohfijea"
POPUP_URL = f"chrome-extension://{EXTENSION_ID}/popup.html"

# hostname -> fixture page; every one is a host the manifest's content scripts match.
SITE_HOSTS = {
    "x.com": "x",
    "www.linkedin.com": "linkedin",
    "www.facebook.com": "facebook",
    "www.threads.net": "threads",
    "bsky.app": "bsky",
    "mastodon.social": "mastodon",
}

AGENT_START_TIMEOUT = 180  # model load and warm-up on 2 cores, with room to spare


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- fixture pages ---------------------------------------------------------------


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves dist/: any path without a file extension gets the page of the
    requested Host (so https://x.com/home is x.html), assets are served as is."""

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        name = clean.rsplit("/", 1)[-1]
        if "." not in name:
            host = (self.headers.get("Host") or "").split(":")[0]
            page = SITE_HOSTS.get(host)
            return str(DIST / f"{page}.html") if page else str(DIST / "missing")
        return str(DIST / name)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="package")
def fixture_pages() -> Path:
    if not (DIST / "x.js").exists():
        subprocess.run(["bash", str(Path(__file__).parent / "build_fixtures.sh")], check=True)
    return DIST


@pytest.fixture(scope="package")
def site_server(fixture_pages: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    certs = tmp_path_factory.mktemp("certs")
    names = ",".join(f"DNS:{h}" for h in SITE_HOSTS)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(certs / "key.pem"),
            "-out",
            str(certs / "cert.pem"),
            "-subj",
            "/CN=onbrand e2e fixtures",
            "-addext",
            f"subjectAltName={names}",
        ],
        check=True,
        capture_output=True,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SiteHandler, directory=str(DIST)))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certs / "cert.pem", certs / "key.pem")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


# -- the agent ---------------------------------------------------------------------


@dataclass
class Agent:
    """`onbrand serve` on a fixed port and data dir, restartable."""

    home: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONBRAND_")}
        env.update(ONBRAND_HOME=str(self.home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        return env

    def cli(self, *args: str, timeout: float = 300) -> str:
        r = subprocess.run(
            [str(VENV_BIN / "onbrand"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert r.returncode == 0, f"onbrand {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def health(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            return None

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "agent already running"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "onbrand"), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + AGENT_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"onbrand serve exited {self.proc.returncode}:\n{self.log.read_text()}"
                )
            h = self.health()
            if h and h.get("ok") and h.get("ready", True):
                return
            time.sleep(0.25)
        raise AssertionError(f"onbrand serve did not become ready:\n{self.log.read_text()}")

    def kill(self) -> None:
        """Stop the agent the hard way, as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def pair_code(self) -> str:
        out = self.cli("pair", "--port", str(self.port), timeout=60)
        m = re.search(r"\b(\d{6})\b", out)
        assert m, f"no 6-digit code in `onbrand pair` output: {out!r}"
        return m.group(1)

    def posts(self) -> list[dict]:
        return json.loads(self.cli("posts", "list", "--json", "--limit", "1000"))


@pytest.fixture(scope="package")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    OUTPUT.mkdir(exist_ok=True)
    a = Agent(tmp_path_factory.mktemp("onbrand-home"), free_port(), OUTPUT / "e2e-agent.log")
    a.log.write_bytes(b"")
    # `make run`'s sequence on a fresh data dir: build the fast encoder, load the
    # demo brand with it, serve.
    a.cli("model", "build", timeout=900)
    assert "encoder: onnx-int8" in a.cli("model")
    a.cli("demo", "--quiet")
    a.start()
    yield a
    a.stop()


# -- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="package")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return CHROMIUM


@pytest.fixture(scope="package")
def playwright_sync():
    """One Playwright driver for every browser of the session (they cannot nest)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


def launch_chromium(
    pw, chromium: Path, profile: Path, site_server: int, *, lang: str | None = None
):
    """Chromium with the unpacked extension, the sites mapped to the fixture server.

    `lang` sets the browser's UI language, which picks the extension's
    _locales: headless Chromium on Linux takes it from `--lang` (LANGUAGE and
    LANG in its environment alone change nothing there); LANGUAGE is set too,
    for what the browser's own dialogs would read.
    """
    ext = str(EXTENSION)
    rules = ", ".join(f"MAP {host} 127.0.0.1:{site_server}" for host in SITE_HOSTS)
    env = None
    extra = []
    if lang:
        extra.append(f"--lang={lang}")
        env = {**os.environ, "LANGUAGE": lang}
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(chromium),
        headless=True,
        # The fixture server's certificate is self-signed (see the module docstring).
        ignore_https_errors=True,
        viewport={"width": 1280, "height": 860},
        env=env,
        args=[
            "--headless=new",
            f"--disable-extensions-except={ext}",
            f"--load-extension={ext}",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--host-resolver-rules={rules}",
            *extra,
        ],
    )


@pytest.fixture(scope="package")
def browser(
    playwright_sync, chromium: Path, site_server: int, tmp_path_factory: pytest.TempPathFactory
):
    context = launch_chromium(
        playwright_sync, chromium, tmp_path_factory.mktemp("chromium-profile"), site_server
    )
    try:
        yield context
    finally:
        context.close()


def extension_worker(context):
    """The extension's background service worker in a browser context (waited for
    when it has not started yet)."""
    workers = [w for w in context.service_workers if EXTENSION_ID in w.url]
    if not workers:
        workers = [context.wait_for_event("serviceworker", timeout=30_000)]
    assert EXTENSION_ID in workers[0].url, workers[0].url
    return workers[0]


@pytest.fixture(scope="package")
def service_worker(browser):
    return extension_worker(browser)


def pair_through_popup(browser, code: str) -> str:
    """Type the code into the popup and press Pair; returns the popup's message."""
    page = browser.new_page()
    try:
        page.goto(POPUP_URL)
        # Paired already: the form sits behind "Pair again".
        page.locator("#pair-section:not([hidden]), #repair:not([hidden])").first.wait_for(
            timeout=30_000
        )
        if page.locator("#pair-section").is_hidden():
            page.click("#repair")
        page.fill("#pair-code", code)
        page.click("#pair-button")
        result = page.locator("#pair-result")
        result.filter(has_text=re.compile(r"Paired|code|agent", re.I)).wait_for(timeout=30_000)
        return result.inner_text()
    finally:
        page.close()


def set_agent_port(browser, port: int) -> None:
    """Point the extension at the test agent's port through its options page."""
    page = browser.new_page()
    try:
        page.goto(f"chrome-extension://{EXTENSION_ID}/options.html")
        page.fill("#port", str(port))
        page.click("#agent-form button[type=submit]")
        page.locator("#agent-result", has_text="Saved").wait_for(timeout=10_000)
    finally:
        page.close()


@pytest.fixture(scope="package")
def paired(browser, service_worker, agent: Agent):
    """The extension, pointed at the agent and paired with it through its popup."""
    set_agent_port(browser, agent.port)
    message = pair_through_popup(browser, agent.pair_code())
    assert "Paired" in message, message
    return browser


@pytest.fixture
def page(paired):
    p = paired.new_page()
    yield p
    p.close()
