"""NewsSource against local fake RSS/Atom feeds; and a Reddit complaint picked up by the news, end to end
through the real pipeline, store and scorer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config.settings import parse_config
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from monitor.pipeline.factory import build_pipeline
from monitor.storage.store import Store
from sources import load_source_class
from sources.news import NewsSource, search_query
from tests.fakes.keyless import FakeKeyless
from tests.fakes.social import FakeSocial

NOW = datetime.now(UTC).replace(microsecond=0)
ACME = BrandQuery("Acme Air", ("acme air", "acmeair"), {}, ("acme air fryer",))


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def make(fake: FakeKeyless, **kw: object) -> NewsSource:
    return NewsSource(clock=lambda: NOW, api_base_url=fake.url, **kw)  # type: ignore[arg-type]


def test_registry_protocol_query(fake: FakeKeyless) -> None:
    assert load_source_class("news") is NewsSource
    assert isinstance(make(fake), Source)
    assert search_query(ACME) == '"acme air" OR acmeair -"acme air fryer"'
    with pytest.raises(ValueError):
        NewsSource(clock=lambda: NOW, search_path="/rss?q=x")


def test_search_feed_articles(fake: FakeKeyless) -> None:
    when = NOW - timedelta(hours=2)
    guid = fake.add_article("Acme Air charged a family $7,455", link="https://tv.example/news/1",
                            summary='<p>See <a href="https://www.reddit.com/r/travel/comments/abc/">the post</a>.</p>',
                            published=when, publisher="Channel 7")
    fake.add_article("Acme Air fryer review", link="https://tv.example/news/2", published=when)
    fake.add_article("Acme Air route map", link="https://tv.example/news/3", published=NOW - timedelta(days=30))

    result = make(fake).poll([ACME], {})

    assert [o.id for o in result.observations] == [guid]
    a = result.observations[0]
    assert (a.source, a.kind, a.brand, a.url, a.author.handle) == ("news", "article", "Acme Air", "https://tv.example/news/1", "Channel 7")
    assert a.created_at == when and a.observed_at == NOW
    assert a.text.startswith("Acme Air charged a family $7,455\n\nSee the post.")
    assert "https://www.reddit.com/r/travel/comments/abc/" in a.text  # the pipeline joins by this link
    (req,) = fake.requests_to("/rss/search")
    assert req.param("q") == search_query(ACME) and req.param("hl") == "en-US"
    state = result.cursor["feeds"]["search:Acme Air"]
    assert state["etag"] and guid in state["seen"]


def test_conditional_get_and_seen_ids(fake: FakeKeyless) -> None:
    fake.add_article("Acme Air one", link="https://tv.example/1", published=NOW)
    source = make(fake)
    r1 = source.poll([ACME], {})
    r2 = source.poll([ACME], r1.cursor)  # unchanged feed: 304
    assert r2.observations == [] and r2.cursor == r1.cursor
    fake.add_article("Acme Air two", link="https://tv.example/2", published=NOW)
    r3 = source.poll([ACME], r2.cursor)
    assert [o.url for o in r3.observations] == ["https://tv.example/2"]


def test_user_feeds_rss_and_atom(fake: FakeKeyless) -> None:
    fake.atom_feeds.add("trade")
    fake.add_article("Local: airline woes", link="https://tv.example/local/1", feed="local", published=NOW,
                     content='<p>As <a href="https://x.com/i/status/123">this post</a> shows…</p>')
    fake.add_article("Weather", link="https://tv.example/local/2", feed="local", published=NOW)
    fake.add_article("AcmeAir Q3 results", link="https://trade.example/1", feed="trade", published=NOW, author="J. Doe")
    source = make(fake, search=False, feeds=[f"{fake.url}/feeds/local.xml", f"{fake.url}/feeds/trade.xml"])
    out = {o.url: o for o in source.poll([ACME], {}).observations}
    assert set(out) == {"https://tv.example/local/1", "https://trade.example/1"}
    assert out["https://tv.example/local/1"].brand is None  # links a post; the pipeline decides
    assert out["https://trade.example/1"].brand == "Acme Air" and out["https://trade.example/1"].author.handle == "J. Doe"


def test_errors_rate_limit_and_partial(fake: FakeKeyless) -> None:
    fake.add_article("Acme Air one", link="https://tv.example/1", published=NOW, feed="local")
    source = make(fake)
    assert source.poll([ACME], {}).observations == []  # empty search feed
    fake.fail_next("/rss/search", 429, {"Retry-After": "600"})
    with pytest.raises(RateLimited) as info:
        source.poll([ACME], {})
    assert info.value.retry_after == 600
    fake.fail_next("/rss/search", 503)
    with pytest.raises(SourceError):
        source.poll([ACME], {})
    fake.fail_next("/rss/search", 200, body="this is not a feed at all")
    with pytest.raises(SourceError, match="not an RSS/Atom feed"):
        source.poll([ACME], {})
    both = make(fake, feeds=[f"{fake.url}/feeds/local.xml"])
    fake.fail_next("/rss/search", 500)
    old = {"v": 1, "feeds": {"search:Acme Air": {"seen": ["x"]}}}
    r = both.poll([ACME], old)
    assert r.partial and len(r.observations) == 1 and r.cursor["feeds"]["search:Acme Air"] == {"seen": ["x"]}


def test_reddit_complaint_then_news_article_is_one_incident_picked_up_by_the_news(tmp_path: Path, scorer) -> None:
    from sources.reddit import RedditSource

    config = parse_config(f"""
[storage]
url = "sqlite:///{tmp_path / 'm.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air", "acmeair"]
[alerts]
min_tier = "watch"
""").config
    store = Store(config.storage.url)
    pipeline = build_pipeline(store, config, scorer, lambda: datetime.now(UTC), channels=("console",))
    brands = config.brand_queries()
    with FakeSocial(reddit_credentials=("rid-123456", "rsecret-abcdef")) as social, FakeKeyless() as news:
        post = social.add_reddit_post("Acme Air charged me $7,455 to ship $88.77 of toilet paper",
                                      "Third call this week, nobody answers. I contacted the news.",
                                      subreddit="travel", author="tp_customer", created_utc=time.time() - 7200)
        reddit = RedditSource(client_id="rid-123456", client_secret="rsecret-abcdef", user_agent="test",
                              clock=lambda: datetime.now(UTC), api_base_url=social.url, subreddits=("travel",))
        r = reddit.poll(brands, {})
        assert [o.id for o in r.observations] == [post]
        pipeline.process(r.observations, source="reddit", cursor=r.cursor)

        news.add_article("Acme Air billed a family $7,455 for an $88.77 toilet paper order",
                         link="https://tv.example/news/acme", published=time.time() - 600,
                         summary="The customer posted on Reddit after calling support three times.")
        n = NewsSource(clock=lambda: datetime.now(UTC), api_base_url=news.url).poll(brands, {})
        assert len(n.observations) == 1
        pipeline.process(n.observations, source="news", cursor=n.cursor)

    from sqlalchemy import select

    from monitor.storage import schema as s

    with store.begin() as conn:
        mentions = conn.execute(select(s.mentions.c.source, s.mentions.c.incident_id)).all()
        incidents = conn.execute(select(s.incidents.c.id, s.incidents.c.state)).all()
    assert {m.source for m in mentions} == {"reddit", "news"}
    assert len({m.incident_id for m in mentions}) == 1 and mentions[0].incident_id is not None
    (incident,) = incidents
    assert incident.state["articles"] == 1 and incident.state["sources"] == ["news", "reddit"]
    assert "picked up by the news" in incident.state["reasons"]
    store.close()
