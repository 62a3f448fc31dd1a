"""The bulk writer stores exactly what SQLAlchemy's own executemany stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, bindparam, insert, text, update

from monitor.storage import schema as s
from monitor.storage.bulk import insert_rows, update_rows
from monitor.storage.store import Store

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
CET = timezone(timedelta(hours=1))

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)
stamps = st.builds(lambda s, tz: (T0 + timedelta(seconds=s)).astimezone(tz),
                   st.integers(-10**8, 10**8), st.sampled_from([timezone.utc, CET]))
json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) | texts,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=8)


def mention(i: int, text_: str = "Acme lost my bag", at: datetime = T0, metrics: Any = None,
            cues: Any = None, followers: int | None = 10, flag: bool = False, score: float | None = 0.5) -> dict[str, Any]:
    return dict(source="x", post_id=str(i), brand="Acme", kind="post", url=None if i % 2 else f"https://x.com/{i}",
                text=text_, author_id=None, author_handle=f"user{i}", followers=followers, created_at=at,
                first_seen=at, last_observed_at=at + timedelta(minutes=5), metrics=metrics or {"likes": i},
                engagement=i, in_reply_to=None, conversation_id=None, by_brand=flag, lang="en",
                sentiment=-0.25, complaint=0.75, is_complaint=not flag, cues=cues, score=score, incident_id=None)


def stored(store: Store, table: str, order: str) -> list[tuple[Any, ...]]:
    """Rows as the database holds them (no SQLAlchemy types in the way)."""
    with store.begin() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]


def two_stores(url_a: str, url_b: str) -> tuple[Store, Store]:
    return Store(url_a, durable=False), Store(url_b, durable=False)


def test_inserted_mentions_are_stored_as_sqlalchemy_stores_them(tmp_path: Path) -> None:
    ours, theirs = two_stores(f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}")
    rows = [mention(1), mention(2, "Zażółć gęślą jaźń 😡 'quoted' ?", T0.astimezone(CET), {"likes": None}, ["refund"]),
            mention(3, cues=[], followers=None, flag=True, score=None)]
    with ours.begin() as conn:
        insert_rows(conn, s.mentions, rows)
    with theirs.begin() as conn:
        conn.execute(insert(s.mentions), rows)
    assert stored(ours, "mentions", "post_id") == stored(theirs, "mentions", "post_id")
    assert len(stored(ours, "mentions", "post_id")) == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(texts, stamps, json_values, json_values, st.booleans(),
                          st.none() | st.floats(allow_nan=False, allow_infinity=False)), min_size=1, max_size=5))
def test_any_values_are_stored_alike(tmp_path_factory: Any, values: list[tuple[Any, ...]]) -> None:
    d = tmp_path_factory.mktemp("bulk")
    ours, theirs = two_stores(f"sqlite:///{d / 'a.db'}", f"sqlite:///{d / 'b.db'}")
    rows = [mention(i, t, at, {"v": m}, c, flag=f, score=sc) for i, (t, at, m, c, f, sc) in enumerate(values)]
    changed = [dict(source=r["source"], post_id=r["post_id"], metrics=r["cues"], text=r["text"][::-1],
                    last_observed_at=r["created_at"] + timedelta(hours=1), engagement=r["engagement"] + 1)
               for r in rows[::2]]
    with ours.begin() as conn:
        insert_rows(conn, s.mentions, rows)
        update_rows(conn, s.mentions, ("source", "post_id"), changed)
    m = s.mentions
    with theirs.begin() as conn:
        conn.execute(insert(m), rows)
        conn.execute(update(m).where(and_(m.c.source == bindparam("k_s"), m.c.post_id == bindparam("k_p")))
                     .values(metrics=bindparam("v_m"), text=bindparam("v_t"), last_observed_at=bindparam("v_l"),
                             engagement=bindparam("v_e")),
                     [{"k_s": r["source"], "k_p": r["post_id"], "v_m": r["metrics"], "v_t": r["text"],
                       "v_l": r["last_observed_at"], "v_e": r["engagement"]} for r in changed])
    assert stored(ours, "mentions", "post_id") == stored(theirs, "mentions", "post_id")
    ours.close()
    theirs.close()


def test_updates_touch_only_the_rows_named(db_url: str) -> None:
    """Thousands of rows (written a thousand at a time); on PostgreSQL (named parameters) the same
    calls go through SQLAlchemy and mean the same."""
    store = Store(db_url)
    keys = [dict(brand="Acme", key=f"num:{i}", incident_id=f"inc-{i}", last_seen=T0) for i in range(2500)]
    later = T0 + timedelta(days=1)
    with store.begin() as conn:
        insert_rows(conn, s.incident_keys, keys)
        update_rows(conn, s.incident_keys, ("brand", "key"),
                    [dict(brand="Acme", key="num:3", incident_id="inc-9", last_seen=later),
                     dict(brand="Other", key="num:1", incident_id="inc-8", last_seen=T0),
                     *(dict(brand="Acme", key=f"num:{i}", incident_id="inc-x", last_seen=later)
                       for i in range(1000, 2200))])
    with store.begin() as conn:
        got = {r.key: (r.incident_id, r.last_seen) for r in conn.execute(s.incident_keys.select())}
    want = {f"num:{i}": (f"inc-{i}", T0) for i in range(2500)}
    want |= {"num:3": ("inc-9", later)} | {f"num:{i}": ("inc-x", later) for i in range(1000, 2200)}
    assert got == want
    store.close()
