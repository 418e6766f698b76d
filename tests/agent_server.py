"""Run a real AgentServer on 127.0.0.1 in a background thread, for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent.core import Onbrand
from agent.service.app import AgentServer
from agent.service.auth import Auth


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(core: Onbrand, **kw: Any) -> Iterator[AgentServer]:
    port = free_port()
    server = AgentServer(core, Auth(), port=port, bind_hosts=("127.0.0.1",), **kw)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["runner"] = loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert started.wait(30), "server did not start"
    try:
        yield server
    finally:
        fut = asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop)
        fut.result(30)
        loop.call_soon_threadsafe(loop.stop)
        t.join(10)


async def expect_too_large(client: Any, size: int) -> None:
    """Send a frame of `size` bytes: the agent answers `frame_too_large`, then
    closes with 1009."""
    import pytest
    import websockets

    from agent.service import protocol as P

    await client.ws.send("x" * size)
    f = await client.recv()
    assert f["code"] == "frame_too_large"
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        await client.recv()
    assert closed.value.rcvd.code == P.CLOSE_TOO_LARGE
