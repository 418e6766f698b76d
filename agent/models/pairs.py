"""Near-repeat pair classifier: cosine of the embeddings plus lexical overlap.

Two short posts can sit close in embedding space because they share a topic,
not because they say the same thing; word and character overlap separate the
two. `pair_features` builds the features, and `repeat_probability` scores a
pair with the logistic head fitted on the PIT-2015 dev split (see
tools.training.train_heads; the decision threshold is the dev-F1 optimum stored
beside it). `make eval` measures it against the plain cosine threshold that the
Originality analyzer uses today (docs/quality.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from agent.models.heads import heads

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "his",
        "our",
        "their",
        "rt",
    }
)
PAIR_FEATURES = (
    "cosine",
    "cosine_sq",
    "word_jaccard",
    "word_containment",
    "content_jaccard",
    "bigram_jaccard",
    "char3_jaccard",
    "char3_containment",
    "len_ratio",
    "log_len_diff",
    "numbers_match",
)


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("’", "'"))


def _jac(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _cont(a: frozenset, b: frozenset) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


@dataclass(frozen=True)
class Side:
    """One text's half of the pair features."""

    n_words: int
    words: frozenset[str]
    content: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    char3: frozenset[str]
    numbers: frozenset[str]


# A brand's nearest posts come back draft after draft, and a draft is compared with
# three of them: each text's side is worked out once. A side holds a long post's
# character trigrams, so the cache is kept small (a typing session's recent posts).
@lru_cache(maxsize=256)
def side(text: str) -> Side:
    w = _words(text)
    joined = " ".join(w)
    words = frozenset(w)
    return Side(
        len(w),
        words,
        words - STOP,
        frozenset(zip(w, w[1:], strict=False)),
        frozenset(joined[i : i + 3] for i in range(max(len(joined) - 2, 0))),
        frozenset(x for x in words if x.isdigit()),
    )


def pair_features(cos: float, a: str, b: str) -> np.ndarray:
    sa, sb = side(a), side(b)
    la, lb = max(sa.n_words, 1), max(sb.n_words, 1)
    na, nb = sa.numbers, sb.numbers
    return np.array(
        [
            cos,
            cos * cos,
            _jac(sa.words, sb.words),
            _cont(sa.words, sb.words),
            _jac(sa.content, sb.content),
            _jac(sa.bigrams, sb.bigrams),
            _jac(sa.char3, sb.char3),
            _cont(sa.char3, sb.char3),
            min(la, lb) / max(la, lb),
            abs(math.log(la / lb)),
            1.0 if na and na == nb else (0.5 if not na and not nb else 0.0),
        ],
        dtype=np.float32,
    )


def repeat_probability(cos: float, a: str, b: str) -> float:
    """Probability that two posts say the same thing (PIT-2015 dev fit)."""
    return float(heads().head("pair")(pair_features(cos, a, b)[None, :])[0])


def repeat_threshold() -> float:
    return float(heads().meta["pair"]["threshold"])  # type: ignore[index]
