"""Hostile API answers: deeply nested JSON and huge bodies become a SourceError, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.errors import SourceError
from monitor.models import BrandQuery
from sources.reddit import RedditSource
from sources.x import XSource
from tests.fakes.social import FakeSocial

BRANDS = [BrandQuery("Acme Air", ("acme air",))]
BOMB = "[" * 200_000 + "]" * 200_000


def clock() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize("body", [BOMB, '{"data": ' * 50_000 + "1" + "}" * 50_000])
def test_json_bomb_from_x_is_a_source_error(body: str) -> None:
    with FakeSocial(x_bearer_token="tok-bomb") as fake:
        fake.add_tweet("Acme Air lost my bag", username="a")
        fake.fail_next("/2/tweets/search/recent", 200, {"content-type": "application/json"}, body=body)
        source = XSource(bearer_token="tok-bomb", clock=clock, api_base_url=fake.url)
        with pytest.raises(SourceError) as info:
            source.poll(BRANDS, {})
        assert "tok-bomb" not in str(info.value)
        assert len(source.poll(BRANDS, {}).observations) == 1  # the next answer is fine again


def test_json_bomb_from_reddit_is_a_source_error() -> None:
    with FakeSocial(reddit_credentials=("rid-b", "rsec-b")) as fake:
        fake.add_reddit_post("Acme Air lost my bag", subreddit="all")
        fake.fail_next("/r/", 200, {"content-type": "application/json"}, body=BOMB, times=5)
        source = RedditSource(client_id="rid-b", client_secret="rsec-b", user_agent="t", clock=clock,
                              api_base_url=fake.url, include_comments=False)
        with pytest.raises(SourceError) as info:
            source.poll(BRANDS, {})
        assert "rsec-b" not in str(info.value)
