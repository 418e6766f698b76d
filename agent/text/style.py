"""Surface features of a post's style, each with a way to say it in words.

These are what a person notices when a post "doesn't sound like us": the
embedding says *that* the voice moved, these say *why*.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, NotRequired, TypedDict

import numpy as np

URL = re.compile(r"https?://\S+|www\.\S+", re.I)
HASHTAG = re.compile(r"(?<![\w&])#\w+", re.U)
MENTION = re.compile(r"(?<![\w])@\w+(?:@[\w.-]+)?", re.U)
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b50\u2b55\u203c\u2049]",
    re.U,
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# English and Bahasa Indonesia (saya, aku, gue/gua/gw; kami, the "we" a company speaks)
SINGULAR = re.compile(
    r"\b(i|i'm|i’m|i've|i’ve|i'll|i’ll|i'd|me|my|mine|myself|saya|aku|gue|gua|gw)\b", re.I
)
PLURAL = re.compile(
    r"\b(we|we're|we’re|we've|we’ve|we'll|we’ll|us|our|ours|ourselves|kami)\b", re.I
)
SENTENCE = re.compile(r"[.!?]+(?:\s|$)")
VOWELS = re.compile(r"[aeiouy]+")

Span = tuple[int, int]


class Marks(NamedTuple):
    """Where a text's links, mentions and hashtags are."""

    links: tuple[Span, ...]
    mentions: tuple[Span, ...]
    hashtags: tuple[Span, ...]


@lru_cache(maxsize=64)  # style, evidence, names and word rules all read one draft's marks
def marks(text: str) -> Marks:
    def spans(pat: re.Pattern[str]) -> tuple[Span, ...]:
        return tuple(m.span() for m in pat.finditer(text))

    return Marks(spans(URL), spans(MENTION), spans(HASHTAG))


@lru_cache(maxsize=50_000)  # a brand's vocabulary is small; words repeat across posts
def _syllables(word: str) -> int:
    word = word.lower().strip("'’")
    n = len(VOWELS.findall(word))
    if word.endswith("e") and n > 1 and not word.endswith(("le", "ee")):
        n -= 1
    return max(n, 1)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade, clipped to a sane range for short posts."""
    words = WORD.findall(URL.sub(" ", text))
    if not words:
        return 0.0
    sentences = max(len(SENTENCE.findall(text)), 1)
    syl = sum(_syllables(w) for w in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syl / len(words) - 15.59
    return float(min(max(grade, 0.0), 20.0))


@dataclass(frozen=True)
class Feature:
    name: str
    measure: Callable[[str], float]
    # How one value reads in a sentence, and how the brand's mean reads.
    say: Callable[[float], str]
    norm: Callable[[float], str]
    floor: float  # smallest spread we trust, so a brand that never uses "!" isn't alarmed by one


def _count(pat: re.Pattern[str]) -> Callable[[str], float]:
    return lambda t: float(len(pat.findall(t)))


def _ratio_upper(t: str) -> float:
    letters = "".join(filter(str.isalpha, t))
    return sum(map(str.isupper, letters)) / len(letters) if letters else 0.0


def _person(t: str) -> float:
    """Share of first-person words that are singular: 0 = all 'we', 1 = all 'I'."""
    s, p = len(SINGULAR.findall(t)), len(PLURAL.findall(t))
    return s / (s + p) if s + p else 0.0


def _plural(n: float, one: str, many: str) -> str:
    return f"{n:g} {one if n == 1 else many}"


FEATURES: tuple[Feature, ...] = (
    Feature(
        "length",
        lambda t: float(len(t)),
        lambda v: f"{v:.0f} characters",
        lambda m: f"{m:.0f} on average",
        40.0,
    ),
    Feature(
        "exclamations",
        _count(re.compile("!")),
        lambda v: _plural(v, "exclamation mark", "exclamation marks"),
        lambda m: f"{m:.1f} on average",
        0.5,
    ),
    Feature(
        "emoji",
        _count(EMOJI),
        lambda v: _plural(v, "emoji", "emoji"),
        lambda m: f"{m:.1f} on average",
        0.5,
    ),
    Feature(
        "hashtags",
        lambda t: float(len(marks(t).hashtags)),
        lambda v: _plural(v, "hashtag", "hashtags"),
        lambda m: f"{m:.1f} on average",
        0.6,
    ),
    Feature(
        "mentions",
        lambda t: float(len(marks(t).mentions)),
        lambda v: _plural(v, "mention", "mentions"),
        lambda m: f"{m:.1f} on average",
        0.6,
    ),
    Feature(
        "links",
        lambda t: float(len(marks(t).links)),
        lambda v: _plural(v, "link", "links"),
        lambda m: f"{m:.1f} on average",
        0.5,
    ),
    Feature(
        "questions",
        _count(re.compile(r"\?")),
        lambda v: _plural(v, "question mark", "question marks"),
        lambda m: f"{m:.1f} on average",
        0.5,
    ),
    Feature(
        "capitals", _ratio_upper, lambda v: f"{v:.0%} capital letters", lambda m: f"{m:.0%}", 0.05
    ),
    Feature(
        "first_person_singular",
        _person,
        lambda v: f"{v:.0%} of first-person words are I/me/my",
        lambda m: f"{m:.0%}",
        0.15,
    ),
    Feature(
        "reading_grade",
        reading_grade,
        lambda v: f"reading grade {v:.1f}",
        lambda m: f"{m:.1f}",
        1.5,
    ),
)
NAMES = tuple(f.name for f in FEATURES)


# Bump when a feature's definition changes: stored feature rows of another recipe
# are recomputed (agent.store `post_style`).
RECIPE = 1


def features(text: str) -> np.ndarray:
    return np.array([f.measure(text) for f in FEATURES], dtype=np.float64)


class Deviation(TypedDict):
    """One style feature of a draft against the brand's posts."""

    feature: str
    value: float
    brand_mean: float
    z: float  # in the brand's standard deviations
    message: str
    # a length judged against the platform's usual range: (low, high, whose posts)
    range: NotRequired[tuple[float, float, str]]


