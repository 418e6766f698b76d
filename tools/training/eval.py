"""`make eval`: every quality measure of onbrand on held-out public data, in one table.

    python -m tools.training.eval [--quick] [--data DIR] [--out eval-results/eval.json]

Each line scores the product's own code (the shipped heads, the calibrated
thresholds, `agent.models.voice.VoiceModel`) on a held-out split that nothing was
tuned on, next to a published anchor and a naive baseline measured in the same
run. Test splits are read here and nowhere else. Embeddings are cached under
.eval-cache/ (keyed by encoder identity and text hash), so a second run only
pays for the arithmetic.

--quick scores a small deterministic subset of each line (about 200 items,
chosen by a hash of the item, not by position) so the whole table prints in
well under a minute once cached; its numbers are noisier and marked as such.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.analyzers.originality import closeness
from agent.analyzers.risk import hostility as risk_hostility
from agent.analyzers.risk import hostility_threshold
from agent.models.assets import encoder_assets
from agent.models.calibration import thresholds
from agent.models.heads import Head, heads
from agent.models.voice import K, VoiceModel, typicality
from agent.text.style import features
from embeddings import Encoder, load_encoder
from embeddings.backends import MULTILINGUAL
from tools.training import datasets as ds
from tools.training import eval_id
from tools.training.cache import EmbeddingCache
from tools.training.cli import baselines_file
from tools.training.eval_hints import false_alarms, guideline_quotes, provocation_share
from tools.training.features import lexical_matrix
from tools.training.measures import auc, f1, macro_f1

ROOT = Path(__file__).resolve().parents[2]
QUICK_N = 200
HEADER = ("measure", "held-out set", "ours", "anchor", "naive baseline", "goal", "met?")


@dataclass
class Row:
    measure: str
    held_out: str
    ours: float | None
    anchor: str
    naive: float | None
    goal: str
    met: str
    n: int
    note: str = ""


def subset(n_total: int, n: int | None, salt: str) -> np.ndarray:
    """Indices of a stable pseudo-random subset (all of them when n is None)."""
    idx = np.arange(n_total)
    if n is None or n >= n_total:
        return idx
    keys = np.array([ds.stable_unit(f"{salt}:{i}") for i in idx])
    return np.sort(idx[np.argsort(keys)[:n]])


def verdict(value: float | None, goal: float | None, higher: bool = True) -> str:
    if goal is None:
        return "n/a (report only)"
    if value is None:
        return "NO (not measured)"
    ok = value >= goal if higher else value <= goal
    return "yes" if ok else "NO (miss)"


def load_baselines(key: str) -> dict[str, Any]:
    path = baselines_file(key)  # each encoder's own (tools/training/cli.py)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing; run `python -m tools.training.train_heads` first"
        )
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


# -- lines -------------------------------------------------------------------------------
def near_repeat(cache: EmbeddingCache, pairs: ds.Pairs, n: int | None, salt: str):
    idx = subset(len(pairs.y), n, salt)
    a = [pairs.a[i] for i in idx]
    b = [pairs.b[i] for i in idx]
    y = pairs.y[idx]
    cos = (cache.embed(a) * cache.embed(b)).sum(axis=1)
    t = thresholds()
    naive = f1(y, cos >= t.echo)
    # what the Originality analyzer would say of each pair: anything but "fresh"
    said = [closeness(float(c), s, u, t)[0] for c, s, u in zip(cos, a, b, strict=True)]
    ours = f1(y, np.array([v != "fresh" for v in said]))
    return ours, naive, len(y)


def specificity(cache: EmbeddingCache, data: Path, n: int | None, base: dict[str, Any]):
    texts, y = ds.gao(data, "test")
    idx = subset(len(y), n, "gao-test")
    texts = [texts[i] for i in idx]
    y = y[idx]
    emb = cache.embed(texts)
    x = np.hstack([emb, lexical_matrix(texts)])
    pred = np.clip(heads().head("specificity")(x, texts), 1, 5)
    naive = np.clip(Head.from_arrays(base, "specificity")(emb), 1, 5)
    r = lambda p: float(np.corrcoef(p, y)[0, 1])  # noqa: E731
    mae = lambda p: float(np.abs(p - y).mean())  # noqa: E731
    return (r(pred), mae(pred)), (r(naive), mae(naive)), len(y)


def hostility(cache: EmbeddingCache, data: Path, n: int | None, base: dict[str, Any]):
    texts, y = ds.olid_test(data)
    idx = subset(len(y), n, "olid-test")
    texts = [texts[i] for i in idx]
    y = y[idx]
    emb = cache.embed(texts)
    thr = hostility_threshold()
    ours = macro_f1(
        y, np.array([risk_hostility(v, t) for v, t in zip(emb, texts, strict=True)]) >= thr
    )
    bthr = float(base["hostility.threshold"])
    naive = macro_f1(y, Head.from_arrays(base, "hostility")(emb) >= bthr)
    return ours, naive, len(y)


def voice_auc(
    cache: EmbeddingCache,
    groups: dict[str, tuple[list[str], list[str]]],
    held: dict[str, list[str]] | None = None,
):
    """Each group's voice model against its own held-out texts (positives) and the
    other groups' held-out texts (negatives); mean AUC over groups, for the
    product's VoiceModel (lower drift = brand) and the naive top-5-neighbour
    baseline (mean cosine to the 5 nearest training posts). `held` replaces the
    held-out texts (the long-post line scores concatenations of them)."""
    tests = held or {g: te for g, (_, te) in groups.items()}
    test_vecs = {g: cache.embed(te) for g, te in tests.items()}
    ours, naive = [], []
    for g, (train, _) in groups.items():
        vecs = cache.embed(train)
        style = np.array([features(t) for t in train])
        model = VoiceModel.fit(g, 1, vecs, style, keep_vectors=True)
        drift = {
            h: np.array(
                [
                    float(model.score(v, t)["value"])
                    for v, t in zip(test_vecs[h], texts, strict=True)
                ]
            )
            for h, texts in tests.items()
        }
        pos = -drift[g]
        neg = -np.concatenate([drift[h] for h in groups if h != g])
        ours.append(auc(pos, neg))
        knn = {h: typicality(test_vecs[h] @ vecs.T, K) for h in tests}
        naive.append(auc(knn[g], np.concatenate([knn[h] for h in groups if h != g])))
    n_test = sum(len(te) for te in tests.values())
    return float(np.mean(ours)), float(np.mean(naive)), n_test, dict(zip(groups, ours, strict=True))


def long_posts(held: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each group's held-out texts joined 3 to 5 at a time, in a stable order:
    posts as long as a LinkedIn post, made only of the brand's own sentences."""
    out: dict[str, list[str]] = {}
    for g, texts in held.items():
        ranked = sorted(texts, key=lambda t: ds.stable_unit(f"long:{t}"))
        joined, i = [], 0
        while i + 3 <= len(ranked):
            k = 3 + int(ds.stable_unit(f"long-k:{g}:{i}") * 3)
            joined.append("\n\n".join(ranked[i : i + k]))
            i += k
        out[g] = joined
    return out


