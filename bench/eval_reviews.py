"""Review waves on real reviews: an app's ordinary reviews must stay quiet, a wave of one-star reviews must warn.

    python bench/eval_reviews.py --input DATA/ethiopian_bank_reviews.csv --app-col bank_name \\
        --planted 10 20 40 --seeds 1 2 3 4 5 6 7 8

DATA/ethiopian_bank_reviews.csv is dashboard/data/reviews_final.csv of Filimon-H/Google-Play-Store-Reviews
(MIT): 7,290 Google Play reviews of three Ethiopian banks' apps with their dates (no time of day), kept
out of the repository. ``--spread-hours 6 --spread-start 5`` puts each day's reviews in six daytime
hours instead of 24 (a stricter test of ordinary days, and the only way date-only data can show a wave).

Reads a CSV of real app-store (or Trustpilot) reviews, one row a review, and replays each app as one
brand (a config naming it) through ``monitor.replay.run.replay``. Its columns are guessed from common
exports (google-play-scraper: ``appId``/``at``/``score``/``content``/``reviewId``; the Ethiopian bank
reviews: ``bank_name``/``review_date``/``rating``/``review_text``/``review_id``; Trustpilot scrapes:
``published``/``rating``/``text``/``id``) or named with ``--app-col``, ``--date-col``, ``--rating-col``,
``--text-col``, ``--id-col``; ``--app NAME`` gives every row one app (a file per app).

Times: a review whose date has no time of day is spread over ``--spread-hours`` hours of its day
from ``--spread-start`` (UTC), deterministically by a hash of its id (so every run is the same, and a
day's reviews do not bunch up as they would at midnight). Full timestamps are kept as they are.

Ordinary traffic, per app: reviews, days spanned (first to last review, quiet days included), one-
and two-star reviews a day (median and the busiest day), warning-or-higher alerts per app-day, and
each warning with its time, reasons and whether its day has a visible wave (at least
``wave_min_reviews`` low ratings and ``--visible`` times the app's median day). Days with a visible
wave are listed too, found (a warning that day) or missed.

Planted waves (``--planted N ...``): per app, seed and N, N real one-star reviews of the same app taken
from elsewhere in its history are re-timed into a three-hour window at a random hour of a random day
with at least ``--history`` days of the app's reviews before it, and the app's last ``--history``
days and the wave's day are replayed. Reported: whether a warning-or-higher alert came within a day
of the wave's first review, how long after it, and the worst case over seeds and N.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config.settings import Config, parse_config  # noqa: E402
from monitor.incidents.coefficients import K  # noqa: E402
from monitor.models import LOW_STARS, AlertEvent, Author, Observation, Tier  # noqa: E402
from monitor.replay.run import run_replay as replay  # noqa: E402
from monitor.scoring import MentionScorer  # noqa: E402

COLUMNS = {
    "app": ("appId", "app_id", "app", "app_name", "bank_name", "bank_code", "company", "brand", "source"),
    "date": ("at", "review_date", "date", "published", "created_at", "Time_submitted", "timestamp", "post_date"),
    "rating": ("score", "rating", "stars", "Rating"),
    "text": ("content", "review_text", "review", "text", "review_description", "Review", "body"),
    "id": ("reviewId", "review_id", "id"),
}
WAVE_WINDOW = 3 * 3600  # a planted wave's reviews come within three hours


def column(fields: list[str], name: str, given: str | None) -> str | None:
    if given:
        return given
    return next((c for c in COLUMNS[name] if c in fields), None)


def spread(day: date, key: str, hours: float, start: float) -> datetime:
    """A time on ``day`` for a review without one: ``start`` plus a hash of ``key`` within ``hours``."""
    frac = int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") / 2**64
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(hours=start + frac * hours)


def parse_time(value: str, key: str, hours: float, start: float) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    if len(value) == 10:  # a date only
        return spread(date.fromisoformat(value), key, hours, start)
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def read_reviews(path: str, args: argparse.Namespace) -> list[Observation]:
    out: list[Observation] = []
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f)
        fields = list(rows.fieldnames or ())
        cols = {n: column(fields, n, getattr(args, f"{n}_col")) for n in COLUMNS}
        if args.app:
            cols["app"] = None
        missing = [n for n in ("date", "rating") if cols[n] is None] + (["app"] if not (args.app or cols["app"]) else [])
        if missing:
            raise SystemExit(f"{path}: no column for {missing}; columns are {fields}")
        for i, row in enumerate(rows):
            rid = (row.get(cols["id"]) if cols["id"] else None) or f"row{i}"
            app = args.app or row[cols["app"]]  # type: ignore[index]
            try:
                stars = int(float(row[cols["rating"]]))  # type: ignore[index]
            except (TypeError, ValueError):
                continue
            at = parse_time(row[cols["date"]] or "", f"{app}/{rid}", args.spread_hours, args.spread_start)  # type: ignore[index]
            if at is None or not 1 <= stars <= 5:
                continue
            if args.since and at.date().isoformat() < args.since:
                continue
            text = (row.get(cols["text"]) or "") if cols["text"] else ""
            out.append(Observation(source=args.source, id=f"{app}/{rid}", text=text, created_at=at, observed_at=at,
                                   kind="review", rating=stars, author=Author(handle=f"{app}/user{rid}"), brand=app))
    out.sort(key=lambda o: o.created_at)
    return out


def config_for(brands: Iterable[str]) -> Config:
    lines = ["[alerts]", 'min_tier = "watch"']
    lines += [f"[[brands]]\nname = {json.dumps(b)}\nkeywords = [{json.dumps(b.lower())}]" for b in brands]
    return parse_config("\n".join(lines) + "\n", env={}).config


def warnings(observations: list[Observation], brand: str, scorer: MentionScorer) -> list[AlertEvent]:
    alerts = replay(observations, config_for([brand]), scorer).alerts
    return [a for a in alerts if a.tier >= Tier.warning]


def day_lows(observations: list[Observation]) -> tuple[list[date], Counter[date], Counter[date]]:
    """Every day from the first review to the last, and the low-rated and all reviews on each."""
    low: Counter[date] = Counter()
    every: Counter[date] = Counter()
    for o in observations:
        every[o.created_at.date()] += 1
        low[o.created_at.date()] += (o.rating or 5) <= LOW_STARS
    first, last = observations[0].created_at.date(), observations[-1].created_at.date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)], low, every


def ordinary(app: str, observations: list[Observation], scorer: MentionScorer, visible: float,
             verbose: bool) -> dict[str, object]:
    t0 = time.perf_counter()
    days, low, every = day_lows(observations)
    counts = [low[d] for d in days]
    median = statistics.median(counts)
    wave_days = {d for d in days if low[d] >= K.wave_min_reviews and low[d] >= visible * max(median, 1)}
    warn = warnings(observations, app, scorer)
    warned_days = {a.at.date() for a in warn}
    busiest = max(days, key=lambda d: low[d])
    out = {"app": app, "reviews": len(observations), "days": len(days), "first": days[0].isoformat(),
           "last": days[-1].isoformat(), "low_per_day_median": median, "low_max_day": low[busiest],
           "low_max_date": busiest.isoformat(), "warning_plus": len(warn),
           "warning_plus_per_app_day": round(len(warn) / len(days), 4),
           "false_warnings": sum(a.at.date() not in wave_days for a in warn),
           "visible_wave_days": len(wave_days), "wave_days_warned": len(wave_days & warned_days),
           "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(out))
    for a in warn:
        d = a.at.date()
        print(f"  warning {a.at:%Y-%m-%d %H:%M} {a.tier.name:8} day low={low[d]} (all {every[d]}, median {median}) "
              f"visible_wave={'yes' if d in wave_days else 'no'}: {'; '.join(a.reasons)[:240]}")
    for d in sorted(wave_days):
        print(f"  visible wave {d} low={low[d]} (all {every[d]}, median {median}): "
              f"{'warned' if d in warned_days else 'MISSED'}")
    if verbose:
        for d in days:
            print(f"    {d} low={low[d]:3} all={every[d]:3}")
    return out


def planted(app: str, observations: list[Observation], scorer: MentionScorer, sizes: list[int], seeds: list[int],
            history: int, verbose: bool) -> list[dict[str, object]]:
    days, _, _ = day_lows(observations)
    candidates = days[history:]
    ones = [o for o in observations if o.rating == 1]
    out = []
    for seed in seeds:
        rng = random.Random(f"{app}/{seed}")
        day = rng.choice(candidates)
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(hours=rng.randrange(0, 21))
        elsewhere = [o for o in ones if abs((o.created_at - start).days) > 1]
        before = [o for o in observations if start - timedelta(days=history) <= o.created_at < start + timedelta(days=1)]
        for n in sizes:
            if len(elsewhere) < n:
                out.append({"app": app, "seed": seed, "n": n, "skipped": f"only {len(elsewhere)} one-star reviews"})
                continue
            wave = [replace(o, id=f"{o.id}/planted{seed}", created_at=at, observed_at=at,
                            author=Author(handle=f"{o.author.handle}/planted{seed}"))
                    for o, at in zip(rng.sample(elsewhere, n),
                                     sorted(start + timedelta(seconds=rng.randrange(WAVE_WINDOW)) for _ in range(n)),
                                     strict=True)]
            warn = warnings(sorted(before + wave, key=lambda o: o.created_at), app, scorer)
            early = [a for a in warn if a.at < start]
            hit = [a for a in warn if start <= a.at <= start + timedelta(days=1)]
            lead = (hit[0].at - start).total_seconds() / 60 if hit else None
            span = (wave[-1].created_at - start).total_seconds() / 60
            rec = {"app": app, "seed": seed, "n": n, "start": f"{start:%Y-%m-%d %H:%M}", "warned": bool(hit),
                   "minutes_after_first": None if lead is None else round(lead),
                   "minutes_after_last": None if lead is None else round(lead - span),
                   "warnings_before": len(early), "reason": hit[0].reasons[0][:160] if hit else None}
            out.append(rec)
            if verbose or not hit:
                print(json.dumps(rec))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, action="append", help="a CSV of reviews (repeatable)")
    ap.add_argument("--app", help="one app for every row of the file(s)")
    for name in COLUMNS:
        ap.add_argument(f"--{name}-col", help=f"the column with the review's {name}")
    ap.add_argument("--source", default="googleplay", help="the observations' source (googleplay, appstore, trustpilot)")
    ap.add_argument("--since", help="only reviews from this date (YYYY-MM-DD)")
    ap.add_argument("--min-reviews", type=int, default=100, help="apps with fewer reviews are left out")
    ap.add_argument("--spread-hours", type=float, default=24.0, help="a date-only review falls within these hours of its day")
    ap.add_argument("--spread-start", type=float, default=0.0, help="... from this hour (UTC)")
    ap.add_argument("--visible", type=float, default=3.0,
                    help="a day with this many times the app's median low ratings is a visible wave")
    ap.add_argument("--planted", type=int, nargs="*", default=[], help="plant waves of these many one-star reviews")
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3, 4, 5], help="planted waves: seeds (a day and hour each)")
    ap.add_argument("--history", type=int, default=21, help="planted waves: days of the app's reviews replayed before")
    ap.add_argument("-v", "--verbose", action="store_true", help="every day's counts and every planted wave")
    args = ap.parse_args()
    by_app: dict[str, list[Observation]] = defaultdict(list)
    for path in args.input:
        for o in read_reviews(path, args):
            by_app[o.brand or "?"].append(o)
    scorer = MentionScorer()
    table, plants = [], []
    for app in sorted(by_app):
        observations = sorted(by_app[app], key=lambda o: o.created_at)
        if len(observations) < args.min_reviews:
            print(json.dumps({"app": app, "reviews": len(observations), "skipped": f"fewer than {args.min_reviews}"}))
            continue
        table.append(ordinary(app, observations, scorer, args.visible, args.verbose))
        if args.planted:
            plants += planted(app, observations, scorer, args.planted, args.seeds, args.history, args.verbose)
    print()
    print(f"{'app':28} {'reviews':>7} {'days':>5} {'low/day med':>11} {'max':>4} {'warn+':>5} {'/app-day':>8} "
          f"{'false':>5} {'waves':>5} {'warned':>6}")
    for r in table:
        print(f"{str(r['app'])[:28]:28} {r['reviews']:>7} {r['days']:>5} {r['low_per_day_median']:>11} "
              f"{r['low_max_day']:>4} {r['warning_plus']:>5} {r['warning_plus_per_app_day']:>8} "
              f"{r['false_warnings']:>5} {r['visible_wave_days']:>5} {r['wave_days_warned']:>6}")
    worst = max(table, key=lambda r: r["warning_plus_per_app_day"])  # type: ignore[arg-type,return-value]
    summary: dict[str, object] = {"worst_app": worst["app"], "worst_warning_plus_per_app_day": worst["warning_plus_per_app_day"],
                                  "false_warnings": sum(r["false_warnings"] for r in table)}  # type: ignore[misc]
    ok = worst["warning_plus_per_app_day"] <= 0.05  # type: ignore[operator]
    if plants:
        print()
        print(f"{'app':28} {'N':>3} {'warned':>9} {'worst min after first':>22} {'median':>7} {'false before':>12}")
        for app in sorted({str(p["app"]) for p in plants}):
            for n in args.planted:
                runs = [p for p in plants if p["app"] == app and p["n"] == n and "skipped" not in p]
                if not runs:
                    continue
                leads = [p["minutes_after_first"] for p in runs if p["warned"]]
                worst_lead = "-" if len(leads) < len(runs) else max(leads)  # type: ignore[type-var]
                print(f"{app[:28]:28} {n:>3} {len(leads):>4}/{len(runs):<4} {worst_lead!s:>22} "
                      f"{statistics.median(leads) if leads else '-'!s:>7} {sum(p['warnings_before'] for p in runs):>12}")  # type: ignore[misc]
        for n in args.planted:
            runs = [p for p in plants if p["n"] == n and "skipped" not in p]
            leads = [p["minutes_after_first"] for p in runs if p["warned"]]
            lasts = [p["minutes_after_last"] for p in runs if p["warned"]]
            summary[f"planted_{n}"] = {"warned": f"{len(leads)}/{len(runs)}",
                                       "worst_minutes_after_first": max(leads) if leads else None,  # type: ignore[type-var]
                                       "worst_minutes_after_last": max(lasts) if lasts else None}  # type: ignore[type-var]
            # A wave of at least the minimum must warn every time, within the hour after its last review.
            ok &= n < K.wave_min_reviews or (len(leads) == len(runs) and max(lasts) <= 60)  # type: ignore[type-var,operator]
    print(json.dumps(summary))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
