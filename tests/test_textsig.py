"""Story keys and near-duplicate signatures: what they find, and that their shortcuts change nothing."""

from __future__ import annotations

import re
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import textsig
from monitor.textsig import distinctive_numbers, normalise, signature, urls


def test_amounts_and_order_numbers_name_the_story() -> None:
    assert distinctive_numbers("Charged $7,455 to ship $88.77 of toilet paper") == ["7455", "88.77"]
    assert distinctive_numbers("order #12345678 still missing, paid €1.299,00") == ["12345678", "1299"]
    assert distinctive_numbers("waited 45 minutes, $20 back") == []


def test_links_are_normalised() -> None:
    assert urls("see https://www.Example.com/story?id=1). and WWW.news.example/x,") == [
        "example.com/story?id=1", "news.example/x"]
    assert urls("no link here, just www and http") == []


def test_retweets_mentions_and_links_are_not_words() -> None:
    assert normalise("RT @acme: Lost my bag #fail https://t.co/abc @support") == ["lost", "my", "bag"]


def test_near_duplicates_share_most_of_their_signature() -> None:
    a = signature("Acme lost my bag and support keeps me on hold for 45 minutes", frozenset({"acme"}))
    b = signature("Ugh, Acme lost my bag and support keeps me on hold for 45 minutes!!", frozenset({"acme"}))
    c = signature("Acme delivered my sofa a day early, a nice surprise for the family", frozenset({"acme"}))
    assert len(a) == textsig.SIGNATURE_SIZE
    assert len(set(a) & set(b)) >= 6
    assert len(set(a) & set(c)) <= 1
    assert signature("Acme sucks") == []


# The definitions without the cheap pre-checks the module runs first.
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


def plain_urls(text: str) -> list[str]:
    out = []
    for u in _URL.findall(text):
        u = re.sub(r"^www\.", "", re.sub(r"^https?://", "", u.rstrip(".,;:!?)]}'\"").lower()))
        if len(u) > 8:
            out.append(u[:250])
    return out


def plain_normalise(text: str) -> list[str]:
    text = re.sub(r"[@#]\w+", " ", _URL.sub(" ", textsig._RT.sub("", text[:5000])))
    return re.findall(r"\w+", text.lower())


def plain_signature(text: str, drop: frozenset[str]) -> list[int]:
    words = [w for w in plain_normalise(text) if w not in drop]
    n = 3 if len(words) >= 8 else 2
    if len(words) < 4:
        return []
    shingles = {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}
    return sorted({zlib.crc32(s.encode("utf-8")) for s in shingles})[:textsig.SIGNATURE_SIZE]


def plain_numbers(text: str) -> list[str]:
    out = []
    for m in textsig._AMOUNT.finditer(text[:5000]):
        if m.group(3):
            out.append(m.group(3))
            continue
        whole, cents = re.sub(r"[,.\s]", "", m.group(1)), m.group(2)
        if cents and cents != "00":
            out.append(f"{whole}.{cents}")
        elif len(whole) >= 4:
            out.append(whole)
    return sorted(set(out))


fragments = st.sampled_from(["http://", "HTTPS://", "Www.", "www.", "://", ".com/a", "$", "€", "£", "1,234",
                             ".56", "1234567", "#987654", "٣٤٥٦٧٨", "@user", "#tag", "rt @x:", " ", "acme", "İ",
                             "lost", "my", "bag", "😡", "ß", "0", "99"])
posts = st.lists(fragments | st.text(max_size=6), max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(posts)
def test_shortcuts_give_the_same_answers(text: str) -> None:
    assert urls(text) == plain_urls(text)
    assert normalise(text) == plain_normalise(text)
    assert distinctive_numbers(text) == plain_numbers(text)
    assert signature(text, frozenset({"acme"})) == plain_signature(text, frozenset({"acme"}))
