"""Stock phrases: find the bank's phrases (agent/data/platitudes.txt, and
platitudes_id.txt for Bahasa Indonesia) in a draft.

Matching works on words, not characters, so it is robust to case, punctuation,
hyphens ("best-in-class" = "best in class"), curly apostrophes, common
contractions ("we're" = "we are") and small inflections ("customers are our top
priorities" matches "customer is our top priority"): each word is reduced to a
crude stem and a few function words that vary between phrasings (is/are,
a/the) are folded together. Every hit keeps its character span in the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
SKIP = re.compile(r"https?://\S+|www\.\S+|(?<![\w])[@#]\w+")
CONTRACTIONS = {
    "n't": ["not"],
    "'re": ["are"],
    "'m": ["am"],
    "'ve": ["have"],
    "'ll": ["will"],
    "'d": ["would"],
}
SPECIAL = {
    "can't": ["can", "not"],
    "won't": ["will", "not"],
    "it's": ["it", "is"],
    "that's": ["that", "is"],
    "here's": ["here", "is"],
    "there's": ["there", "is"],
    "let's": ["let", "us"],
    "what's": ["what", "is"],
    "who's": ["who", "is"],
    "sky's": ["sky", "is"],
}
FOLD = {
    "are": "is",
    "am": "is",
    "be": "is",
    "were": "was",
    "an": "a",
    "the": "a",
    "us": "we",
    "our": "we",
    "ours": "we",
}


def stem(word: str) -> str:
    w = word.lower()
    w = FOLD.get(w, w)
    if len(w) > 5:
        w = re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", w)  # apologise = apologize
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed"):
        return w[:-2]
    if len(w) > 3 and w.endswith("es") and w[-3] in "sxz":
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) per word; a contraction yields two stems on one span.
    Links, mentions and hashtags are not words of a phrase."""
    skip = [m.span() for m in SKIP.finditer(text)]
    out: list[tuple[str, int, int]] = []
    for m in TOKEN.finditer(text):
        start, end = m.span()
        if skip and any(s <= start < e for s, e in skip):
            continue
        for st in word_stems(m.group(0)):
            out.append((st, start, end))
    return out


@lru_cache(maxsize=8192)  # a brand's drafts reuse their words, keystroke after keystroke
def word_stems(word: str) -> tuple[str, ...]:
    """The stems of one word as written ("we're" -> ("we", "is"))."""
    raw = word.replace("’", "'").lower()
    parts: list[str]
    if raw in SPECIAL:
        parts = SPECIAL[raw]
    else:
        parts = [raw]
        for suffix, rep in CONTRACTIONS.items():
            if raw.endswith(suffix) and len(raw) > len(suffix):
                parts = [raw[: -len(suffix)], *rep]
                break
        else:
            if raw.endswith("'s"):
                parts = [raw[:-2]]
    return tuple(stem(p) for p in parts)


@dataclass(frozen=True)
class Hit:
    phrase: str  # as written in the bank
    start: int
    end: int
    text: str  # as written in the draft
    words: int  # draft tokens covered


@dataclass
class Bank:
    phrases: list[str]
    by_first: dict[str, list[tuple[tuple[str, ...], str]]]

    @classmethod
    def from_lines(cls, lines: list[str]) -> Bank:
        phrases = []
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for line in lines:
            p = line.strip()
            if not p or p.startswith("#"):
                continue
            key = tuple(s for s, _, _ in tokens(p))
            if not key:
                continue
            phrases.append(p)
            by_first.setdefault(key[0], []).append((key, p))
        for v in by_first.values():
            v.sort(key=lambda kp: -len(kp[0]))  # longest phrase first
        return cls(phrases, by_first)

    def find(self, text: str) -> tuple[list[Hit], float, int]:
        """Hits (non-overlapping, longest first, left to right), the share of the
        draft's words inside them, and the draft's word count."""
        toks = tokens(text)
        stems = [s for s, _, _ in toks]
        hits: list[Hit] = []
        covered: set[int] = set()
        i = 0
        while i < len(toks):
            for key, phrase in self.by_first.get(stems[i], ()):
                n = len(key)
                if tuple(stems[i : i + n]) == key:
                    start, end = toks[i][1], toks[i + n - 1][2]
                    n_words = len({(s, e) for _, s, e in toks[i : i + n]})
                    hits.append(Hit(phrase, start, end, text[start:end], n_words))
                    covered.update(range(i, i + n))
                    i += n
                    break
            else:
                i += 1
        # Words, not stems: "we're" is one word of the draft.
        words = {(s, e) for _, s, e in toks}
        in_hits = {(toks[j][1], toks[j][2]) for j in covered}
        share = len(in_hits) / len(words) if words else 0.0
        return hits, share, len(words)


BANKS = ("platitudes.txt", "platitudes_id.txt")  # English; Bahasa Indonesia


@cache
def bank() -> Bank:
    lines: list[str] = []
    for name in BANKS:
        raw = resources.files("agent").joinpath(f"data/{name}").read_text(encoding="utf-8")
        lines += raw.splitlines()
    return Bank.from_lines(lines)