@dataclass
class StyleNorm:
    """The brand's mean and spread of each feature over its approved posts."""

    mean: np.ndarray
    std: np.ndarray
    n: int

    @classmethod
    def fit(cls, matrix: np.ndarray) -> StyleNorm:
        floors = np.array([f.floor for f in FEATURES])
        if len(matrix) == 0:
            return cls(np.zeros(len(FEATURES)), floors, 0)
        return cls(matrix.mean(axis=0), np.maximum(matrix.std(axis=0), floors), len(matrix))

    def deviations(self, values: np.ndarray) -> list[Deviation]:
        """Features sorted by how far they moved, in brand standard deviations."""
        z = (values - self.mean) / self.std
        out: list[Deviation] = []
        for i in np.argsort(-np.abs(z)):
            f = FEATURES[i]
            out.append(
                {
                    "feature": f.name,
                    "value": round(float(values[i]), 3),
                    "brand_mean": round(float(self.mean[i]), 3),
                    "z": round(float(z[i]), 2),
                    "message": f"{f.say(float(values[i]))} (your approved posts: "
                    f"{f.norm(float(self.mean[i]))})",
                }
            )
        return out


# -- which moves are fair to give as a reason ----------------------------------
# Common English function words: a text in another language (even in ASCII
# letters, such as Indonesian) has almost none of them.
_STOPWORDS = """
a about after all also an and are as at be been but by can could did do does for from
had has have he her his how i if in into is it its just me more most my no not now of
on one or our out over she so some than that the their them then there these they this
those to up us was we were what when which who why will with would you your
"""
ENGLISH_STOPWORDS = frozenset(_STOPWORDS.split())
PROSE_MIN_SENTENCES = 3
PROSE_MIN_ASCII = 0.9  # share of letters that are ASCII
PROSE_MIN_STOPWORDS = 0.2  # share of words that are English function words
PROSE_MAX_HASHTAGS = 0.15  # share of tokens that are hashtags
USUAL_PERCENTILES = (5.0, 95.0)  # a brand's "usual" range of a feature
# A length this share beyond that range is unusual: a brand's 18 LinkedIn posts
# put its longest one past the 95th percentile.
LENGTH_MARGIN = 0.1


def english_prose(text: str) -> bool:
    """Whether a reading grade means something for `text`: English prose of at
    least three sentences, not a string of hashtags. Flesch-Kincaid counts
    English syllables per sentence; on a hashtag post, a list or another
    language its number is noise."""
    found = marks(text)
    cut = sorted([*found.links, *found.mentions, *found.hashtags])
    plain, pos = [], 0
    for s, e in cut:
        plain.append(text[pos:s])
        pos = max(pos, e)
    plain.append(text[pos:])
    body = " ".join(plain)
    words = WORD.findall(body)
    if not words or len(found.hashtags) / (len(words) + len(found.hashtags)) > PROSE_MAX_HASHTAGS:
        return False
    sentences = [p for p in SENTENCE.split(body) if len(WORD.findall(p)) >= 2]
    if len(sentences) < PROSE_MIN_SENTENCES:
        return False
    letters = [c for c in body if c.isalpha()]
    if sum(c.isascii() for c in letters) < PROSE_MIN_ASCII * len(letters):
        return False
    common = sum(w.lower().strip("'’") in ENGLISH_STOPWORDS for w in words)
    return common >= PROSE_MIN_STOPWORDS * len(words)


class Range(NamedTuple):
    """The usual range (5th-95th percentile) of a feature over the posts `of`
    ("LinkedIn" or "approved": what a reason calls them)."""

    low: float
    high: float
    of: str


def usual_range(values: np.ndarray, of: str) -> Range | None:
    if len(values) == 0:
        return None
    low, high = np.percentile(np.asarray(values, dtype=np.float64), USUAL_PERCENTILES)
    return Range(float(low), float(high), of)


def fair_reasons(
    moves: list[Deviation], text: str, length: Range | None, limit: int = 4
) -> list[Deviation]:
    """The style moves worth telling a person, biggest first: the reading grade
    only for English prose (`english_prose`), the length only when it lies
    beyond the brand's usual range for the platform (`length`, by more than
    LENGTH_MARGIN of it; None: never). The drift's value still counts every
    move; only the words are chosen."""
    out: list[Deviation] = []
    for m in moves:
        if m["feature"] == "reading_grade" and not english_prose(text):
            continue
        if m["feature"] == "length":
            if length is None or (
                length.low * (1 - LENGTH_MARGIN) <= m["value"] <= length.high * (1 + LENGTH_MARGIN)
            ):
                continue
            m = {
                **m,
                "message": f"{m['value']:,.0f} characters (your {length.of} posts run "
                f"{length.low:,.0f}–{length.high:,.0f})",
                "range": (length.low, length.high, length.of),
            }
        out.append(m)
    return out[:limit]
