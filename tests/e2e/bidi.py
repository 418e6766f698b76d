"""A small WebDriver BiDi client for Firefox's built-in remote agent, enough to
drive the extension end to end: launch Debian's firefox-esr headless, install
the unpacked extension as a temporary add-on (`webExtension.install`), open
pages, run script in them and type or click with real input events.

Only the `websockets` package is needed: no geckodriver, no browser download.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import websockets

FIREFOX = Path("/usr/bin/firefox-esr")
START_TIMEOUT = 60


class BidiError(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bidi:
    """One BiDi session, driven synchronously from the test thread (the socket
    lives on an event loop in a thread of its own)."""

    def __init__(self, url: str, alive: Any, deadline: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ids = itertools.count(1)
        self.pending: dict[int, Future[Any]] = {}

        async def connect() -> Any:
            return await websockets.connect(url, max_size=None, open_timeout=30)

        # The remote agent listens a moment after the process starts.
        while True:
            try:
                self.ws: Any = self._run(connect())
                break
            except OSError:
                if not alive() or time.monotonic() > deadline:
                    self.loop.call_soon_threadsafe(self.loop.stop)
                    raise
                time.sleep(0.3)
        asyncio.run_coroutine_threadsafe(self._reader(), self.loop)

    def _run(self, coro: Any, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _reader(self) -> None:
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                fut = self.pending.pop(msg.get("id", -1), None)
                if fut is not None:
                    fut.set_result(msg)
        except websockets.ConnectionClosed:
            pass
        for fut in self.pending.values():
            fut.set_exception(BidiError("the browser closed the session"))

    def send(self, method: str, timeout: float = 120, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        fut: Future[Any] = Future()
        self.pending[n] = fut
        self._run(self.ws.send(json.dumps({"id": n, "method": method, "params": params})))
        msg = fut.result(timeout)
        if msg.get("type") == "error":
            raise BidiError(f"{method}: {msg.get('error')}: {msg.get('message')}")
        return dict(msg["result"])

    def close(self) -> None:
        with suppress(Exception):  # the browser may be gone already
            self._run(self.ws.close(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    # -- pages --------------------------------------------------------------------

    def new_tab(self) -> str:
        return str(self.send("browsingContext.create", type="tab")["context"])

    def goto(self, context: str, url: str) -> None:
        self.send("browsingContext.navigate", context=context, url=url, wait="complete")

    def eval(self, context: str, expression: str, timeout: float = 60) -> Any:
        """The JSON value of an expression (awaited) in the page's own realm."""
        r = self.send(
            "script.evaluate",
            timeout=timeout,
            expression=f"(async () => JSON.stringify(await ({expression})))()",
            target={"context": context},
            awaitPromise=True,
        )
        if r.get("type") == "exception":
            raise BidiError(f"{expression[:80]}: {r['exceptionDetails'].get('text')}")
        value = r["result"].get("value")
        return None if value is None else json.loads(value)

    def wait_for(self, context: str, expression: str, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = self.eval(context, expression)
            except BidiError as exc:  # mid-navigation
                last = exc
            if last and not isinstance(last, BidiError):
                return last
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {expression!r} (last: {last!r})")

    def type(self, context: str, text: str, delay_ms: int = 8) -> None:
        actions: list[dict[str, Any]] = []
        for ch in text:
            key = "\ue007" if ch == "\n" else ch
            actions += [
                {"type": "keyDown", "value": key},
                {"type": "keyUp", "value": key},
                {"type": "pause", "duration": delay_ms},
            ]
        self.send(
            "input.performActions",
            context=context,
            actions=[{"type": "key", "id": "keyboard", "actions": actions}],
        )

    def press(self, context: str, *keys: str) -> None:
        """A chord: keys down in order, up in reverse (WebDriver key codes)."""
        down = [{"type": "keyDown", "value": k} for k in keys]
        up = [{"type": "keyUp", "value": k} for k in reversed(keys)]
        self.send(
            "input.performActions",
            context=context,
            actions=[{"type": "key", "id": "keyboard", "actions": down + up}],
        )

    def click_at(self, context: str, x: float, y: float) -> None:
        self.send(
            "input.performActions",
            context=context,
            actions=[
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {"type": "pointerMove", "x": int(x), "y": int(y), "origin": "viewport"},
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ],
        )

    def click(self, context: str, selector_js: str) -> None:
        """A real mouse click in the middle of the element an expression finds."""
        r = self.wait_for(
            context,
            f"(() => {{ const e = {selector_js}; if (!e) return null; "
            "const r = e.getBoundingClientRect(); "
            "return r.width ? {x: r.x + r.width / 2, y: r.y + r.height / 2} : null; })()",
        )
        self.click_at(context, r["x"], r["y"])

    def screenshot(self, context: str, path: Path) -> None:
        import base64

        data = self.send("browsingContext.captureScreenshot", context=context)["data"]
        path.write_bytes(base64.b64decode(data))


def firefox_prefs(uuid: str, addon_id: str) -> str:
    prefs = {
        # Every host name resolves to the fixture server (Chromium's --host-resolver-rules).
        "network.dns.forceResolve": "127.0.0.1",
        # A fixed moz-extension:// origin, so the test can open the extension's pages.
        "extensions.webextensions.uuids": json.dumps({addon_id: uuid}),
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.homepage_override.mstone": "ignore",
        "datareporting.policy.dataSubmissionEnabled": False,
        "toolkit.telemetry.reportingpolicy.firstRun": False,
        "app.update.disabledForTesting": True,
        "extensions.update.enabled": False,
        "browser.aboutwelcome.enabled": False,
    }
    return "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())


@contextmanager
def firefox(profile: Path, log: Path, *, uuid: str, addon_id: str) -> Iterator[Bidi]:
    """Firefox ESR, headless, with its remote agent on a free port; a BiDi session."""
    if not FIREFOX.exists() and not shutil.which("firefox-esr"):
        raise AssertionError(f"{FIREFOX} is missing: apt-get install -y firefox-esr")
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "user.js").write_text(firefox_prefs(uuid, addon_id), encoding="utf-8")
    port = _free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                str(FIREFOX),
                "--headless",
                "--no-remote",
                "--profile",
                str(profile),
                f"--remote-debugging-port={port}",
                # Lets the session open the extension's own pages (moz-extension://),
                # where the test pairs it as a person would in the popup.
                "--remote-allow-system-access",
                "--width=1280",
                "--height=860",
                "about:blank",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    bidi = None
    try:
        try:
            bidi = Bidi(
                f"ws://127.0.0.1:{port}/session",
                lambda: proc.poll() is None,
                time.monotonic() + START_TIMEOUT,
            )
        except OSError:
            raise AssertionError(f"firefox-esr did not start:\n{log.read_text()}") from None
        bidi.send(
            "session.new",
            capabilities={
                "alwaysMatch": {
                    "acceptInsecureCerts": True,
                    "unhandledPromptBehavior": {"default": "ignore"},
                }
            },
        )
        yield bidi
    finally:
        if bidi is not None:
            with suppress(Exception):
                bidi.send("session.end", timeout=10)
            bidi.close()
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
