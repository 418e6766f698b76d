"""The agent as a service: a real server on 127.0.0.1 and a real websockets client."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from agent.core import Onbrand
from agent.service import protocol as P
from agent.service.app import AgentServer
from agent.service.auth import Auth
from agent.service.client import AgentError, Client, connect
from tests.agent_server import expect_too_large, running
from tests.conftest import fixture_json


@pytest.fixture
def server(demo: Onbrand) -> Iterator[AgentServer]:
    with running(demo) as s:
        yield s


def token() -> str:
    return Auth().issue_token("test")


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 120))


async def authed(port: int, expect_welcome: bool = True, **kw: Any) -> tuple[Any, Client]:
    """A connected client that has said hello (and, by default, been welcomed)."""
    cm = connect(port, **kw)
    c = await cm.__aenter__()
    if expect_welcome:
        await c.hello(token())
    else:
        await c.send({"type": "hello", "protocol": P.PROTOCOL_VERSION, "token": token()})
    return cm, c


def http(
    port: int,
    path: str,
    body: dict | None = None,
    headers: dict | None = None,
    host: str | None = None,
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers=headers or {},
        method="POST" if data is not None else "GET",
    )
    if host:
        req.add_header("Host", host)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_round_trip_hello_analyze_approve(server: AgentServer) -> None:
    case = fixture_json("paraphrases.json")[0]

    async def go() -> None:
        async with connect(server.port) as c:
            code = Auth().new_code()
            tok = await c.pair(code)
            w = await c.hello(tok)
            assert w["type"] == "welcome" and w["privacy"] == "local-only"
            assert w["brand"] == "demo" and "demo" in w["brands"]
            assert w["keepalive_s"] == P.KEEPALIVE_SECONDS and w["voice_model"]["demo"] >= 1
            await c.analyze(
                "d1",
                1,
                case["paraphrase"],
                platform="x",
                reply_to={"text": "When is the next shop opening?"},
            )
            a = await c.expect("analysis")
            assert (a["draft_id"], a["seq"]) == ("d1", 1)
            assert a["result"]["verdict"] == "repeat"
            assert a["result"]["nearest"][0]["text"] == case["original"]
            new = "Our Foster Road workshop adds a Sunday repair clinic from 7 December, 11 to 3."
            ap = await c.approve(new, platform="mastodon", url="https://m.example/1", id="req-1")
            assert (
                ap["id"] == "req-1"
                and ap["created"]
                and ap["voice_model"] > w["voice_model"]["demo"]
            )
            await c.analyze(
                "d2",
                1,
                "From 7 December our Foster Road workshop runs a Sunday repair clinic, 11 to 3.",
            )
            a = await c.expect("analysis")
            assert a["result"]["nearest"][0]["post_id"] == ap["post_id"]
            await c.send({"type": "ping", "id": "p"})
            assert (await c.expect("pong"))["id"] == "p"

    run(go())


def test_answers_say_where_the_service_spent_its_time(server: AgentServer) -> None:
    """Beside the core's steps, an answer carries the service's: the wait for the
    worker thread, the way back, and the previous frame's JSON and send."""

    async def go() -> list[dict[str, float]]:
        out = []
        async with connect(server.port) as c:
            await c.hello(token())
            for i, text in enumerate(["Kami buka cabang baru di Bandung 🚲", "Same here ✨"]):
                t0 = time.perf_counter()
                await c.analyze("d", i, text, platform="x")
                timings = (await c.expect("analysis"))["result"]["timings_ms"]
                timings["client"] = (time.perf_counter() - t0) * 1000
                out.append(timings)
        return out

    answers = run(go())
    for t in answers:
        assert {"queue", "back", "send_last", "total", "embed"} <= set(t)
        assert "started" not in t and "ended" not in t  # the worker's raw stamps stay inside
        assert all(t[k] >= 0 for k in ("queue", "back", "send_last"))
        # What the service reports fits in what the client waited.
        assert t["queue"] + t["total"] + t["back"] <= t["client"]
    assert answers[1]["send_last"] > 0  # the first answer's own encoding and send


def test_latest_wins_under_a_burst(server: AgentServer) -> None:
    words = [
        "Tidewater",
        "Bike",
        "Works",
        "in",
        "Astoria",
        "joined",
        "the",
        "Pine",
        "Network",
        "as",
        "shop",
        "24",
        "today",
    ]

    async def go() -> list[dict]:
        cm, c = await authed(server.port)
        try:
            await c.analyze("warm", 1, "warm the brand up")
            await c.expect("analysis")
            before = server.scheduler.analysed
            for seq in range(1, 51):  # 50 edits as fast as the socket takes them
                await c.analyze("burst", seq, " ".join(words[: 1 + seq % len(words)]) + f" {seq}")
            got = []
            while not got or got[-1]["seq"] != 50:
                got.append(await c.expect("analysis"))
            # give a straggler the chance to show up, then count
            await c.send({"type": "ping"})
            await c.expect("pong")
            assert server.scheduler.analysed - before == len(got)
            return got
        finally:
            await cm.__aexit__(None, None, None)

    got = run(go())
    assert 1 <= len(got) <= 2, [g["seq"] for g in got]
    assert got[-1]["seq"] == 50
    assert [g["seq"] for g in got] == sorted(g["seq"] for g in got)


