"""What makes a post concrete: numbers, names, dates, places, quantities, links.

`evidence(text)` lists each kind of concrete detail with its spans (what the
specificity hint shows), and `lexical_features(text)` turns the same counts
into the hand-made features the specificity head reads beside the embedding.
All regular expressions, no tagger: these run on every keystroke.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from agent.text.style import EMOJI, URL, marks

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    "|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
)
# Each pattern opens with a lookahead on the characters its alternatives can start
# with: Python's re then skips most positions at once (2-3x faster, same matches).
DATE = re.compile(
    r"(?=[\dadfjlmnostwy])"  # a digit, or a month, weekday or "yesterday"/"this"/...
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b(?:\s+\d{{4}})?"
    r"|\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|(?:19|20)\d\d"
    rf"|(?:{WEEKDAYS})\b"
    r"|(?:january|february|march|april|june|july|august|september|october|november|december)"
    r"|\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)"
    r"|\d{1,2}:\d\d"
    r"|(?:yesterday|tomorrow|tonight|this (?:morning|afternoon|evening|week|month|year)"
    r"|last (?:night|week|month|year)|next (?:week|month|year)))\b",
    re.I,
)
UNITS = (
    r"percent|k|m|bn|km|mi|miles?|kg|lbs?|g|mg|ml|l|liters?|litres?|hours?|hrs?|minutes?|mins?"
    r"|seconds?|secs?|days?|weeks?|months?|years?|yrs?|people|users?|customers?|riders?|shops?"
    r"|stores?|employees?|times|x|gb|tb|mb|wh|kwh|kw|w|v|mph|km/h|ft|feet|inch(?:es)?|cm|mm"
    r"|points?|pts|dollars?|euros?|pounds?|million|billion|thousand|hundred"
)
QUANTITY = re.compile(
    r"(?=[$€£¥\dotfsenhd])"  # a currency sign, a digit, or one/two/.../hundred/dozen
    rf"(?:[$€£¥]\s?\d(?:[\d,.]*\d)?(?:\s?(?:k|m|bn|million|billion)\b)?"
    rf"|\b\d(?:[\d,.]*\d)?\s?(?:%|(?:{UNITS})\b)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty"
    r"|fifty|hundred|dozen)\s+(?:[a-z]+\s)?(?:" + UNITS + r")\b)",
    re.I,
)
NUMBER = re.compile(r"(?<![\w#@])[$€£¥]?\d(?:[\d,.:/]*\d)?(?:st|nd|rd|th|s|k|m)?\b")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
PLACE = re.compile(
    r"\b(?:in|at|near|from|to|across|outside|around)\s+(?:the\s+)?"
    r"((?:[A-Z][a-z]+|[A-Z]{2,3})(?:\s+(?:[A-Z][a-z]+|[A-Z]{2}))*(?:\s\d+\b)?)"
)
# Bahasa Indonesia. Separate patterns, so English text matches exactly what it did
# (the specificity head was trained on English counts): each needs an Indonesian
# word, "Rp" or an Indonesian unit, and the day names a capital or "hari".
# (April, September and November are English too: the English pattern has them.)
ID_MONTHS = "januari|februari|maret|mei|juni|juli|agustus|oktober|desember|agu|agt|okt|des"
ID_DATE = re.compile(
    r"\b(?:(?:besok|kemarin|lusa|nanti malam"
    r"|(?:hari|malam|pagi|siang|sore|minggu|bulan|tahun|akhir pekan)\s+ini"
    r"|(?:minggu|bulan|tahun|pekan)\s+(?:depan|lalu))\b"
    rf"|\d{{1,2}}\s+(?:{ID_MONTHS})\b\.?(?:\s+\d{{4}})?"
    rf"|(?:{ID_MONTHS})\s+(?:19|20)\d\d"
    r"|hari\s+(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu)\b"
    r"|(?-i:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu)\b(?:\s*\(\d{1,2}/\d{1,2}\))?"
    r"|(?:pukul|pk\.?|jam)\s+\d{1,2}(?:[.:]\d\d)?(?:\s+(?:pagi|siang|sore|malam))?"
    r"|\d{1,2}[.:]\d\d\s+(?-i:WIB|WITA|WIT))",
    re.I,
)
ID_UNITS = (
    r"rb|ribu|jt|juta|m|miliar|milyar|triliun|persen|orang|toko|cabang|gerai|pelanggan|porsi"
    r"|bungkus|buah|unit|pcs|kilo|gram|liter|jam|menit|detik|hari|minggu|bulan|tahun|kali|lusin"
    r"|botol|gelas|karung|ton|mdpl|kg|km|meter|kursi|meja|karyawan|mitra|peserta|pesanan"
)
ID_QUANTITY = re.compile(
    r"(?:\bRp\.?\s?\d(?:[\d.,]*\d)?(?:\s?(?:rb|ribu|jt|juta|m|miliar|milyar)\b)?"
    rf"|\b\d(?:[\d.,]*\d)?\s?(?:{ID_UNITS})\b"
    r"|\b(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus"
    r"|seribu|puluhan|ratusan|ribuan)\s+(?:" + ID_UNITS + r")\b)",
    re.I,
)
# The place names after di/ke/dari/dekat (lowercase, as Indonesian writes them), a
# street's "Jl." kept with its name.
ID_PLACE = re.compile(
    r"\b(?:di|ke|dari|dekat|sekitar|seluruh)\s+"
    r"((?:Jl\.?\s+|Jalan\s+)?(?:[A-Z][a-z]+|[A-Z]{2,3})(?:\s+(?:[A-Z][a-z]+|[A-Z]{2}))*(?:\s\d+\b)?)"
)
MID_SENTENCE = re.compile(r"[\w,;&'’(-]\s*$")  # the rule; _mid_sentence is its fast form
COMMON_CAPS = {
    "i",
    "i'm",
    "i’m",
    "i've",
    "i'll",
    "i'd",
    "the",
    "a",
    "an",
    "and",
    "but",
    "or",
    "so",
    "we",
    "you",
    "it",
    "this",
    "that",
    "my",
    "our",
    "your",
    "ok",
    "okay",
    "lol",
    "omg",
    "rt",
    "amp",
    "yes",
    "no",
    "hi",
    "hey",
    "hello",
    "thanks",
    "thank",
    "please",
    "god",
    "dm",
    "dms",
    "pm",
    "am",
    "wtf",
    "btw",
    "fyi",
    "asap",
    "imo",
    "imho",
    "tbh",
    "smh",
    "ps",
    "lmao",
    "idk",
    "url",
    "user",
}
# Counted over the text's \w+ runs, lowercased: the same count as a
# \b(?:word|...)\b regex with re.I, for a fifth of the time (re.I would also
# fold the long s and the Kelvin sign; here they are themselves).
VAGUE = frozenset(
    [
        "thing",
        "things",
        "stuff",
        "something",
        "everything",
        "anything",
        "everyone",
        "everybody",
        "someone",
        "somebody",
        "people",
        "life",
        "world",
        "always",
        "never",
        "really",
        "very",
        "so",
        "just",
        "amazing",
        "awesome",
        "great",
        "good",
        "best",
        "love",
        "lovely",
        "nice",
        "beautiful",
        "cool",
        "incredible",
        "huge",
        "totally",
        "literally",
        "whatever",
        "somehow",
        "journey",
        "vibes",
        "blessed",
        "excellence",
        "passion",
        "innovation",
        "future",
        "community",
    ]
)
FIRST_SECOND = frozenset(["i", "me", "my", "you", "your", "u", "ur"])
RUN = re.compile(r"\w+")

FEATURE_NAMES = (
    "log_chars",
    "log_words",
    "numbers",
    "has_number",
    "proper_nouns",
    "dates",
    "quantities",
    "places",
    "links",
    "mentions",
    "hashtags",
    "emoji",
    "questions",
    "exclamations",
    "sentences",
    "mean_word_len",
    "long_words",
    "type_token",
    "vague_share",
    "first_second_share",
    "caps_share",
    "number_share",
    "proper_share",
)


def _spans(pat: re.Pattern[str], text: str, group: int = 0) -> list[tuple[int, int]]:
    return [m.span(group) for m in pat.finditer(text)]


@lru_cache(maxsize=64)  # evidence() and lexical_features() both need a draft's names
def proper_nouns(text: str) -> tuple[tuple[int, int], ...]:
    """Capitalised words that do not start a sentence (a rough stand-in for names),
    plus all-caps acronyms of 2-5 letters; links, mentions and hashtags excluded."""
    found = marks(text)
    skip = found.links + found.mentions + found.hashtags
    out = []
    for m in WORD.finditer(text):
        w = m.group(0)
        if not w[0].isupper():  # most words: the cheapest test first
            continue
        if skip and any(s <= m.start() < e for s, e in skip):
            continue
        if w.lower().strip("'’") in COMMON_CAPS:
            continue
        is_acronym = 2 <= len(w) <= 5 and w.isupper()
        if not (is_acronym or not w.isupper() or len(w) == 1):
            continue
        if not is_acronym and not _mid_sentence(text, m.start()):
            continue
        out.append(m.span())
    return tuple(out)


def _mid_sentence(text: str, at: int) -> bool:
    """MID_SENTENCE.search(text[at - 40 : at]) without a regex per word: the last
    non-space character in the 40 before `at` continues a sentence."""
    before = text[max(0, at - 40) : at].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] in "_,;&'’(-")


def _leading_names(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A sentence-initial capitalised word directly followed by a found name
    ("Jonas Berg runs it") is part of that name. Evidence only: the head's
    features use `proper_nouns` as it was trained."""
    starts = {s for s, _ in found}
    out = []
    for m in WORD.finditer(text):
        w = m.group(0)
        if not w[0].isupper() or w.lower().strip("'’") in COMMON_CAPS or w.isupper():
            continue
        if text[m.end() : m.end() + 1] == " " and m.end() + 1 in starts:
            out.append(m.span())
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def evidence(text: str) -> dict[str, list[dict[str, object]]]:
    """Concrete details found, each as {"text", "span"} under its kind (fresh
    dicts: the caller may keep or change them)."""
    return {
        k: [{"text": text[s:e], "span": [s, e]} for s, e in v] for k, v in _evidence(text).items()
    }


