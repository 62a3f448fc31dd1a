"""Incidents: one story, many posts. What an incident remembers of its mentions and engagement.

An incident's state is a JSON document in the ``incidents`` table; everything here is a pure function
of that state, the new mention and the clock, so the daemon and replay decide alike. How alarming the
state is (score, tier, reasons) is ``monitor.incidents.assessment``'s business.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from monitor.config.durations import format_timestamp
from monitor.incidents.coefficients import ARRIVAL_BUCKET, BURST_WINDOWS, Baseline, K
from monitor.textsig import normalise

MAX_AUTHORS_KEPT = 300
MAX_TOPIC_WORDS = 24
MAX_FOLLOWED = 5  # posts whose engagement an incident follows
FOLLOW_FROM = 10  # engagement from which a post is followed (counted from nothing at its creation)
MAX_CHECKPOINTS = 30  # hourly notes of the brand's traffic and the story's people: a day and a bit
# Words too common in complaints to say what one is about (topic words are 5+ letters long).
_GENERIC = frozenset("""
about after again agent agents always anyone anything answer answers because before being better called
calling calls cannot cause change check could customer customers didn doesn email emails every first
fourth going great hello hours issue issues leave money months never nobody nothing other people phone
please really right second service since someone still support thank thanks their there these thing
things think third those times today tomorrow tried trying twice until waiting wants week weeks where
which while would write wrote yesterday years
znowu jeszcze dzisiaj teraz który tylko kiedy infolinia obsługa klienta pieniądze
fortfarande ingen igen idag kundtjänst gången pengarna
""".split())

MAX_HISTORY = 96
MAX_TOP = 5


class IncidentState(TypedDict):
    """What an incident remembers, stored as JSON in ``incidents.state`` exactly as these keys say.

    The keys ``new_state`` writes are always there; the others were added later and are missing from
    states stored before them (and from a state until the first mention that needs them), so they
    are read with ``.get`` or ``.setdefault``. Times are epoch seconds."""

    mentions: int  # the story's posts, not counting the brand's own
    complaints: int
    authors: list[str]  # the first MAX_AUTHORS_KEPT people, in order of arrival
    n_authors: int  # all people, also past MAX_AUTHORS_KEPT (and posts without an author)
    author_complaints: dict[str, int]  # episodes of complaint per person (repetition)
    author_last: dict[str, float]  # each complainant's latest complaint
    sources: list[str]  # platforms the story's posts came from, sorted
    cues: dict[str, int]  # escalation cue family -> posts carrying it
    engagement: int  # the story's total engagement, as last observed
    history: list[list[float]]  # [time, total engagement], in time order, the last MAX_HISTORY
    start: float  # the first post's creation
    max_followers: int
    max_mention_score: float
    max_complaint: float
    first_complaint_at: float | None
    brand_replied_at: float | None  # the brand's first post in the story
    articles: int  # news articles among its posts
    snapshots: int  # later observations of its posts that changed their engagement
    top: list[dict[str, Any]]  # the MAX_TOP most engaging posts (source, id, url, author, text, ...)
    tier: int  # the tier of the latest assessment
    post_engagement: dict[str, list[list[float]]]  # followed posts: "source:id" -> [time, engagement]
    # Written by the pipeline and the assessment:
    score: NotRequired[float]  # the latest assessment's score
    last_seen: NotRequired[float]  # when it was last assessed
    reasons: NotRequired[list[str]]  # an alerted incident's latest reasons, in words
    # Added after the first release: absent from older stored states.
    arrivals: NotRequired[list[list[float]]]  # [ten-minute bucket, people who joined in it]
    checkpoints: NotRequired[list[list[float]]]  # hourly [time, brand's running total, people]
    tied_sources: NotRequired[list[str]]  # platforms on which the story itself is told, sorted
    echoes: NotRequired[int]  # posts leaning to complaint, not sure enough alone, in a story with a complaint
    author_words: NotRequired[dict[str, list[str]]]  # each complainant's topic words so far
    top_repeat: NotRequired[list[Any]]  # [episodes, person] of the most repeated complainant
    surge: NotRequired[bool]  # the brand's surge incident (monitor/incidents/grouping.py)
    brand_at_start: NotRequired[int]  # the brand's running total of mentions before the story
    post_gain: NotRequired[float]  # the most engagement any followed post gained
    against: NotRequired[int]  # posts against the brand (complaints among them): a backlash's tone
    low_reviews: NotRequired[int]  # one- and two-star reviews (a review wave's)
    review_words: NotRequired[dict[str, int]]  # their commonest topic words, and how many mention each


MAX_REVIEW_WORDS = 50


@dataclass(slots=True)
class Incident:
    """An incident as a batch holds it: its row's columns and its state."""

    id: str
    brand: str
    first_seen: datetime
    state: IncidentState
    alerted_tier: int
    new: bool = False  # not written yet
    # When and against which baseline it was last assessed: its reasons are put in words from these
    # only when an alerted incident is written.
    assessed: tuple[datetime, Baseline] | None = None