def test_web_page_origin_and_forged_host_are_refused(server: AgentServer) -> None:
    async def try_ws(**kw: Any) -> int:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws", **kw):
                return 101
        except websockets.exceptions.InvalidStatus as e:
            return e.response.status_code

    assert run(try_ws(additional_headers={"Origin": "https://evil.example"})) == 403
    assert run(try_ws(additional_headers={"Origin": "http://127.0.0.1:8000"})) == 403
    assert (
        run(
            try_ws(
                additional_headers={"Origin": "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh"}
            )
        )
        == 403
    )
    assert run(try_ws(additional_headers={"Origin": "null"})) == 403
    assert run(try_ws(additional_headers={"Origin": P.EXTENSION_ORIGIN})) == 101
    assert run(try_ws(additional_headers={"Origin": "moz-extension://6b1f-4c1e"})) == 101
    status, body = http(server.port, "/health", host=f"evil.example:{server.port}")
    assert status == 403
    status, _ = http(server.port, "/health", host="127.0.0.1:1")
    assert status == 403
    status, body = http(server.port, "/health", headers={"Origin": "https://evil.example"})
    assert status == 403
    status, body = http(
        server.port,
        "/api/analyze",
        {"text": "hi"},
        headers={"Origin": "https://evil.example", "Authorization": f"Bearer {token()}"},
    )
    assert status == 403
    status, body = http(server.port, "/health")
    assert status == 200 and set(body) == {"ok", "service", "protocol", "ready"}


def test_tokens_are_required_and_checked(server: AgentServer) -> None:
    async def go() -> None:
        async with connect(server.port) as c:
            await c.analyze("d", 1, "no hello yet")
            with pytest.raises(AgentError) as e:
                await c.expect("analysis")
            assert e.value.code == "not_authenticated"
            for bad in (None, "", "x" * 43, "wrong-token"):
                with pytest.raises(AgentError) as e:
                    await c.hello(bad)  # type: ignore[arg-type]
                assert e.value.code == "unauthorized"
            # the connection stays open and a good token still works
            await c.hello(token())
            await c.analyze("d", 2, "now it works")
            assert (await c.expect("analysis"))["seq"] == 2

    run(go())
    status, body = http(server.port, "/api/analyze", {"text": "hello"})
    assert status == 401 and body["code"] == "unauthorized"
    status, body = http(
        server.port, "/api/analyze", {"text": "hello"}, headers={"Authorization": "Bearer nope"}
    )
    assert status == 401
    tok = token()
    status, body = http(
        server.port,
        "/api/analyze",
        {"text": "We fixed 1,204 packs.", "platform": "x"},
        headers={"Authorization": f"Bearer {tok}"},
    )
    assert status == 200 and body["result"]["scores"]["originality"]["value"] >= 0
    status, body = http(
        server.port,
        "/api/approve",
        {"text": "A post approved over HTTP, 3 March."},
        headers={"Authorization": f"Bearer {tok}"},
    )
    assert status == 200 and body["created"] and body["post_id"] > 0
    # a revoked token stops working at once, without a restart
    auth = Auth()
    tid = auth.check(tok)
    assert tid and auth.revoke(tid)
    status, _ = http(
        server.port, "/api/analyze", {"text": "x"}, headers={"Authorization": f"Bearer {tok}"}
    )
    assert status == 401


def test_pairing_codes_are_one_time_expire_and_lock(server: AgentServer) -> None:
    auth = Auth()

    async def pair(code: str) -> str:
        async with connect(server.port) as c:
            try:
                return await c.pair(code)
            except AgentError as e:
                return str(e.code)

    code = auth.new_code()
    tok = run(pair(code))
    assert len(tok) > 30 and auth.check(tok)
    assert run(pair(code)) == "pairing_expired"  # replayed
    code = auth.new_code()
    rec = json.loads(auth.code_path.read_text())
    rec["created"] = time.time() - 301
    auth.code_path.write_text(json.dumps(rec))
    assert run(pair(code)) == "pairing_expired"  # too old
    code = auth.new_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    results = [run(pair(wrong)) for _ in range(5)]
    assert results[:4] == ["pairing_failed"] * 4 and results[4] == "pairing_locked"
    assert run(pair(code)) == "pairing_locked"  # even the right code, until a new one is made
    code = auth.new_code()
    assert auth.check(run(pair(code)))
    status, body = http(server.port, "/api/pair", {"code": "000000"})
    assert status in (403, 429) and body["code"].startswith("pairing_")
    assert oct(auth.tokens_path.stat().st_mode & 0o777) == "0o600"