@lru_cache(maxsize=64)  # specificity and originality both read a draft's details
def _evidence(text: str) -> dict[str, tuple[tuple[int, int], ...]]:
    marked = marks(text)
    links = list(marked.links)
    inside_link = lambda sp: any(s <= sp[0] < e for s, e in links)  # noqa: E731
    dates = _merge([s for s in _spans(DATE, text) + _spans(ID_DATE, text) if not inside_link(s)])
    quantities = _merge(
        [s for s in _spans(QUANTITY, text) + _spans(ID_QUANTITY, text) if not inside_link(s)]
    )
    places = [
        s
        for s in _merge(_spans(PLACE, text, 1) + _spans(ID_PLACE, text, 1))
        if not inside_link(s) and not any(a <= s[0] < b for a, b in dates)
    ]
    covered = dates + quantities + places
    numbers = [
        s
        for s in _spans(NUMBER, text)
        if not inside_link(s) and not any(a <= s[0] < b for a, b in covered)
    ]
    named = proper_nouns(text)
    found = sorted(set(named) | set(_leading_names(text, list(named))))
    names = [
        s
        for s in _merge_adjacent_names(found, text)
        if not any(a <= s[0] < b for a, b in places + dates + quantities)
    ]
    kinds = {
        "numbers": numbers,
        "quantities": quantities,
        "dates": dates,
        "names": names,
        "places": places,
        "links": links,
        "mentions": marked.mentions,
    }
    return {k: tuple((s, e) for s, e in v) for k, v in kinds.items()}


