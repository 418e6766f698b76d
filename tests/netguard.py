"""A guard that fails on any non-loopback network connection, for the privacy
test. Installed as a Python audit hook in the agent's own process: every
socket connect, sendto and DNS lookup is checked before it happens, so a
forbidden attempt is blocked and recorded without a packet leaving the machine.

Usage: python -m tests.netguard LOG -- onbrand ARGS...
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


def _allowed(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]")
    if host in LOOPBACK_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def install(log_path: str) -> None:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        host = None
        if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
            sock, addr = args[0], args[1]
            if getattr(sock, "family", None) == socket.AF_UNIX:
                return
            host = addr[0] if isinstance(addr, tuple) else addr
        elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
            host = args[0]
        else:
            return
        if not _allowed(host):
            with open(log_path, "a") as fh:
                fh.write(f"{event} {host!r}\n")
            raise PermissionError(f"netguard: non-loopback network access to {host!r} blocked")

    sys.addaudithook(hook)


if __name__ == "__main__":
    log, sep, *rest = sys.argv[1:]
    assert sep == "--"
    install(log)
    if rest[0] == "probe":  # self-test: try to reach a documentation-only address
        try:
            socket.create_connection(("192.0.2.1", 9), timeout=1)
        except PermissionError:
            sys.exit(0)
        sys.exit(1)
    from agent.cli.main import main

    sys.exit(main(rest[1:] if rest[0] == "onbrand" else rest))
