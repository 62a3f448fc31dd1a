"""Labelled English texts for the complaint model, read from public data sets kept outside the repository.

Every loader returns ``Example`` rows: the text (brand names masked), 1 for a complaint, the group it
belongs to (an airline, an industry, a source) and a training weight. Where each set comes from:

- ``airline``: Twitter US Airline Sentiment (Figure Eight, via Kaggle; CC BY-NC-SA 4.0), tweets to six
  US airlines, Feb 2015. ``negative`` is taken as a complaint, ``neutral``/``positive`` as not.
- ``twcs``: the first 5,001 rows of Customer Support on Twitter (Thought Vector, via Kaggle; CC BY-NC-SA
  4.0), as published in the public repository monalisapatra26/data_visualization (``twcs.csv``). Of
  those, the 1,153 customer tweets that open a conversation and got a brand reply, addressed to 70
  brands in eight industries, were labelled by hand for this project: a complaint is a breach of
  expectation about the brand, polite support requests about a problem included; praise, jokes,
  plain questions, insults that name no breach ("@x is trash") and annoyance at anything else are not.
  The labels, keyed by tweet id and without text, are ``bench/data/twcs_complaints.tsv``. The 1,087
  customer replies to a brand in the same rows (``twcs_replies``) were labelled the same way, each read
  on its own (``bench/data/twcs_replies.tsv``).
- ``spotify``: inbound customer tweets to @SpotifyCares from the same corpus (Customer Support on
  Twitter; ``twcs_spotify_support_requests.csv``), unlabelled: added as complaints at a weight of 0.03,
  since most requests to a support account report a problem (at 0.1, 15,000 of them taught that a
  plain question to support is a complaint).
- ``generic``: tweets about anything, not addressed to a brand's support, as non-complaints: the English
  XLM-T sentiment training set (cardiffnlp/xlm-t, Apache-2.0; SemEval-2017 tweets) and the TweetEval
  emotion training set (cardiffnlp/tweeteval; SemEval-2018 tweets, mostly anger and sadness), and at a
  lower weight TweetEval's hate, irony and offensive training sets (SemEval-2019 and 2018 tweets). They
  teach that anger at a referee, a politician or the weather is not a complaint about a brand.
- ``generic_test``: for evaluation only, the 290 negative tweets of the English XLM-T *test* set (the
  ``xlmt_sentiment`` folder this project's sentiment evaluation uses), labelled by hand: one complains
  about a brand (``bench/data/xlmt_en_test_complaints.tsv``), the rest are annoyed at politics, people
  and life.
- ``ibm``: 1,022 opening customer tweets, every one of the development (523) and test (499) sets of
  IBM's Twitter Conversations for Conversational Document Prediction
  (IBM/twitter-customer-care-document-prediction, Apache-2.0; ``dev.json``, ``test.json``): tweets to 25
  support accounts (games, software, streaming, finance, retail, telecom, travel) in 2020,
  labelled by hand with the TWCS definition (``bench/data/ibm_complaints.tsv``, ids, account, industry
  and label). Trained on like the TWCS tweets; held out with their industry, and as a domain of its own.
- ``ericsson``: 600 more customer tweets of the full Customer Support on Twitter corpus, 200 each to
  @AmazonHelp, @AppleSupport and @SpotifyCares, as sampled (and lightly cleaned: spelling corrected,
  "&amp;" read as "camp", some numbers as "i") by kechtel/ericsson (``data/labeled/twcs-<brand>-200-
  inbound.xlsx``; GPL-3.0 repository, the tweets under the corpus's CC BY-NC-SA 4.0). Their topic labels
  are not used: every tweet was labelled by hand for this project with the TWCS definition, feature
  requests and "bring it back" included (``bench/data/twcs_ericsson_complaints.tsv``, ids, brand,
  industry and label). Training only, held out with their industry.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parent.parent
TWCS_LABELS = REPO / "bench" / "data" / "twcs_complaints.tsv"
TWCS_REPLY_LABELS = REPO / "bench" / "data" / "twcs_replies.tsv"
XLMT_TEST_LABELS = REPO / "bench" / "data" / "xlmt_en_test_complaints.tsv"
IBM_LABELS = REPO / "bench" / "data" / "ibm_complaints.tsv"
ERICSSON_LABELS = REPO / "bench" / "data" / "twcs_ericsson_complaints.tsv"

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


def airline(path: str, weight: float = 0.5, unclear: bool = False) -> list[Example]:
    """Weighted down: 14,640 tweets of one industry, whose "negative" also covers insults that name no breach.

    The 1,190 negative tweets whose annotators could not tell what went wrong (``negativereason`` "Can't
    Tell") are left out unless ``unclear``: most are anger with no broken expectation named ("@united you
    suck"), which by this project's definition is not a complaint, yet labelled as one."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            Example(mask_brands(r["text"]), int(r["airline_sentiment"] == "negative"), "airline:" + r["airline"], weight)
            for r in csv.DictReader(fh)
            if unclear or r.get("negativereason") != "Can't Tell"
        ]