def _merge_adjacent_names(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """'Tidewater Bike Works' is one name, not three."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and text[out[-1][1] : s] in (" ", " & ", " of ", "-"):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def lexical_features(text: str, ev: dict[str, list[dict[str, object]]] | None = None) -> np.ndarray:
    """`ev`: `evidence(text)` when the caller has it already."""
    words = WORD.findall(URL.sub(" ", text))
    n_words = max(len(words), 1)
    if ev is None:
        ev = evidence(text)
    n_num = len(ev["numbers"]) + len(ev["quantities"])
    n_prop = len(proper_nouns(text))
    letters = [c for c in text if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
    lower = [w.lower() for w in words]
    runs = [r.lower() for r in RUN.findall(text)]
    vals = [
        math.log1p(len(text)),
        math.log1p(len(words)),
        float(n_num),
        float(n_num > 0),
        float(n_prop),
        float(len(ev["dates"])),
        float(len(ev["quantities"])),
        float(len(ev["places"])),
        float(len(ev["links"])),
        float(len(ev["mentions"])),
        float(len(marks(text).hashtags)),
        float(len(EMOJI.findall(text))),
        float(text.count("?")),
        float(text.count("!")),
        float(len(re.findall(r"[.!?]+(?:\s|$)", text)) or 1),
        sum(len(w) for w in words) / n_words,
        sum(len(w) >= 7 for w in words) / n_words,
        len(set(lower)) / n_words,
        sum(r in VAGUE for r in runs) / n_words,
        sum(r in FIRST_SECOND for r in runs) / n_words,
        caps,
        n_num / n_words,
        n_prop / n_words,
    ]
    return np.array(vals, dtype=np.float32)
