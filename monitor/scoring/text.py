"""Text clean-up and tokenisation shared by language detection, sentiment, cues and the complaint model."""

from __future__ import annotations

import re

MAX_CHARS = 10_000
"""Only the first MAX_CHARS characters of a mention are analysed (a multi-megabyte post is cut)."""

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MASK = re.compile(r"((?:https?://|www\.)\S+)|((?<![\w@])@\w+)|(?<![\w#])#(\w+)", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_LANGID_NOISE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@#])[@#]\w+|\s+", re.IGNORECASE)
# Words (letters, with inner apostrophes), digit runs, and the punctuation the rules care about.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[.!?;,]")
_EMOTICON = re.compile(
    r"(?:(?<=\s)|^)(?:[:;=8][\-'’o^]?[()\[\]dDpP/\\|*@$3]|[()\[\]/\\|][\-'’o^]?[:;=8]|<3|</3|[xX][dD]"
    r"|[:;]['’]\(|\^_?\^|[-T]_[-T]|[oO0]_[oO0])(?=\s|$|[.!?,])"
)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u203c\u2049\u2639\u263a\u2620]")


def clean(text: object) -> str:
    """A safe, bounded ``str``: cut to MAX_CHARS, lone surrogates replaced."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def strip_for_langid(text: str) -> str:
    """Remove URLs, @handles and hashtags: they mislead language identification on short texts."""
    return _LANGID_NOISE.sub(" ", text).strip()


def _placeholder(m: re.Match[str]) -> str:
    if m.group(1):
        return " http "
    if m.group(2):
        return " @user "
    return " " + m.group(3) + " "


def mask(text: str) -> str:
    """URLs and handles replaced by placeholders, hashtags turned into words, ’ made '."""
    if "’" in text:
        text = text.replace("’", "'")
    return _MASK.sub(_placeholder, text)


_ENGLISH = frozenset(
    "the and you your my for of to this that with have has been just what they why thanks thank "
    "please are it is our i'm don't can't it's its from about would get got any how when yet "
    "still be not can all if or out now there their who which could should hours customer service "
    "help waiting time today again never ever over want need know like one we at up had did "
    "didn't won't isn't doesn't i've i'll you're there's he she his her them were only really "
    "back after because well us going gonna".split()
)


def looks_english(low: list[str]) -> bool:
    """Cheap pre-check: enough distinctly English function words to skip language identification."""
    n = hits = 0
    for w in low:
        if w[0].isalpha() and w != "user" and w != "http":
            n += 1
            if w in _ENGLISH:
                hits += 1
    return hits >= 2 and hits * 4 >= n


def tokens(masked: str) -> list[str]:
    """Tokens of a masked text, original case kept (caps emphasis needs it)."""
    return _TOKEN.findall(masked)


def emoticons(text: str) -> list[str]:
    return _EMOTICON.findall(text)


def emoji(text: str) -> list[str]:
    return _EMOJI.findall(text)
