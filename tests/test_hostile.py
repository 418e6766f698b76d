"""Hostile local clients never stop the agent: sockets that never say hello,
connections that never finish their headers, floods from a paired client,
text that is not valid Unicode, a squatter on [::1]. Each test fails without
the defence it names (docs/security.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import urllib.request
from typing import Any

import pytest
import websockets

from agent.core import Onbrand
from agent.service import protocol as P
from agent.service.app import AgentServer
from agent.service.auth import Auth
from agent.service.client import AgentError, Client, connect
from agent.service.limits import RepeatFilter
from agent.service.websocket import MAX_UNAUTHENTICATED, MAX_WAITING
from tests.agent_server import expect_too_large, free_port, running


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 180))


async def paired(port: int) -> tuple[Any, Client]:
    cm = connect(port)
    c = await cm.__aenter__()
    await c.hello(Auth().issue_token("test"))
    return cm, c


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as r:
        return json.loads(r.read())


def test_a_silent_socket_is_closed_after_the_auth_timeout(demo: Onbrand) -> None:
    with running(demo, auth_timeout=0.5) as server:

        async def go() -> None:
            async with connect(server.port) as c:
                f = await c.recv(timeout=10)
                assert f["code"] == "not_authenticated"
                with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                    await c.recv(timeout=10)
                assert closed.value.rcvd.code == P.CLOSE_POLICY

        run(go())


def test_a_paired_client_connects_while_200_silent_sockets_hold_on(demo: Onbrand) -> None:
    with running(demo) as server:

        async def go() -> None:
            silent = []
            try:
                for _ in range(200):
                    silent.append(await websockets.connect(f"ws://127.0.0.1:{server.port}/ws"))
                cm, c = await paired(server.port)
                try:
                    await c.analyze("d", 1, "Our Salem shop reopens on Monday ☕")
                    assert (await c.expect("analysis"))["seq"] == 1
                finally:
                    await cm.__aexit__(None, None, None)
                # Only the newest silent sockets are kept; the rest were told why.
                open_now = [ws for ws in silent if ws.close_code is None]
                await asyncio.sleep(0.2)
                open_now = [ws for ws in silent if ws.close_code is None]
                assert len(open_now) <= MAX_UNAUTHENTICATED
                assert silent[0].close_code == P.CLOSE_TRY_AGAIN
            finally:
                for ws in silent:
                    await ws.close()

        run(go())


def _partial_header(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode() + b"\r\nX-a: ")
    return s


def test_slow_headers_are_cut_off(demo: Onbrand) -> None:
    with running(demo, header_timeout=0.5) as server:
        s = _partial_header(server.port)
        s.settimeout(10)
        try:
            assert s.recv(100) == b""  # closed by the agent, nothing answered
        finally:
            s.close()
        assert server.deadlines.closed_late >= 1


def test_health_answers_while_many_connections_trickle_headers(demo: Onbrand) -> None:
    with running(demo) as server:
        socks = [_partial_header(server.port) for _ in range(server.deadlines.max_waiting + 50)]
        try:
            assert health(server.port)["ok"] is True
            assert server.deadlines.pushed_out >= 50
        finally:
            for s in socks:
                s.close()


def test_a_lone_surrogate_is_made_valid_at_the_boundary() -> None:
    frame = (
        '{"type": "analyze", "draft_id": "d", "seq": 1, '
        '"text": "caf\\ud800 ok", "reply_to": "\\udfff"}'
    )
    msg = P.parse(frame)
    assert isinstance(msg, P.Analyze)
    assert msg.text == "caf\ufffd ok" and msg.reply_to == "\ufffd"
    # Length is kept, so spans on the valid text fit what the user typed.
    assert len(msg.text) == len("caf\ud800 ok")


def test_a_lone_surrogate_draft_is_analysed(demo: Onbrand) -> None:
    r = demo.analyze("We fixed 40 packs \ud800 this week", "x", reply_to="\udc80 why?")
    assert r["verdict"]


def test_one_failing_draft_never_fails_another_clients(demo: Onbrand) -> None:
    real = demo.analyze_many

    def fragile(drafts: Any) -> Any:
        if any("boom" in d.text for d in drafts):
            raise RuntimeError("this draft breaks the encoder")
        return real(drafts)

    demo.analyze_many = fragile  # type: ignore[method-assign]
    with running(demo) as server:

        async def go() -> None:
            (ca, a), (cb, b) = await paired(server.port), await paired(server.port)
            try:
                # Sent together, so the scheduler batches them.
                await asyncio.gather(
                    a.analyze("x", 1, "boom goes the draft"),
                    b.analyze("y", 1, "A calm post about our Salem shop."),
                )
                got_b = await b.expect("analysis")
                assert got_b["draft_id"] == "y"
                with pytest.raises(AgentError) as e:
                    await a.expect("analysis")
                assert e.value.code == "internal"
            finally:
                await ca.__aexit__(None, None, None)
                await cb.__aexit__(None, None, None)

        run(go())


def test_a_flooding_client_waits_its_turn_and_hears_of_every_draft(demo: Onbrand) -> None:
    with running(demo, rate=(1000.0, 1000.0)) as server:

        async def go() -> None:
            (cf, flood), (cp, probe) = await paired(server.port), await paired(server.port)
            try:
                n = 40
                text = "Our Salem shop swaps single Sticks while you wait. " * 40
                for i in range(n):
                    await flood.analyze(f"f{i}", 1, f"{i} {text}")
                await probe.analyze("p", 1, "Probe: Monday's café hours ☕")
                await probe.expect("analysis")
                # The probe was answered while the flood still had drafts to hear of.
                answered: dict[str, str] = {}
                while len(answered) < n:
                    f = await flood.recv(timeout=120)
                    key = f.get("draft_id") or f.get("re", {}).get("draft_id")
                    answered[key] = f.get("code") or f["type"]
                assert set(answered) == {f"f{i}" for i in range(n)}  # none dropped silently
                skipped = [k for k, v in answered.items() if v == "rate_limited"]
                assert len(skipped) >= n - MAX_WAITING - 16  # the cap held
            finally:
                await cf.__aexit__(None, None, None)
                await cp.__aexit__(None, None, None)

        run(go())


def test_a_frame_over_aiohttps_own_cap_is_answered_before_the_close(demo: Onbrand) -> None:
    with running(demo) as server:

        async def go() -> None:
            cm, c = await paired(server.port)
            try:
                await expect_too_large(c, P.MAX_FRAME_BYTES * 3)
            finally:
                await cm.__aexit__(None, None, None)

        run(go())


def test_deeply_nested_json_over_http_is_a_bad_json_answer(demo: Onbrand) -> None:
    with running(demo) as server:
        body = b"[" * 100_000
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/api/analyze",
            data=body,
            headers={"Authorization": f"Bearer {Auth().issue_token('t')}"},
        )
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 400
        assert json.loads(e.value.read())["code"] == "bad_json"


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_a_squatter_on_ipv6_loopback_stops_the_start(demo: Onbrand) -> None:
    port = free_port()
    server = AgentServer(demo, Auth(), port=port, bind_hosts=("127.0.0.1", "::1"))
    if not _ipv6_loopback():
        # Nobody can squat an address the machine does not have: IPv4 alone serves.
        async def alone() -> None:
            runner = await server.start()
            await runner.cleanup()

        run(alone())
        return
    squatter = socket.socket(socket.AF_INET6)
    squatter.bind(("::1", port))
    squatter.listen()
    try:

        async def go() -> None:
            with pytest.raises(OSError, match="another program already listens on ::1"):
                await server.start()

        run(go())
    finally:
        squatter.close()


def test_repeated_log_lines_are_held_back() -> None:
    filt = RepeatFilter(window=60)

    def rec(msg: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, msg, None, None)

    passed = [filt.filter(rec("socket.accept() out of system resource")) for _ in range(5000)]
    assert passed.count(True) == 1
    assert filt.filter(rec("another line"))
    filt.seen = {k: (v[0] - 61, v[1]) for k, v in filt.seen.items()}  # the window passes
    again = rec("socket.accept() out of system resource")
    assert filt.filter(again)
    assert "4999 identical lines held back" in again.getMessage()


def test_a_short_draft_never_waits_behind_long_ones(demo: Onbrand) -> None:
    with running(demo, rate=(1000.0, 1000.0)) as server:

        async def go() -> None:
            (cf, flood), (cp, probe) = await paired(server.port), await paired(server.port)
            try:
                long_text = ("Our Salem shop swaps single Sticks while you wait. ☕ " * 1300)[
                    :60000
                ]
                for i in range(3):
                    await flood.analyze(f"f{i}", 1, f"{i} {long_text}")
                await asyncio.sleep(0.05)  # the long lane is busy now
                await probe.analyze("p", 1, "Probe: Monday's café hours ☕")
                await probe.expect("analysis")
                # Count the long drafts answered by then: a shared queue would
                # have made the probe wait for most of them.
                answered = 0
                with contextlib.suppress(TimeoutError):
                    while True:
                        await flood.recv(timeout=0.01)
                        answered += 1
                assert answered <= 2
                for _ in range(3 - answered):
                    await flood.expect("analysis", timeout=120)
            finally:
                await cf.__aexit__(None, None, None)
                await cp.__aexit__(None, None, None)

        run(go())


def test_long_drafts_wait_for_their_connections_character_budget(demo: Onbrand) -> None:
    """Two longest-size drafts exceed a connection's budget: the second waits
    while a short draft from the same connection, sent after it, goes first."""
    with running(demo, rate=(1000.0, 1000.0)) as server:

        async def go() -> None:
            cm, c = await paired(server.port)
            try:
                long_text = ("Our Salem shop swaps Sticks while you wait. ☕ " * 1400)[:60000]
                await c.analyze("l1", 1, f"1 {long_text}")
                await c.analyze("l2", 1, f"2 {long_text}")
                await asyncio.sleep(0.05)
                await c.analyze("s", 1, "A short note about Monday's café hours ☕")
                order = [(await c.expect("analysis", timeout=120))["draft_id"] for _ in range(3)]
                assert order.index("s") < order.index("l2"), order
            finally:
                await cm.__aexit__(None, None, None)

        run(go())


def test_a_newer_seq_keeps_its_drafts_place_and_the_cap_pushes_out_the_oldest() -> None:
    from agent.service.websocket import Conn, Scheduler

    sched = Scheduler(None, None)  # type: ignore[arg-type]  # queueing only, nothing runs
    a, b = Conn(1, None, None), Conn(2, None, None)  # type: ignore[arg-type]

    def analyze(draft_id: str, seq: int, text: str = "a short draft") -> P.Analyze:
        return P.Analyze(draft_id, seq, text, None, None, None)

    sched.submit(a, analyze("d", 1))
    sched.submit(b, analyze("e", 1))
    sched.submit(a, analyze("d", 2))
    assert [(k, j.msg.seq) for k, j in sched.short.pending.items()] == [
        ((1, "d"), 2),
        ((2, "e"), 1),
    ]
    sched.submit(a, analyze("d", 3, "x" * 5000))  # grown long: it moves lanes
    assert (1, "d") in sched.long.pending and (1, "d") not in sched.short.pending
    pushed = [sched.submit(b, analyze(f"f{i}", 1)) for i in range(MAX_WAITING)]
    assert pushed[:-1] == [None] * (MAX_WAITING - 1)
    assert pushed[-1] is not None and pushed[-1].msg.draft_id == "e"  # b's oldest
