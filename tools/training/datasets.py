"""Loaders for the public datasets under shared/data (each folder has a SOURCE.md).

Only used at development time, by `train_heads` and `eval`. Every loader returns
texts in the shape a draft has at run time: tokenised corpora are detokenised
and their placeholders (`<USER>`, `<URL>`, `URL`) turned back into a mention or
a link, so that the embedding and the lexical features of a training tweet are
computed the same way as a user's draft.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# `make eval` and the training scripts read the shared data beside the repository,
# or where ONBRAND_SHARED_DATA points (CI points it nowhere, so no test leans on it).
DEFAULT_DATA = Path(
    os.environ.get("ONBRAND_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
PLACE_URL = "https://t.co/link"
PLACE_USER = "@user"

csv.field_size_limit(10_000_000)


class DataMissing(FileNotFoundError):
    pass


def need(path: Path) -> Path:
    if not path.exists():
        raise DataMissing(
            f"dataset file not found: {path} (expected the shared data folder with its "
            "SOURCE.md files; pass --data DIR)"
        )
    return path


_DETOK = [
    (re.compile(r" n't\b"), "n't"),
    (re.compile(r" '(s|re|ve|ll|d|m)\b", re.I), r"'\1"),
    (re.compile(r" ([.,!?:;%)\]])"), r"\1"),
    (re.compile(r"([(\[$]) "), r"\1"),
    (re.compile(r"\s{2,}"), " "),
]


def detok(text: str) -> str:
    t = text.replace("<USER>", PLACE_USER).replace("<URL>", PLACE_URL)
    for pat, rep in _DETOK:
        t = pat.sub(rep, t)
    return html.unescape(t).strip()


def stable_unit(key: str) -> float:
    """A deterministic number in [0, 1) per key (for splits and subsets)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


