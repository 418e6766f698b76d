"""The popup's reminders (issue #21): `list_reminders` over the websocket answers
with the brand's weekly post goals behind their pace and the days left."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent.core import Onbrand
from agent.service import protocol as P
from agent.service.auth import Auth
from agent.service.client import connect
from tests.agent_server import running


def test_websocket_lists_the_goals_behind(demo: Onbrand) -> None:
    # 40 LinkedIn posts a week: no brand is on pace for that by today
    demo.store.put_goal("demo", "posts_per_week", "linkedin", 40)

    async def go() -> None:
        async with connect(s.port) as c:
            await c.hello(Auth().issue_token("test"))
            await c.send({"type": "list_reminders", "id": "r1"})
            a = await c.expect("reminders")
            assert a["id"] == "r1" and a["brand"] == "demo"
            (r,) = a["reminders"]
            assert r["platform"] == "linkedin" and r["target"] == 40
            assert r["current"] < r["expected"] and 0 <= r["days_left"] <= 7
            # Bad input: one error frame, the connection stays.
            await c.send({"type": "list_reminders", "id": "r2", "brand": 5})
            assert (await c.expect("error"))["code"] == "bad_frame"
            await c.send({"type": "list_reminders", "id": "r3", "brand": "nobody"})
            e = await c.expect("error")
            assert e["re"] == {"type": "list_reminders", "id": "r3"}

    with running(demo) as s:
        asyncio.run(asyncio.wait_for(go(), 120))


def test_protocol_parses_list_reminders() -> None:
    assert P.parse('{"type": "list_reminders", "id": "x"}') == P.ListReminders("x", None)
    m = P.parse(json.dumps({"type": "list_reminders", "brand": "demo"}))
    assert m == P.ListReminders(None, "demo")
    with pytest.raises(P.ProtocolError):
        P.parse('{"type": "list_reminders", "brand": ["demo"]}')
