"""Build the small trained heads shipped in agent/data/heads.npz.

    python -m tools.training.train_heads [DATA_DIR]

DATA_DIR defaults to the shared/data folder beside the repository. Only train
and dev splits are read; test splits are left to `tools.training.eval`.

* specificity: ridge regression on [MiniLM embedding, 23 lexical features,
  hashed character 2-5-grams] -> 1-5, fitted on the Gao et al. 2019 TRAIN split;
  alpha chosen by 5-fold cross-validation on train, checked on the val split.
* hostility: logistic regression on [MiniLM embedding, hashed character
  n-grams] -> P(offensive), fitted on OLID level A training tweets minus a
  stable 10% dev slice (plus concatenations of training tweets, so long drafts
  are not hostile by length); C and the decision threshold (macro-F1 optimum)
  are chosen on that dev slice, then the head is refitted on all of train.
* pair: logistic regression on cosine + lexical overlap for near-repeats,
  fitted on the PIT-2015 dev split (the only PIT split with votes we have);
  C by 5-fold CV grouped by topic, threshold = out-of-fold F1 optimum.
* prototypes: the hand-written seeds of agent/reply_seeds.py, embedded.

Also writes tools/training/baselines.npz: the naive baselines the eval reports
(MiniLM + ridge for specificity, MiniLM + logistic regression for hostility),
fitted on the same training data, so `make eval` measures them without refitting.
Training needs scikit-learn (a development dependency); run time does not.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold

from agent.models import reply_seeds
from agent.models.assets import encoder_assets
from agent.models.heads import HEADS_NAME, Head, reset_cache
from agent.models.pairs import PAIR_FEATURES, pair_features
from agent.text.concrete import FEATURE_NAMES
from embeddings import Encoder, load_encoder
from tools.training import datasets as ds
from tools.training.cache import EmbeddingCache
from tools.training.cli import args, baselines_file, dest
from tools.training.features import hashed_matrix, lexical_matrix
from tools.training.measures import f1, macro_f1

SPEC_HASH = (2**15, 2, 5)
SPEC_LEX_WEIGHT = 0.5
SPEC_ALPHAS = (3.0, 10.0, 30.0)
HOST_HASH = (2**16, 2, 5)
HOST_CS = (1.0, 2.0, 4.0)
HOST_AUG = 5000  # concatenations of 3 training tweets, see train_hostility
PAIR_CS = (0.1, 1.0, 10.0)


def log(msg: str) -> None:
    print(f"[train_heads {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def best_threshold(scores: np.ndarray, y: np.ndarray, metric) -> tuple[float, float]:
    grid = np.unique(np.round(np.quantile(scores, np.linspace(0.02, 0.98, 193)), 4))
    best = max(((float(t), metric(y, scores >= t)) for t in grid), key=lambda r: r[1])
    return best


def dense_mean_scale(
    n_emb: int, lex: np.ndarray | None, weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Standardisation folded into the head: embeddings pass as they are, lexical
    features are z-scored and scaled by `weight`."""
    mean = np.zeros(n_emb, dtype=np.float32)
    scale = np.ones(n_emb, dtype=np.float32)
    if lex is None:
        return mean, scale
    mu = lex.mean(axis=0)
    sd = np.maximum(lex.std(axis=0), 1e-3)
    return np.concatenate([mean, mu]).astype(np.float32), np.concatenate(
        [scale, sd / weight]
    ).astype(np.float32)


