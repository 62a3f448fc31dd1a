"""Labelled English texts for the complaint model, read from public data sets kept outside the repository.

Every loader returns ``Example`` rows: the text (brand names masked), 1 for a complaint, the group it
belongs to (an airline, an industry, a source) and a training weight. Where each set comes from:

- ``airline``: Twitter US Airline Sentiment (Figure Eight, via Kaggle; CC BY-NC-SA 4.0), tweets to six
  US airlines, Feb 2015. ``negative`` is taken as a complaint, ``neutral``/``positive`` as not.
- ``twcs``: the first 5,001 rows of Customer Support on Twitter (Thought Vector, via Kaggle; CC BY-NC-SA
  4.0), as published in the public repository monalisapatra26/data_visualization (``twcs.csv``). Of
  those, the 1,153 customer tweets that open a conversation and got a brand reply, addressed to 70
  brands in eight industries, were labelled by hand for this project (complaint = a breach of
  expectation about the brand, polite support requests about a problem included; praise, jokes,
  plain questions and annoyance at anything else not). The labels, keyed by tweet id and without
  text, are ``bench/data/twcs_complaints.tsv``.
- ``spotify``: inbound customer tweets to @SpotifyCares from the same corpus (Customer Support on
  Twitter; ``twcs_spotify_support_requests.csv``), unlabelled: added as complaints at a weight of 0.1,
  since most requests to a support account report a problem.

Tried and dropped: general tweets (the English XLM-T and TweetEval emotion training sets) as
non-complaints. They lowered every cross-domain score (macro-F1 0.76 -> 0.69 averaged over the held-out
industries): angry words stopped counting for anything, and complaints were missed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from collections.abc import Callable
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
TWCS_LABELS = REPO / "bench" / "data" / "twcs_complaints.tsv"

_BRANDS = (
    r"united|southwest(?:air)?|jet ?blue|virgin(?: ?america| ?atlantic| ?trains)?|american(?: ?air(?:lines)?)?|"
    r"us ?airways|delta|spotify(?:cares)?|aa|swa|sw|amazon|alexa|echo|kindle|apple|iphone|ipad|ios|itunes|"
    r"uber(?: ?eats)?|lyft|chipotle|boorito|comcast|xfinity|verizon|fios|sprint|t-?mobile|spectrum|cox|"
    r"centurylink|at&t|att|hulu|netflix|xbox|playstation|psn|ps4|ps plus|activision|adobe|lightroom|"
    r"microsoft|windows|dropbox|azure|hp|paypal|ebay|wells ?fargo|bofa|bank of america|chase|amex|citi|"
    r"tesco|sainsbury'?s|morrisons|argos|walmart|target|newegg|nike|postmates|doordash|papa ?john'?s|"
    r"mcdonald'?s|british airways|ba|alaska(?: ?air)?|air ?asia|airbnb|kimpton|ups|o2|boost|gwr"
)
BRANDS = re.compile(rf"\b(?:{_BRANDS})\b", re.IGNORECASE)


class Example(NamedTuple):
    text: str
    label: int
    group: str
    weight: float


def mask_brands(text: str) -> str:
    """Brand and product names become "brand": the model must not learn which brands are complained about."""
    return BRANDS.sub("brand", text)


def airline(path: str) -> list[Example]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            Example(mask_brands(r["text"]), int(r["airline_sentiment"] == "negative"), "airline:" + r["airline"], 1.0)
            for r in csv.DictReader(fh)
        ]


def twcs(path: str, is_english: Callable[[str], bool], weight: float = 3.0, labels: Path = TWCS_LABELS) -> list[Example]:
    """The hand-labelled TWCS tweets in English (46 of the 1,153 are not); group is "twcs:<industry>".

    Weighted 3 to 1 against the airline tweets: they are few, and the only ones from many industries."""
    with open(path, newline="", encoding="utf-8") as fh:
        text = {r["tweet_id"]: r["text"] for r in csv.DictReader(fh)}
    out = []
    with open(labels, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r["tweet_id"] not in text:
                raise SystemExit(f"{path}: tweet {r['tweet_id']} of {labels.name} is missing (not the TWCS head file?)")
            body = text[r["tweet_id"]]
            if is_english(body):
                out.append(Example(mask_brands(body), int(r["complaint"]), "twcs:" + r["industry"], weight))
    return out


def spotify(path: str, weight: float = 0.1) -> list[Example]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [Example(mask_brands(r["text"]), 1, "spotify", weight) for r in csv.DictReader(fh) if r.get("text")]
