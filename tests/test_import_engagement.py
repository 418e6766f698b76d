"""Engagement from imports, per platform (issue #21): what each export carries
is kept per post, a bad figure rejects its row, a later export updates it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.core import Onbrand


def write(tmp_path: Path, name: str, content: str) -> Path:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    return p


def stats_by_text(core: Onbrand) -> dict[str, tuple[Any, Any, Any]]:
    return {
        r["text"]: (r["likes"], r["replies"], r["reposts"])
        for r in core.store.scored_posts("default")
    }


def test_x_archive_keeps_likes_and_reposts(core: Onbrand, tmp_path: Path) -> None:
    tweets = [
        {"tweet": {"id_str": "1", "full_text": "Shop 12 opens in Leeds on Friday.",
                   "created_at": "Wed Oct 01 10:00:00 +0000 2025",
                   "favorite_count": "41", "retweet_count": "7"}},
        {"tweet": {"id_str": "2", "full_text": "Our winter menu starts 3 December.",
                   "created_at": "Thu Oct 02 10:00:00 +0000 2025"}},
        {"tweet": {"id_str": "3", "full_text": "Broken counts here.",
                   "favorite_count": "many"}},
    ]  # fmt: skip
    p = write(tmp_path, "tweets.js", "window.YTD.tweets.part0 = " + json.dumps(tweets))
    s = core.import_file(p)
    assert s["added"] == 2
    assert s["rejected"] == [
        {"where": "tweets.js:item 3", "reason": "favorite_count must be a whole number, not 'many'"}
    ]
    got = stats_by_text(core)
    assert got["Shop 12 opens in Leeds on Friday."] == (41, None, 7)
    assert got["Our winter menu starts 3 December."] == (None, None, None)


def test_mastodon_outbox_keeps_the_counts_it_has(core: Onbrand, tmp_path: Path) -> None:
    outbox = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "orderedItems": [
            {"type": "Create", "object": {
                "content": "<p>Repair café in Bristol on 9 May.</p>",
                "published": "2025-05-01T10:00:00Z",
                "likes": {"type": "Collection", "totalItems": 15},
                "shares": {"type": "Collection", "totalItems": 4},
                "replies": {"type": "Collection", "totalItems": 2}}},
            {"type": "Create", "object": {
                "content": "<p>Older server: no counts.</p>",
                "replies": {"type": "Collection", "first": {"type": "CollectionPage"}}}},
        ],
    }  # fmt: skip
    core.import_file(write(tmp_path, "outbox.json", json.dumps(outbox)))
    got = stats_by_text(core)
    assert got["Repair café in Bristol on 9 May."] == (15, 2, 4)
    assert got["Older server: no counts."] == (None, None, None)


def test_linkedin_shares_carry_no_engagement(core: Onbrand, tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "Shares.csv",
        "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
        '2025-06-01 09:00:00,https://www.linkedin.com/feed/update/1,"We hired 4 bakers '
        'in Cardiff.",,,MEMBER_NETWORK\n',
    )
    assert core.import_file(p)["format"] == "linkedin"
    assert stats_by_text(core) == {"We hired 4 bakers in Cardiff.": (None, None, None)}


def test_csv_and_jsonl_engagement_columns_and_a_later_export(core: Onbrand, tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "bluesky.csv",
        "text,platform,likes,comments,shares\n"
        '"The Hove shop reopens on 2 June.",bluesky,"1,204",8,31\n'
        '"Fresh bread at 7 every morning in Brighton.",bluesky,,,\n'
        '"Bad likes here.",bluesky,lots,1,1\n',
    )
    s = core.import_file(p)
    assert s["added"] == 2
    assert s["rejected"] == [
        {"where": "bluesky.csv:4", "reason": "likes must be a whole number, not 'lots'"}
    ]
    got = stats_by_text(core)
    assert got["The Hove shop reopens on 2 June."] == (1204, 8, 31)
    assert got["Fresh bread at 7 every morning in Brighton."] == (None, None, None)
    # a later export of the same post updates its figures (and keeps the rest)
    later = write(
        tmp_path,
        "later.jsonl",
        json.dumps({"text": "The Hove shop reopens on 2 June.", "like_count": 1300}) + "\n",
    )
    s = core.import_file(later)
    assert (s["added"], s["duplicates"]) == (0, 1)
    assert stats_by_text(core)["The Hove shop reopens on 2 June."] == (1300, 8, 31)