def standardise(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (x - mean) / scale


# -- specificity -------------------------------------------------------------------
def train_specificity(data: Path, cache: EmbeddingCache) -> tuple[dict, dict, dict]:
    texts, y = ds.gao(data, "train")
    vtexts, vy = ds.gao(data, "val")
    emb, vemb = cache.embed(texts), cache.embed(vtexts)
    lex, vlex = lexical_matrix(texts), lexical_matrix(vtexts)
    hm, vhm = hashed_matrix(texts, *SPEC_HASH), hashed_matrix(vtexts, *SPEC_HASH)
    mean, scale = dense_mean_scale(emb.shape[1], lex, SPEC_LEX_WEIGHT)

    def design(e, x, h):
        return sp.hstack([sp.csr_matrix(standardise(np.hstack([e, x]), mean, scale)), h]).tocsr()

    X, Xv = design(emb, lex, hm), design(vemb, vlex, vhm)
    cv = {}
    for a in SPEC_ALPHAS:
        oof = np.zeros(len(y))
        for tr, te in KFold(5, shuffle=True, random_state=0).split(y):
            oof[te] = Ridge(alpha=a).fit(X[tr], y[tr]).predict(X[te])
        cv[a] = pearson(oof, y)
        log(f"specificity alpha={a}: 5-fold CV r={cv[a]:.3f} MAE={np.abs(oof - y).mean():.3f}")
    alpha = max(cv, key=cv.get)
    m = Ridge(alpha=alpha).fit(X, y)
    pv = np.clip(m.predict(Xv), 1, 5)
    n_dense = emb.shape[1] + lex.shape[1]
    head = Head(
        mean,
        scale,
        None,
        None,
        m.coef_[:n_dense].astype(np.float32),
        np.array([m.intercept_], dtype=np.float32),
        "regression",
        m.coef_[n_dense:].astype(np.float32),
        SPEC_HASH[1:],
    )
    meta = {
        "data": "Gao et al. 2019 tweet specificity, train split (5,767)",
        "alpha": alpha,
        "cv_r": round(cv[alpha], 4),
        "val_r": round(pearson(pv, vy), 4),
        "val_mae": round(float(np.abs(pv - vy).mean()), 4),
        "features": ["minilm"] + list(FEATURE_NAMES) + [f"char{SPEC_HASH[1]}-{SPEC_HASH[2]}grams"],
    }
    log(f"specificity: alpha={alpha} val r={meta['val_r']} MAE={meta['val_mae']}")
    # naive baseline: MiniLM + ridge, alpha by the same CV
    base_cv = {}
    for a in (1.0, 3.0, 10.0):
        oof = np.zeros(len(y))
        for tr, te in KFold(5, shuffle=True, random_state=0).split(y):
            oof[te] = Ridge(alpha=a).fit(emb[tr], y[tr]).predict(emb[te])
        base_cv[a] = pearson(oof, y)
    ba = max(base_cv, key=base_cv.get)
    bm = Ridge(alpha=ba).fit(emb, y)
    base = Head(
        np.zeros(emb.shape[1], np.float32),
        np.ones(emb.shape[1], np.float32),
        None,
        None,
        bm.coef_.astype(np.float32),
        np.array([bm.intercept_], np.float32),
        "regression",
    )
    return head.to_arrays("specificity"), meta, base.to_arrays("specificity")


# -- hostility ---------------------------------------------------------------------------
def train_hostility(data: Path, cache: EmbeddingCache) -> tuple[dict, dict, dict]:
    texts, y, dev = ds.olid_train(data)
    emb = cache.embed(texts)
    hm = hashed_matrix(texts, *HOST_HASH)
    X = sp.hstack([sp.csr_matrix(emb), hm]).tocsr()
    tr, dv = ~dev, dev
    # Drafts are longer than OLID's tweets, and summed n-gram weights grow with
    # length: without help the head calls long calm posts hostile. So training
    # also sees concatenations of three training tweets (offensive if any part
    # is), with the normalised sum of their embeddings standing in for the
    # embedding of the whole. Dev tweets are never used in a concatenation.
    rng = np.random.default_rng(0)
    parts = rng.choice(np.where(tr)[0], size=(HOST_AUG, 3))
    aug_texts = [" ".join(texts[i] for i in row) for row in parts]
    aug_y = y[parts].any(axis=1)
    aug_emb = emb[parts].sum(axis=1)
    aug_emb /= np.linalg.norm(aug_emb, axis=1, keepdims=True)
    Xa = sp.hstack([sp.csr_matrix(aug_emb), hashed_matrix(aug_texts, *HOST_HASH)]).tocsr()
    Xtr, ytr = sp.vstack([X[tr], Xa]).tocsr(), np.concatenate([y[tr], aug_y])
    Xall, yall = sp.vstack([X, Xa]).tocsr(), np.concatenate([y, aug_y])
    results = {}
    for c in HOST_CS:
        m = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(Xtr, ytr)
        p = m.predict_proba(X[dv])[:, 1]
        t, score = best_threshold(p, y[dv], macro_f1)
        results[c] = (score, t)
        log(f"hostility C={c}: dev macro-F1={score:.3f} at p>={t:.3f}")
    c = max(results, key=lambda k: results[k][0])
    dev_f1, thr = results[c]
    m = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(Xall, yall)
    n = emb.shape[1]
    head = Head(
        np.zeros(n, np.float32),
        np.ones(n, np.float32),
        None,
        None,
        m.coef_[0, :n].astype(np.float32),
        np.array([m.intercept_[0]], np.float32),
        "probability",
        m.coef_[0, n:].astype(np.float32),
        HOST_HASH[1:],
    )
    meta = {
        "data": "OLID v1.0 level A training tweets (13,240); dev = stable 10% slice (1,303)",
        "C": c,
        "threshold": round(thr, 4),
        "dev_macro_f1": round(dev_f1, 4),
        "refit": "all of OLID train after choosing C and threshold on dev",
        "augmentation": f"{HOST_AUG} concatenations of 3 training tweets (length robustness)",
    }
    # naive baseline: MiniLM + LR, C and threshold on the same dev slice
    bres = {}
    for bc in (0.3, 1.0, 3.0, 10.0):
        bm = LogisticRegression(C=bc, max_iter=3000, class_weight="balanced").fit(emb[tr], y[tr])
        bres[bc] = best_threshold(bm.predict_proba(emb[dv])[:, 1], y[dv], macro_f1)
    bc = max(bres, key=lambda k: bres[k][0])
    bm = LogisticRegression(C=bc, max_iter=3000, class_weight="balanced").fit(emb, y)
    base = Head(
        np.zeros(n, np.float32),
        np.ones(n, np.float32),
        None,
        None,
        bm.coef_[0].astype(np.float32),
        np.array([bm.intercept_[0]], np.float32),
        "probability",
    )
    barr = base.to_arrays("hostility")
    barr["hostility.threshold"] = np.array(bres[bc][1], dtype=np.float32)
    return head.to_arrays("hostility"), meta, barr


# -- near-repeat pairs ------------------------------------------------------------------
def train_pair(data: Path, cache: EmbeddingCache) -> tuple[dict, dict]:
    pairs = ds.pit(data, "dev")
    va, vb = cache.embed(pairs.a), cache.embed(pairs.b)
    cos = (va * vb).sum(axis=1)
    X = np.array(
        [pair_features(float(c), a, b) for c, a, b in zip(cos, pairs.a, pairs.b, strict=True)]
    )
    y = pairs.y
    mean, scale = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-6)
    Z = (X - mean) / scale
    groups = np.array(pairs.topic)
    res = {}
    for c in PAIR_CS:
        oof = np.zeros(len(y))
        for tr, te in GroupKFold(5).split(Z, y, groups):
            oof[te] = (
                LogisticRegression(C=c, max_iter=2000).fit(Z[tr], y[tr]).predict_proba(Z[te])[:, 1]
            )
        t, score = best_threshold(oof, y, f1)
        res[c] = (score, t)
        log(f"pair C={c}: out-of-fold dev F1={score:.3f} at p>={t:.3f}")
    c = max(res, key=lambda k: res[k][0])
    m = LogisticRegression(C=c, max_iter=2000).fit(Z, y)
    head = Head(
        mean.astype(np.float32),
        scale.astype(np.float32),
        None,
        None,
        m.coef_[0].astype(np.float32),
        np.array([m.intercept_[0]], np.float32),
        "probability",
    )
    meta = {
        "data": "PIT-2015 dev split (4,142 pairs after dropping debatable)",
        "C": c,
        "threshold": round(res[c][1], 4),
        "dev_oof_f1": round(res[c][0], 4),
        "features": list(PAIR_FEATURES),
        "cv": "5-fold grouped by topic; the threshold is the out-of-fold F1 optimum",
    }
    return head.to_arrays("pair"), meta