def indonesian_rows(enc: Encoder) -> list[Row]:
    """Bahasa Indonesia, on the team's own held-out sets (tools/training/eval_id.py):
    the Indonesian demo brand's encoder, multilingual-e5-small, against MiniLM."""
    e5 = load_encoder(MULTILINGUAL)
    ours, n = eval_id.near_repeats(e5)
    mini = eval_id.near_repeats(enc)[0] if enc.identity.key != e5.identity.key else None
    lines = eval_id.brand_lines(enc, e5)
    held = "id_eval, held-out half"
    rows = [
        Row(
            "near-repeat F1 (Indonesian)",
            f"{held}: paraphrases ({n} pairs)",
            ours,
            "-",
            mini,
            ">= 0.72",
            verdict(ours, 0.72),
            n,
            "naive baseline: the same decision on all-MiniLM-L6-v2, an English brand's encoder",
        )
    ]
    spec = [
        ("voice AUC (Indonesian)", "voice", "Kopi Lereng drafts", ">= 0.95", 0.95, True),
        (
            "false alarms: on-voice drafts told they drift (Indonesian)",
            "voice_false_alarms",
            "Kopi Lereng on-voice drafts",
            "<= 0.05",
            0.05,
            False,
        ),
        (
            "specificity AUC (Indonesian)",
            "specificity",
            "specific vs vague",
            "report only",
            None,
            True,
        ),
        (
            "heated replies told off (Indonesian)",
            "replies_caught",
            "hostile or arguing replies",
            ">= 0.90",
            0.90,
            True,
        ),
        (
            "calm replies told off (Indonesian)",
            "replies_calm_alarms",
            "calm replies",
            "<= 0.05",
            0.05,
            False,
        ),
        (
            "reply context read right (Indonesian)",
            "reply_context",
            "complaint / provocation / other",
            ">= 0.80",
            0.80,
            True,
        ),
    ]
    for measure, key, what, goal, bar, higher in spec:
        value, k = lines[key]
        rows.append(
            Row(
                measure,
                f"{held}: {what} ({k})",
                value,
                "-",
                None,
                goal,
                verdict(value, bar, higher=higher),
                k,
            )
        )
    return rows


