"""What marks a long forum post as a problem report, and its title as a how-to question.

On a help forum a bug report is mostly written as a request for help ("Is anyone else having this
issue? My database won't load since the update") and so is a how-to question ("How do I make a
database template?"); the tweet-trained complaint model reads both alike. What tells them apart is a
problem state: something that stopped working, broke, was lost or charged, "since the update",
"anymore". A title that asks how to do something, and names no such state, is a question.

The lists are written from what help forums and app reviews commonly say, not from the labelled posts
(BENCHMARKS.md, "Long posts and reviews"); how much each counts was chosen on the development half.
"""

from __future__ import annotations

import re

# A problem word preceded by "no", "not", "never", "without", "any" or "zero" is no problem ("I haven't
# had any issues", "zero bugs so far").
_NOT_DENIED = r"(?<!\bno )(?<!\bnot )(?<!\bnever )(?<!\bwithout )(?<!\bany )(?<!\bzero )"

PROBLEM = re.compile(
    "|".join([
        # something fails: "won't load", "doesn't even open", "stopped syncing", "unable to save"
        r"\b(won'?t|doesn'?t|does not|isn'?t|is not|wasn'?t|didn'?t|not|no longer|stopped|stops|fails? to|failed to"
        r"|unable to)\s+(\w+\s+)?(work|working|works|load|loading|open|opening|sync|syncing|save|saving|respond"
        r"|responding|launch|launching)\b",
        r"\bkeeps? (crashing|freezing|logging|asking|deleting|reverting|failing|closing|switching|loading)\b",
        _NOT_DENIED + r"\b(broken|broke|buggy|bugs?|glitch\w*|crash\w*|freez\w*|frozen|unresponsive|unusable"
        r"|error( message)?s?)\b",
        r"\b(deleted|disappeared|vanished|wiped|lost (all|my|some|most|half)|missing)\b",  # "lost" alone: "I'm lost"
        r"\b(since|after) (the|this|that|an|a) ?(latest |last |recent |new )?update\b",
        r"\banymore\b",
        r"\bno longer\b",
        r"\b(charged|overcharged|refund|price (hike|increase)|cancel(l?ed|ling)? my subscription)\b",
        r"\b(banned|suspended|locked out)\b",
    ]),
    re.IGNORECASE,
)
"""A problem state: the product failed, lost or took something."""

HOW_TO = re.compile(
    "|".join([
        r"\bhow (do|can|should|would|could) (i|you|we|one)\b",
        r"\bhow to\b",
        r"\bis there (a|any) (way|option|setting|tool|app)\b",
        r"\bis it possible\b",
        r"\b(tips|advice|suggestions|recommendations?)\b",
        r"\btemplates?\b",
        r"\bwhat('s| is| are) the best\b",
        r"\blooking for\b",
        r"\b(which|what) (app|tool|apps|tools|software)\b",
        r"\bwhat do you (guys )?(use|think)\b",
        r"\b(i made|i built|i created|showcase|sharing my)\b",  # a showcase: no question, no complaint either
    ]),
    re.IGNORECASE,
)
"""A how-to question, a request for tips or tools, or a showcase."""


def reports_a_problem(text: str) -> bool:
    """The text names a problem state somewhere."""
    return PROBLEM.search(text) is not None


def title_asks_how_to(text: str) -> bool:
    """The first line (a post's title; the whole text when it has no line break) asks how to do
    something, or for tips or tools, or shows something off, and names no problem state."""
    title = text.partition("\n")[0]
    return HOW_TO.search(title) is not None and PROBLEM.search(title) is None
