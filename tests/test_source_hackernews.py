"""HackerNewsSource against the local fake Algolia API (real HTTP, real payload shapes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.hackernews import HackerNewsSource
from tests.fakes.keyless import FakeKeyless

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air", "acmeair"), {}, ("acme air fryer",))
SEARCH = "/api/v1/search_by_date"


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def make(fake: FakeKeyless, **kw: object) -> HackerNewsSource:
    return HackerNewsSource(clock=lambda: NOW, api_base_url=fake.url + "/api/v1", **kw)  # type: ignore[arg-type]


def test_registry_and_protocol(fake: FakeKeyless) -> None:
    assert load_source_class("hackernews") is HackerNewsSource
    assert isinstance(make(fake), Source)


def test_stories_and_comments_become_observations(fake: FakeKeyless) -> None:
    created = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    story = fake.add_hn_story("Acme Air charged me $7,455", url="https://blog.example/acme", text="<p>Long <i>story</i></p>",
                              author="ann", created=created, points=42, num_comments=3)
    comment = fake.add_hn_comment("Same with <a href=\"https://www.reddit.com/r/travel/comments/abc/\">acme air</a>",
                                  story_id=story, author="bob", created=created.timestamp() + 60)
    fake.add_hn_story("My acme air fryer rocks", created=created)  # excluded phrase only
    fake.add_hn_story("acmeology is not a brand", created=created)  # Algolia's loose match, dropped here

    result = make(fake).poll([ACME], {})

    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {story, comment} and not result.partial
    s = by_id[story]
    assert (s.source, s.kind, s.brand, s.url) == ("hackernews", "post", "Acme Air", f"https://news.ycombinator.com/item?id={story}")
    assert s.text.startswith("Acme Air charged me $7,455\n\nLong story") and "https://blog.example/acme" in s.text
    assert (s.metrics.score, s.metrics.replies, s.metrics.likes) == (42, 3, None)
    assert s.created_at == created and s.observed_at == NOW and s.author.handle == "ann"
    c = by_id[comment]
    assert (c.kind, c.in_reply_to, c.conversation_id) == ("comment", story, story)
    assert "https://www.reddit.com/r/travel/comments/abc/" in c.text  # the link is in the text: joins by URL
    req = fake.requests_to(SEARCH)[0]
    assert req.param("tags") == "(story,comment)" and req.param("numericFilters") is None


def test_cursor_overlap_and_no_repeats(fake: FakeKeyless) -> None:
    t0 = time.time() - 3600
    first = fake.add_hn_story("acme air one", created=t0)
    source = make(fake)
    r1 = source.poll([ACME], {})
    assert [o.id for o in r1.observations] == [first]
    state = r1.cursor["brands"]["Acme Air"]["acme air"]
    assert state["newest"] == int(t0) and first in state["seen"]

    second = fake.add_hn_story("acme air two", created=t0 + 10)
    r2 = source.poll([ACME], r1.cursor)
    assert [o.id for o in r2.observations] == [second]
    assert fake.requests_to(SEARCH)[-2].param("numericFilters") == f"created_at_i>={int(t0) - 900}"
    assert source.poll([ACME], r2.cursor).observations == []


def test_pagination_and_gap_filled_later(fake: FakeKeyless) -> None:
    t0 = time.time() - 7200
    fake.add_hn_story("acme air zero", created=t0)
    source = make(fake, max_pages=2)
    cursor = source.poll([ACME], {}).cursor
    new = [fake.add_hn_story(f"acme air {i}", created=t0 + 1000 + i) for i in range(250)]
    r = source.poll([ACME], cursor)
    assert len(r.observations) == 200  # two pages of 100: the page budget
    assert "gap" in r.cursor["brands"]["Acme Air"]["acme air"]
    r2 = source.poll([ACME], r.cursor)
    got = {o.id for o in r.observations} | {o.id for o in r2.observations}
    assert got == set(new) and len(r.observations) + len(r2.observations) == 250
    assert "gap" not in r2.cursor["brands"]["Acme Air"]["acme air"]


def test_empty_results(fake: FakeKeyless) -> None:
    r = make(fake).poll([ACME], {})
    assert r.observations == [] and not r.partial and r.cursor == {"v": 1, "brands": {}}


def test_rate_limit_and_errors(fake: FakeKeyless) -> None:
    fake.add_hn_story("acme air one")
    source = make(fake)
    fake.fail_next(SEARCH, 429, {"Retry-After": "45"})
    with pytest.raises(RateLimited) as info:
        source.poll([ACME], {})
    assert info.value.retry_after == 45
    fake.fail_next(SEARCH, 502)
    with pytest.raises(SourceError) as err:
        source.poll([ACME], {})
    assert not err.value.permanent and "HTTP 502" in str(err.value)
    fake.fail_next(SEARCH, 200, body="<html>oops</html>")
    with pytest.raises(SourceError, match="not JSON"):
        source.poll([ACME], {})
    # Second keyword fails after the first succeeded: a partial result, the failed query's state kept.
    fake.fail_next(SEARCH, 500, skip=1)
    r = source.poll([ACME], {"v": 1, "brands": {"Acme Air": {"acmeair": {"newest": 5.0}}}})
    assert r.partial and len(r.observations) == 1 and r.cursor["brands"]["Acme Air"]["acmeair"] == {"newest": 5.0}
    assert source.usage == {"requests": 5, "reads": 1}


def test_refresh_reads_points(fake: FakeKeyless) -> None:
    story = fake.add_hn_story("acme air story", points=1, num_comments=0)
    comment = fake.add_hn_comment("acme air comment", story_id=story)
    fake.set_hn_points(story, 99, 12)
    out = make(fake).refresh([story, comment, "not-an-id"])
    assert [(o.id, o.metrics.score, o.metrics.replies) for o in out] == [(story, 99, 12)]
    assert fake.requests_to("/api/v1/search")[-1].param("tags") == f"story,(story_{story},story_{comment})"
