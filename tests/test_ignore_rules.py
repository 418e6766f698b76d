"""Rules a person ignores for a brand from the extension ("ignore this rule for
this brand"): stored by the agent, over the websocket and the CLI, in effect at
the next analysis, and undone the same ways."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from agent.cli.main import main
from agent.core import Onbrand, OnbrandError
from agent.service import protocol as P
from agent.service.auth import Auth
from agent.service.client import connect
from tests.agent_server import running

DRAFT = "Our ebike shop in Leeds opened on 4 March with 3 mechanics."


def rules_hit(core: Onbrand, text: str = DRAFT) -> list[str]:
    return [h["evidence"].get("rule") for h in core.analyze(text, "x")["hints_all"]]


def test_an_ignored_rule_stops_hinting_and_comes_back(demo: Onbrand) -> None:
    assert "terminology" in rules_hit(demo)
    r = demo.ignore_rule("terminology")
    assert r == {"brand": "demo", "rule": "terminology", "ignored": True, "rules": ["terminology"]}
    assert "terminology" not in rules_hit(demo)
    assert demo.ignored_rules() == {"brand": "demo", "rules": ["terminology"]}
    # Another process (the CLI) checks it again: the serving core notices.
    other = Onbrand(encoder=demo.encoder)
    other.ignore_rule("terminology", ignore=False)
    assert "terminology" in rules_hit(demo)
    assert demo.ignored_rules()["rules"] == []


def test_rules_loaded_by_another_process_apply_at_the_next_analysis(
    demo: Onbrand, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`onbrand rules FILE` while the agent serves: the agent's next analysis checks
    the new file's rules, not the ones it started with."""
    assert "terminology" in rules_hit(demo)
    new = tmp_path / "rules.toml"
    new.write_text(
        '[[rule]]\nname = "no-leeds"\nkind = "existence"\nterms = ["Leeds"]\n'
        'message = "We name no city before the opening is confirmed."\nseverity = "warn"\n',
        encoding="utf-8",
    )
    assert main(["rules", str(new)]) == 0  # the CLI: another connection to the file
    assert "1 rules for brand demo" in capsys.readouterr().out
    hit = rules_hit(demo)
    assert "no-leeds" in hit and "terminology" not in hit


def test_only_a_rule_of_the_brand_can_be_ignored(demo: Onbrand) -> None:
    with pytest.raises(OnbrandError, match="no rule 'nope'"):
        demo.ignore_rule("nope")
    with pytest.raises(OnbrandError, match="name the rule"):
        demo.ignore_rule(" ")
    # Checking again a rule that is not ignored is no error.
    assert demo.ignore_rule("nope", ignore=False)["rules"] == []


def test_websocket_ignore_rule_and_list(demo: Onbrand) -> None:
    async def go() -> None:
        async with connect(s.port) as c:
            await c.hello(Auth().issue_token("test"))
            await c.send({"type": "ignore_rule", "id": "i1", "rule": "terminology"})
            a = await c.expect("rules_ignored")
            assert a["id"] == "i1" and a["rules"] == ["terminology"] and a["ignored"] is True
            await c.analyze("d1", 1, DRAFT, platform="x")
            hints = (await c.expect("analysis"))["result"]["hints_all"]
            assert "terminology" not in [h["evidence"].get("rule") for h in hints]
            await c.send({"type": "list_ignored", "id": "l1"})
            a = await c.expect("rules_ignored")
            assert (a["id"], a["brand"], a["rules"]) == ("l1", "demo", ["terminology"])
            await c.send(
                {"type": "ignore_rule", "id": "i2", "rule": "terminology", "ignore": False}
            )
            assert (await c.expect("rules_ignored"))["rules"] == []
            # Bad input: one error frame naming the field, the connection stays.
            await c.send({"type": "ignore_rule", "id": "i3", "rule": 5})
            e: dict[str, Any] = await c.expect("error")
            assert e["code"] == "bad_frame" and "rule" in e["message"]
            await c.send({"type": "ignore_rule", "id": "i4", "rule": "x", "ignore": "yes"})
            assert (await c.expect("error"))["code"] == "bad_frame"
            await c.send({"type": "ignore_rule", "id": "i5", "rule": "nope"})
            e = await c.expect("error")
            assert e["code"] == "bad_frame" and e["re"]["id"] == "i5"

    with running(demo) as s:
        asyncio.run(asyncio.wait_for(go(), 120))


def test_cli_lists_ignores_and_unignores(demo: Onbrand, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "ignored"]) == 0
    assert "no rule is ignored for brand demo" in capsys.readouterr().out
    assert main(["rules", "ignore", "hype-words"]) == 0
    assert "rule hype-words: ignored for brand demo" in capsys.readouterr().out
    assert main(["rules", "ignored", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rules"] == ["hype-words"]
    assert main(["rules", "unignore", "hype-words"]) == 0
    assert "no rule is ignored" in capsys.readouterr().out
    assert main(["rules", "ignore", "nope"]) != 0
    assert "no rule 'nope'" in capsys.readouterr().err
    assert main(["rules", "unignore"]) != 0
    assert "name the rule" in capsys.readouterr().err


def test_protocol_parses_both_messages() -> None:
    m = P.parse(json.dumps({"type": "ignore_rule", "rule": "terminology", "brand": "demo"}))
    assert m == P.IgnoreRule(None, "terminology", True, "demo")
    assert P.parse('{"type": "list_ignored", "id": "x"}') == P.ListIgnored("x", None)
    with pytest.raises(P.ProtocolError):
        P.parse('{"type": "ignore_rule"}')
