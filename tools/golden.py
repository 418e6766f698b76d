"""Record full analyses of many varied texts, to prove a refactor changed nothing.

    python -m tools.golden OUT.jsonl [--data ../shared/data]

Loads the demo brand into a fresh temporary ONBRAND_HOME, then analyses the
demo drafts, the demo posts, hand-written edge cases and (when the shared data
is beside the repo) public tweets and LinkedIn posts, each with and without a
reply context, through the core and through a paired websocket client. Each
line is one result without its timings. Run it before and after a change and
compare the two files byte for byte; the output stays out of the repo.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.training import datasets as ds

ROOT = Path(__file__).resolve().parents[1]

EDGE = [
    "",
    " ",
    "a",
    "🎉🎉🎉",
    "We're thrilled to announce something big. Stay tuned! 🚀",
    "Kami dengan bangga mengumumkan produk baru kami! Nantikan kabar selanjutnya ya 🙏",
    "Aku capek banget sama komplain kalian, baca dulu dong petunjuknya!!!",
    "Terima kasih sudah menunggu. Pesanan #4471 dikirim Senin, 12 Mei, lewat JNE.",
    "I think I'm the best at this and I don't care what you say.",
    "Café crème, naïve résumé, São Paulo — “curly quotes” and ‘single’ ones…",
    "e\u0301 combining marks and ZWJ 👩‍👩‍👧 families, flags 🇮🇩🇬🇧",
    "@someone you are lying and you know it. Read the thread before replying.",
    "Check https://example.com/a?b=c and #hashtag #another @handle",
    "x" * 2000,
    "Line one\n\nLine two\n\n- bullet\n- bullet 2\n",
    "We fixed 1,960 packs in 5 months at 23 shops; median bench time 34 minutes.",
    "Our team is passionate about innovation and excellence in everything we do.",
    "RT this if you agree!!! 😡😡😡 #boycott",
    "日本語のテキストも少し。ありがとう。",
    "مرحبا بالعالم",
]

REPLIES = [
    None,
    "My order arrived broken and nobody answers my emails. Worst service ever.",
    "Pesanan saya belum sampai sudah 2 minggu, tolong dicek!",
    "lol your product is a joke",
]


def _texts(data: Path | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    drafts = json.loads((ROOT / "agent/demo/drafts.json").read_text(encoding="utf-8"))
    for d in drafts:
        items.append({"text": d["text"], "platform": d["platform"], "reply_to": d.get("reply_to")})
    for line in (ROOT / "agent/demo/posts.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            p = json.loads(line)
            items.append({"text": p["text"], "platform": p.get("platform"), "reply_to": None})
    for i, t in enumerate(EDGE):
        items.append({"text": t, "platform": None, "reply_to": REPLIES[i % len(REPLIES)]})
        items.append({"text": t, "platform": "x", "reply_to": None})
    if data and (data / "olid/olid-training-v1.0.tsv").exists():
        with (data / "olid/olid-training-v1.0.tsv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))[:600]
        for i, r in enumerate(rows):
            reply = REPLIES[i % len(REPLIES)] if i % 3 == 0 else None
            items.append({"text": r["tweet"], "platform": "x", "reply_to": reply})
    li = data / "linkedin_influencers_sample/linkedIn_data_Kartik-checkpoint.csv" if data else None
    if li and li.exists():
        with li.open(encoding="utf-8", errors="replace") as fh:
            rows = [r for r in csv.DictReader(fh) if (r.get("content") or "").strip()][:300]
        for r in rows:
            items.append({"text": r["content"][:1500], "platform": "linkedin", "reply_to": None})
    return items


# What differs run to run: the timings, and when the demo posts were approved (the
# load, moments before the run).
VARYING = ("timings_ms", "approved_at")


def _strip(frame: Any) -> Any:
    """The frame without what differs run to run, at any depth."""
    if isinstance(frame, dict):
        return {k: _strip(v) for k, v in frame.items() if k not in VARYING}
    if isinstance(frame, list):
        return [_strip(v) for v in frame]
    return frame


async def _over_socket(core: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import socket

    from agent.service.app import AgentServer
    from agent.service.auth import Auth
    from agent.service.client import AgentError, connect

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    auth = Auth()
    server = AgentServer(core, auth, port=port, bind_hosts=("127.0.0.1",))
    runner = await server.start()
    token = auth.issue_token("golden")
    out = []
    async with connect(port) as client:
        await client.hello(token, "golden")
        for i, it in enumerate(items):
            fields = {k: it[k] for k in ("platform", "reply_to") if it[k]}
            await asyncio.sleep(0.03)  # under the socket's rate limit
            await client.analyze(f"g{i}", 1, it["text"], **fields)
            try:
                out.append(_strip(await client.expect("analysis")))
            except AgentError as exc:
                out.append(exc.frame)
    await runner.cleanup()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=ds.DEFAULT_DATA)
    ap.add_argument("--socket", type=int, default=200, help="how many texts go over the socket")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = tempfile.mkdtemp(prefix="onbrand-golden-")
    os.environ["ONBRAND_HOME"] = home
    from agent.core import Onbrand

    core = Onbrand()
    core.load_demo()
    items = _texts(args.data if args.data.exists() else None)
    with args.out.open("w", encoding="utf-8") as fh:
        for it in items:
            r = core.analyze(it["text"], it["platform"], "demo", it["reply_to"])
            fh.write(json.dumps(_strip(r), ensure_ascii=False, sort_keys=True) + "\n")
        for r in asyncio.run(_over_socket(core, items[: args.socket])):
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(items)} texts through the core, {min(len(items), args.socket)} over the socket")
    return 0


if __name__ == "__main__":
    sys.exit(main())
