"""Real public traffic as observations, for the alert-quality evaluation (bench/eval_alerts.py).

Neither file is in the repository (their licence does not allow redistributing them with the code):
pass the path of your copy.

- Twitter US Airline Sentiment (Kaggle / Figure Eight, CC BY-NC-SA 4.0): 14,640 tweets to six US
  airlines, 16-24 Feb 2015, each replayed under its airline as the brand.
- Customer Support on Twitter, inbound requests to @SpotifyCares (Kaggle, CC BY-NC-SA 4.0): ~15,000
  tweets, Oct-Nov 2017, replayed as one brand.

Neither holds the brands' own replies, and neither holds follower counts; retweets are the only
engagement the airline file has.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from monitor.models import Author, Metrics, Observation


def airline_observations(path: str | Path) -> Iterator[Observation]:
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            at = datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z").astimezone(timezone.utc)
            yield Observation(
                source="x", id=row["tweet_id"], text=row["text"], created_at=at, observed_at=at, kind="post",
                url=f"https://x.com/{row['name']}/status/{row['tweet_id']}",
                author=Author(id=row["name"], handle=row["name"]),
                metrics=Metrics(reposts=int(row["retweet_count"] or 0)), brand=row["airline"])


def spotify_observations(path: str | Path) -> Iterator[Observation]:
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if not (row.get("created_at") and row.get("text") and row.get("tweet_id")):
                continue  # a few rows of the file are broken by line breaks inside the text
            at = datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y").astimezone(timezone.utc)
            parent = row.get("in_response_to_tweet_id") or ""
            yield Observation(
                source="x", id=row["tweet_id"], text=row["text"], created_at=at, observed_at=at, kind="post",
                url=f"https://x.com/i/status/{row['tweet_id']}",
                author=Author(id=row["author_id"], handle=row["author_id"]),
                in_reply_to=parent.split(".")[0] or None, brand="Spotify")
