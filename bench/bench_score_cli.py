"""Whole-process throughput of `monitor score --input FILE.jsonl` against a bare-VADER script.

Usage:
  python bench/bench_score_cli.py AIRLINE_CSV [--n 50000] [--column text] [--rounds 3]
  python bench/bench_score_cli.py --jsonl FILE.jsonl [--rounds 3]

With a CSV, its text column is repeated to N observation lines in a temporary JSONL file. Then
`python -m monitor.cli score --input FILE` and a bare-VADER child (json.loads, polarity_scores,
json.dumps per line) run alternately ROUNDS times each, output to /dev/null. Prints the median
wall time, texts/s, the ratio monitor/VADER and each child's peak RSS (from os.wait4).
With --compare DIR (another checkout, say a copy of an older commit), that checkout's `monitor score`
runs too, in each round between the other two, so that before and after are measured side by side.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

VADER_SCRIPT = """
import json, sys
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
v = SentimentIntensityAnalyzer()
out = sys.stdout
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    s = v.polarity_scores(d["text"])
    out.write(json.dumps({"id": d["id"], "compound": s["compound"]}) + "\\n")
"""


def write_jsonl(csv_path: str, column: str, n: int, out: Path) -> int:
    with open(csv_path, newline="", encoding="utf-8") as fh:
        base = [row[column] for row in csv.DictReader(fh) if row.get(column)]
    if not base:
        raise SystemExit(f"no '{column}' texts in {csv_path}")
    with out.open("w", encoding="utf-8") as fh:
        for i in range(n):
            obs = {
                "source": "x",
                "id": str(i),
                "text": base[i % len(base)],
                "created_at": "2015-02-24T19:35:52+00:00",
                "author": {"handle": f"user{i % 997}"},
                "metrics": {"reposts": 0},
            }
            fh.write(json.dumps(obs, ensure_ascii=False) + "\n")
    return n


def run(cmd: list[str], errfile: Path, root: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, peak RSS of this child in MB, from os.wait4); fails loudly if the child fails."""
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(root)}  # this checkout's monitor package, whatever is installed
    with open(os.devnull, "w") as sink, errfile.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=err, cwd=root, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {errfile.read_text()[-2000:]}")
    return wall, usage.ru_maxrss / 1024  # Linux: kilobytes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv_path", nargs="?")
    ap.add_argument("--jsonl", help="use this observation JSONL as it is")
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--column", default="text")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare", metavar="DIR", help="also time `monitor score` of the checkout in DIR")
    args = ap.parse_args(argv)
    if not args.csv_path and not args.jsonl:
        ap.error("give AIRLINE_CSV or --jsonl FILE")

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bare_vader.py"
        script.write_text(VADER_SCRIPT, encoding="utf-8")
        if args.jsonl:
            data = Path(args.jsonl)
            with data.open(encoding="utf-8") as fh:
                n = sum(1 for _ in fh)
        else:
            data = Path(tmp) / "texts.jsonl"
            n = write_jsonl(args.csv_path, args.column, args.n, data)
        monitor_cmd = [sys.executable, "-m", "monitor.cli", "score", "--input", str(data)]
        vader_cmd = [sys.executable, str(script), str(data)]
        runs = [("vader", vader_cmd, ROOT), ("monitor", monitor_cmd, ROOT)]
        if args.compare:
            runs.insert(1, ("compared", monitor_cmd, Path(args.compare).resolve()))
        times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        rss: dict[str, float] = {name: 0.0 for name, _, _ in runs}
        errfile = Path(tmp) / "stderr.txt"
        for _ in range(args.rounds):
            for name, cmd, root in runs:
                wall, peak = run(cmd, errfile, root)
                times[name].append(wall)
                rss[name] = max(rss[name], peak)
    med = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: n / med[k] for k in med}
    print(f"texts: {n}, rounds: {args.rounds} (alternating)")
    for name in times:
        runs_s = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"{name:8s} median {med[name]:6.2f} s  {rate[name]:9,.0f} texts/s  peak RSS {rss[name]:4.0f} MB  "
              f"(runs: {runs_s})")
    print(f"ratio monitor/VADER texts/s: {rate['monitor'] / rate['vader']:.2f}")
    if args.compare:
        print(f"ratio compared ({args.compare}) /VADER texts/s: {rate['compared'] / rate['vader']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
