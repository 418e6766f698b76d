"""Argument risk and complaint hints a user can trust (issue #17), on drafts and
reply contexts written for these tests, in English and Bahasa Indonesia, through
the whole analysis with the real model."""

from __future__ import annotations

from typing import Any

import pytest

from agent.core import Onbrand

ARGUING = "reads as arguing with someone"


def analyze(demo: Onbrand, text: str, reply_to: str | None = None) -> dict[str, Any]:
    return demo.analyze(text, "x", brand="demo", reply_to=reply_to)


def hints(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [h for h in result["hints"] if h["kind"] == kind]


# -- calm posts that answer no one are not arguments ---------------------------------------
CALM_POSTS = [
    "Brewing tip: pour water just off the boil, about 93°C, and let the grounds bloom for "
    "30 seconds before you pour the rest.",
    "We just passed 10,000 orders this year. So proud of this team!",
    "Fresh bread, every morning.",
    "No shortcuts. No compromises. Just good coffee.",
    "You don't need fancy gear to make great coffee. A kettle and a jar will do.",
    "Think you know sambal? Think again.",
    "New on the menu from Monday: iced palm sugar latte, Rp 28.000, at all three stores.",
    "Launching today: the Trail 2 backpack, 28 litres, waterproof zips, $89.",
    "Myth: e-bike batteries can't be recycled. That's not true: we recycled 4,000 last year.",
    "Tips seduh: pakai air sekitar 93°C dan diamkan bubuk kopi 30 detik sebelum menuang sisanya.",
    "Kami baru saja melewati 10.000 pesanan tahun ini. Bangga sama tim!",
    "Kopi enak gak harus mahal.",
    "Jangan lupa, diskon 20% khusus hari ini aja ya!",
    "Produk baru sudah datang! Tumbler 1 liter, tahan panas 12 jam, mulai Rp 185.000.",
]


@pytest.mark.parametrize("text", CALM_POSTS)
def test_calm_posts_are_not_called_arguing(demo: Onbrand, text: str) -> None:
    result = analyze(demo, text)
    risk = result["scores"]["risk"]
    assert not any(ARGUING in h["message"] for h in result["hints"]), result["hints"]
    assert not hints(result, "risk")
    assert risk["value"] < 40 and risk["label"] == "Calm", risk