# -- prototypes --------------------------------------------------------------------------
def prototypes(cache: EmbeddingCache) -> tuple[dict, dict]:
    arrays: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for group, table in (("context", reply_seeds.REPLY_CONTEXT), ("tone", reply_seeds.DRAFT_TONE)):
        for cls, seeds in table.items():
            arrays[f"proto.{group}.{cls}"] = cache.embed(seeds).astype(np.float16)
            counts[f"{group}.{cls}"] = len(seeds)
    for route, spec in reply_seeds.ROUTES.items():
        seeds = list(spec["seeds"])  # type: ignore[arg-type]
        arrays[f"proto.route.{route}"] = cache.embed(seeds).astype(np.float16)
        counts[f"route.{route}"] = len(seeds)
    return arrays, counts


def main(argv: list[str] | None = None) -> None:
    data, backend = args(argv, "fit the heads of one encoder")
    enc = load_encoder(backend)
    with encoder_assets(enc.identity.key):
        fit(data, enc)


def fit(data: Path, enc: Encoder) -> None:
    cache = EmbeddingCache(enc)
    arrays: dict[str, np.ndarray] = {}
    baselines: dict[str, np.ndarray] = {}
    meta: dict[str, object] = {"encoder": enc.identity.key, "built": time.strftime("%Y-%m-%d")}

    log("specificity (Gao 2019 train/val)")
    a, m, b = train_specificity(data, cache)
    arrays.update(a)
    baselines.update(b)
    meta["specificity"] = m
    log("hostility (OLID level A train/dev)")
    a, m, b = train_hostility(data, cache)
    arrays.update(a)
    baselines.update(b)
    meta["hostility"] = m
    log("near-repeat pairs (PIT-2015 dev)")
    a, m = train_pair(data, cache)
    arrays.update(a)
    meta["pair"] = m
    log("reply prototypes (hand-written seeds)")
    a, counts = prototypes(cache)
    arrays.update(a)
    meta["prototypes"] = {"seeds": counts, "source": "agent/reply_seeds.py (original writing)"}

    arrays["meta"] = np.array(json.dumps(meta))
    out = dest(enc.identity.key, HEADS_NAME)
    np.savez_compressed(out, **arrays)
    baselines["meta"] = np.array(json.dumps({"encoder": enc.identity.key}))
    np.savez_compressed(baselines_file(enc.identity.key), **baselines)
    reset_cache()
    log(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
