"""Soak: a simulated day of heavy traffic for several brands through the daemon's own poll path
(Monitor.poll_source → pipeline → outbox → delivery), on a fake clock, measuring resident memory.

    python bench/soak.py [--per-minute 60] [--hours 24]

An in-process source stands in for the platforms (no HTTP: this measures the monitor, not a fake
server). It prints resident memory after the first simulated hour and at the end, and their ratio;
memory is flat when the ratio stays near 1 (the target: within 20%).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BRANDS = ["Northwind Parcel", "Acme Air", "Globex Mobile", "Initech Bank", "Umbrella Foods"]
ISSUES = ["lost my {item}", "charged me twice for the {item}", "cancelled my {item}", "delivered my {item} late",
          "support hung up on me about my {item}", "sent the wrong {item}", "app crashed ordering a {item}"]
ITEMS = ["laptop", "bag", "ticket", "phone", "sofa", "parcel", "booking", "card", "meal kit", "bike"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


class SyntheticSource:
    """Answers each poll with the posts of the elapsed minutes, like a busy search API would."""

    name = "x"

    def __init__(self, clock: Any, per_minute: int, seed: int = 1):
        self.clock, self.per_minute, self.rng, self.n = clock, per_minute, random.Random(seed), 0
        self.recent: list[tuple[str, str, datetime, str]] = []

    def _post(self, ident: str, brand: str, at: datetime, text: str, likes: int) -> Any:
        from monitor.models import Author, Metrics, Observation

        return Observation("x", ident, text, at, self.clock(), author=Author(handle=f"u{hash(ident) % 50000}"),
                           metrics=Metrics(likes=likes), brand=brand, lang="en")

    def poll(self, brands: Sequence[Any], cursor: dict[str, Any]) -> Any:
        from monitor.models import PollResult

        now = self.clock()
        out = []
        for _ in range(self.per_minute * 5):  # one poll every five simulated minutes
            self.n += 1
            brand = self.rng.choice(BRANDS)
            text = f"{brand} {self.rng.choice(ISSUES).format(item=self.rng.choice(ITEMS))} #{self.rng.randint(1, 999)}"
            at = now - timedelta(seconds=self.rng.randint(0, 299))
            out.append(self._post(str(self.n), brand, at, text, self.rng.randint(0, 3)))
            self.recent.append((str(self.n), brand, at, text))
        self.recent = self.recent[-2000:]
        return PollResult(out, {"since_id": str(self.n)})

    def refresh(self, ids: Sequence[str]) -> list[Any]:
        return [self._post(i, b, at, t, self.rng.randint(0, 40)) for i, b, at, t in self.recent[-500:]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-minute", type=int, default=60, help="new posts per simulated minute (all brands)")
    ap.add_argument("--hours", type=int, default=24)
    args = ap.parse_args(argv)

    from monitor.config.settings import parse_config
    from monitor.daemon.app import Monitor, SourceHealth

    tmp = tempfile.mkdtemp(prefix="monitor-soak-")
    brands = "".join(f'[[brands]]\nname = "{b}"\nkeywords = ["{b.lower()}"]\n' for b in BRANDS)
    loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp}/soak.db"\n{brands}'
                          '[sources.reddit]\nenabled = false\n[sources.x]\nenabled = false\n'
                          '[retention]\nobservations = "6h"\n', env={})
    now = [datetime(2024, 6, 3, tzinfo=UTC)]

    def clock() -> datetime:
        return now[0]

    from alerts.console import ConsoleChannel

    mon = Monitor.create(loaded, clock, channels={"console": ConsoleChannel(io.StringIO())})
    mon.sources = {"x": SyntheticSource(clock, args.per_minute)}  # type: ignore[dict-item]
    mon.health = {"x": SourceHealth()}
    from monitor.daemon.scheduler import housekeeping

    first_hour = None
    t0 = time.perf_counter()
    steps = args.hours * 12
    for step in range(1, steps + 1):
        now[0] += timedelta(minutes=5)
        mon.poll_source("x")
        if step % 2 == 0:
            mon.reobserve("x")
        if step % 12 == 0:
            housekeeping(mon)
            mon.deliverer.channels["console"].console.file = io.StringIO()  # type: ignore[attr-defined]
        if step == 12:
            first_hour = rss_mb()
        if step % 72 == 0:
            print(f"  {step // 12:>3} h simulated: rss {rss_mb():.0f} MB, {mon.store.count('mentions'):,} mentions",
                  flush=True)
    end = rss_mb()
    assert first_hour is not None
    print(f"simulated {args.hours} h, {mon.sources['x'].n:,} posts ({args.per_minute}/min) in "  # type: ignore[attr-defined]
          f"{time.perf_counter() - t0:.0f} s")
    print(f"rss after first hour: {first_hour:.0f} MB; at the end: {end:.0f} MB; ratio {end / first_hour:.2f}")
    mon.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
