"""Property-based fuzzing of frames and fields (hypothesis), against the parser
and against a live server: whatever arrives, the answer is a well-formed frame,
the connection stays open unless the error is one that closes it, and the
service keeps answering valid requests on the same and on a new connection."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.core import Onbrand
from agent.service import protocol as P
from agent.service.app import AgentServer
from agent.service.auth import Auth
from agent.service.client import Client, connect
from tests.agent_server import running

json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "type",
        "draft_id",
        "seq",
        "text",
        "platform",
        "brand",
        "reply_to",
        "id",
        "code",
        "token",
        "protocol",
        "client",
        "url",
        "extra",
    ]
)
types = st.sampled_from([*P.CLIENT_TYPES, "welcome", "", "ANALYZE", "x" * 40]) | st.text(
    max_size=12
)


@st.composite
def json_frames(draw: st.DrawFn) -> str:
    obj: dict[str, Any] = draw(st.dictionaries(field_names, json_value, max_size=7))
    if draw(st.booleans()):
        obj["type"] = draw(types)
    if obj.get("type") == "analyze" and draw(st.booleans()):  # mostly valid, one field off
        obj.setdefault("draft_id", draw(st.text(max_size=20)))
        obj.setdefault("seq", draw(st.integers(min_value=-5, max_value=2**60)))
        obj.setdefault("text", draw(st.text(max_size=300)))
    return json.dumps(obj)


frames = (
    json_frames()
    | st.text(max_size=200)
    | st.binary(max_size=200)
    | st.builds(json.dumps, json_value)
    | st.sampled_from(
        [
            "{",
            "}",
            "null",
            "[]",
            '{"type": null}',
            "\x00",
            "NaN",
            '{"type":"hello","protocol":1e400}',
        ]
    )
)


@settings(max_examples=1000, deadline=None)
@given(frame=frames)
def test_parser_never_fails_unexpectedly(frame: str | bytes) -> None:
    try:
        msg = P.parse(frame)
    except P.ProtocolError as e:
        assert e.code in P.ERROR_CODES and e.message
        P.dumps(e.frame())
    else:
        # IgnoreRule -> ignore_rule: each message class is named for its type
        assert re.sub(r"(?<!^)(?=[A-Z])", "_", type(msg).__name__).lower() in P.CLIENT_TYPES


class SyncClient:
    """One websockets connection driven from hypothesis's synchronous examples."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.token = Auth().issue_token("fuzz")
        self.c: Client | None = None
        self.cm: Any = None
        self.reconnects = 0
        self.call(self._open())

    def call(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _open(self) -> None:
        self.cm = connect(self.port)
        self.c = await self.cm.__aenter__()
        await self.c.hello(self.token)

    async def exchange(self, frame: str | bytes, n: int) -> list[dict[str, Any]]:
        """Send a frame, then a ping; return every frame up to the pong."""
        assert self.c is not None
        try:
            await self.c.ws.send(frame)
            await self.c.send({"type": "ping", "id": f"fz{n}"})
            got = []
            while True:
                f = await self.c.recv(60)
                if f.get("type") == "pong" and f.get("id") == f"fz{n}":
                    return got
                got.append(f)
        except websockets.exceptions.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code in (
                P.CLOSE_POLICY,
                P.CLOSE_TOO_LARGE,
            )
            self.reconnects += 1
            await self._open()
            return []

    def close(self) -> None:
        if self.cm:
            self.call(self.cm.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def fuzz_server(
    demo_db: Any, tmp_path_factory: pytest.TempPathFactory, encoder: Any
) -> Iterator[tuple[AgentServer, SyncClient]]:
    import os
    import shutil

    from agent.store import Store

    home = tmp_path_factory.mktemp("fuzz-home")
    old = os.environ.get("ONBRAND_HOME")
    os.environ["ONBRAND_HOME"] = str(home)
    shutil.copy(demo_db, home / "onbrand.sqlite3")
    core = Onbrand(Store(home / "onbrand.sqlite3"), encoder)
    # a high rate limit: this test is about content, not about the limiter
    with running(core, rate=(1e6, 1e6)) as server:
        client = SyncClient(server.port)
        yield server, client
        client.close()
    if old is not None:
        os.environ["ONBRAND_HOME"] = old


counter = iter(range(10**9))


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=frames)
def test_live_server_survives_fuzzed_frames(
    fuzz_server: tuple[AgentServer, SyncClient], frame: str | bytes
) -> None:
    server, client = fuzz_server
    for f in client.call(client.exchange(frame, next(counter))):
        assert f["type"] in P.SERVER_TYPES
        if f["type"] == "error":
            assert f["code"] in P.ERROR_CODES and f["code"] != "internal", f
            assert isinstance(f["message"], str)


def test_after_fuzzing_valid_requests_still_work(
    fuzz_server: tuple[AgentServer, SyncClient],
) -> None:
    server, client = fuzz_server

    async def same() -> dict[str, Any]:
        # the fuzzer may have sent a hello with a bad token, which signs the
        # connection out; a valid client says hello again on the same socket. A
        # signed-out socket is closed when its time to say hello runs out: that
        # may fall just after the last fuzzed frame; then the client opens another.
        for attempt in range(2):
            c = client.c
            assert c is not None
            try:
                await c.send({"type": "hello", "protocol": 1, "token": client.token, "client": {}})
                await c.analyze("after-fuzz", 1, "We fixed 1,204 packs in October.")
                while True:  # skip answers still in flight for fuzzed frames
                    f = await c.recv()
                    if f.get("type") == "analysis" and f["draft_id"] == "after-fuzz":
                        return f
            except websockets.exceptions.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                assert code == P.CLOSE_POLICY and attempt == 0, closed
                await client._open()
        raise AssertionError("unreachable")

    assert client.call(same())["result"]["verdict"] != "empty"

    async def new() -> dict[str, Any]:
        async with connect(server.port) as c:
            await c.hello(client.token)
            await c.analyze("new", 1, "Shop 24 is in Astoria.")
            return await c.expect("analysis")

    assert client.call(new())["seq"] == 1
