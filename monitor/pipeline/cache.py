"""The write-back cache of a single writer: mentions and incidents kept in memory between batches.

A single writer (a replay into its own database) may keep what it wrote in memory between batches;
the daemon may not, since other replicas can write the same database. A scratch database (replay's)
may even hold what a batch changed back until it leaves memory or ``Pipeline.finish``: a post
re-observed every few minutes, or an incident a story keeps touching, is then written once, not once
a batch.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from monitor.incidents.pulse import Pulse
from monitor.incidents.state import Incident
from monitor.storage import schema as s
from monitor.storage.store import Store

if TYPE_CHECKING:
    from monitor.pipeline.batch import Batch

MentionKey = tuple[str, str]  # (source, post id)
MentionRow = dict[str, Any]  # a ``mentions`` row as the batch reads and writes it


@dataclass
class Held:
    """What a write-back cache let go of, to write."""

    new_mentions: list[MentionRow] = field(default_factory=list)
    changed_mentions: list[MentionRow] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.new_mentions or self.changed_mentions or self.incidents)


class Cache:
    """Mentions and incidents a single writer already holds, bounded (least recently used go).

    With ``write_back`` (a scratch database) what a batch changed is written only when it leaves the
    cache or at ``Pipeline.finish``.
    """

    def __init__(self, store: Store, write_back: bool, max_mentions: int, max_incidents: int):
        self.max_mentions, self.max_incidents = max_mentions, max_incidents
        self.mentions: OrderedDict[MentionKey, MentionRow] = OrderedDict()
        self.incidents: OrderedDict[str, Incident] = OrderedDict()
        self.write_back = write_back
        self.unwritten: set[MentionKey] = set()  # mentions not inserted yet (write-back)
        self.changed: set[MentionKey] = set()  # mentions changed since they were written
        self.dirty: set[str] = set()  # incidents changed since they were written
        self.pulses: dict[str, Pulse] = {}  # brands' pulses as the last batch left them
        # Every mention key stored, hashed to keep it small: a key not in here is not stored (a
        # colliding hash only costs a lookup that finds nothing).
        with store.begin() as conn:
            self.known = {hash((r[0], r[1])) for r in conn.execute(select(s.mentions.c.source, s.mentions.c.post_id))}

    def has(self, key: MentionKey) -> bool:
        """Whether the database may hold this mention."""
        return hash(key) in self.known

    def keep(self, batch: Batch) -> Held:
        """Remember a committed batch; returns what the write-back held and has let go of."""
        for key, row in batch.mentions.items():
            self.known.add(hash(key))
            self.mentions[key] = row
            self.mentions.move_to_end(key)
        for inc_id, inc in batch.incidents.items():
            self.incidents[inc_id] = inc
            self.incidents.move_to_end(inc_id)
        self.pulses.update(batch.pulses)
        if self.write_back:
            self.unwritten |= batch.new_keys
            self.changed |= batch.changed.keys()
            self.dirty |= batch.touched
        held = Held()
        while len(self.mentions) > self.max_mentions:
            self._let_go_mention(*self.mentions.popitem(last=False), held)
        while len(self.incidents) > self.max_incidents:
            inc_id, inc = self.incidents.popitem(last=False)
            if inc_id in self.dirty:
                self.dirty.discard(inc_id)
                held.incidents.append(inc)
        return held

    def _let_go_mention(self, key: MentionKey, row: MentionRow, held: Held) -> None:
        if key in self.unwritten:
            self.unwritten.discard(key)
            self.changed.discard(key)
            held.new_mentions.append(row)
        elif key in self.changed:
            self.changed.discard(key)
            held.changed_mentions.append(row)

    def everything_held(self) -> Held:
        held = Held()
        for key in sorted(self.unwritten | self.changed):
            self._let_go_mention(key, self.mentions[key], held)
        held.incidents = [self.incidents[i] for i in sorted(self.dirty)]
        self.dirty.clear()
        return held