def twcs(
    path: str, is_english: Callable[[str], bool], weight: float = 5.0, labels: Path = TWCS_LABELS, group: str = "twcs"
) -> list[Example]:
    """The hand-labelled TWCS tweets in English (46 of the 1,153 are not); group is "twcs:<industry>".

    Weighted 10 to 1 against the airline tweets: they are few, and the only ones from many industries."""
    with open(path, newline="", encoding="utf-8") as fh:
        text = {r["tweet_id"]: r["text"] for r in csv.DictReader(fh)}
    out = []
    with open(labels, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r["tweet_id"] not in text:
                raise SystemExit(f"{path}: tweet {r['tweet_id']} of {labels.name} is missing (not the TWCS head file?)")
            body = text[r["tweet_id"]]
            if is_english(body):
                out.append(Example(mask_brands(body), int(r["complaint"]), f"{group}:{r['industry']}", weight))
    return out


def twcs_replies(path: str, is_english: Callable[[str], bool], weight: float = 2.0) -> list[Example]:
    """The customers' replies to a brand inside the same conversations, hand-labelled on their own
    (``bench/data/twcs_replies.tsv``: "still not working" is a complaint, "DM sent" is not); group
    "twcs-reply:<industry>". Training only, held out with their industry; weighted below the opening
    tweets, since a reply read without its conversation is a noisier example."""
    return twcs(path, is_english, weight, TWCS_REPLY_LABELS, "twcs-reply")


def spotify(path: str, weight: float = 0.03) -> list[Example]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [Example(mask_brands(r["text"]), 1, "spotify", weight) for r in csv.DictReader(fh) if r.get("text")]


def _lines(path: Path) -> list[str]:
    # XLM-T writes some characters as \uXXXX escapes.
    return [json.loads(f'"{t}"') if "\\u" in t and '"' not in t else t for t in path.read_text("utf-8").splitlines()]


TWEETEVAL_OTHER = ("hate", "irony", "offensive")
"""TweetEval training sets added as generic tweets at ``other_weight``: people insulting, mocking and
raging at people, groups and events, the annoyance at anything that is not a complaint about a brand."""


def generic(xlmt_english: str | None, tweeteval: str | None, weight: float, other_weight: float = 0.0) -> list[Example]:
    """Tweets not addressed to a brand, all non-complaints (see the module docstring)."""
    out: list[Example] = []
    if xlmt_english:
        out += [Example(mask_brands(t), 0, "generic:xlmt", weight) for t in _lines(Path(xlmt_english) / "train_text.txt")]
    if tweeteval:
        folder = Path(tweeteval) / "datasets"
        out += [Example(mask_brands(t), 0, "generic:emotion", weight) for t in _lines(folder / "emotion" / "train_text.txt")]
        if other_weight > 0:
            for name in TWEETEVAL_OTHER:
                texts = _lines(folder / name / "train_text.txt")
                out += [Example(mask_brands(t), 0, f"generic:{name}", other_weight) for t in texts]
    return out


def generic_test(xlmt_folder: str, labels: Path = XLMT_TEST_LABELS) -> list[Example]:
    """The hand-labelled negative tweets of the English XLM-T test set (evaluation only, weight 0)."""
    texts = _lines(Path(xlmt_folder) / "english_test_text.txt")
    with open(labels, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [Example(mask_brands(texts[int(r["line"])]), int(r["complaint"]), "test:generic", 0.0) for r in rows]


def ibm(files: Sequence[str], weight: float = 5.0, labels: Path = IBM_LABELS) -> list[Example]:
    """The hand-labelled opening tweets of IBM's dev.json and test.json (``files``: both, or a folder that
    holds them); group "ibm:<industry>" (industries as in TWCS)."""
    first: dict[str, str] = {}
    for name in _ibm_files(files):
        try:
            with open(name, encoding="utf-8") as fh:
                conversations = json.load(fh)
            first.update({c["dialogContent"][0]["tweet_ID"]: c["dialogContent"][0]["message"] for c in conversations})
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise SystemExit(
                f"{name}: not a conversation file of IBM/twitter-customer-care-document-prediction ({exc})"
            ) from None
    out = []
    with open(labels, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r["tweet_id"] not in first:
                raise SystemExit(f"{', '.join(map(str, files))}: tweet {r['tweet_id']} of {labels.name} is missing")
            text = " ".join(first[r["tweet_id"]].split())
            out.append(Example(mask_brands(text), int(r["complaint"]), "ibm:" + r["industry"], weight))
    return out


def _ibm_files(files: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for f in map(Path, files):
        out += [f / "dev.json", f / "test.json"] if f.is_dir() else [f]
    return out


def ericsson(folder: str, weight: float = 2.0, labels: Path = ERICSSON_LABELS) -> list[Example]:
    """The hand-labelled tweets of the kechtel/ericsson sample (``folder``: a checkout of that repository);
    group "twcs-extra:<industry>". Weighted like the replies: their text was rewritten a little by the
    sample's own cleaning, so they are noisier examples than the openings."""
    text: dict[str, str] = {}
    for brand in ("AmazonHelp", "AppleSupport", "SpotifyCares"):
        name = Path(folder) / "data" / "labeled" / f"twcs-{brand}-200-inbound.xlsx"
        try:
            text.update(_xlsx_texts(name))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise SystemExit(f"{name}: not a labelled sheet of kechtel/ericsson ({exc})") from None
    out = []
    with open(labels, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r["tweet_id"] not in text:
                raise SystemExit(f"{folder}: tweet {r['tweet_id']} of {labels.name} is missing")
            out.append(Example(mask_brands(text[r["tweet_id"]]), int(r["complaint"]), "twcs-extra:" + r["industry"], weight))
    return out


_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx_texts(path: Path) -> dict[str, str]:
    """tweet_id -> text of the first sheet of an .xlsx file with "tweet_id" and "text" columns (read with
    the standard library: an .xlsx is a zip of XML)."""
    with zipfile.ZipFile(path) as z:
        shared = [
            "".join(t.text or "" for t in si.iter(_SHEET + "t"))
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall(_SHEET + "si")
        ]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows: list[dict[str, str]] = []
    for row in sheet.iter(_SHEET + "row"):
        cells: dict[str, str] = {}
        for c in row.findall(_SHEET + "c"):
            v = c.find(_SHEET + "v")
            if v is not None and v.text is not None:
                cells[re.sub(r"\d+", "", c.get("r", ""))] = shared[int(v.text)] if c.get("t") == "s" else v.text
        rows.append(cells)
    head = {name: col for col, name in rows[0].items()}
    return {r[head["tweet_id"]]: " ".join(r[head["text"]].split()) for r in rows[1:] if head["text"] in r}
