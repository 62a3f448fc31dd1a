"""Word clusters for the complaint model, learnt without labels from public tweets.

Usage:
  python tools/word_clusters.py TEXT_FILE [TEXT_FILE ...] --out CLUSTERS_TSV [--k 512] [--min-count 10]

Each file holds one tweet a line. Words are tokenised as the scorer does (lower case, numbers "0",
@handles "user", links "http"); each word is described by the words around it (two on each side,
positive pointwise mutual information with the context counts smoothed to the power 0.75, Levy,
Goldberg and Dagan 2015), that description cut to ``DIMS`` dimensions by a truncated SVD and the words
grouped by k-means on it. Words used alike can land together though no labelled complaint named them
("disconnected", "rebooted", "router"), and some clusters mix meanings (BENCHMARKS.md, "Words used
alike"). Writes ``word<TAB>cluster`` lines.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from monitor.scoring.text import clean, mask, tokens  # noqa: E402

WINDOW = 2
DIMS = 100
CDS = 0.75  # context distribution smoothing
SKIP = frozenset({"user", "http", "brand", ".", ",", ";", "!", "?"})


def words(text: str) -> list[str]:
    """The scorer's lower-case tokens, numbers as "0" (as ``features.lexical`` reads them)."""
    return ["0" if t[0].isdigit() else t.lower() for t in tokens(mask(clean(text)))]


def clusters(lines: list[str], k: int, min_count: int, seed: int = 0) -> dict[str, int]:
    docs = [words(line) for line in lines]
    counts = Counter(w for d in docs for w in d)
    kept = [w for w, n in counts.most_common() if n >= min_count and w not in SKIP]
    vocab = {w: i for i, w in enumerate(kept)}
    rows: list[int] = []
    cols: list[int] = []
    for d in docs:
        ids = [vocab.get(w, -1) for w in d]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for j in range(max(0, i - WINDOW), min(len(ids), i + WINDOW + 1)):
                if j != i and ids[j] >= 0:
                    rows.append(a)
                    cols.append(ids[j])
    n = len(vocab)
    co = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    co.sum_duplicates()
    total = co.sum()
    word_p = np.asarray(co.sum(axis=1)).ravel() / total
    ctx = np.asarray(co.sum(axis=0)).ravel() ** CDS
    ctx_p = ctx / ctx.sum()
    co = co.tocoo()
    pmi = np.log(co.data / total / (word_p[co.row] * ctx_p[co.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (co.row[keep], co.col[keep])), shape=(n, n))
    dims = min(DIMS, n - 1)  # a small corpus has fewer words than dimensions
    vectors = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(ppmi))
    labels = KMeans(k, n_init=3, random_state=seed).fit_predict(vectors)
    return {w: int(labels[i]) for w, i in vocab.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--k", type=int, default=512)
    ap.add_argument("--min-count", type=int, default=10)
    args = ap.parse_args(argv)
    lines = [line for f in args.files for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()]
    found = clusters(lines, args.k, args.min_count)
    with open(args.out, "w", encoding="utf-8") as fh:
        for w, c in sorted(found.items(), key=lambda x: (x[1], x[0])):
            fh.write(f"{w}\t{c}\n")
    print(f"{len(lines)} texts, {len(found)} words in {args.k} clusters -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
