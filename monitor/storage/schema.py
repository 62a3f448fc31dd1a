"""Database schema (SQLAlchemy Core). Changes go through a migration in monitor/migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

from monitor.sanitize import HANDLE_LIMIT, ID_LIMIT, SOURCE_LIMIT


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (portable across SQLite and PostgreSQL), returned as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


metadata = MetaData()


# Columns several tables have, made by one function each so that their types agree (a Column object
# belongs to one table); ``how`` is the rest of the column (``primary_key=True``, ``nullable=False``).
# Widths are those monitor/sanitize.py fits values to.
def _serial_id() -> Column[Any]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _source(**how: Any) -> Column[Any]:
    return Column("source", String(SOURCE_LIMIT), **how)


def _post_key(**how: Any) -> tuple[Column[Any], Column[Any]]:
    """A post's source and id."""
    return _source(**how), Column("post_id", String(ID_LIMIT), **how)


def _payload() -> Column[Any]:
    """A post as a source saw it (``monitor.jsonl``'s observation record)."""
    return Column("payload", JSON, nullable=False)


def _brand(**how: Any) -> Column[Any]:
    return Column("brand", String(HANDLE_LIMIT), **how)


def _incident_id(**how: Any) -> Column[Any]:
    return Column("incident_id", String(64), **how)


observations = Table(
    "observations", metadata,
    _serial_id(),
    *_post_key(nullable=False),
    _brand(),
    Column("created_at", UTCDateTime, nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    _payload(),
    Index("ix_observations_observed_at", "observed_at"),
    Index("ix_observations_post", "source", "post_id"),
)

mentions = Table(
    "mentions", metadata,
    *_post_key(primary_key=True),
    _brand(nullable=False),
    Column("kind", String(16), nullable=False),
    Column("url", Text),
    Column("text", Text, nullable=False),
    Column("author_id", String(128)),
    Column("author_handle", String(200)),
    Column("followers", BigInteger),  # 64-bit: counts up to monitor.sanitize.MAX_COUNT (migration 0002)
    Column("created_at", UTCDateTime, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_observed_at", UTCDateTime, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("engagement", BigInteger, nullable=False, default=0),
    Column("in_reply_to", String(128)),
    Column("conversation_id", String(128)),
    Column("by_brand", Boolean, nullable=False, default=False),
    Column("lang", String(16)),
    Column("sentiment", Float),
    Column("complaint", Float),
    Column("is_complaint", Boolean),
    Column("cues", JSON),
    Column("score", Float),
    _incident_id(),
    Index("ix_mentions_brand_created", "brand", "created_at"),
    Index("ix_mentions_last_observed", "last_observed_at"),
    Index("ix_mentions_incident", "incident_id"),
)

# Posts the database refused (a value a column cannot hold, say), each set aside with its reason so
# that its batch's other posts are stored and its source goes on: kept for an operator to look at.
set_aside = Table(
    "set_aside", metadata,
    _serial_id(),
    *_post_key(nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    _payload(),
    Index("ix_set_aside_source", "source", "at"),
)

cursors = Table(
    "cursors", metadata,
    _source(primary_key=True),
    Column("cursor", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

incidents = Table(
    "incidents", metadata,
    Column("id", String(64), primary_key=True),
    _brand(nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("tier", Integer, nullable=False, default=0),
    Column("alerted_tier", Integer, nullable=False, default=0),
    Column("score", Float, nullable=False, default=0.0),
    Column("mentions", Integer, nullable=False, default=0),
    Column("authors", Integer, nullable=False, default=0),
    Column("brand_replied_at", UTCDateTime),
    Column("state", JSON, nullable=False),
    Index("ix_incidents_brand_last_seen", "brand", "last_seen"),
)

# An alert is written here in the same transaction as the decision, then delivered and marked sent.
outbox = Table(
    "outbox", metadata,
    _serial_id(),
    Column("dedup_key", String(200), nullable=False),
    _incident_id(nullable=False),
    Column("channel", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("event", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
    Column("failed_at", UTCDateTime),
    UniqueConstraint("dedup_key", name="uq_outbox_dedup"),
    Index("ix_outbox_pending", "sent_at", "failed_at", "id"),
)

# What a channel keeps per incident (e.g. Slack's message ts, to update in place and thread).
channel_state = Table(
    "channel_state", metadata,
    _incident_id(primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("state", JSON, nullable=False),
)

# Per-brand daily volume, the baseline against which an incident is judged. Engagement is counted as
# first seen, so a post going viral does not raise the "typical post" it is measured against.
brand_days = Table(
    "brand_days", metadata,
    _brand(primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("mentions", Integer, nullable=False, default=0),
    Column("complaints", Integer, nullable=False, default=0),
    Column("engagement", BigInteger, nullable=False, default=0),  # a day's sum: 32 bits do not hold it
    # The brand's own public answers that day: silence weighs only where a brand normally answers.
    Column("answers", Integer, nullable=False, default=0, server_default="0"),
)

# Per brand, its last hours of traffic (monitor/incidents/pulse.py): what bursts and surges are judged against.
brand_pulse = Table(
    "brand_pulse", metadata,
    _brand(primary_key=True),
    Column("state", JSON, nullable=False),
)

# Keys through which a new mention finds its incident: reply chain, shared URL, author, near-duplicate
# text signature. Kept in the database (not in memory) so that restarts and replicas agree.
incident_keys = Table(
    "incident_keys", metadata,
    _brand(primary_key=True),
    Column("key", String(300), primary_key=True),
    _incident_id(nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

# What people did with an incident from Slack (acknowledge, snooze, not a complaint): changes what the
# monitor sends next and is kept as feedback for replay and evaluation.
incident_actions = Table(
    "incident_actions", metadata,
    _serial_id(),
    _incident_id(nullable=False),
    Column("action", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("until", UTCDateTime),
    Column("user", String(200)),
    Column("detail", JSON),
    Index("ix_incident_actions_incident", "incident_id", "at"),
)

# An incident's score and tier over time, as the daemon assessed it (thinned: a point when the tier
# changes, the score moves by a hundredth, or an hour passed): the score chart of the incident pages.
incident_scores = Table(
    "incident_scores", metadata,
    _serial_id(),
    _incident_id(nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("score", Float, nullable=False),
    Column("tier", Integer, nullable=False),
    Index("ix_incident_scores_incident", "incident_id", "at"),
)

# Silences (Alertmanager's word): mute by brand, author or keyword for a time.
silences = Table(
    "silences", metadata,
    _serial_id(),
    Column("matcher", JSON, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(200)),
    Column("comment", Text),
)
