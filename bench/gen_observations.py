"""Write a synthetic observation JSONL for benchmarks: several brands, varied everyday posts, and
re-observations (engagement snapshots) of recent posts, in event-time order.

    python bench/gen_observations.py 1000000 /tmp/obs-1m.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta, timezone

BRANDS = ["Northwind Parcel", "Acme Air", "Globex Mobile", "Initech Bank", "Umbrella Foods"]
OPENERS = ["", "Ugh, ", "Honestly ", "So ", "PSA: ", "lol ", "Not again. ", "Hey ", "Wow. ", "Day 3: "]
BODIES = [
    "{b} lost my {item} and support keeps me on hold for {n} minutes",
    "{b} delivered my {item} a day early, nice surprise",
    "does {b} have an office in {city}? need help with my {item}",
    "{b} charged me twice for the {item}, still waiting for a refund",
    "the {b} app crashed {n} times while I tried to fix my {item} order",
    "shoutout to the {b} team in {city}, sorted my {item} in {n} minutes",
    "{b} cancelled my {item} without telling me, third time this year",
    "is {b} worth it for a {item}? friends in {city} say yes",
]
ITEMS = ["laptop", "bag", "ticket", "phone", "sofa", "parcel", "booking", "card", "order", "meal kit"]
CITIES = ["Leeds", "Dayton", "Tacoma", "Bristol", "Omaha", "Halifax", "Fresno", "Derby", "Reno", "Krakow"]
CLOSERS = ["", " :/", " 🙄", " thanks!", " any tips?", " smh", "!", " 😡", " 👍", " #fail"]


def main(n: int, path: str, seed: int = 1) -> None:
    rng = random.Random(seed)
    t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    recent: list[dict] = []
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            t += timedelta(seconds=rng.expovariate(1 / 3.0))
            if recent and rng.random() < 0.4:
                base = rng.choice(recent)
                base["metrics"]["likes"] += rng.randint(0, 5)
                obs = dict(base, observed_at=t.isoformat().replace("+00:00", "Z"))
            else:
                brand = rng.choice(BRANDS)
                body = rng.choice(BODIES).format(b=brand, item=rng.choice(ITEMS), n=rng.randint(2, 99),
                                                 city=rng.choice(CITIES))
                text = rng.choice(OPENERS) + body + rng.choice(CLOSERS)
                stamp = t.isoformat().replace("+00:00", "Z")
                obs = {"source": rng.choice(["x", "x", "reddit"]), "id": str(i), "text": text, "lang": "en",
                       "author": {"handle": f"user{rng.randint(1, 300000)}", "followers": rng.randint(0, 5000)},
                       "created_at": stamp, "observed_at": stamp, "brand": brand,
                       "metrics": {"likes": rng.randint(0, 3), "reposts": 0, "replies": 0}}
                recent.append(obs)
                if len(recent) > 2000:
                    recent.pop(0)
            f.write(json.dumps(obs, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
