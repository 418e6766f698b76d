"""A Python client of the agent, built on `websockets`: it connects the way the
extension does (pair once, then hello with the token) and is the basis of
`onbrand watch` and of the load and soak tools."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import websockets

from agent import __version__
from agent.config import agent_port, config_dir
from agent.service import protocol as P
from agent.service.auth import Auth, write_private


class AgentError(RuntimeError):
    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(f"{frame.get('code')}: {frame.get('message')}")
        self.frame = frame
        self.code = frame.get("code")


def token_path() -> Path:
    return config_dir() / "watch-token.json"


class Client:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float = 60.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(self, *types: str, timeout: float = 60.0) -> dict[str, Any]:
        """The next frame of one of these types; an `error` raises. Pongs are skipped."""
        while True:
            frame = await self.recv(timeout)
            if frame.get("type") in types:
                return frame
            if frame.get("type") == "error":
                raise AgentError(frame)

    async def pair(self, code: str, name: str = "onbrand-watch") -> str:
        await self.send({"type": "pair", "code": code, "client": {"name": name}})
        return str((await self.expect("paired"))["token"])

    async def hello(self, token: str, name: str = "onbrand-watch") -> dict[str, Any]:
        await self.send(
            {
                "type": "hello",
                "protocol": P.PROTOCOL_VERSION,
                "token": token,
                "client": {"name": name, "version": __version__},
            }
        )
        self.welcome = await self.expect("welcome")
        return self.welcome

    async def analyze(self, draft_id: str, seq: int, text: str, **fields: Any) -> None:
        await self.send(
            {"type": "analyze", "draft_id": draft_id, "seq": seq, "text": text, **fields}
        )

    async def approve(self, text: str, **fields: Any) -> dict[str, Any]:
        await self.send({"type": "approve", "text": text, **fields})
        return await self.expect("approved")


@asynccontextmanager
async def connect(
    port: int | None = None, origin: str | None = None, **kw: Any
) -> AsyncIterator[Client]:
    """A connection to the agent on `port`, by default the one `onbrand serve` remembers."""
    headers = {"Origin": origin} if origin else None
    async with websockets.connect(
        f"ws://127.0.0.1:{agent_port(port)}/ws",
        additional_headers=headers,
        max_size=P.MAX_FRAME_BYTES * 4,
        open_timeout=10,
        compression=None,  # loopback: see AgentServer.websocket
        **kw,
    ) as ws:
        yield Client(ws)


async def ensure_token(port: int | None = None, name: str = "onbrand-watch") -> str:
    """A saved token, or pair now. A local tool may make its own pairing code:
    it runs as the same user who could run `onbrand pair`."""
    path = token_path()
    try:
        saved = json.loads(path.read_text()).get("token")
    except (OSError, ValueError):
        saved = None
    if saved:
        async with connect(port) as c:
            try:
                await c.hello(saved, name)
                return str(saved)
            except AgentError as exc:
                if exc.code != "unauthorized":
                    raise
    code = Auth().new_code()
    async with connect(port) as c:
        token = await c.pair(code, name)
    write_private(path, {"token": token})
    os.chmod(path, 0o600)
    return token
