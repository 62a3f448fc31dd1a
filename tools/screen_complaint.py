"""A quicker screen of a change to the complaint model than the full cross-domain evaluation.

Usage:
  python tools/screen_complaint.py --airline AIRLINE_CSV --twcs TWCS_HEAD_CSV ... (the data arguments of
      tools/train_complaint.py, with --xlmt-test) [--nested] [--c C] [--drop NAME,...] [--weight GROUP=FACTOR ...]
      [--clusters CLUSTERS_TSV] [--share S --seed N]

Only the rows the bar is about: each TWCS industry predicted by a model trained without it, and the
generic negative tweets by a model trained on everything else, pooled into the mixed set, at fixed
thresholds (0.40 / 0.45 / 0.50; eight fits, one or two minutes on this machine) and with ``--nested``
also at the threshold chosen without the test domain (as ``train_complaint.py --eval``; five to eight
minutes, against nine for the full evaluation). ``--drop`` leaves features out (``e:irony,e:hate``;
a name ending in ":" drops every feature with that prefix, "b:" the bigrams), ``--weight`` scales the
training weight of every group starting with GROUP ("generic:=0.5", "twcs-reply:=2"), ``--clusters``
adds a feature per word of a cluster file (tools/word_clusters.py), ``--share 0.5 --seed 1`` trains on
half the hand-labelled tweets (a learning curve: how much would more labels give?).
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_complaint as tc  # noqa: E402

from monitor.scoring.scorer import MentionScorer  # noqa: E402

FIXED = (0.40, 0.45, 0.50)


def summary(y: np.ndarray, groups: list[str], preds: dict[int, bool]) -> str:
    """Mixed-set precision, recall and macro-F1, and macro-F1 per held-out TWCS industry."""
    p, r, f = tc.scores([int(y[i]) for i in preds], list(preds.values()))
    twcs = [i for i in preds if groups[i].startswith("twcs:")]
    per = {}
    for ind in sorted({tc._industry(groups[i]) for i in twcs}):
        rows = [i for i in twcs if tc._industry(groups[i]) == ind]
        per[ind] = tc.scores([int(y[i]) for i in rows], [preds[i] for i in rows])[2]
    worst = min(per, key=per.__getitem__)
    return f"mixed P {p:.3f} R {r:.3f} macro-F1 {f:.3f}; worst {worst} {per[worst]:.3f}; " + ", ".join(
        f"{k} {v:.3f}" for k, v in per.items()
    )


def kept(text: str, group: str, share: float, seed: int) -> bool:
    """Whether a tweet stays in training when only ``share`` of the hand-labelled ones do (the same ones on
    every run of a seed); a tweet left out weighs 0 in every fit but is still predicted where it is a test."""
    if not group.startswith(tc.BY_INDUSTRY):
        return True
    return zlib.crc32(f"{seed}:{text}".encode()) % 10_000 < share * 10_000


def read_clusters(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return dict(line.rstrip("\n").split("\t", 1) for line in fh if "\t" in line)


def with_clusters(full: list[dict[str, float]], clusters: dict[str, str]) -> list[dict[str, float]]:
    """Each row with one more word feature per clustered unigram, ``w:#k<cluster>``: counted like a word
    and scaled like one (the naive-Bayes ratio of ``train_complaint.fit``), and never a word the
    tokeniser makes, so the words' own features stay as they are."""
    out = []
    for row in full:
        extra: dict[str, float] = {}
        for key, v in row.items():
            cluster = clusters.get(key[2:]) if key.startswith("w:") else None
            if cluster is not None:
                extra["w:#k" + cluster] = extra.get("w:#k" + cluster, 0.0) + v
        out.append({**row, **extra})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tc.add_data_args(ap)
    ap.add_argument("--c", type=float, default=tc.C_WORDS)
    ap.add_argument("--nested", action="store_true", help="also the threshold chosen without the test domain")
    ap.add_argument("--drop", default="", help="features to leave out, comma-separated")
    ap.add_argument("--weight", action="append", default=[], help="GROUP_PREFIX=FACTOR")
    ap.add_argument("--share", type=float, default=1.0,
                    help="train on this share of the hand-labelled tweets (a learning curve); every one is still tested")
    ap.add_argument("--seed", type=int, default=0, help="which share --share keeps")
    ap.add_argument("--clusters", help="word<TAB>cluster lines (tools/word_clusters.py): a feature per clustered word")
    args = ap.parse_args(argv)
    if not args.xlmt_test:
        ap.error("the mixed set needs --xlmt-test")

    scorer = MentionScorer()
    examples = tc.load(args, scorer)
    full, _ = tc.featurise(scorer, [e.text for e in examples])
    if args.clusters:
        full = with_clusters(full, read_clusters(args.clusters))
    drop = tuple(d for d in args.drop.split(",") if d)
    if drop:
        full = [{k: v for k, v in row.items() if not k.startswith(drop)} for row in full]
    y = np.array([e.label for e in examples])
    w = np.array([e.weight for e in examples])
    groups = [e.group for e in examples]
    for spec in args.weight:
        prefix, _, factor = spec.partition("=")
        w = np.where([g.startswith(prefix) for g in groups], w * float(factor), w)
    if args.share < 1.0:
        w = np.where([not kept(e.text, g, args.share, args.seed) for e, g in zip(examples, groups, strict=True)], 0.0, w)

    fixed: dict[float, dict[int, bool]] = {t: {} for t in FIXED}
    nested: dict[int, bool] = {}
    for name, train, test in tc.splits(examples):
        if not (name.startswith("twcs industry") or name == tc.GENERIC):
            continue
        train = [i for i in train if w[i] > 0]  # a tweet --share leaves out is not read at all
        model = tc.fit(tc.prune([full[i] for i in train]), y[train], w[train], args.c)
        proba = model.proba([full[i] for i in test])
        for t in FIXED:
            fixed[t].update(zip(test, map(bool, proba >= t), strict=True))
        if args.nested:
            threshold = tc.choose_threshold(full, y, w, groups, train, args.c)
            nested.update(zip(test, map(bool, proba >= threshold), strict=True))
            print(f"  {name}: threshold {threshold}", flush=True)
    for t in FIXED:
        print(f"at {t:.2f}: {summary(y, groups, fixed[t])}")
    if nested:
        print(f"nested: {summary(y, groups, nested)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
