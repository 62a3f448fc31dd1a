"""Evaluate MentionScorer against labelled data, with VADER's baseline side by side.

Complaints (precision, recall, macro-F1 of is_complaint):
  python bench/eval_scoring.py --airline AIRLINE_CSV          (negative -> complaint)
  python bench/eval_scoring.py --csv FILE --text-col text --label-col label [--positive 1]
  python bench/eval_scoring.py --unlabelled-complaints FILE   (share flagged; all assumed complaints)
Sentiment (balanced accuracy of the sign on positive vs negative; neutral predictions are wrong):
  python bench/eval_scoring.py --xlmt DIR                     (XLM-T *_test_text.txt / *_test_labels.txt)
Baseline: VADER compound < -0.05 means complaint; VADER compound for sentiment.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.scoring import MentionScorer  # noqa: E402

XLMT = ("english", "german", "spanish", "french", "italian", "portuguese")
CODES = {"english": "en", "german": "de", "spanish": "es", "french": "fr", "italian": "it", "portuguese": "pt"}


def prf(gold: list[bool], pred: list[bool]) -> tuple[float, float, float, float]:
    """(precision, recall, F1) of the complaint class and macro-F1 over both classes."""

    def f1(pos: bool) -> tuple[float, float, float]:
        tp = sum(1 for g, p in zip(gold, pred, strict=False) if g == pos and p == pos)
        fp = sum(1 for g, p in zip(gold, pred, strict=False) if g != pos and p == pos)
        fn = sum(1 for g, p in zip(gold, pred, strict=False) if g == pos and p != pos)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)

    p1, r1, f_pos = f1(True)
    _, _, f_neg = f1(False)
    return p1, r1, f_pos, (f_pos + f_neg) / 2


def vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def report_complaints(name: str, texts: list[str], gold: list[bool], lang: str | None) -> None:
    scorer = MentionScorer()
    ours = [scorer.score(t, lang=lang).is_complaint for t in texts]
    va = vader()
    base = [va.polarity_scores(t)["compound"] < -0.05 for t in texts]
    print(f"{name}: n={len(texts)}, complaints={sum(gold)} ({sum(gold) / max(1, len(gold)):.0%})")
    for label, pred in (("MentionScorer", ours), ("VADER<-0.05 ", base)):
        p, r, f, m = prf(gold, pred)
        print(f"  {label}  precision {p:.3f}  recall {r:.3f}  F1(complaint) {f:.3f}  macro-F1 {m:.3f}")


def balanced_sign_accuracy(gold: list[int], values: list[float]) -> float:
    """Mean of recall on negatives (value < -0.05) and on positives (value > 0.05)."""
    neg = [v for g, v in zip(gold, values, strict=False) if g == 0]
    pos = [v for g, v in zip(gold, values, strict=False) if g == 2]
    r_neg = sum(1 for v in neg if v < -0.05) / max(1, len(neg))
    r_pos = sum(1 for v in pos if v > 0.05) / max(1, len(pos))
    return (r_neg + r_pos) / 2


def report_xlmt(folder: str, use_hint: bool) -> None:
    scorer = MentionScorer()
    va = vader()
    mode = "lang given" if use_hint else "lang detected"
    print(f"XLM-T sentiment, positive vs negative only, balanced accuracy of the sign ({mode}):")
    for lang in XLMT:
        tpath = Path(folder) / f"{lang}_test_text.txt"
        lpath = Path(folder) / f"{lang}_test_labels.txt"
        if not tpath.exists():
            continue
        texts = tpath.read_text("utf-8").splitlines()
        labels = [int(x) for x in lpath.read_text("utf-8").split()]
        pairs = [(t, g) for t, g in zip(texts, labels, strict=False) if g != 1]
        gold = [g for _, g in pairs]
        hint = CODES[lang] if use_hint else None
        ours = [scorer.score(t, lang=hint).sentiment for t, _ in pairs]
        base = [va.polarity_scores(t)["compound"] for t, _ in pairs]
        print(
            f"  {lang:10s} n={len(pairs):4d}  MentionScorer {balanced_sign_accuracy(gold, ours):.3f}"
            f"  VADER {balanced_sign_accuracy(gold, base):.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--airline", help="Twitter US Airline Sentiment CSV")
    ap.add_argument("--csv", help="labelled CSV")
    ap.add_argument("--text-col", default="text")
    ap.add_argument("--label-col", default="label")
    ap.add_argument("--positive", default="1", help="label value meaning complaint")
    ap.add_argument("--lang", help="language hint passed to the scorer")
    ap.add_argument("--unlabelled-complaints", help="CSV of texts assumed to be complaints")
    ap.add_argument("--xlmt", help="XLM-T sentiment folder")
    ap.add_argument("--detect", action="store_true", help="XLM-T: detect language instead of passing it")
    args = ap.parse_args(argv)
    if args.airline:
        with open(args.airline, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        report_complaints(
            "airline (negative = complaint; in-sample for the shipped model)",
            [r["text"] for r in rows],
            [r["airline_sentiment"] == "negative" for r in rows],
            args.lang,
        )
    if args.csv:
        with open(args.csv, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        report_complaints(
            args.csv, [r[args.text_col] for r in rows], [str(r[args.label_col]).strip() == args.positive for r in rows], args.lang
        )
    if args.unlabelled_complaints:
        with open(args.unlabelled_complaints, newline="", encoding="utf-8") as fh:
            texts = [r["text"] for r in csv.DictReader(fh) if r.get("text")]
        scorer = MentionScorer()
        va = vader()
        ours = sum(scorer.score(t).is_complaint for t in texts) / len(texts)
        base = sum(va.polarity_scores(t)["compound"] < -0.05 for t in texts) / len(texts)
        print(f"{args.unlabelled_complaints}: n={len(texts)} flagged as complaint: MentionScorer {ours:.3f}  VADER {base:.3f}")
    if args.xlmt:
        report_xlmt(args.xlmt, use_hint=not args.detect)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