# -- the table -----------------------------------------------------------------------------
def fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def table(rows: list[Row]) -> str:
    cells = [HEADER] + [
        (r.measure, r.held_out, fmt(r.ours), r.anchor, fmt(r.naive), r.goal, r.met) for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    line = lambda c: "| " + " | ".join(s.ljust(w) for s, w in zip(c, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(c) for c in cells[1:]])


def run(
    data: Path, quick: bool, cache_dir: Path | None = None, backend: str = "torch"
) -> dict[str, Any]:
    t0 = time.perf_counter()
    enc = load_encoder(backend)
    with encoder_assets(enc.identity.key):  # the heads and cuts fitted for this encoder
        return _run(data, quick, enc, cache_dir, t0)


def _run(
    data: Path, quick: bool, enc: Encoder, cache_dir: Path | None, t0: float
) -> dict[str, Any]:
    n = QUICK_N if quick else None
    cache = EmbeddingCache(enc, cache_dir)
    base = load_baselines(enc.identity.key)
    h = heads()
    rows: list[Row] = []
    tag = lambda k: ", quick subset" if quick else ""  # noqa: E731

    pit = ds.pit(data, "test")
    ours, naive, k = near_repeat(cache, pit, n, "pit-test")
    rows.append(
        Row(
            "near-repeat F1",
            f"PIT-2015 test ({k} of {len(pit.y)} pairs{tag(k)})",
            ours,
            "SemEval-15 best 0.674; MITRE 0.724",
            naive,
            ">= 0.72",
            verdict(ours, 0.72),
            k,
        )
    )
    url = ds.twitter_url(data)
    ours, naive, k = near_repeat(cache, url, n if quick else 2000, "url-test")
    rows.append(
        Row(
            "near-repeat F1",
            f"Twitter URL corpus ({k} of {len(url.y)} pairs{tag(k)})",
            ours,
            "-",
            naive,
            "report only",
            verdict(ours, None),
            k,
        )
    )
    (r, mae), (nr, nmae), k = specificity(cache, data, n, base)
    held = f"Gao 2019 test ({k} of 1000{tag(k)})"
    rows.append(
        Row("specificity Pearson r", held, r, "Gao 2019: 0.73", nr, ">= 0.75", verdict(r, 0.75), k)
    )
    rows.append(
        Row(
            "specificity MAE",
            held,
            mae,
            "Gao 2019: 0.358",
            nmae,
            "<= 0.35",
            verdict(mae, 0.35, higher=False),
            k,
        )
    )
    ours, naive, k = hostility(cache, data, n, base)
    rows.append(
        Row(
            "hostility macro-F1",
            f"OLID level A test ({k} of 860{tag(k)})",
            ours,
            "OffensEval-19 best 0.829",
            naive,
            ">= 0.80",
            verdict(ours, 0.80),
            k,
        )
    )
    brands = ds.twcs_split(ds.twcs_brands(data), *((60, 20) if quick else (1000, 200)))
    ours, naive, k, per = voice_auc(cache, brands)
    rows.append(
        Row(
            "voice AUC (VoiceModel)",
            f"twcs brand replies, 7 brands ({k} held-out{tag(k)})",
            ours,
            "centroid 0.84",
            naive,
            ">= 0.95",
            verdict(ours, 0.95),
            k,
            "per brand: " + ", ".join(f"{b} {v:.3f}" for b, v in per.items()),
        )
    )
    single = ours
    long_ours, long_naive, k, per = voice_auc(
        cache, brands, long_posts({b: te for b, (_, te) in brands.items()})
    )
    rows.append(
        Row(
            "voice AUC, long posts",
            f"twcs, 3-5 held-out replies joined ({k} posts{tag(k)})",
            long_ours,
            f"single posts {single:.3f}",
            long_naive,
            "within 0.02 of single",
            verdict(long_ours, single - 0.02),
            k,
            "per brand: " + ", ".join(f"{b} {v:.3f}" for b, v in per.items()),
        )
    )
    tr, te = ds.celebrity(data, "train"), ds.celebrity(data, "test")
    if quick:
        groups = {s: (tr[s][:100], te[s][:50]) for s in ds.SISTERS}
    else:
        groups = {s: (tr[s], te[s]) for s in ds.SISTERS}
    ours, naive, k, per = voice_auc(cache, groups)
    rows.append(
        Row(
            "voice AUC (VoiceModel)",
            f"celebrity_faceoff, 3 sisters ({k} test{tag(k)})",
            ours,
            "baseline 0.69",
            naive,
            ">= 0.80",
            verdict(ours, 0.80),
            k,
            "per sister: " + ", ".join(f"{b} {v:.3f}" for b, v in per.items()),
        )
    )

    for label, k, alarm, argues in false_alarms(
        data, quick, enc, lambda m: print(m, file=sys.stderr)
    ):
        rows.append(
            Row(
                "false alarms: real posts with a warn/alert hint",
                f"{label} ({k} posts{tag(k)})",
                alarm,
                "-",
                None,
                "<= 0.05",
                verdict(alarm, 0.05, higher=False),
                k,
                "originality's hints aside: a brand does repeat itself",
            )
        )
        rows.append(
            Row(
                "false alarms: real posts told they argue",
                f"{label} ({k} posts{tag(k)})",
                argues,
                "-",
                None,
                "<= 0.02",
                verdict(argues, 0.02, higher=False),
                k,
            )
        )
    p1, none_ok, k = guideline_quotes(enc)
    held = f"demo brand, held-out half of 108 hand-labelled drafts ({k})"
    rows.append(
        Row("guideline passage precision@1", held, p1, "-", None, ">= 0.80", verdict(p1, 0.8), k)
    )
    rows.append(
        Row(
            "guideline: 'none' drafts quoting nothing",
            held,
            none_ok,
            "-",
            None,
            "report only",
            verdict(none_ok, None),
            k,
        )
    )
    share, k, counts = provocation_share(data, n, enc)
    rows.append(
        Row(
            "reply read as a provocation",
            f"OLID test, targeted offensive ({k} tweets{tag(k)})",
            share,
            "-",
            None,
            ">= 0.80",
            verdict(share, 0.80),
            k,
            "read as " + ", ".join(f"{c} {v}" for c, v in counts.items()),
        )
    )

    rows += indonesian_rows(enc)

    if quick:  # a subset's verdict is a smoke signal, not the reported figure
        for r in rows:
            if r.met.endswith(")") and not r.met.startswith("n/a"):
                r.met = r.met[:-1] + ", subset)"
            elif not r.met.startswith("n/a"):
                r.met += " (subset)"
    meta: dict[str, Any] = dict(h.meta)
    notes = [
        "near-repeat 'ours': the Originality analyzer's decision (anything but fresh), by the "
        f"pair classifier (cosine + lexical overlap), p >= "
        f"{thresholds().pair_echo} = out-of-fold F1 optimum on PIT-2015 dev; naive: MiniLM "
        f"cosine >= echo {thresholds().echo} (F1 optimum on PIT-2015 dev, "
        "agent/data/calibration.json)",
        f"specificity: ridge alpha {meta['specificity']['alpha']} by 5-fold CV on Gao train, "
        f"checked on Gao val (r {meta['specificity']['val_r']}); naive: MiniLM + ridge, "
        "same data",
        f"hostility: the Risk analyzer's P(OFF) >= {meta['hostility']['threshold']} = macro-F1 "
        "optimum on the OLID "
        f"dev slice (stable 10% of train; dev macro-F1 {meta['hostility']['dev_macro_f1']}); "
        f"naive: MiniLM + LR, threshold {float(base['hostility.threshold']):.3f} on the same "
        "dev slice",
        "voice: VoiceModel fitted on each brand's/author's training posts only (its own robust "
        "z-scores); naive: mean cosine to the 5 nearest of those posts",
    ]
    return {
        "mode": "quick" if quick else "full",
        "encoder": enc.identity.key,
        "data": str(data),
        "seconds": round(time.perf_counter() - t0, 1),
        "rows": [asdict(r) for r in rows],
        "thresholds": notes,
        "table": table(rows),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.training.eval", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--quick", action="store_true", help=f"~{QUICK_N} items per line")
    ap.add_argument("--data", type=Path, default=ds.DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=ROOT / "eval-results" / "eval.json")
    ap.add_argument(
        "--cache", type=Path, default=None, help="embedding cache (default .eval-cache/)"
    )
    ap.add_argument(
        "--backend",
        default="torch",
        choices=["torch", "onnx-int8", "onnx-fp32", "e5-int8"],
        help="encoder (default: the torch reference; run the ONNX ones to check the "
        "int8-within-0.01 rule in docs/speed.md, building them first if needed; e5-int8 "
        "with e5's own heads, docs/languages.md)",
    )
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(
            f"eval: data folder not found: {args.data} (pass --data DIR, the folder holding "
            "pit2015/, olid/, specificity_twitter_gao2019/ ...)",
            file=sys.stderr,
        )
        return 2
    try:
        out = run(args.data, args.quick, args.cache, args.backend)
    except (ds.DataMissing, FileNotFoundError) as exc:
        print(f"eval: {exc}", file=sys.stderr)
        return 2
    print(f"onbrand eval ({out['mode']}, encoder {out['encoder']}, {out['seconds']} s)")
    print(out["table"])
    print(
        "\nThresholds, all fixed on dev/train splits (no test split was used to choose anything):"
    )
    for note in out["thresholds"]:
        print(f"  - {note}")
    for r in out["rows"]:
        if r["note"]:
            print(f"  - {r['measure']} / {r['held_out']}: {r['note']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