def test_limits_are_answered_never_crash(demo: Onbrand) -> None:
    # A slow rate (2 a second, bursts of 10) so the limiter trips however slowly a
    # busy machine sends; the production limits are the same code with other numbers.
    with running(demo, rate=(2.0, 10.0)) as server:

        async def go() -> None:
            cm, c = await authed(server.port)
            try:
                await c.analyze("d", 1, "x" * (P.MAX_TEXT_CHARS + 1))
                with pytest.raises(AgentError) as e:
                    await c.expect("analysis")
                assert e.value.code == "text_too_long"
                flood = P.RATE_BURST + 20
                for _ in range(flood):
                    await c.send({"type": "ping"})
                await asyncio.sleep(1.5)
                await c.send({"type": "ping", "id": "after"})
                codes = []
                while True:
                    f = await c.recv()
                    if f.get("id") == "after":
                        break
                    codes.append(f.get("code") or f["type"])
                # Told once that it is limited, not once per frame it sent too many.
                assert "pong" in codes and codes.count("rate_limited") == 1
                assert len(codes) < flood
                await expect_too_large(c, P.MAX_FRAME_BYTES + 10)
            finally:
                await cm.__aexit__(None, None, None)
            # too many paired connections: the 33rd hello is told why and closed
            opened = []
            try:
                for _ in range(P.MAX_CONNECTIONS):
                    opened.append(await authed(server.port))
                cm, extra = await authed(server.port, expect_welcome=False)
                opened.append((cm, extra))
                f = await extra.recv()
                assert f["code"] == "too_many_connections"
                with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                    await extra.recv()
                assert closed.value.rcvd.code == P.CLOSE_TRY_AGAIN
            finally:
                for cm, _ in opened:
                    await cm.__aexit__(None, None, None)
            # and the service still answers afterwards
            cm, c = await authed(server.port)
            await c.analyze("d", 1, "still here")
            assert (await c.expect("analysis"))["seq"] == 1
            await cm.__aexit__(None, None, None)

        run(go())


def test_bad_frames_keep_the_connection(server: AgentServer) -> None:
    async def go() -> None:
        cm, c = await authed(server.port)
        try:
            cases = [
                ("not json", "bad_json"),
                ("[1,2]", "bad_json"),
                ('{"no": "type"}', "bad_frame"),
                ('{"type": "dance"}', "unknown_type"),
                ('{"type": "analyze", "draft_id": "d", "seq": -1, "text": "x"}', "bad_frame"),
                ('{"type": "analyze", "draft_id": "d", "seq": 1, "text": 5}', "bad_frame"),
                (
                    '{"type": "analyze", "draft_id": "d", "seq": 1, "text": "x", '
                    '"platform": "myspace"}',
                    "unknown_platform",
                ),
                (
                    '{"type": "analyze", "draft_id": "d", "seq": 1, "text": "x", "brand": "nope"}',
                    "unknown_brand",
                ),
                ('{"type": "approve", "text": "  "}', "bad_frame"),
            ]
            for raw, code in cases:
                await c.ws.send(raw)
                with pytest.raises(AgentError) as e:
                    await c.expect("analysis", "approved")
                assert e.value.code == code, raw
                assert isinstance(e.value.frame["message"], str) and e.value.frame["message"]
            await c.send({"type": "analyze", "draft_id": "d", "seq": 9, "text": "fine", "extra": 1})
            assert (await c.expect("analysis"))["seq"] == 9
            await c.send({"type": "hello", "protocol": 2, "token": "x"})
            with pytest.raises(AgentError) as e:
                await c.expect("welcome")
            assert e.value.code == "unsupported_protocol"
        finally:
            await cm.__aexit__(None, None, None)

    run(go())


def test_non_loopback_bind_needs_a_flag_and_is_refused_in_privacy_mode(demo: Onbrand) -> None:
    with pytest.raises(ValueError, match="allow-remote"):
        AgentServer(demo, Auth(), bind_hosts=("0.0.0.0",))
    with pytest.raises(ValueError, match="privacy"):
        AgentServer(demo, Auth(), bind_hosts=("0.0.0.0",), allow_remote=True, privacy="local-only")
    AgentServer(demo, Auth(), bind_hosts=("0.0.0.0",), allow_remote=True, privacy="off")
