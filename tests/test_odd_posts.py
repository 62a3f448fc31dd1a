"""One odd post never stops a source (issue 26): identifiers valid in their protocol but longer than a
column (a Mastodon account on a 190-character domain, a Bluesky did:web on such a host, a Hacker News
id of 100,000 digits) are stored fitted, on SQLite and on PostgreSQL alike; and a post the database
refuses anyway is set aside with its reason while the rest of its batch, and the cursor, are stored."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text

from monitor.cli import main
from monitor.config.settings import parse_config
from monitor.models import Author, Observation
from monitor.pipeline.factory import build_pipeline
from monitor.sanitize import HANDLE_LIMIT, ID_LIMIT, MAX_FIELD, clean_observation, clean_text, fit
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.fakes.keyless import FakeKeyless

LONG_HOST = "a" * 190 + ".example"
T = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def test_poll_once_stores_every_good_post_beside_long_identifiers(db_url: str, tmp_path: Path) -> None:
    old_limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # the fake sorts Hacker News ids as numbers
    try:
        with FakeKeyless() as fake:
            now = time.time() - 600
            good_m = fake.add_status("<p>Acme Air lost my bag #acmeair</p>", tags=("acmeair",), created=now)
            odd_m = fake.add_status("<p>Acme Air, third call today #acmeair</p>", tags=("acmeair",), acct=f"x@{LONG_HOST}",
                                    created=now + 1)
            good_b = fake.add_bsky_post("Acme Air cancelled my flight", created=now)
            odd_b = fake.add_bsky_post("Acme Air still has my suitcase", handle=f"bob.{LONG_HOST}", created=now + 1)
            post = fake._bsky.pop(odd_b)  # a did:web account on the long host, as the protocol allows
            did = f"did:web:{LONG_HOST}"
            odd_b = f"at://{did}/app.bsky.feed.post/3kodd"
            fake._bsky[odd_b] = {**post, "uri": odd_b, "author": {**post["author"], "did": did}}
            good_h = fake.add_hn_story("Acme Air refund never came", created=now)
            odd_h = fake.add_hn_story("Acme Air charged me twice", created=now + 1, id=int("7" * 100_000))
            config = tmp_path / "m.toml"
            config.write_text(f"""
