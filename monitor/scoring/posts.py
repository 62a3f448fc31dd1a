"""What marks a long forum post as a problem report, and its title as a how-to question.

On a help forum a bug report is mostly written as a request for help ("Is anyone else having this
issue? My database won't load since the update") and so is a how-to question ("How do I make a
database template?"); the tweet-trained complaint model reads both alike. What tells them apart is a
problem state: something that stopped working, broke, was lost or charged, "since the update",
"anymore". A title that asks how to do something, and names no such state, is a question.

The lists are written from what help forums and app reviews commonly say, not from the held-out posts
(BENCHMARKS.md, "Long posts and reviews"); how much each counts was chosen on the development half.
"""

from __future__ import annotations

import re

# A problem word preceded by "no", "not", "never", "without", "any" or "zero" is no problem ("I haven't
# had any issues", "zero bugs so far").
_DENIALS = ("no", "not", "never", "without", "any", "zero")
_NOT_DENIED = "".join(rf"(?<!\b{w} )" for w in _DENIALS)

# The problem states, each alternative from a word boundary. The first is a failure ("won't load",
# "doesn't even open", "stopped syncing", "unable to save"); the third the words a denial cancels.
_STATES = (
    r"(won'?t|doesn'?t|does not|isn'?t|is not|wasn'?t|didn'?t|not|no longer|stopped|stops|fails? to|failed to"
    r"|unable to)\s+(\w+\s+)?(work|working|works|load|loading|open|opening|sync|syncing|save|saving|respond"
    r"|responding|launch|launching)\b",
    r"keeps? (crashing|freezing|logging|asking|deleting|reverting|failing|closing|switching|loading)\b",
    r"(?P<deniable>broken|broke|buggy|bugs?|glitch\w*|crash\w*|freez\w*|frozen|unresponsive|unusable"
    r"|error( message)?s?)\b",
    r"(deleted|disappeared|vanished|wiped|lost (all|my|some|most|half)|missing)\b",  # "lost" alone: "I'm lost"
    r"(since|after) (the|this|that|an|a) ?(latest |last |recent |new )?update\b",
    r"anymore\b",
    r"no longer\b",
    r"(charged|overcharged|refund|price (hike|increase)|cancel(l?ed|ling)? my subscription)\b",
    r"(banned|suspended|locked out)\b",
)

PROBLEM = re.compile("|".join(
    (rf"{_NOT_DENIED}\b{a}" if "deniable" in a else rf"\b{a}").replace("?P<deniable>", "") for a in _STATES
), re.IGNORECASE)
"""A problem state: the product failed, lost or took something (the readable definition;
``reports_a_problem`` finds the same in lower-case text, faster)."""

# The same alternatives without the word boundary in front, each searched alone: a pattern that starts
# with its words is scanned for them quickly, one that starts with a boundary or a look-behind, or an
# alternation of such patterns, is tried at every character (400 µs on a 1,000-character post against
# some 60). The boundary and the denial are checked per match.
_FAST = tuple((re.compile(a.replace("?P<deniable>", "")), "deniable" in a) for a in _STATES)
_DENIED = re.compile(rf"\b({'|'.join(_DENIALS)}) $")
_LONGEST_DENIAL = max(map(len, _DENIALS)) + 2  # the word, its space and one character before it


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # what ``\w`` matches


def reports_a_problem(text: str) -> bool:
    """The text names a problem state somewhere (``PROBLEM``, in lower case)."""
    low = text.lower()
    for pattern, deniable in _FAST:
        pos = 0
        while (m := pattern.search(low, pos)) is not None:
            start = m.start()
            if not (start and _word_char(low[start - 1])) and not (
                    deniable and _DENIED.search(low, max(0, start - _LONGEST_DENIAL), start)):
                return True
            pos = start + 1
    return False


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


def title_asks_how_to(text: str) -> bool:
    """The first line (a post's title; the whole text when it has no line break) asks how to do
    something, or for tips or tools, or shows something off, and names no problem state."""
    title = text.partition("\n")[0]
    return HOW_TO.search(title) is not None and not reports_a_problem(title)