@dataclass(slots=True)
class MentionFacts:
    """What the incident logic needs to know of one mention (not frozen: made for every mention,
    and a frozen dataclass takes seven times as long to build)."""

    source: str
    post_id: str
    kind: str
    url: str | None
    text: str
    author: str | None
    followers: int
    created_at: datetime
    engagement: int
    is_complaint: bool
    complaint: float
    sentiment: float
    cues: tuple[str, ...]
    score: float
    by_brand: bool
    against: bool = False  # against the brand: a complaint, negative about it, or threatening to leave
    rating: int | None = None  # a review's stars


def incident_id(brand: str, source: str, post_id: str) -> str:
    """Deterministic, so that replays of the same input name incidents alike."""
    digest = hashlib.blake2b(f"{brand}\0{source}\0{post_id}".encode(), digest_size=6).hexdigest()
    return f"inc-{digest}"


def new_state(first: MentionFacts) -> IncidentState:
    return {
        "mentions": 0, "complaints": 0, "authors": [], "n_authors": 0, "author_complaints": {},
        "author_last": {}, "sources": [], "cues": {}, "engagement": 0, "history": [],
        "start": first.created_at.timestamp(), "max_followers": 0, "max_mention_score": 0.0,
        "max_complaint": 0.0, "first_complaint_at": None, "brand_replied_at": None, "articles": 0,
        "snapshots": 0, "top": [], "tier": 0, "post_engagement": {},
    }


def add_mention(state: IncidentState, m: MentionFacts, repeat_gap: float = 6 * 3600.0, *,
                linked: bool = True, words: frozenset[str] = frozenset()) -> None:
    """Fold a new mention into the incident state.

    ``linked``: tied to the story by more than its author (a thread, a link, a number, its wording).
    ``words``: the post's topic words (``topic_words``). A complaint is one more episode of its
    author's story when linked, or when it shares a topic word with what the author said before (the
    suitcase, again): a regular who complains about something else each time is not repeating."""
    st = state
    at = m.created_at.timestamp()
    if m.by_brand:
        if st["brand_replied_at"] is None:
            st["brand_replied_at"] = at
        return
    st["mentions"] += 1
    if m.author and m.author not in st["authors"]:
        st["n_authors"] += 1
        _arrived(st, at)
        if len(st["authors"]) < MAX_AUTHORS_KEPT:
            st["authors"].append(m.author)
    elif not m.author:
        st["n_authors"] += 1
        _arrived(st, at)
    if m.source not in st["sources"]:
        st["sources"] = sorted([*st["sources"], m.source])
    if m.kind == "article":  # a news article (the news source's posts are articles)
        st["articles"] += 1
    if m.against:
        st["against"] = st.get("against", 0) + 1
    if m.is_complaint:
        st["complaints"] += 1
        if m.author:
            # Repetition counts episodes, not posts: a thread of four tweets in ten minutes is one
            # complaint; the same complaint again days later is the signal.
            counts, last = st["author_complaints"], st["author_last"]
            if m.author in counts or len(counts) < MAX_AUTHORS_KEPT:
                said = st.setdefault("author_words", {})
                before = said.get(m.author)
                on_topic = linked or m.author not in counts or (before is not None and not words.isdisjoint(before))
                repeated = m.author not in last or abs(at - last[m.author]) >= repeat_gap
                if words and (before is not None or len(said) < MAX_AUTHORS_KEPT):
                    new = words.difference(before) if before else words
                    if new:
                        said[m.author] = sorted(new.union(before or ()))[:MAX_TOPIC_WORDS]
                if repeated and on_topic:
                    n = counts[m.author] = counts.get(m.author, 0) + 1
                    best = st.get("top_repeat") or [0, ""]
                    if (n, m.author) > (best[0], best[1]):
                        st["top_repeat"] = [n, m.author]
                last[m.author] = max(at, last.get(m.author, at))
        if st["first_complaint_at"] is None:
            st["first_complaint_at"] = at
    elif st["first_complaint_at"] is not None and m.sentiment <= K.positive and (linked or m.complaint >= K.complaint_from):
        # The crowd's anger at a complaint's story ("fire that manager", "watch this before you go
        # there again") reads less like a complaint than the complaint itself, yet it is the storm:
        # a post that leans to complaint, or one that answers it or passes its link on, unless it
        # reads clearly positive.
        st["echoes"] = st.get("echoes", 0) + 1
    for cue in m.cues:
        st["cues"][cue] = st["cues"].get(cue, 0) + 1
    st["max_followers"] = max(st["max_followers"], m.followers)
    st["max_mention_score"] = max(st["max_mention_score"], round(m.score, 6))
    st["max_complaint"] = max(st["max_complaint"], round(m.complaint, 6))
    _remember_top(st, m, m.engagement)


def topic_words(text: str, drop: frozenset[str]) -> frozenset[str]:
    """The words that say what a post is about: 5+ letters, not the brand's, not generic."""
    return frozenset(w for w in normalise(text) if len(w) >= 5 and w.isalpha() and w not in drop and w not in _GENERIC)


