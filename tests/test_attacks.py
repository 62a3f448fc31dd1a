"""Hostile input reaching the pipeline: it is stored inertly, bounded, and never crashes a batch."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from monitor.config.settings import parse_config
from monitor.models import Author, Observation
from monitor.pipeline.factory import build_pipeline
from monitor.sanitize import MAX_TEXT, clean_observation
from monitor.storage import schema as s
from monitor.storage.store import Store

CONFIG = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n', env={}).config
T = datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_surrogates_nul_and_huge_posts_are_stored_safely(db_url: str, scorer) -> None:
    store = Store(db_url)
    hostile = [
        Observation("x", "1", "Acme Air \ud800 lone surrogate, still no refund", T, T, author=Author(handle="a\udfff")),
        Observation("x", "2", "Acme Air \x00 NUL in the middle <script>alert(1)</script>", T, T),
        Observation("x", "3", "Acme Air " + "still waiting for my refund " * 300_000, T, T),
        Observation("x", "4\x00", "<!channel> Acme Air <@U123> <https://evil|click>", T, T),
    ]
    stats = build_pipeline(store, CONFIG, scorer, lambda: T, channels=("console",)).process(hostile)
    assert stats.new_mentions == 4
    with store.begin() as conn:
        texts = {r.post_id: r.text for r in conn.execute(select(s.mentions.c.post_id, s.mentions.c.text))}
    assert "\ufffd" not in texts["1"] and "lone surrogate" in texts["1"]
    assert "\x00" not in texts["2"]
    assert len(texts["3"]) <= MAX_TEXT + 1
    assert texts["4"] == "<!channel> Acme Air <@U123> <https://evil|click>"  # stored verbatim, escaped on output
    store.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(), st.text(max_size=50))
def test_any_text_is_storable(text: str, handle: str) -> None:
    obs = clean_observation(Observation("x", "1", text, T, T, author=Author(handle=handle)))
    obs.text.encode("utf-8")
    assert "\x00" not in obs.text and (obs.author.handle or "").encode("utf-8") is not None
    assert len(obs.text) <= MAX_TEXT + 1


def test_any_text_goes_through_the_pipeline(tmp_path, scorer) -> None:
    store = Store(f"sqlite:///{tmp_path / 'h.db'}")
    pipe = build_pipeline(store, CONFIG, scorer, lambda: T, channels=("console",))
    counter = iter(range(10**6))

    @settings(max_examples=80, deadline=None)
    @given(st.text(min_size=0, max_size=400))
    def one(text: str) -> None:
        pipe.process([Observation("x", str(next(counter)), "acme air " + text, T, T)])

    one()
    store.close()
