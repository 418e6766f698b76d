"""Build the voice model's background: what ordinary social posts look like.

The voice model asks "is this draft nearer to the brand's posts than to posts in
general?". "In general" is a compact, derived form of public posts whose licences
allow it: 512 k-means centroids (float16) of all-MiniLM-L6-v2 vectors, plus the
mean and spread of their style features. No text is shipped.

Sources (see agent/data/ATTRIBUTION.md):
- LinkedIn Influencers sample (ODbL/DbCL 1.0): 1,200 posts by 66 people, the
  personal thought-leadership voice a company account should not drift into;
- FiveThirtyEight twitter-ratio (CC BY 4.0): Barack Obama and Donald Trump tweets,
  reposts dropped;
- TweetEval hate (released without restrictions): train split, non-hateful tweets.

Usage: python -m tools.training.build_background [DATA_DIR]
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np

from agent.text.style import features
from embeddings import load_encoder
from tools.training.cli import args, dest

N_CENTROIDS = 512
PER_SOURCE = 2500


def load_texts(data: Path) -> dict[str, list[str]]:
    li = data / "linkedin_influencers_sample" / "linkedIn_data_Kartik-checkpoint.csv"
    with li.open(encoding="utf-8", newline="") as fh:
        linkedin = [r["content"] for r in csv.DictReader(fh) if r["content"].strip()]
    ratio = []
    for name in ("BarackObama", "realDonaldTrump"):
        path = data / "fivethirtyeight_twitter_ratio" / f"{name}.csv"
        with path.open(encoding="latin-1", newline="") as fh:  # not UTF-8, per SOURCE.md
            ratio += [r["text"] for r in csv.DictReader(fh) if not r["text"].startswith("RT @")]
    folder = data / "tweeteval_hate"
    texts = (folder / "train_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / "train_labels.txt").read_text().split()
    tweeteval = [t for t, y in zip(texts, labels, strict=True) if y == "0" and t.strip()]
    return {"linkedin": linkedin, "fivethirtyeight": ratio, "tweeteval": tweeteval}


def main(argv: list[str] | None = None) -> None:
    from sklearn.cluster import MiniBatchKMeans

    data, backend = args(argv, "build the voice background of one encoder")
    rng = random.Random(0)
    texts: list[str] = []
    counts = {}
    for name, items in load_texts(data).items():
        rng.shuffle(items)
        texts += items[:PER_SOURCE]
        counts[name] = min(len(items), PER_SOURCE)
    enc = load_encoder(backend)
    vecs = enc.encode(texts)
    km = MiniBatchKMeans(N_CENTROIDS, random_state=0, n_init=3, batch_size=2048).fit(vecs)
    cent = km.cluster_centers_
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    style = np.array([features(t) for t in texts])
    out = dest(enc.identity.key, "background.npz")
    np.savez_compressed(
        out,
        centroids=cent.astype(np.float16),
        style_mean=style.mean(axis=0),
        style_std=style.std(axis=0),
        encoder_key=np.array(enc.identity.key),
        sources=np.array(sorted(f"{k}={v}" for k, v in counts.items())),
    )
    print(f"{out}: {N_CENTROIDS} centroids from {len(texts)} posts {counts}")


if __name__ == "__main__":
    main()
