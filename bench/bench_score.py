"""Throughput of MentionScorer.score against bare VADER polarity_scores, side by side in one run.

Usage: python bench/bench_score.py AIRLINE_CSV [--n 50000] [--column text] [--chunk 1000]
Reads the text column, repeats it to N texts, times both on alternating chunks of texts (CPU time,
so that the load of a shared machine falls on both alike), prints texts/s, the ratio and peak RSS.
For the whole `monitor score` process against a bare-VADER script, see bench/bench_score_cli.py.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv_path")
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--column", default="text")
    ap.add_argument("--chunk", type=int, default=1000, help="texts per alternation")
    args = ap.parse_args(argv)
    with open(args.csv_path, newline="", encoding="utf-8") as fh:
        base = [row[args.column] for row in csv.DictReader(fh) if row.get(args.column)]
    texts = (base * (args.n // len(base) + 1))[: args.n]

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from monitor.scoring import MentionScorer

    t0 = time.perf_counter()
    scorer = MentionScorer()
    build = time.perf_counter() - t0
    vader = SentimentIntensityAnalyzer()

    v_time = s_time = 0.0
    for k in range(0, len(texts), args.chunk):
        chunk = texts[k : k + args.chunk]
        t0 = time.process_time()
        for t in chunk:
            vader.polarity_scores(t)
        t1 = time.process_time()
        for t in chunk:
            scorer.score(t)
        t2 = time.process_time()
        v_time += t1 - t0
        s_time += t2 - t1
    v_rate = len(texts) / v_time
    s_rate = len(texts) / s_time

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"texts: {len(texts)}")
    print(f"MentionScorer build: {build:.2f} s")
    print(f"VADER polarity_scores: {v_rate:,.0f} texts/s")
    print(f"MentionScorer.score:   {s_rate:,.0f} texts/s")
    print(f"ratio scorer/VADER:    {s_rate / v_rate:.2f}")
    print(f"peak RSS (maxrss):     {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
