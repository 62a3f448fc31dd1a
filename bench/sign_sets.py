"""Build sentiment-sign test files ("text<TAB>neg|pos") from public review sets in Polish and Swedish.

    python bench/sign_sets.py allegro POLISH_SENTIMENT_ANALYSIS/Data [SEED] > pl_allegro.tsv
    python bench/sign_sets.py trustpilot SENTIMENT_DATASETS/data/trustpilot/trustpilot_reviews.tsv > sv_trustpilot.tsv
    python bench/sign_sets.py services SWEDISH_SENTIMENT/sentiment-sv-small.csv > sv_services.tsv
    python bench/eval_scoring.py --signs pl:pl_allegro.tsv --signs sv:sv_trustpilot.tsv

- ``allegro``: buyers' comments on Allegro sellers (AleksanderObuchowski/Polish_Sentiment_Analysis,
  ``Data/positive_comments.txt``, ``negative_comments.txt``, ``negative_comments2.txt``, scraped in 2019;
  the label is the buyer's own recommend / do not recommend). Comments are joined as ``"a""b"`` in
  those files; under 15 characters or with broken encoding they are left out.
- ``trustpilot``: Swedish reviews from se.trustpilot.com with the author's stars
  (TeaElming/sentiment-datasets, scraped in 2025): 1-2 stars negative, 4-5 positive, 3 left out.
- ``services``: Swedish reviews of local services and shops (cleaners, estate agents, restaurants,
  craftsmen...) scraped from Swedish review sites (timpal0l/swedish-sentiment, ``sentiment-sv-small.csv``,
  published 2020: 5,000 positive and 5,000 negative, labelled by the site's rating; a third domain beside forums
  and Trustpilot).

None of these repositories states a licence: the files are for measurement on this machine, never shipped,
never trained on. Texts that occur with both labels are dropped; 1,500 of each sign are drawn with the
seed given (0 by default).
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

PER_SIGN = 1500


def allegro(folder: str) -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    for name, sign in (("positive_comments.txt", "pos"), ("negative_comments.txt", "neg"), ("negative_comments2.txt", "neg")):
        for line in (Path(folder) / name).read_text("utf-8", errors="replace").splitlines():
            for comment in line.strip().strip('"').split('""'):
                text = " ".join(comment.split())
                if len(text) >= 15 and "\ufffd" not in text:
                    items.setdefault(text, set()).add(sign)
    return items


def trustpilot(path: str) -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    buf: list[str] = []
    for line in Path(path).read_text("utf-8").split("\n")[1:]:
        m = re.match(r"^(.*)\t([1-5])\s*$", line)
        if not m:
            if line.strip():
                buf.append(line)  # a review over several lines
            continue
        text, stars = " ".join(" ".join([*buf, m.group(1)]).split()), int(m.group(2))
        buf = []
        if text and stars != 3:
            items.setdefault(text, set()).add("neg" if stars <= 2 else "pos")
    return items


def services(path: str) -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = " ".join(row["text"].split())
            if text and row["sentiment"] in ("positive", "negative"):
                items.setdefault(text, set()).add(row["sentiment"][:3])
    return items


def sample(items: dict[str, set[str]], seed: int = 0) -> list[tuple[str, str]]:
    rows = [(t, next(iter(s))) for t, s in items.items() if len(s) == 1]
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for sign in ("pos", "neg"):
        these = [r for r in rows if r[1] == sign]
        rng.shuffle(these)
        out += these[:PER_SIGN]
    rng.shuffle(out)
    return out


def main(argv: list[str]) -> int:
    readers = {"allegro": allegro, "trustpilot": trustpilot, "services": services}
    if len(argv) not in (2, 3) or argv[0] not in readers:
        print(__doc__, file=sys.stderr)
        return 2
    items = readers[argv[0]](argv[1])
    for text, sign in sample(items, int(argv[2]) if len(argv) == 3 else 0):
        print(f"{text}\t{sign}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
