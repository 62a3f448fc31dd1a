"""Where MentionScorer.score spends its time, stage by stage, beside bare VADER on the same texts.

Usage: python bench/profile_score.py [--airline AIRLINE_CSV] [--xlmt XLMT_DIR] [--n 20000] [--rounds 3]

The stages are those of ``MentionScorer._analyse`` and ``score``, run here one after another with a
clock between them (the same functions, in the same order): clean+mask, tokenise (+lower-case),
language identification, emoji/emoticons, lexicon sentiment (+ polarity blend), cues, features,
complaint model, boycott + combine. Each stage's microseconds per text are printed for the airline
tweets and for each XLM-T language, with the full ``score`` call and VADER's ``polarity_scores``
timed alternately (CPU time) on the same texts; the stage sum is a little above ``score``, the
clock reads being counted in it.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAGES = ("clean+mask", "tokenise", "langid", "emoji", "sentiment", "cues", "features", "model", "combine")


def staged(scorer: object) -> Callable[[str], list[float]]:
    """A function scoring one text as ``score`` does, returning each stage's seconds."""
    from monitor.models import MentionScore
    from monitor.scoring import scorer as sc
    from monitor.scoring.cues import DIGIT, calls_for_boycott
    from monitor.scoring.features import dense_values
    from monitor.scoring.rule_words import SUPPORTED
    from monitor.scoring.sentiment import normalise
    from monitor.scoring.text import clean, emoji, emoticons, looks_english, mask, tokens

    s: sc.MentionScorer = scorer  # type: ignore[assignment]
    clock = time.perf_counter

    def run(text: str) -> list[float]:
        t0 = clock()
        text = clean(text)
        masked = mask(text)
        t1 = clock()
        toks = tokens(masked)
        low = list(map(str.lower, toks))
        t2 = clock()
        code = "en" if looks_english(low) else s._detector.detect(text)
        t3 = clock()
        extra = 0.0
        if not text.isascii():
            for ch in emoji(text):
                extra += s._emoji.get(ch, 0.0)
        if ":" in text or ";" in text or "<" in text or "_" in text or "=" in text or "^" in text:
            for em in emoticons(text):
                extra += s._emoji.get(em.lower(), 0.0)
        t4 = clock()
        engine = s._engine(code)
        if engine is not None:
            sent, pos, neg = engine.compound(toks, low, extra, text)
            if code in sc.POLARITY_LANGS:
                sent = s._blend(code, sent, low)
        else:
            sent = normalise(extra) if extra else 0.0
            pos, neg = max(extra, 0.0), min(extra, 0.0)
        t5 = clock()
        starts = s._cues.starts(low)
        has_digit = DIGIT in starts
        cues, breaches = s._cues.scan(masked.lower(), starts)
        t6 = clock()
        values = dense_values(sent, pos, neg, breaches, text, low, has_digit)
        numbers = has_digit or not masked.isascii()
        t7 = clock()
        if code == "en" and s._full is not None:
            p = s._full.fast_probability(values, cues, low, numbers)
        elif s._dense is not None:
            p = s._dense.fast_probability(values, cues)
        else:
            p = 0.5
        t8 = clock()
        if calls_for_boycott(text):
            cues = (*cues, "boycott")
        p = sc._clamp01(p)
        content = sc.W_COMPLAINT * p + sc.W_NEGATIVE * max(0.0, -sent) + sc.W_CUE * sc.cue_severity(cues)
        score = sc._clamp01(content * (0.55 + 0.45 * sc.reach(None, 0)))
        MentionScore(code, round(sent, 4), round(p, 4), p >= 0.5, cues, round(score, 4), code in SUPPORTED)
        t9 = clock()
        return [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7, t9 - t8]

    return run


def profile(name: str, texts: list[str], scorer: object, vader: object, rounds: int) -> None:
    run = staged(scorer)
    score = scorer.score  # type: ignore[attr-defined]
    polarity = vader.polarity_scores  # type: ignore[attr-defined]
    for t in texts[:200]:  # warm the memos as a long run has them
        run(t)
    totals = [0.0] * len(STAGES)
    s_time = v_time = 0.0
    for _ in range(rounds):
        for k in range(0, len(texts), 500):
            chunk = texts[k : k + 500]
            t0 = time.process_time()
            for t in chunk:
                polarity(t)
            t1 = time.process_time()
            for t in chunk:
                score(t)
            t2 = time.process_time()
            for t in chunk:
                for i, dt in enumerate(run(t)):
                    totals[i] += dt
            v_time += t1 - t0
            s_time += t2 - t1
    n = len(texts) * rounds
    parts = "  ".join(f"{st} {1e6 * x / n:5.1f}" for st, x in zip(STAGES, totals, strict=True))
    print(f"{name:10s} n={len(texts):6d}  VADER {1e6 * v_time / n:5.1f} us  score {1e6 * s_time / n:5.1f} us  "
          f"ratio {v_time / s_time:4.2f}  | stages (us/text): {parts}  sum {1e6 * sum(totals) / n:5.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--airline", default="/work/shared/data/airline_tweets_2015.csv")
    ap.add_argument("--xlmt", default="/work/shared/data/xlmt_sentiment")
    ap.add_argument("--n", type=int, default=20_000, help="airline texts (repeated as needed)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from monitor.scoring import MentionScorer

    scorer, vader = MentionScorer(), SentimentIntensityAnalyzer()
    sets: list[tuple[str, list[str]]] = []
    if Path(args.airline).exists():
        with open(args.airline, newline="", encoding="utf-8") as fh:
            base = [row["text"] for row in csv.DictReader(fh) if row.get("text")]
        sets.append(("airline", (base * (args.n // len(base) + 1))[: args.n]))
    for path in sorted(Path(args.xlmt).glob("*_test_text.txt")) if Path(args.xlmt).is_dir() else []:
        lines = path.read_text("utf-8").splitlines()
        sets.append(("xlmt-" + path.name.split("_")[0][:2], lines))
    for name, texts in sets:
        profile(name, texts, scorer, vader, args.rounds)
    print(f"peak RSS (maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
