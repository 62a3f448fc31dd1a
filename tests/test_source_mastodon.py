"""MastodonSource against the local fake Mastodon API (real HTTP, real payload shapes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.mastodon import MastodonSource, hashtags
from tests.fakes.keyless import FakeKeyless

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air",))
TAG = "/api/v1/timelines/tag/acmeair"


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def make(fake: FakeKeyless, **kw: object) -> MastodonSource:
    return MastodonSource(clock=lambda: NOW, api_base_url=fake.url, **kw)  # type: ignore[arg-type]


def host(fake: FakeKeyless) -> str:
    return fake.url.split("://", 1)[1]


def test_registry_protocol_and_hashtags(fake: FakeKeyless) -> None:
    assert load_source_class("mastodon") is MastodonSource
    assert isinstance(make(fake), Source)
    assert hashtags(ACME, ("#AcmeSupport",)) == ["acmeair", "acmesupport"]


def test_statuses_map_to_observations(fake: FakeKeyless) -> None:
    created = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    sid = fake.add_status('<p>Lost my bag, <a href="https://www.reddit.com/r/travel/comments/abc/">same story</a> '
                          '<a href="https://mastodon.example/tags/acmeair" class="mention hashtag">#<span>acmeair</span></a></p>'
                          "<p>Refund &amp; apology please</p>", tags=("acmeair",), acct="dave", created=created,
                          favourites=4, reblogs=2, replies=1, language="de", followers=321)
    reply = fake.add_status("<p>@dave same!</p>", tags=("acmeair",), acct="erin@other.example", in_reply_to=sid,
                            created=created + timedelta(minutes=1))
    result = make(fake).poll([ACME], {})
    by_id = {o.id: o for o in result.observations}
    h = host(fake)
    assert set(by_id) == {f"{h}/{sid}", f"{h}/{reply}"}
    o = by_id[f"{h}/{sid}"]
    assert (o.source, o.kind, o.brand, o.lang) == ("mastodon", "post", "Acme Air", "de")
    assert o.text.startswith("Lost my bag, same story #acmeair\nRefund & apology please")
    assert "https://www.reddit.com/r/travel/comments/abc/" in o.text and "<" not in o.text.split("\n\n")[0]
    assert (o.metrics.likes, o.metrics.reposts, o.metrics.replies) == (4, 2, 1)
    assert (o.author.handle, o.author.followers, o.created_at) == (f"dave@{h}", 321, created)
    r = by_id[f"{h}/{reply}"]
    assert (r.kind, r.in_reply_to, r.author.handle) == ("comment", f"{h}/{sid}", "erin@other.example")
    assert result.cursor == {"v": 1, "instances": {h: {"tag:acmeair": reply}}}


def test_min_id_pagination_loses_nothing(fake: FakeKeyless) -> None:
    t0 = time.time() - 3600
    fake.add_status("<p>first</p>", tags=("acmeair",), created=t0)
    source = make(fake, max_pages=2)
    cursor = source.poll([ACME], {}).cursor
    new = [fake.add_status(f"<p>acme air {i}</p>", tags=("acmeair",), created=t0 + 10 + i) for i in range(100)]
    r1 = source.poll([ACME], cursor)
    assert len(r1.observations) == 80  # two pages of 40, oldest first
    r2 = source.poll([ACME], r1.cursor)
    h = host(fake)
    assert sorted(o.id for o in r1.observations + r2.observations) == sorted(f"{h}/{i}" for i in new)
    assert fake.requests_to(TAG)[1].param("min_id") == cursor["instances"][h]["tag:acmeair"]
    assert make(fake).poll([ACME], r2.cursor).observations == []


def test_rate_limit_error_and_partial(fake: FakeKeyless) -> None:
    source = make(fake)
    assert source.poll([ACME], {}).observations == []  # empty timeline
    reset = (NOW + timedelta(seconds=90)).isoformat().replace("+00:00", "Z")
    fake.fail_next(TAG, 429, {"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0"})
    with pytest.raises(RateLimited) as info:
        source.poll([ACME], {})
    assert info.value.retry_after == 90
    fake.fail_next(TAG, 503)
    with pytest.raises(SourceError):
        source.poll([ACME], {})
    # A second instance fails after the first answered: a partial result; the second's cursor is kept.
    fake.add_status("<p>acme air</p>", tags=("acmeair",))
    with FakeKeyless() as other:
        two = MastodonSource(clock=lambda: NOW, api_base_url=fake.url, instances=[other.url])
        other.fail_next(TAG, 500)
        old = {"v": 1, "instances": {host(other): {"tag:acmeair": "5"}}}
        r = two.poll([ACME], old)
        assert r.partial and len(r.observations) == 1 and r.cursor["instances"][host(other)] == {"tag:acmeair": "5"}


def test_search_needs_a_token(fake: FakeKeyless) -> None:
    fake.mastodon_token = "tok-123456789"
    fake.add_status("<p>Acme Air never refunded me</p>")  # no hashtag: only search finds it
    fake.add_status("<p>acmeairline is something else</p>")
    assert make(fake).poll([ACME], {}).observations == []
    found = make(fake, access_token="tok-123456789").poll([ACME], {}).observations
    assert [o.text for o in found] == ["Acme Air never refunded me"]
    with pytest.raises(SourceError) as err:
        make(fake, access_token="wrong-token-987").poll([ACME], {})
    assert err.value.permanent and "wrong-token-987" not in str(err.value)


def test_refresh(fake: FakeKeyless) -> None:
    sid = fake.add_status("<p>acme air</p>", tags=("acmeair",))
    fake.set_status_counts(sid, favourites=30, reblogs=3)
    h = host(fake)
    out = make(fake).refresh([f"{h}/{sid}", f"{h}/999", "elsewhere.example/1"])
    assert [(o.id, o.metrics.likes, o.metrics.reposts) for o in out] == [(f"{h}/{sid}", 30, 3)]


def test_refresh_one_by_one_counts_deleted_statuses_as_gone_not_unusable(fake: FakeKeyless) -> None:
    sid = fake.add_status("<p>acme air</p>", tags=("acmeair",))
    fake.fail_next("/api/v1/statuses", 404)  # an instance older than 4.3: no batch look-up
    source = make(fake)
    out = source.refresh([f"{host(fake)}/{sid}", f"{host(fake)}/999"])
    assert [o.id for o in out] == [f"{host(fake)}/{sid}"] and source.drops.take() == {}
