"""Hostile or broken API answers, source by source, against a local hostile API (tests/fakes/hostile.py):
absurd numbers are made unknown (and counted), unusable posts are left out (and counted), absurd dates
never reach the cursor, and every valid post of the page is kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor.errors import SourceError
from monitor.models import BrandQuery, Observation
from sources.bluesky import BlueskySource
from sources.hackernews import HackerNewsSource
from sources.mastodon import MastodonSource
from sources.news import NewsSource
from sources.reddit import RedditSource
from sources.x import XSource, snowflake_time
from tests.fakes.hostile import BAD_NUMBERS, EXPECTED, HostileAPI

ACME = BrandQuery("Acme Air", ("acme air",))


def clock() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def api() -> Iterator[HostileAPI]:
    with HostileAPI() as server:
        yield server


def numbered(observations: list[Observation], mode: str = "nums") -> list[Observation]:
    """The page's numbered posts ("... nums 0" to "... nums 7"), in order."""
    found = {int(o.text.split(f" {mode} ", 1)[1].split()[0]): o for o in observations if f" {mode} " in o.text}
    return [found[i] for i in sorted(found)]


def test_x_keeps_every_usable_tweet_and_counts_what_it_drops(api: HostileAPI) -> None:
    source = XSource(bearer_token="hostile-bearer-token-0001", clock=clock, api_base_url=f"{api.url}/nums")
    result = source.poll([ACME], {})
    posts = numbered(result.observations)
    assert [o.metrics.likes for o in posts] == EXPECTED
    assert [o.author.followers for o in posts] == EXPECTED
    assert all(o.metrics.reposts == 1 for o in posts)
    by_text = {o.text: o for o in result.observations}
    undated = by_text["Acme Air refund, no created_at"]
    assert undated.created_at == snowflake_time(undated.id) and abs(undated.created_at.timestamp() - api.now + 120) < 1
    assert by_text["Acme Air refund, year 9999"].created_at.year < 2100  # the id's time, not year 9999
    orphan = by_text["Acme Air refund, author not in includes"]
    assert orphan.author.id == "404" and orphan.author.handle is None
    assert len(result.observations) == 11 and not result.partial
    assert source.drops.take() == {"number": 2 * BAD_NUMBERS, "post": 1}
    assert source.drops.take() == {}  # taken: reset
    assert int(result.cursor["brands"]["Acme Air"]["since_id"]) > 0


def test_snowflake_time() -> None:
    # The contract's example tweet, created_at "2020-08-12T17:01:42.000Z" (X shows whole seconds).
    when = snowflake_time("1293593516040269825")
    assert when is not None and 0 <= (when - datetime(2020, 8, 12, 17, 1, 42, tzinfo=UTC)).total_seconds() < 1
    assert snowflake_time("9" * 20) is None  # beyond 2100


def test_reddit_keeps_the_page_and_a_date_of_1e308_never_reaches_the_cursor(api: HostileAPI) -> None:
    source = RedditSource(client_id="i", client_secret="s", user_agent="t", clock=clock,
                          api_base_url=f"{api.url}/nums", include_comments=False)
    result = source.poll([ACME], {})
    assert [o.metrics.score for o in numbered(result.observations)] == EXPECTED
    assert len(result.observations) == 8
    assert source.drops.take() == {"number": BAD_NUMBERS, "post": 2}
    assert result.cursor["search"]["Acme Air"]["all"]["newest"] <= time.time()


def test_hacker_news_keeps_the_page_and_a_date_of_1e308_never_reaches_the_cursor(api: HostileAPI) -> None:
    source = HackerNewsSource(clock=clock, api_base_url=f"{api.url}/nums")
    result = source.poll([ACME], {})
    assert [o.metrics.score for o in numbered(result.observations)] == EXPECTED
    assert len(result.observations) == 8
    assert source.drops.take() == {"number": BAD_NUMBERS, "post": 1}
    assert result.cursor["brands"]["Acme Air"]["acme air"]["newest"] <= time.time()


