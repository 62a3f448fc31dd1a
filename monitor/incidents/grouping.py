"""Grouping: which open incident a new post joins, or whether it opens one.

A post finds its story through what ties it to one: the thread it answers (the strongest tie, whether
or not we ever stored the post the thread hangs from), the links, order numbers and author it shares
with the story's earlier posts, its wording (near-duplicate signatures, ``monitor.textsig``), and,
while its brand surges or is in a backlash, the storm itself. Each such key is a row of
``incident_keys``, (brand, key) -> the incident and when the key was last seen: a batch reads the keys
its posts carry ahead (``monitor/pipeline/prefetch.py``), holds them in a ``KeyTable`` and writes back
the ones it changed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.incidents.drivers import backlashing, reviewing, surging
from monitor.incidents.pulse import Pulse
from monitor.incidents.state import Incident, MentionFacts, incident_id, new_state
from monitor.models import LOW_STARS, Observation
from monitor.textsig import distinctive_numbers, urls
from sources import post_link  # the registry: which links are a platform's posts

SURGE_KEY = "surge"  # the incident key of a brand's current storm, surge or backlash (monitor/incidents/pulse.py)
# A storm's incident stays open this long after its last post: a storm that flares up again the next
# day (the evening news, another country waking up) is the same storm, told in the same thread.
SURGE_HOLD = 24 * 3600.0
SURGE_STICKY = 3600.0  # posts join the storm this long after the brand last looked stormy
SURGE_WEIGHT = 3.5  # above look-alike wording, below a thread or a shared link
PARENT_WEIGHT = 10  # a reply or quote of a post in the story: the strongest tie
STORY_KEYS = ("thread:", "url:", "num:")  # what ties a post to a story itself, not to its author or wording
MAX_KEY = 200  # longer keys are hashed (the column holds 300 characters)


@dataclass(slots=True)
class KeySlot:
    """One (brand, key) of ``incident_keys``: the incident it leads to, when it was last seen, and
    whether the database holds the row already (an update) or not (an insert)."""

    incident: str
    last_seen: datetime
    stored: bool


KeyTable = dict[tuple[str, str], KeySlot]
"""(brand, key) -> its slot: the keys a batch read ahead, and those it added."""


@dataclass(slots=True)
class Pending:
    """An observation with what the batch derived from it before touching the database."""

    obs: Observation
    brand: str
    parents: tuple[str, ...]  # the posts it answers or quotes, and its conversation
    # Only for a post new to us: its identifying keys with the weight of a match, and its wording.
    keys: dict[str, float] = field(default_factory=dict)
    sigs: list[str] = field(default_factory=list)


def candidate_keys(obs: Observation) -> dict[str, float]:
    """Keys that identify a story, through which this post may find its incident, with the weight of
    a match (its wording is compared apart: see ``signature``)."""
    keys: dict[str, float] = {}
    for u in urls(obs.text):
        if obs.url is None or u not in obs.url.lower():
            keys[f"url:{u}"] = 4
            linked = post_link(u)
            if linked:  # a quote of a post, or a link to one: its thread, wherever it is
                keys[thread_key(*linked)] = PARENT_WEIGHT
    for u in urls(obs.url or ""):  # the post's own address: what an article or a quote links to
        keys[f"url:{u}"] = 4
    # Its thread: the posts it answers and its conversation, found through one another even when the
    # post they hang from was never stored (a search returns the replies, not the post they answer),
    # and its own id, through which that post, if it comes later, finds its replies' story.
    for post in {obs.id, obs.in_reply_to, obs.conversation_id}:
        if post:
            keys[thread_key(obs.source, post)] = PARENT_WEIGHT
    for n in distinctive_numbers(obs.text):
        keys[f"num:{n}"] = 3
    author = obs.author.handle or obs.author.id
    if author:
        keys[_fit(f"author:{obs.source}:{author.lower()}")] = 3
    return keys


def thread_key(source: str, post: str) -> str:
    return _fit(f"thread:{source}:{post}")


def _fit(key: str) -> str:
    """A key as stored: identifiers may be long (a Mastodon account on a long domain), the column not."""
    if len(key) <= MAX_KEY:
        return key
    return key[:40] + "#" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


class Grouping:
    """The key table of one batch and the rule that joins a post to its incident."""

    def __init__(self, window: timedelta, repeat_window: timedelta):
        self.window = window  # how long look-alike wording keeps a story open
        self.repeat_window = repeat_window  # how long a story's own identifiers keep it open
        self.keys: KeyTable = {}
        self.dirty: set[tuple[str, str]] = set()  # keys this batch changed

    def attach(self, item: Pending, facts: MentionFacts, mentions: Mapping[tuple[str, str], dict[str, Any]],
               pulse: Pulse, find: Callable[[str], Incident | None]) -> tuple[Incident | None, bool, bool]:
        """Join the single best-matching open incident, or open a new one (complaints and cues only).

        Returns the incident (None: the post joins none), whether the post is tied to it by more than
        its author (a thread, a link, a number, its wording: only such a post is one more episode of
        the same complaint), and whether the post opened it. ``mentions`` holds the posts the batch
        knows (for the thread), ``pulse`` the brand's, ``find`` an incident by id."""
        obs, brand = item.obs, item.brand
        keys = item.keys
        if not facts.is_complaint:  # only a complaint's author is a lead to their earlier complaints
            keys = {k: v for k, v in keys.items() if not k.startswith("author:")}
        named = [(brand, key) for key in (*keys, *item.sigs)]  # its identifiers, then its wording
        slots = [self.keys.get(bk) for bk in named]
        # The incidents this post shares a thread, link or number with, and the votes of each.
        votes, parents_or_ids = _thread_votes(item, mentions)
        self._identifier_votes(obs.observed_at, keys, slots, votes, parents_or_ids)
        worded = self._wording_votes(obs.observed_at, len(item.sigs), slots[len(keys):], votes)
        in_surge, surge_slot = self._storm_vote(item, facts, pulse, votes, parents_or_ids)
        inc: Incident | None = None
        opened = False  # this post opens its incident
        if votes:
            best = max(votes, key=lambda i: (votes[i], i))
            inc = find(best)
        if inc is None:
            if facts.by_brand or not (facts.is_complaint or facts.cues or in_surge):
                return None, False, False
            state = new_state(facts)
            state["brand_at_start"] = pulse.total - 1  # the brand's traffic before it
            inc = Incident(incident_id(brand, obs.source, obs.id), brand, obs.created_at, state, 0, new=True)
            opened = True
        at = obs.observed_at
        self._register_keys(named, slots, inc.id, at, storm=in_surge or bool(inc.state.get("surge")))
        if in_surge and (surge_slot is None or surge_slot.incident == inc.id or opened):
            self._register((brand, SURGE_KEY), surge_slot, inc.id, at)
            inc.state["surge"] = True
        if (opened or inc.id in parents_or_ids) and not facts.by_brand:
            # A platform on which the story itself is told (not merely something worded alike).
            tied = inc.state.setdefault("tied_sources", [])
            if obs.source not in tied:
                tied.append(obs.source)
                tied.sort()
        return inc, (opened or inc.id in parents_or_ids or inc.id in worded), opened

    def _identifier_votes(self, observed_at: datetime, keys: Mapping[str, float], slots: list[KeySlot | None],
                          votes: dict[str, float], parents_or_ids: set[str]) -> None:
        """A story's own identifiers (its author, its numbers, its links) keep it open for weeks;
        look-alike wording only for the short window."""
        since = observed_at - self.repeat_window
        author_keys = [k.startswith("author:") for k in keys]
        for slot, weight, by_author in zip(slots, keys.values(), author_keys, strict=False):
            if slot is not None and slot.last_seen >= since:
                votes[slot.incident] = votes.get(slot.incident, 0) + weight
                if not by_author:
                    parents_or_ids.add(slot.incident)

    def _wording_votes(self, observed_at: datetime, n_sig: int, sig_slots: list[KeySlot | None],
                       votes: dict[str, float]) -> set[str]:
        """Votes for the incidents whose recent posts this one is worded like; returns those incidents."""
        since = observed_at - self.window
        worded: set[str] = set()  # incidents whose posts this one is worded like
        sig_hits: dict[str, int] = {}
        for slot in sig_slots:
            if slot is not None and slot.last_seen >= since:
                sig_hits[slot.incident] = sig_hits.get(slot.incident, 0) + 1
        need = max(4, math.ceil(0.6 * n_sig))
        for inc_id, hits in sig_hits.items():
            if hits >= need:
                votes[inc_id] = votes.get(inc_id, 0) + 2 + hits / n_sig
                worded.add(inc_id)
        return worded

    def _storm_vote(self, item: Pending, facts: MentionFacts, pulse: Pulse, votes: dict[str, float],
                    parents_or_ids: set[str]) -> tuple[bool, KeySlot | None]:
        """Many people complaining at once in their own words (an outage), or against the brand at once
        (a backlash), or many low ratings at once (a review wave): while the brand surges, a complaint
        that no thread, link or number ties to a story joins the storm's incident; while it is in a
        backlash, any post against it does; in a review wave, any low-rated review. A post in
        someone's thread does not: the thread is its story, even before the thread has one.

        Returns whether the post is in the storm (a post worded like a story still joins the storm:
        storms repeat words) and the storm's key slot."""
        if not (facts.is_complaint or facts.against) or facts.by_brand:
            return False, None
        obs = item.obs
        at_ts = obs.created_at.timestamp()
        if facts.is_complaint and surging(pulse, at_ts):
            pulse.surge = max(pulse.surge, at_ts)
            pulse.mark_stormy(at_ts)
        if backlashing(pulse, at_ts):
            pulse.backlash = max(pulse.backlash, at_ts)
            pulse.mark_stormy(at_ts)
        low = facts.rating is not None and facts.rating <= LOW_STARS
        if low and reviewing(pulse, at_ts):
            pulse.wave = max(pulse.wave, at_ts)
            pulse.mark_stormy(at_ts)
        own = thread_key(obs.source, obs.id)
        in_thread = any(k.startswith("thread:") and k != own for k in item.keys)
        # A storm ebbs out, it does not stop at once.
        stormy = (pulse.backlash >= at_ts - SURGE_STICKY or (facts.is_complaint and pulse.surge >= at_ts - SURGE_STICKY)
                  or (low and pulse.wave >= at_ts - SURGE_STICKY))
        if not stormy or parents_or_ids or in_thread:
            return False, None
        surge_slot = self.keys.get((item.brand, SURGE_KEY))
        if surge_slot is not None and surge_slot.last_seen >= obs.observed_at - timedelta(seconds=SURGE_HOLD):
            votes[surge_slot.incident] = votes.get(surge_slot.incident, 0) + SURGE_WEIGHT
        else:
            # A new surge opens its own incident, rather than joining an old topic it is
            # worded like: its alert then shows the surge's posts, not last week's.
            votes.clear()
        return True, surge_slot

    def _register_keys(self, named: list[tuple[str, str]], slots: list[KeySlot | None], inc_id: str,
                       at: datetime, *, storm: bool) -> None:
        """Register this mention's keys so that the next post finds the incident. A storm's incident
        keeps only its posts' threads, links and numbers: their authors and wordings are the brand's
        everyday ones, and would make it the home of every later complaint worded alike."""
        table = self.keys
        for bk, slot in zip(named, slots, strict=True):
            if storm and not bk[1].startswith(STORY_KEYS):
                continue
            if slot is None:
                table[bk] = KeySlot(inc_id, at, False)
            else:
                slot.incident = inc_id
                if at > slot.last_seen:
                    slot.last_seen = at
            self.dirty.add(bk)

    def _register(self, bk: tuple[str, str], slot: KeySlot | None, inc_id: str, at: datetime) -> None:
        if slot is None:
            self.keys[bk] = KeySlot(inc_id, at, False)
        else:
            slot.incident = inc_id
            if at > slot.last_seen:
                slot.last_seen = at
        self.dirty.add(bk)


def _thread_votes(item: Pending, mentions: Mapping[tuple[str, str], dict[str, Any]]) -> tuple[dict[str, float], set[str]]:
    """Votes for the incidents of the post's reply/quote chain or conversation, the strongest link, and
    those incidents."""
    votes: dict[str, float] = {}
    parents_or_ids: set[str] = set()
    for parent in item.parents:
        r = mentions.get((item.obs.source, parent))
        if r and r["incident_id"]:
            votes[r["incident_id"]] = votes.get(r["incident_id"], 0) + PARENT_WEIGHT
            parents_or_ids.add(r["incident_id"])
    return votes, parents_or_ids
