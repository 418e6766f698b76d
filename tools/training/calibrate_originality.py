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

Writes agent/data/calibration.json. Usage: python -m tools.training.calibrate_originality [DATA_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from embeddings.backends import load_encoder
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


def main() -> None:
    data = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[3] / "shared/data"
    )
    pairs = pit(data, "dev")
    a, b, y = pairs.a, pairs.b, pairs.y
    enc = load_encoder("torch")
    va, vb = enc.encode(a), enc.encode(b)
    sims = (va * vb).sum(axis=1)
    curve = f1_curve(sims, y)
    t_echo, f1, prec, rec = max(curve, key=lambda r: r[1])
    t_repeat, _, rep_prec, rep_rec = min(
        (r for r in curve if r[2] >= 0.80 and r[0] > t_echo), key=lambda r: r[0]
    )
    out = {
        "source": "PIT-2015 dev split (4,142 pairs after dropping debatable), MiniLM cosine",
        "encoder": enc.identity.as_dict(),
        "repeat": round(t_repeat, 3),
        "echo": round(t_echo, 3),
        "dev_f1_at_echo": round(f1, 3),
        "dev_precision_at_echo": round(prec, 3),
        "dev_recall_at_echo": round(rec, 3),
        "dev_precision_at_repeat": round(rep_prec, 3),
        "dev_recall_at_repeat": round(rep_rec, 3),
        "pairs": int(len(y)),
    }
    dest = Path(__file__).resolve().parents[2] / "agent" / "data" / "calibration.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
