"""Train the shipped complaint model (monitor/scoring/model/complaint.json).

Usage: python tools/train_complaint.py AIRLINE_CSV [--spotify SPOTIFY_CSV] [--out FILE] [--loao]

AIRLINE_CSV is the Twitter US Airline Sentiment file (negative = complaint, positive/neutral = not).
SPOTIFY_CSV (optional) is inbound customer-support tweets, added as complaints with a low weight so
the model sees complaints about something other than flights. Brand names and handles are masked so
the model cannot learn brands. scikit-learn is needed here only, never at run time.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from monitor.scoring.features import DENSE  # noqa: E402
from monitor.scoring.scorer import MentionScorer  # noqa: E402

BRANDS = re.compile(
    r"\b(?:united|southwest(?:air)?|jet ?blue|virgin(?: ?america)?|american(?: ?air(?:lines)?)?|"
    r"us ?airways|delta|spotify(?:cares)?|aa|swa|sw)\b",
    re.IGNORECASE,
)
OUT = Path(__file__).resolve().parent.parent / "monitor" / "scoring" / "model" / "complaint.json"
MIN_COUNT = 3


def mask_brands(text: str) -> str:
    return BRANDS.sub("brand", text)


def read_airline(path: str) -> tuple[list[str], list[int], list[str]]:
    texts, labels, groups = [], [], []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts.append(mask_brands(row["text"]))
            labels.append(1 if row["airline_sentiment"] == "negative" else 0)
            groups.append(row["airline"])
    return texts, labels, groups


def read_texts(path: str, column: str = "text") -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [mask_brands(row[column]) for row in csv.DictReader(fh) if row.get(column)]


def featurise(scorer: MentionScorer, texts: list[str]) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    full, dense = [], []
    for t in texts:
        a = scorer.analyse(t, lang="en")
        counts: dict[str, float] = {}
        for key in a.lexical:
            counts[key] = counts.get(key, 0.0) + 1.0
        full.append({**counts, **a.dense})
        dense.append(dict(a.dense))
    return full, dense


def prune(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    counts: dict[str, int] = {}
    for r in rows:
        for k in r:
            counts[k] = counts.get(k, 0) + 1
    keep = {k for k, n in counts.items() if n >= MIN_COUNT or k.startswith(("d:", "c:"))}
    return [{k: v for k, v in r.items() if k in keep} for r in rows]


def fit(rows: list[dict[str, float]], y: np.ndarray, w: np.ndarray, c: float) -> tuple[DictVectorizer, LogisticRegression]:
    vec = DictVectorizer()
    x = vec.fit_transform(rows)
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, y, sample_weight=w)
    return vec, clf


def export(vec: DictVectorizer, clf: LogisticRegression, threshold: float) -> dict[str, object]:
    weights = {
        name: round(float(wt), 4) for name, wt in zip(vec.get_feature_names_out(), clf.coef_[0], strict=True) if abs(wt) >= 1e-3
    }
    return {"bias": round(float(clf.intercept_[0]), 4), "threshold": threshold, "weights": weights}


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    best = (0.5, 0.0)
    for t in np.arange(0.30, 0.71, 0.02):
        f = f1_score(y, p >= t, average="macro")
        if f > best[1]:
            best = (round(float(t), 2), float(f))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("airline_csv")
    ap.add_argument("--spotify", help="inbound support tweets CSV (text column), weak complaints")
    ap.add_argument("--spotify-weight", type=float, default=0.1)
    ap.add_argument("--c", type=float, default=0.3, help="inverse regularisation of the word model")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--loao", action="store_true", help="report leave-one-airline-out macro-F1")
    args = ap.parse_args(argv)

    scorer = MentionScorer()
    texts, labels, groups = read_airline(args.airline_csv)
    extra = read_texts(args.spotify) if args.spotify else []
    full, dense = featurise(scorer, texts + extra)
    full = prune(full)
    y = np.array(labels + [1] * len(extra))
    w = np.array([1.0] * len(labels) + [args.spotify_weight] * len(extra))
    g = np.array(groups + ["spotify"] * len(extra))
    n = len(labels)

    threshold = 0.5
    if args.loao:
        oof_full = np.zeros(n)
        oof_dense = np.zeros(n)
        for airline in sorted(set(groups)):
            test = np.flatnonzero(g[:n] == airline)
            train = np.flatnonzero(g != airline)
            vec, clf = fit([full[i] for i in train], y[train], w[train], args.c)
            oof_full[test] = clf.predict_proba(vec.transform([full[i] for i in test]))[:, 1]
            dvec, dclf = fit([dense[i] for i in train], y[train], w[train], 1.0)
            oof_dense[test] = dclf.predict_proba(dvec.transform([dense[i] for i in test]))[:, 1]
            f = f1_score(y[test], oof_full[test] >= 0.5, average="macro")
            print(f"  held-out {airline:15s} n={len(test):5d} macro-F1 {f:.3f}")
        yt = y[:n]
        threshold, f_best = best_threshold(yt, oof_full)
        print(
            f"LOAO word+dense model: macro-F1 {f1_score(yt, oof_full >= 0.5, average='macro'):.3f} at 0.5,"
            f" {f_best:.3f} at {threshold}"
        )
        print(f"LOAO dense-only model: macro-F1 {f1_score(yt, oof_dense >= 0.5, average='macro'):.3f}")

    vec, clf = fit(full, y, w, args.c)
    dvec, dclf = fit(dense, y, w, 1.0)
    spec = {
        "about": "Logistic regression over word uni/bigrams and language-independent features; "
        "trained by tools/train_complaint.py. 'dense' is used for languages other than English.",
        "dense_features": list(DENSE),
        "models": {"full": export(vec, clf, threshold), "dense": export(dvec, dclf, 0.5)},
    }
    Path(args.out).write_text(json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":")), "utf-8")
    print(f"wrote {args.out}: {len(spec['models']['full']['weights'])} weights")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
