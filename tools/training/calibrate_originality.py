"""Fix the originality thresholds on the PIT-2015 *dev* split (never on test).

PIT-2015 (Xu, Callison-Burch & Dolan, SemEval 2015) pairs tweets on one
trending topic, voted paraphrase or not by five annotators. We map votes as
the dataset's README says: (3,2),(4,1),(5,0) paraphrase; (0,5),(1,4) not;
(2,3) debatable and dropped. With MiniLM cosine as the score:

* ``echo`` is the threshold that maximises F1 for "paraphrase" on dev: from
  there up, a draft covers ground an approved post already covered (a warning).
* ``repeat`` is the lowest threshold whose dev precision reaches 0.80: at or
  above it, four in five such pairs say the same thing, which is what an
  alert needs. A brand's posts all share its topics, so a looser repeat
  threshold would call every new post on a familiar subject a repeat.

The Originality analyzer decides with the pair classifier (agent/models/pairs.py:
cosine plus lexical overlap), so the same two cuts are also taken on its
probability, from out-of-fold predictions on dev (5 folds grouped by topic, the
C that train_heads chose): ``pair_echo`` the F1 optimum, ``pair_repeat`` the
lowest probability whose precision reaches 0.80. The cosine cuts stay as the
floor below which no pair is scored and for the eval's naive baseline.

Writes agent/data/calibration.json. Usage: python -m tools.training.calibrate_originality [DATA_DIR]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from agent.models.assets import encoder_assets
from agent.models.heads import heads
from agent.models.pairs import pair_features
from embeddings import Encoder
from embeddings.backends import load_encoder
from tools.training.cache import EmbeddingCache
from tools.training.cli import args, dest
from tools.training.datasets import pit


def f1_curve(scores: np.ndarray, y: np.ndarray) -> list[tuple[float, float, float, float]]:
    out = []
    for t in np.unique(np.round(scores, 3)):
        pred = scores >= t
        tp = float((pred & y).sum())
        prec = tp / max(pred.sum(), 1)
        rec = tp / max(y.sum(), 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-9)
        out.append((float(t), f1, prec, rec))
    return out


def cuts(scores: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """(echo, its F1, precision, recall, repeat, its precision, recall)."""
    curve = f1_curve(scores, y)
    t_echo, f1, prec, rec = max(curve, key=lambda r: r[1])
    t_repeat, _, rep_prec, rep_rec = min(
        (r for r in curve if r[2] >= 0.80 and r[0] > t_echo), key=lambda r: r[0]
    )
    return t_echo, f1, prec, rec, t_repeat, rep_prec, rep_rec


def out_of_fold(
    sims: np.ndarray, a: list[str], b: list[str], y: np.ndarray, topic: list[str]
) -> np.ndarray:
    """The pair classifier's dev probabilities, each from a fit that did not see
    its topic (as train_heads chose C)."""
    x = np.array([pair_features(float(c), s, t) for c, s, t in zip(sims, a, b, strict=True)])
    z = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)
    c = float(heads().meta["pair"]["C"])  # type: ignore[index]
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(5).split(z, y, np.array(topic)):
        model = LogisticRegression(C=c, max_iter=2000).fit(z[tr], y[tr])
        oof[te] = model.predict_proba(z[te])[:, 1]
    return oof


def main(argv: list[str] | None = None) -> None:
    data, backend = args(argv, "fit the originality cuts of one encoder")
    enc = load_encoder(backend)
    with encoder_assets(enc.identity.key):  # the pair head of this encoder
        fit(data, enc)


def fit(data: Path, enc: Encoder) -> None:
    pairs = pit(data, "dev")
    a, b, y = pairs.a, pairs.b, pairs.y
    cache = EmbeddingCache(enc)
    va, vb = cache.embed(a), cache.embed(b)
    sims = (va * vb).sum(axis=1)
    t_echo, f1, prec, rec, t_repeat, rep_prec, rep_rec = cuts(sims, y)
    p_echo, p_f1, p_prec, p_rec, p_repeat, p_rep_prec, p_rep_rec = cuts(
        out_of_fold(sims, a, b, y, pairs.topic), y
    )
    out = {
        "source": "PIT-2015 dev split (4,142 pairs after dropping debatable), "
        f"{enc.identity.name} cosine",
        "encoder": enc.identity.as_dict(),
        "repeat": round(t_repeat, 3),
        "echo": round(t_echo, 3),
        "dev_f1_at_echo": round(f1, 3),
        "dev_precision_at_echo": round(prec, 3),
        "dev_recall_at_echo": round(rec, 3),
        "dev_precision_at_repeat": round(rep_prec, 3),
        "dev_recall_at_repeat": round(rep_rec, 3),
        "pairs": int(len(y)),
        "pair_echo": round(p_echo, 3),
        "pair_repeat": round(p_repeat, 3),
        "pair_source": "pair classifier, out-of-fold probabilities on the same dev pairs",
        "dev_f1_at_pair_echo": round(p_f1, 3),
        "dev_precision_at_pair_echo": round(p_prec, 3),
        "dev_recall_at_pair_echo": round(p_rec, 3),
        "dev_precision_at_pair_repeat": round(p_rep_prec, 3),
        "dev_recall_at_pair_repeat": round(p_rep_rec, 3),
    }
    path = dest(enc.identity.key, "calibration.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
