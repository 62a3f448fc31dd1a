"""Counts beyond 32 bits are stored on SQLite and PostgreSQL alike (migration 0002 widens old databases)."""

from __future__ import annotations

from sqlalchemy import select, text

from monitor.config.settings import parse_config
from monitor.models import Author, Metrics, Observation
from monitor.pipeline.factory import build_pipeline
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock

CONFIG = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n', env={}).config
BIG = 2**31  # one more than PostgreSQL's INTEGER holds


def big_posts(clock: FakeClock) -> list[Observation]:
    return [Observation("x", str(i), f"Acme Air lost my bag #{i}", clock(), clock(),
                        author=Author(handle=f"a{i}", followers=3 * BIG), metrics=Metrics(likes=BIG, reposts=BIG))
            for i in range(3)]


def stored(store: Store) -> tuple[list[tuple[int, int]], int]:
    with store.begin() as conn:
        rows = [tuple(r) for r in conn.execute(select(s.mentions.c.followers, s.mentions.c.engagement))]
        day = conn.execute(select(s.brand_days.c.engagement)).scalar_one()
    return rows, int(day)


def test_counts_beyond_32_bits_are_stored(db_url: str, scorer) -> None:
    clock = FakeClock()
    store = Store(db_url)
    build_pipeline(store, CONFIG, scorer, clock, channels=("console",)).process(big_posts(clock), source="x", cursor={})
    rows, day = stored(store)
    assert rows == [(3 * BIG, 2 * BIG)] * 3 and day == 6 * BIG
    store.close()


def test_migration_widens_an_old_postgresql_database(db_url: str, scorer) -> None:
    if not db_url.startswith("postgresql"):
        return  # SQLite's INTEGER is 64-bit already: nothing to migrate
    Store(db_url).close()
    old = Store(db_url, migrate=False)
    with old.begin() as conn:  # the schema as revision 0001 left it
        for table, column in (("mentions", "followers"), ("mentions", "engagement"), ("brand_days", "engagement")):
            conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    old.close()
    clock = FakeClock()
    store = Store(db_url)
    build_pipeline(store, CONFIG, scorer, clock, channels=("console",)).process(big_posts(clock), source="x", cursor={})
    assert stored(store)[1] == 6 * BIG
    store.close()
