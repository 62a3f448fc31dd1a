"""Text clean-up and tokenisation shared by language detection, sentiment, cues and the complaint model."""

from __future__ import annotations

import re

MAX_CHARS = 10_000
"""Only the first MAX_CHARS characters of a mention are analysed (a multi-megabyte post is cut)."""

# Each pattern starts with a literal (or a small class) and checks what precedes it afterwards, so
# the regex engine can jump to candidate positions instead of trying every position.
_URL = re.compile(r"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.)\S+")
_HANDLE = re.compile(r"@(?<![\w@]@)\w+")
_HASHTAG = re.compile(r"#(?<![\w#]#)(\w+)")
_TAG = re.compile(r"[@#](?<![\w@#][@#])\w+")
# Words (letters, with inner apostrophes), digit runs, and the punctuation the rules care about.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[.!?;,]")
# The same for ASCII text (most tweets), where simple character classes are faster to test:
# ``[A-Za-z]+(?:'[A-Za-z]+)*|[0-9]+|[.!?;,]`` written to start with one character class (then what
# follows a letter, a digit or a mark), so that the regex engine skips from one such character to the
# next instead of trying the three alternatives at every space.
_TOKEN_ASCII = re.compile(r"[A-Za-z0-9.!?;,](?:(?<=[A-Za-z])[A-Za-z]*(?:'[A-Za-z]+)*|(?<=[0-9])[0-9]*|)")
# The lookahead on the possible first characters lets the regex engine skip ahead to them.
_EMOTICON = re.compile(
    r"(?=[:;=8()\[\]/\\|<xX^\-ToO0])(?<!\S)"
    r"(?:[:;=8][\-'’o^]?[()\[\]dDpP/\\|*@$3]|[()\[\]/\\|][\-'’o^]?[:;=8]|<3|</3|[xX][dD]"
    r"|[:;]['’]\(|\^_?\^|[-T]_[-T]|[oO0]_[oO0])(?=\s|$|[.!?,])"
)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u203c\u2049\u2639\u263a\u2620]")


def clean(text: object) -> str:
    """A safe, bounded ``str``: cut to MAX_CHARS, lone surrogates replaced."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    if text.isascii():  # no surrogate: skip the trial encoding (a copy of the whole text)
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def strip_for_langid(text: str) -> str:
    """Remove URLs, @handles and hashtags: they mislead language identification on short texts.

    Whitespace runs become one space."""
    if "://" in text or "ww." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text or "#" in text:
        text = _TAG.sub(" ", text)
    return " ".join(text.split())


def mask(text: str) -> str:
    """URLs and handles replaced by placeholders, hashtags turned into words, ’ made '."""
    if "’" in text:
        text = text.replace("’", "'")
    if "://" in text or "ww." in text.lower():
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _HANDLE.sub(" @user ", text)
    if "#" in text:
        text = _HASHTAG.sub(r" \1 ", text)
    return text


_ENGLISH = frozenset(
    "the and you your my for of to this that with have has been just what they why thanks thank "
    "please are it is our i'm don't can't it's its from about would get got any how when yet "
    "still be not can all if or out now there their who which could should hours customer service "
    "help waiting time today again never ever over want need know like one we at up had did "
    "didn't won't isn't doesn't i've i'll you're there's he she his her them were only really "
    "back after because well us going gonna but thx very much some good great love amazing awesome worst best "
    "then new late trying made make take tomorrow tonight yesterday home guys ur dont cant phone call "
    "flight flights plane airport luggage baggage delay delayed cancelled refund".split()
)


_IS_ENGLISH = _ENGLISH.__contains__


def looks_english(low: list[str]) -> bool:
    """Cheap pre-check: enough distinctly English function words to skip language identification.

    At least two of them making at least a quarter of the words, or nothing but such words ("Thanks!");
    placeholders, numbers and punctuation are not counted as words."""
    hits = sum(map(_IS_ENGLISH, low))
    if hits == 0:
        return False
    if hits >= 2 and hits * 4 >= len(low):
        return True
    n = sum(1 for w in low if w[0].isalpha() and w != "user" and w != "http")
    return hits == n or (hits >= 2 and hits * 4 >= n)


def tokens(masked: str) -> list[str]:
    """Tokens of a masked text, original case kept (caps emphasis needs it)."""
    if masked.isascii():
        return _TOKEN_ASCII.findall(masked)
    return _TOKEN.findall(masked)


def emoticons(text: str) -> list[str]:
    return _EMOTICON.findall(text)


def emoji(text: str) -> list[str]:
    return _EMOJI.findall(text)