def count_review_words(state: IncidentState, words: frozenset[str]) -> None:
    """Count a low-rated review's topic words: what most of a review wave mentions is its alert's
    headline ("most mention login"). The commonest words are kept, a bounded number of them."""
    state["low_reviews"] = state.get("low_reviews", 0) + 1
    counts: dict[str, int] = state.setdefault("review_words", {})
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    if len(counts) > 2 * MAX_REVIEW_WORDS:
        keep = sorted(counts, key=lambda w: (-counts[w], w))[:MAX_REVIEW_WORDS]
        state["review_words"] = {w: counts[w] for w in keep}


def checkpoint(state: IncidentState, at: datetime, brand_total: int) -> None:
    """Note, about hourly, the brand's running count of mentions and the story's people: the share of
    the brand's traffic a story drew over its last day is read from these."""
    cps = state.setdefault("checkpoints", [])
    t = at.timestamp()
    if cps and t - cps[-1][0] < 3600:
        return
    cps.append([t, brand_total, state["n_authors"]])
    if len(cps) > MAX_CHECKPOINTS:
        del cps[: len(cps) - MAX_CHECKPOINTS]


def follow_post(state: IncidentState, key: str, engagement: int, at: datetime, created: datetime) -> None:
    """Follow one post's engagement over time (the story's fastest posts, a few at most): velocity is a
    post's, not the sum of a crowd's. A post is followed once it has some engagement, counted from
    nothing at its creation (posts that never get much, most of them, cost nothing)."""
    if engagement < FOLLOW_FROM:
        return
    posts = state.setdefault("post_engagement", {})
    t = at.timestamp()
    hist = posts.get(key)
    if hist is None:
        if len(posts) >= MAX_FOLLOWED:
            weakest = min(posts, key=lambda k: (posts[k][-1][1], k))
            if posts[weakest][-1][1] >= engagement:
                return
            del posts[weakest]
        born = min(created.timestamp(), t)
        posts[key] = [[born, 0], [t, engagement]] if born < t else [[t, engagement]]
        if engagement > state.get("post_gain", 0):
            state["post_gain"] = engagement
        return
    if t < hist[-1][0]:
        return  # an older snapshot arriving late changes nothing
    if t == hist[-1][0]:
        hist[-1][1] = engagement
    else:
        hist.append([t, engagement])
    while len(hist) > 2 and hist[1][0] < t - 3 * 3600:  # two hours back and a bit is all velocity reads
        del hist[0]
    gain = engagement - hist[0][1]
    if gain > state.get("post_gain", 0):  # the most any followed post gained: velocity is read only above it
        state["post_gain"] = gain


def _arrived(st: IncidentState, at: float) -> None:
    """Count a new person in the story, in ten-minute buckets kept as long as a burst window."""
    bucket = at - at % ARRIVAL_BUCKET
    arrivals = st.setdefault("arrivals", [])
    for entry in reversed(arrivals):  # posts arrive nearly in order: the bucket is near the end
        if entry[0] == bucket:
            entry[1] += 1
            break
        if entry[0] < bucket:
            arrivals.append([bucket, 1])
            arrivals.sort()
            break
    else:
        arrivals.insert(0, [bucket, 1])
    horizon = arrivals[-1][0] - max(BURST_WINDOWS) - ARRIVAL_BUCKET
    while arrivals and arrivals[0][0] < horizon:
        del arrivals[0]


def _remember_top(st: IncidentState, m: MentionFacts, engagement: int) -> None:
    top = st["top"]
    if len(top) >= MAX_TOP and not any(t["id"] == m.post_id and t["source"] == m.source for t in top):
        last = top[-1]
        if (-engagement, -round(m.score, 4)) > (-last["engagement"], -last["score"]):
            return  # it would sort after the last of a full list: nothing changes
    top = [t for t in top if not (t["source"] == m.source and t["id"] == m.post_id)]
    top.append({"source": m.source, "id": m.post_id, "url": m.url, "author": m.author,
                "text": m.text[:500], "engagement": engagement, "score": round(m.score, 4),
                "cues": list(m.cues), "at": format_timestamp(m.created_at)})
    top.sort(key=lambda t: (-t["engagement"], -t["score"], t["at"], t["id"]))
    st["top"] = top[:MAX_TOP]


def add_engagement(state: IncidentState, delta: int, at: datetime, *, snapshot: bool,
                   m: MentionFacts | None = None) -> None:
    """Record a change of total engagement (a new mention's first count, or a later snapshot)."""
    state["engagement"] = max(0, state["engagement"] + delta)
    if snapshot:
        state["snapshots"] += 1
    hist = state["history"]
    # Kept in time order (a late snapshot counts at the latest time known), so it can be bisected.
    stamp = max(at.timestamp(), hist[-1][0]) if hist else at.timestamp()
    if hist and hist[-1][0] == stamp:
        hist[-1][1] = state["engagement"]
    else:
        hist.append([stamp, state["engagement"]])
    if len(hist) > MAX_HISTORY:
        del hist[: len(hist) - MAX_HISTORY]
    if m is not None and snapshot:
        for t in state["top"]:
            if t["source"] == m.source and t["id"] == m.post_id:
                t["engagement"] = m.engagement
        if m.engagement > 0 and not m.by_brand:
            _remember_top(state, m, m.engagement)
