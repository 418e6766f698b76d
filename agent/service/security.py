"""Who may ask: the agent answers only this machine (unless told otherwise),
only its own Host names, and no web page's Origin; every answer it renders
carries headers that keep pages from framing or scripting it."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

from aiohttp import web

from agent.service import protocol as P
from agent.service.limits import HeaderDeadlines

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def bearer(request: web.Request) -> str | None:
    value = request.headers.get("Authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def page(message: str, status: int) -> web.Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>onbrand</title>"
        "<link rel=stylesheet href=/static/dashboard.css>"
        f"<main class=notice><h1>onbrand</h1><p>{message}</p></main>"
    )
    return web.Response(
        text=body, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )


def refuse(reason: str) -> web.Response:
    return web.json_response(P.error_frame("unauthorized", reason), status=403)


class Guard:
    """The middleware every request passes first."""

    port: int
    allowed_origins: set[str]
    allow_remote: bool
    bind_hosts: tuple[str, ...]
    deadlines: HeaderDeadlines

    def origin_allowed(self, origin: str | None) -> bool:
        """No Origin: a local tool (a token is still required). The pinned
        extension id; Firefox ids are random per profile, so any moz-extension
        origin passes here and must still present a valid token. The agent's own
        origin: the dashboard's requests to its JSON endpoints."""
        if origin is None:
            return True
        own = {f"http://{h}:{self.port}" for h in ("127.0.0.1", "localhost", "[::1]")}
        return (
            origin in self.allowed_origins or origin in own or origin.startswith("moz-extension://")
        )

    def host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        name, _, port = host.rpartition(":")
        if not name or port != str(self.port):
            return False
        if is_loopback(name):
            return True
        return self.allow_remote and name.strip("[]") in self.bind_hosts

    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.deadlines.started(request.protocol)  # its headers are complete
        if not self.allow_remote and not is_loopback(request.remote):
            return refuse("requests from other machines are refused")
        if not self.host_allowed(request.host):
            return refuse("Host must be 127.0.0.1, [::1] or localhost with the agent's port")
        if not self.origin_allowed(request.headers.get("Origin")):
            return refuse("web pages may not talk to the onbrand agent")
        return await handler(request)
