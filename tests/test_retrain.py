"""Retraining on approved posts: live, incremental, through every door."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from agent.cli.main import main
from agent.core import Onbrand
from agent.service.auth import Auth
from agent.store import Store
from embeddings import Encoder, ModelIdentity
from tests.agent_server import running
from tests.test_embeddings import OtherEncoder


def test_approve_over_websocket_then_paraphrase_then_remove(demo: Onbrand) -> None:
    post = (
        "Starting 12 January, every Brick pack sold in Oregon includes a free first "
        "Stick swap at any of our 61 network shops."
    )
    paraphrase = (
        "From January 12, Brick packs bought in Oregon come with one free Stick swap "
        "at any of the 61 network shops."
    )
    with running(demo) as server:

        async def go() -> None:
            from agent.service.client import connect

            async with connect(server.port) as c:
                await c.hello(Auth().issue_token("t"))
                ap = await c.approve(post, platform="linkedin")
                await c.analyze("d", 1, paraphrase)
                a = await c.expect("analysis")
                assert a["result"]["nearest"][0]["post_id"] == ap["post_id"]
                assert a["result"]["verdict"] == "repeat"
                assert a["result"]["model"]["voice_model"]["version"] == ap["voice_model"]
                demo.remove_post(ap["post_id"])
                await c.analyze("d", 2, paraphrase)
                a = await c.expect("analysis")
                assert all(n["post_id"] != ap["post_id"] for n in a["result"]["nearest"])
                assert a["result"]["verdict"] != "repeat"

        asyncio.run(go())


def test_concurrent_approvals_while_analyses_run(demo: Onbrand) -> None:
    token = Auth().issue_token("t")
    n_clients, per_client = 4, 6
    with running(demo) as server:
        from agent.service.client import connect

        async def approver(k: int) -> list[int]:
            async with connect(server.port) as c:
                await c.hello(token)
                ids = []
                for i in range(per_client):
                    r = await c.approve(
                        f"Client {k} approval {i}: shop {k * 10 + i} opened in "
                        f"town {i} with {k + i} technicians."
                    )
                    assert r["created"]
                    ids.append(r["post_id"])
                return ids

        async def analyst(k: int) -> int:
            async with connect(server.port) as c:
                await c.hello(token)
                for seq in range(1, 9):
                    await c.analyze(f"a{k}", seq, f"Draft {seq} from tab {k}: a new shop opens.")
                    a = await c.expect("analysis")  # an error frame would raise here
                    assert a["result"]["scores"]["originality"]["value"] is not None
                return seq

        async def go() -> tuple[list[Any], list[Any]]:
            approvals = asyncio.gather(*(approver(k) for k in range(n_clients)))
            analyses = asyncio.gather(*(analyst(k) for k in range(3)))
            return await approvals, await analyses

        approved, analysed = asyncio.run(go())
    ids = [i for batch in approved for i in batch]
    assert len(set(ids)) == n_clients * per_client
    texts = demo.store.post_texts("demo")
    assert all(i in texts for i in ids)
    assert set(ids) <= set(demo.state("demo").posts_index.ids())
    assert analysed == [8, 8, 8]


def test_changes_from_another_process_are_picked_up(demo: Onbrand, capsys: Any) -> None:
    """`onbrand approve` and `posts remove` in a shell while the agent serves."""
    demo.analyze("warm", brand="demo")
    assert (
        main(
            [
                "approve",
                "Our Eugene clinic now opens Thursdays, 4 to 8 p.m., at 230 W 5th.",
                "--brand",
                "demo",
                "--json",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    import json

    post_id = json.loads(out)["post_id"]
    r = demo.analyze(
        "The Eugene clinic at 230 W 5th is now open on Thursdays from 4 to 8 p.m.", brand="demo"
    )
    assert r["nearest"][0]["post_id"] == post_id
    assert main(["posts", "remove", str(post_id)]) == 0
    r = demo.analyze(
        "The Eugene clinic at 230 W 5th is now open on Thursdays from 4 to 8 p.m.", brand="demo"
    )
    assert all(n["post_id"] != post_id for n in r["nearest"])


def test_retrain_rebuilds_and_records_a_version(demo: Onbrand, capsys: Any) -> None:
    before = demo.store.voice_version("demo")
    assert main(["retrain", "--brand", "demo"]) == 0
    assert "retrained demo: 112 posts" in capsys.readouterr().out
    assert demo.store.voice_version("demo") == before + 1
    assert demo.store.voice_history("demo")[0]["reason"].startswith("retrain")
    assert main(["voice", "--brand", "demo"]) == 0
    assert "retrain: 112 posts" in capsys.readouterr().out


def test_new_encoder_serves_old_vectors_until_the_new_ones_are_complete(
    demo: Onbrand, encoder: Encoder
) -> None:
    """Switching encoders: the brand keeps being answered from the complete old
    vectors while the new ones are built, then switches; never a mix."""
    import threading

    gate = threading.Event()

    class SlowOther(OtherEncoder):
        def _encode(self, texts: list[str]) -> np.ndarray:
            if len(texts) > 1:  # hold the bulk re-embedding until the test has looked
                gate.wait(60)
            return super()._encode(texts)

    store: Store = demo.store
    other = SlowOther(encoder)
    core2 = Onbrand(store, other)
    old_key = encoder.identity.key
    st = core2.state("demo")
    assert st.encoder.identity.key == old_key  # served by the old encoder meanwhile
    r = core2.analyze("Tidewater Bike Works in Astoria joined the network.", brand="demo")
    assert r["model"]["encoder"]["key"] == old_key and r["nearest"]
    approved = core2.approve("Shop 63 opens in Bend on Monday.", brand="demo")
    gate.set()
    core2.wait_for_migrations(120)
    st = core2.state("demo")
    assert st.encoder is other and st.posts_index.model_key == other.identity.key
    assert approved["post_id"] in st.posts_index
    assert not store.missing_vectors("post", "demo", other.identity.key)
    r = core2.analyze("Shop 63 opens in Bend on Monday.", brand="demo")
    assert r["model"]["encoder"]["key"] == other.identity.key
    assert r["nearest"][0]["post_id"] == approved["post_id"]
    assert isinstance(other.identity, ModelIdentity)