# -- specificity (Gao et al. 2019) -----------------------------------------
def gao(data: Path, split: str) -> tuple[list[str], np.ndarray]:
    """split: train | val | test. Score 1.0 = most general, 5.0 = most specific."""
    path = need(data / "specificity_twitter_gao2019" / f"cleaned_data_{split}.tsv")
    texts, ys = [], []
    with path.open(encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for r in rows:
            if len(r) < 4:
                continue
            texts.append(detok(r[2]))
            ys.append(float(r[3]))
    return texts, np.array(ys, dtype=np.float64)


# -- offensive language -----------------------------------------------------
def _olid_text(t: str) -> str:
    return html.unescape(re.sub(r"\bURL\b", PLACE_URL, t)).strip()


def olid_train(data: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """OLID level A training tweets: texts, y (1 = OFF), and a dev mask (a stable
    10% of ids held out for model selection; OLID ships no dev split)."""
    path = need(data / "olid" / "olid-training-v1.0.tsv")
    texts, ys, dev = [], [], []
    with path.open(encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for r in rows:
            texts.append(_olid_text(r[1]))
            ys.append(r[2] == "OFF")
            dev.append(stable_unit("olid-dev:" + r[0]) < 0.10)
    return texts, np.array(ys, dtype=bool), np.array(dev, dtype=bool)


def olid_test(data: Path) -> tuple[list[str], np.ndarray]:
    labels = {}
    with need(data / "olid" / "labels-levela.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            labels[r["id"]] = r["label"] == "OFF"
    texts, ys = [], []
    with need(data / "olid" / "testset-levela.tsv").open(encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for r in rows:
            texts.append(_olid_text(r[1]))
            ys.append(labels[r[0]])
    return texts, np.array(ys, dtype=bool)


def tweeteval_hate(data: Path, split: str) -> tuple[list[str], np.ndarray]:
    folder = data / "tweeteval_hate"
    texts = need(folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    ys = need(folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    texts = [html.unescape(t.replace("@user", PLACE_USER)).strip() for t in texts]
    return texts, np.array([y == "1" for y in ys], dtype=bool)


def davidson(data: Path) -> tuple[list[str], np.ndarray]:
    """class 0 hate / 1 offensive -> 1; class 2 neither -> 0."""
    texts, ys = [], []
    with need(data / "davidson_hate_offensive" / "labeled_data.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            t = html.unescape(r["tweet"])
            t = re.sub(r"^(RT\s+)?(@\w+:?\s*)+", "", t)
            t = re.sub(r"https?://\S+", PLACE_URL, t).strip()
            texts.append(t)
            ys.append(r["class"] in ("0", "1"))
    return texts, np.array(ys, dtype=bool)


# -- paraphrase pairs ----------------------------------------------------------
@dataclass
class Pairs:
    a: list[str]
    b: list[str]
    y: np.ndarray
    topic: list[str]


def pit(data: Path, split: str) -> Pairs:
    """PIT-2015 dev (votes) or test (expert labels); debatable pairs dropped."""
    folder = data / "pit2015"
    lines = need(folder / f"{split}.data").read_text(encoding="utf-8").splitlines()
    a, b, y, topic = [], [], [], []
    if split == "test":
        labels = need(folder / "test.label").read_text(encoding="utf-8").splitlines()
        for line, lab in zip(lines, labels, strict=True):
            cols = line.split("\t")
            v = lab.split("\t")[0]
            if v == "----":
                continue
            a.append(cols[2])
            b.append(cols[3])
            y.append(v == "true")
            topic.append(cols[0])
    else:
        for line in lines:
            cols = line.split("\t")
            pos = int(cols[4].strip("()").split(",")[0])
            if pos == 2:
                continue
            a.append(cols[2])
            b.append(cols[3])
            y.append(pos >= 3)
            topic.append(cols[0])
    return Pairs(a, b, np.array(y, dtype=bool), topic)


def twitter_url(data: Path) -> Pairs:
    """n >= 4 of 6 paraphrase, n <= 2 not, n = 3 dropped; CR-only lines skipped."""
    raw = need(data / "twitter_url_corpus" / "Twitter_URL_Corpus_test.txt").read_bytes()
    a, b, y, topic = [], [], [], []
    for line in raw.decode("utf-8", errors="replace").split("\n"):
        cols = line.rstrip("\r").split("\t")
        if len(cols) < 3:
            continue
        m = re.fullmatch(r"\((\d),6\)", cols[2].strip())
        if not m:
            continue
        n = int(m.group(1))
        if n == 3:
            continue
        a.append(cols[0].strip())
        b.append(cols[1].strip())
        y.append(n >= 4)
        topic.append(cols[3].strip() if len(cols) > 3 else "")
    return Pairs(a, b, np.array(y, dtype=bool), topic)


# -- voice ------------------------------------------------------------------------
_SIGNOFF = re.compile(
    r"(?:\s*(?:\^\s?[A-Za-z]{1,4}|[-–—~/*]\s?[A-Z][A-Za-z]{0,14}|&gt;&gt;|>>))+"
    r"\s*(?:https?://\S+\s*)*$"
)
_HANDLE = re.compile(r"@\w+")


def fix_mojibake(text: str) -> str:
    if any(m in text for m in ("â€", "Ã", "ðŸ", "â˜", "â™", "â\x9d")):
        try:
            return text.encode("cp1252", errors="ignore").decode("utf-8", errors="ignore")
        except UnicodeError:
            return text
    return text


def clean_brand_text(text: str) -> str:
    """Strip customer handles and agent sign-offs (`^JK`, `-Becky`, `/LS`, `>>`),
    which would give the brand away on their own."""
    t = fix_mojibake(text)
    t = _HANDLE.sub(" ", t)
    t = html.unescape(t)
    url_tail = re.search(r"(\s+https?://\S+)+\s*$", t)
    tail = url_tail.group(0) if url_tail else ""
    body = t[: len(t) - len(tail)] if tail else t
    body = _SIGNOFF.sub("", body.rstrip())
    body = re.sub(r"\s*[-–—]\s*$", "", body)
    return re.sub(r"\s+", " ", (body + tail)).strip()


def twcs_brands(data: Path) -> dict[str, list[tuple[str, str]]]:
    """brand -> [(tweet_id, cleaned text)], every row written by the brand."""
    folder = data / "twcs_brand_replies"
    need(folder / "SOURCE.md")
    out: dict[str, list[tuple[str, str]]] = {}
    for p in sorted(folder.glob("*.csv")):
        rows = []
        with p.open(encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                t = clean_brand_text(r["text"])
                if len(t) >= 15:
                    rows.append((r["tweet_id"], t))
        out[p.stem] = rows
    return out


SISTERS = ("KimKardashian", "kourtneykardash", "khloekardashian")


def celebrity(data: Path, split: str) -> dict[str, list[str]]:
    """name -> texts of the author's split (train | dev | test), the three sisters only."""
    out: dict[str, list[str]] = {s: [] for s in SISTERS}
    with need(data / "celebrity_faceoff" / f"{split}_tweets.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["name"] in out:
                t = html.unescape(r["text"]).strip()
                if t:
                    out[r["name"]].append(t)
    return out


def twcs_split(
    brands: dict[str, list[tuple[str, str]]], max_train: int = 2000, max_test: int = 300
) -> dict[str, tuple[list[str], list[str]]]:
    """brand -> (train texts, held-out texts): a stable 80/20 split by tweet id
    (hash, not time), each side capped (a brand's voice model is fitted on at most
    `max_train` posts; `max_test` held-out posts per brand are scored)."""
    out = {}
    for brand, rows in brands.items():
        ranked = sorted(rows, key=lambda r: stable_unit(f"twcs:{r[0]}"))
        n_test = max(1, len(ranked) // 5)
        test = [t for _, t in ranked[:n_test]][:max_test]
        train = [t for _, t in ranked[n_test:]][:max_train]
        out[brand] = (train, test)
    return out
