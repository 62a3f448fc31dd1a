"""Replay throughput, end to end (JSONL parse, scorer, incidents, temporary SQLite), against a bare
VADER pass over the same texts in the same run.

    python bench/gen_observations.py 1000000 /tmp/obs-1m.jsonl
    python bench/bench_replay.py /tmp/obs-1m.jsonl

Prints observations/s of each, their ratio, and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("jsonl")
    ap.add_argument("--one-core", action="store_true", help="score inline, without the worker process")
    args = ap.parse_args(argv)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from monitor.config.settings import Config
    from monitor.jsonl import read_observations
    from monitor.replay.run import run_replay
    from monitor.scoring import MentionScorer

    vader = SentimentIntensityAnalyzer()
    t0 = time.perf_counter()
    n_vader = 0
    with open(args.jsonl, encoding="utf-8") as f:
        for line in f:
            vader.polarity_scores(json.loads(line)["text"])
            n_vader += 1
    vader_rate = n_vader / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    with open(args.jsonl, encoding="utf-8") as f:
        result = run_replay(read_observations(f, args.jsonl), Config(), MentionScorer(),
                        score_ahead=None if args.one_core else MentionScorer)
    replay_s = time.perf_counter() - t0
    rate = result.observations / replay_s
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"observations:        {result.observations:,} ({result.mentions:,} mentions, {result.incidents:,} incidents, "
          f"{len(result.alerts):,} alerts)")
    print(f"bare VADER pass:     {vader_rate:,.0f} obs/s (json.loads + polarity_scores)")
    print(f"monitor replay:      {rate:,.0f} obs/s ({replay_s:.1f} s)")
    print(f"ratio replay/VADER:  {rate / vader_rate:.2f}")
    print(f"peak RSS:            {rss:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