[storage]
url = "{db_url}"
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.mastodon]
api_base_url = "{fake.url}"
[sources.bluesky]
api_base_url = "{fake.url}"
[sources.hackernews]
api_base_url = "{fake.url}/api/v1"
""")
            result = CliRunner().invoke(main, ["poll-once", "--config", str(config)])
    finally:
        sys.set_int_max_str_digits(old_limit)
    assert result.exit_code == 0, result.output
    host = fake.url.split("://")[1]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        stored = {(r.source, r.post_id): r for r in conn.execute(text(
            "SELECT source, post_id, author_id, author_handle FROM mentions"))}
        aside = conn.execute(text("SELECT count(*) FROM set_aside")).scalar()
    engine.dispose()
    assert ("mastodon", f"{host}/{good_m}") in stored and ("mastodon", f"{host}/{odd_m}") in stored
    assert stored[("mastodon", f"{host}/{odd_m}")].author_handle == fit(f"x@{LONG_HOST}", HANDLE_LIMIT)
    assert ("bluesky", good_b) in stored and ("bluesky", fit(odd_b, ID_LIMIT)) in stored
    assert stored[("bluesky", fit(odd_b, ID_LIMIT))].author_id == fit(did, ID_LIMIT)
    assert ("hackernews", good_h) in stored and ("hackernews", fit(odd_h, ID_LIMIT)) in stored
    assert aside == 0


# Identifiers as the protocols allow them: long domains and hosts, long numbers, any characters.
domains = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=63).map(lambda label: label + ".")
hosts = st.lists(domains, min_size=1, max_size=5).map(lambda labels: "".join(labels) + "example")
identifiers = st.one_of(
    st.builds(lambda user, host: f"{user}@{host}", st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=30),
              hosts),
    hosts.map(lambda host: f"did:web:{host}"),
    st.integers(min_value=0, max_value=10**400).map(str),
    st.text(min_size=1, max_size=400),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(post=identifiers, author=identifiers, parent=identifiers)
def test_any_valid_identifier_fits_and_a_reply_still_finds_its_post(post: str, author: str, parent: str) -> None:
    reply = clean_observation(Observation(source="mastodon", id=post, text="Acme Air lost my bag", created_at=T,
                                          observed_at=T, in_reply_to=parent, conversation_id=parent,
                                          author=Author(id=author, handle=author)))
    original = clean_observation(Observation(source="mastodon", id=parent, text="Acme Air", created_at=T, observed_at=T))
    assert len(reply.id) <= ID_LIMIT and len(reply.author.id or "") <= ID_LIMIT
    assert len(reply.author.handle or "") <= HANDLE_LIMIT and len(reply.in_reply_to or "") <= ID_LIMIT
    assert reply.in_reply_to == original.id  # fitted alike: the thread holds
    if reply.id != post:  # the original is kept beside it
        assert reply.extra["original"]["id"] == clean_text(post, MAX_FIELD)


def test_identifiers_of_every_length_are_stored_on_both_databases(db_url: str, scorer) -> None:
    """Arbitrary valid-per-protocol identifiers through the pipeline into a real database (PostgreSQL
    enforces the column lengths): every post stored, none set aside, a reply tied to its post."""
    config = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n', env={}).config
    store = Store(db_url)
    pipeline = build_pipeline(store, config, scorer, lambda: T, channels=())
    seen: set[str] = set()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(post=identifiers, author=identifiers, parent=identifiers)
    def one(post: str, author: str, parent: str) -> None:
        if post in seen or parent in seen or post == parent:
            return
        seen.update((post, parent))
        root = Observation(source="mastodon", id=parent, text="Acme Air lost my bag", created_at=T, observed_at=T,
                           author=Author(id=author, handle=author))
        reply = Observation(source="mastodon", id=post, text="Acme Air, same here", created_at=T + timedelta(minutes=1),
                            observed_at=T + timedelta(minutes=1), in_reply_to=parent, conversation_id=parent,
                            author=Author(id=author, handle=author))
        stats = pipeline.process([root, reply], source="mastodon", cursor={"since": post[:20]})
        assert stats.set_aside == []
        fitted = clean_observation(reply)
        with store.begin() as conn:
            row = conn.execute(select(s.mentions.c.post_id, s.mentions.c.in_reply_to)
                               .where(s.mentions.c.source == "mastodon", s.mentions.c.post_id == fitted.id)).one()
        assert row.in_reply_to == clean_observation(root).id

    try:
        one()
        # And the extremes, every time.
        extremes = ["7" * 129, "x@" + LONG_HOST, f"did:web:{LONG_HOST}", "é" * 300, "9" * 100_000]
        batch = [Observation(source="hackernews", id=i, text=f"Acme Air lost my bag {n}", created_at=T, observed_at=T,
                             author=Author(id=i, handle=i)) for n, i in enumerate(extremes)]
        assert pipeline.process(batch).set_aside == []
        with store.begin() as conn:
            stored = set(conn.execute(select(s.mentions.c.post_id).where(s.mentions.c.source == "hackernews")).scalars())
        assert stored == {fit(i, ID_LIMIT) for i in extremes}
    finally:
        store.close()


def test_a_post_the_database_refuses_is_set_aside_and_the_rest_stored(db_url: str, scorer) -> None:
    """The database refuses one post (here a constraint the test adds; in the field a value a column
    cannot hold): the batch's other posts and the cursor are stored, the refused post is kept with
    its reason, and the next batch goes on."""
    config = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n', env={}).config
    store = Store(db_url)
    with store.begin() as conn:
        if db_url.startswith("sqlite"):
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON mentions WHEN NEW.post_id = 'odd' "
                              "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))
        else:
            conn.execute(text("ALTER TABLE mentions ADD CONSTRAINT refuse CHECK (post_id <> 'odd')"))
    pipeline = build_pipeline(store, config, scorer, lambda: T, channels=())
    batch = [Observation(source="x", id=i, text=f"Acme Air lost my bag, post {i}", created_at=T, observed_at=T,
                         author=Author(id=f"u{i}", handle=f"u{i}")) for i in ("1", "2", "odd", "4", "5")]
    stats = pipeline.process(batch, source="x", cursor={"since_id": "5"})
    with store.begin() as conn:
        stored = set(conn.execute(select(s.mentions.c.post_id)).scalars())
        aside = conn.execute(select(s.set_aside.c.source, s.set_aside.c.post_id, s.set_aside.c.reason,
                                    s.set_aside.c.payload)).all()
    assert stored == {"1", "2", "4", "5"}
    assert [(r.source, r.post_id) for r in aside] == [("x", "odd")] and aside[0].payload["text"].endswith("post odd")
    assert "refuse" in aside[0].reason and stats.set_aside == [("x", "odd", aside[0].reason)]
    assert store.get_cursor("x") == {"since_id": "5"}
    later = pipeline.process([Observation(source="x", id="6", text="Acme Air again", created_at=T, observed_at=T)],
                             source="x", cursor={"since_id": "6"})
    assert later.new_mentions == 1 and store.get_cursor("x") == {"since_id": "6"}
    from monitor.daemon.health import set_aside_counts

    assert set_aside_counts(store) == {"x": 1}
    store.close()