def test_bluesky_and_mastodon_make_absurd_counts_unknown(api: HostileAPI) -> None:
    bsky = BlueskySource(clock=clock, api_base_url=f"{api.url}/nums")
    posts = numbered(bsky.poll([ACME], {}).observations)
    assert [o.metrics.likes for o in posts] == EXPECTED and [o.author.followers for o in posts] == EXPECTED
    assert bsky.drops.take() == {"number": 2 * BAD_NUMBERS}
    masto = MastodonSource(clock=clock, api_base_url=f"{api.url}/nums")
    posts = numbered(masto.poll([ACME], {}).observations)
    assert [o.metrics.likes for o in posts] == EXPECTED and [o.author.followers for o in posts] == EXPECTED
    assert masto.drops.take() == {"number": 2 * BAD_NUMBERS}


def test_clean_pages_drop_nothing(api: HostileAPI) -> None:
    source = XSource(bearer_token="hostile-bearer-token-0001", clock=clock, api_base_url=f"{api.url}/ok")
    assert [o.metrics.likes for o in numbered(source.poll([ACME], {}).observations, "ok")] == [3] * 8
    assert source.drops.take() == {}


# -- oversized and trickled answers: bounded for every source ---------------------------------------

def poll_in_time(source: object, seconds: float) -> tuple[BaseException | None, float]:
    """Poll in a thread: (what it raised, how long it took); fails if it is still running after ``seconds``."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            source.poll([ACME], {})  # type: ignore[attr-defined]
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"the poll still runs after {seconds}s"
    return outcome[0], time.monotonic() - started


def every_source(base: str, **limits: object) -> list[object]:
    return [XSource(bearer_token="hostile-bearer-token-0001", clock=clock, api_base_url=base, **limits),  # type: ignore[arg-type]
            RedditSource(client_id="i", client_secret="s", user_agent="t", clock=clock, api_base_url=base,
                         include_comments=False, **limits),  # type: ignore[arg-type]
            HackerNewsSource(clock=clock, api_base_url=base, **limits),  # type: ignore[arg-type]
            BlueskySource(clock=clock, api_base_url=base, **limits),  # type: ignore[arg-type]
            MastodonSource(clock=clock, api_base_url=base, **limits),  # type: ignore[arg-type]
            NewsSource(clock=clock, api_base_url=base, **limits)]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["gzip", "huge"])
def test_an_oversized_answer_is_a_source_error_for_every_source(api: HostileAPI, mode: str) -> None:
    for source in every_source(f"{api.url}/{mode}", max_response_size=2**20):
        error, took = poll_in_time(source, 30)
        name = source.name  # type: ignore[attr-defined]
        assert isinstance(error, SourceError), (name, error)
        assert f"sources.{name}.max_response_size (1 MiB)" in str(error) and not error.permanent, (name, str(error))
        assert took < 10, name


def test_a_trickled_answer_ends_at_the_request_deadline_for_every_source(api: HostileAPI) -> None:
    for source in every_source(f"{api.url}/trickle", timeout=1.0, request_deadline=1.5):
        error, took = poll_in_time(source, 20)
        name = source.name  # type: ignore[attr-defined]
        assert isinstance(error, SourceError) and f"sources.{name}.request_deadline (1.5s)" in str(error), (name, error)
        assert 1.4 < took < 5, (name, took)


def test_the_poll_deadline_bounds_a_poll_of_many_requests(api: HostileAPI) -> None:
    from monitor.deadline import scope

    many = [BrandQuery(f"Acme {i}", (f"acme air {i}",)) for i in range(10)]
    source = HackerNewsSource(clock=clock, api_base_url=f"{api.url}/trickle", timeout=1.0, request_deadline=1.0)
    started = time.monotonic()
    with scope(2.5, "sources.hackernews.poll_deadline"), pytest.raises(SourceError) as info:
        for brand in many:  # ten answers of one second each, were each given its own deadline
            try:
                source.poll([brand], {})
            except SourceError as exc:
                if "poll_deadline" in str(exc):
                    raise
    assert "sources.hackernews.poll_deadline (2.5s)" in str(info.value) and time.monotonic() - started < 4


def test_answers_within_bounds_still_arrive(api: HostileAPI) -> None:
    assert len(HackerNewsSource(clock=clock, api_base_url=f"{api.url}/ok", max_response_size=64 * 1024,
                                request_deadline=5).poll([ACME], {}).observations) == 8
