"""BlueskySource against the local fake XRPC API (real HTTP, real payload shapes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.bluesky import BlueskySource
from tests.fakes.keyless import FakeKeyless

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air",))
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def make(fake: FakeKeyless, **kw: object) -> BlueskySource:
    return BlueskySource(clock=lambda: NOW, api_base_url=fake.url, **kw)  # type: ignore[arg-type]


def test_registry_and_protocol(fake: FakeKeyless) -> None:
    assert load_source_class("bluesky") is BlueskySource
    assert isinstance(make(fake), Source)


def test_posts_map_to_observations(fake: FakeKeyless) -> None:
    created = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    root = fake.add_bsky_post("Acme Air lost my bag", handle="ann.bsky.social", created=created, likes=7, reposts=2,
                              replies=1, quotes=1, link="https://www.reddit.com/r/travel/comments/abc/acme/")
    reply = fake.add_bsky_post("acme air did that to me too", handle="bob.bsky.social", reply_to=root,
                               created=created.timestamp() + 60, card="https://tv.example/news/1")
    fake.add_bsky_post("acmeair.example is a fine domain")  # no phrase match

    result = make(fake).poll([ACME], {})

    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {root, reply}
    r = by_id[root]
    assert (r.source, r.kind, r.brand, r.lang) == ("bluesky", "post", "Acme Air", "en")
    assert r.url == f"https://bsky.app/profile/ann.bsky.social/post/{root.rsplit('/', 1)[1]}"
    assert (r.metrics.likes, r.metrics.reposts, r.metrics.replies, r.metrics.quotes) == (7, 2, 1, 1)
    assert r.text.endswith("https://www.reddit.com/r/travel/comments/abc/acme/")  # the facet's full URL
    assert r.created_at == created and r.author.handle == "ann.bsky.social" and r.author.id.startswith("did:plc:")
    c = by_id[reply]
    assert (c.kind, c.in_reply_to, c.conversation_id) == ("comment", root, root)
    assert "https://tv.example/news/1" in c.text
    req = fake.requests_to(SEARCH)[0]
    assert (req.param("q"), req.param("sort"), req.param("limit"), req.param("cursor")) == ('"acme air"', "latest", "100", None)


def test_cursor_walks_by_time_without_the_cursor_param(fake: FakeKeyless) -> None:
    t0 = time.time() - 7200
    fake.add_bsky_post("acme air zero", created=t0)
    source = make(fake, max_pages=2)
    r1 = source.poll([ACME], {})
    new = [fake.add_bsky_post(f"acme air {i}", created=t0 + 1000 + i) for i in range(230)]
    r2 = source.poll([ACME], r1.cursor)
    r3 = source.poll([ACME], r2.cursor)
    got = [o.id for o in r2.observations + r3.observations]
    assert sorted(got) == sorted(new)  # all of them, none twice, across the page budget
    assert all(r.param("cursor") is None for r in fake.requests_to(SEARCH))  # refused unauthenticated
    assert source.poll([ACME], r3.cursor).observations == []


def test_empty_rate_limit_error(fake: FakeKeyless) -> None:
    source = make(fake)
    assert source.poll([ACME], {}).observations == []
    fake.fail_next(SEARCH, 429, {"ratelimit-reset": str(int(NOW.timestamp()) + 120), "ratelimit-remaining": "0"})
    with pytest.raises(RateLimited) as info:
        source.poll([ACME], {})
    assert info.value.retry_after == 120
    fake.fail_next(SEARCH, 500)
    with pytest.raises(SourceError):
        source.poll([ACME], {})
    fake.bsky_require_auth = True
    with pytest.raises(SourceError, match="app_password") as err:
        source.poll([ACME], {})
    assert not err.value.permanent and "secret" not in str(err.value)


def test_login_with_app_password(fake: FakeKeyless) -> None:
    fake.bsky_require_auth = True
    fake.bsky_account = ("me.bsky.social", "abcd-efgh-ijkl-mnop")
    fake.add_bsky_post("acme air again")
    source = BlueskySource(clock=lambda: NOW, handle="me.bsky.social", app_password="abcd-efgh-ijkl-mnop",
                           auth_base_url=fake.url)
    assert len(source.poll([ACME], {}).observations) == 1
    bad = BlueskySource(clock=lambda: NOW, handle="me.bsky.social", app_password="wrong-password-xyz",
                        auth_base_url=fake.url)
    with pytest.raises(SourceError) as err:
        bad.poll([ACME], {})
    assert err.value.permanent and "wrong-password-xyz" not in str(err.value)


def test_refresh_in_batches_of_25(fake: FakeKeyless) -> None:
    uris = [fake.add_bsky_post(f"acme air {i}") for i in range(30)]
    fake.set_bsky_metrics(uris[0], like=50, repost=5)
    out = make(fake).refresh([*uris, "at://gone/app.bsky.feed.post/x"])
    assert len(out) == 30 and len(fake.requests_to("/xrpc/app.bsky.feed.getPosts")) == 2
    first = next(o for o in out if o.id == uris[0])
    assert (first.metrics.likes, first.metrics.reposts) == (50, 5)
