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


def _jac(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _cont(a: set, b: set) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _char3(text: str) -> set[str]:
    t = " ".join(_words(text))
    return {t[i : i + 3] for i in range(max(len(t) - 2, 0))}


def pair_features(cos: float, a: str, b: str) -> np.ndarray:
    wa, wb = _words(a), _words(b)
    sa, sb = set(wa), set(wb)
    ca, cb = sa - STOP, sb - STOP
    ba, bb = set(zip(wa, wa[1:], strict=False)), set(zip(wb, wb[1:], strict=False))
    ga, gb = _char3(a), _char3(b)
    la, lb = max(len(wa), 1), max(len(wb), 1)
    na = {w for w in sa if w.isdigit()}
    nb = {w for w in sb if w.isdigit()}
    return np.array(
        [
            cos,
            cos * cos,
            _jac(sa, sb),
            _cont(sa, sb),
            _jac(ca, cb),
            _jac(ba, bb),
            _jac(ga, gb),
            _cont(ga, gb),
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
