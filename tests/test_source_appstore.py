"""AppStoreSource against a local fake of Apple's customer-reviews feed (real HTTP).

Payload shapes (tests/fakes/reviews.py) follow the feed as Apple serves it at
``itunes.apple.com/{cc}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/json`` (there is no
published reference; the shape is the one public scrapers record, e.g. the app-store-scraper
projects): ``feed.entry`` a list of entries whose every field is wrapped in ``{"label": ...}``
(``author.name``, ``author.uri``, ``updated`` with its UTC offset, ``im:rating``, ``im:version``, ``id``,
``title``, ``content`` with ``attributes.type``, ``im:voteSum``, ``im:voteCount``, ``im:contentType``,
``link``), one entry as an object rather than a list, no ``entry`` key without reviews, the app's own
record first on page 1 of older feeds, ``feed.link`` holding first/last/previous/next, 50 entries a page
and a plain-text 400 past page 10. Rate limiting (429 with Retry-After) is the generic HTTP answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.config.settings import parse_config
from monitor.daemon.quota import Budget, budgets_for
from monitor.errors import ConfigError, RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class, source_color
from sources.appstore import AppConfig, AppStoreConfig, AppStoreSource, entries, parse_entry
from tests.fakes.reviews import FakeReviews

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme", ("acme",))
APP = "284882215"
FEED = f"/us/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/json"


@pytest.fixture
def fake() -> Iterator[FakeReviews]:
    with FakeReviews() as server:
        yield server


def make(fake: FakeReviews, countries: tuple[str, ...] = ("us",), clock: Any = None, **kw: Any) -> AppStoreSource:
    app = AppConfig(id=APP, brand="Acme", countries=list(countries))
    return AppStoreSource(clock=clock or (lambda: NOW), api_base_url=fake.url, apps=[app], **kw)


def test_registry_protocol_and_colour(fake: FakeReviews) -> None:
    assert load_source_class("appstore") is AppStoreSource
    assert isinstance(make(fake), Source)
    assert source_color("appstore") == "#d6336c"


def test_reviews_become_observations(fake: FakeReviews) -> None:
    created = NOW - timedelta(hours=2)
    rid = fake.add_app_review(APP, created, stars=1, title="Can't log in", content="Since 3.2.1 login fails.",
                              author="Ann B", votes="4")
    result = make(fake).poll([ACME], {})
    [obs] = result.observations
    assert (obs.source, obs.id, obs.kind, obs.rating, obs.brand) == ("appstore", f"us/{rid}", "review", 1, "Acme")
    assert obs.text == "Can't log in\nSince 3.2.1 login fails."
    assert obs.created_at == created and obs.observed_at == NOW  # -07:00 read as such
    # The reviews page, marked with the review: a url two posts share would make them one story.
    assert obs.url == f"https://apps.apple.com/us/app/id{APP}?see-all=reviews#review-{obs.id.split('/')[1]}"
    assert obs.author.handle == "Ann B" and obs.author.id and obs.author.id.isdigit()
    assert obs.metrics.likes == 4 and not obs.by_brand
    assert result.cursor["feeds"][f"{APP}/us"]["newest"] == created.timestamp()


def test_one_entry_is_an_object_none_is_no_key_and_the_app_record_is_skipped(fake: FakeReviews) -> None:
    src = make(fake)
    assert src.poll([ACME], {}).observations == []  # no "entry" at all
    fake.old_style = True
    fake.add_app_review(APP, NOW - timedelta(minutes=5))
    result = src.poll([ACME], {})
    assert [o.rating for o in result.observations] == [5]  # the app's own record (no im:rating) left out
    assert src.drops.take() == {}


def test_the_entry_key_holds_an_object_when_there_is_one_review() -> None:
    one = {"id": {"label": "1"}, "im:rating": {"label": "2"}, "updated": {"label": "2024-05-01T10:11:12-07:00"}}
    assert entries({"feed": {"entry": one}}) == [one]
    assert entries({"feed": {}}) == []
    with pytest.raises(SourceError):
        entries({"feedz": []})


def test_a_brand_not_watched_is_not_polled(fake: FakeReviews) -> None:
    fake.add_app_review(APP, NOW - timedelta(minutes=5))
    assert make(fake).poll([BrandQuery("Other", ("other",))], {}).observations == []
    assert fake.requests == []


def test_first_poll_reads_one_page_then_pages_until_known_reviews(fake: FakeReviews) -> None:
    start = NOW - timedelta(days=5)
    for i in range(80):
        fake.add_app_review(APP, start + timedelta(minutes=i))
    src = make(fake)
    first = src.poll([ACME], {})
    assert len(first.observations) == 50 and len(fake.requests) == 1  # one page only: no backfill
    fake.clear_log()
    new = [fake.add_app_review(APP, start + timedelta(hours=3, minutes=i)) for i in range(120)]
    second = src.poll([ACME], first.cursor)
    assert {o.id for o in second.observations} == {f"us/{r}" for r in new}  # no duplicates, no gaps
    assert len(fake.requests) == 3  # 120 new: the third page reaches reviews read before
    fake.clear_log()
    third = src.poll([ACME], second.cursor)
    assert third.observations == [] and len(fake.requests) == 1


def test_a_page_budget_that_runs_out_leaves_a_floor_the_next_poll_reaches(fake: FakeReviews) -> None:
    start = NOW - timedelta(days=5)
    fake.add_app_review(APP, start)
    src = make(fake, max_pages=3)
    cursor = src.poll([ACME], {}).cursor
    new = [fake.add_app_review(APP, start + timedelta(hours=1, minutes=i)) for i in range(200)]
    second = src.poll([ACME], cursor)
    assert len(second.observations) == 150 and second.cursor["feeds"][f"{APP}/us"]["depth"] == 150
    later = [fake.add_app_review(APP, start + timedelta(hours=6, minutes=i)) for i in range(10)]  # arrive meanwhile
    fake.clear_log()
    third = src.poll([ACME], second.cursor)
    pages = [r.path.split("page=")[1].split("/")[0] for r in fake.requests]
    assert pages == ["1", "3", "4"]  # page 1 to the newest, then a jump (a page early) to the unread part
    fourth = src.poll([ACME], third.cursor)
    got = [o.id for r in (second, third, fourth) for o in r.observations]
    assert sorted(got) == sorted(f"us/{r}" for r in new + later)  # nothing twice, nothing lost
    assert "floor" not in fourth.cursor["feeds"][f"{APP}/us"]


def test_each_storefront_has_its_own_cursor(fake: FakeReviews) -> None:
    a = fake.add_app_review(APP, NOW - timedelta(hours=1), country="us")
    b = fake.add_app_review(APP, NOW - timedelta(hours=1), country="gb")
    result = make(fake, countries=("us", "gb")).poll([ACME], {})
    assert {o.id for o in result.observations} == {f"us/{a}", f"gb/{b}"}
    assert set(result.cursor["feeds"]) == {f"{APP}/us", f"{APP}/gb"}


def test_rate_limit_server_error_and_garbage(fake: FakeReviews) -> None:
    fake.add_app_review(APP, NOW - timedelta(hours=1))
    src = make(fake)
    fake.fail_next("/us/", 429, {"Retry-After": "120"})
    with pytest.raises(RateLimited) as limited:
        src.poll([ACME], {})
    assert limited.value.retry_after == 120
    fake.fail_next("/us/", 503)
    with pytest.raises(SourceError) as down:
        src.poll([ACME], {})
    assert not down.value.permanent
    fake.fail_next("/us/", 200, body="<html>not json</html>")
    with pytest.raises(SourceError, match="not JSON"):
        src.poll([ACME], {})
    fake.fail_next("/us/", 200, body='{"feed": "nothing"}')
    with pytest.raises(SourceError, match="not a customer-reviews feed"):
        src.poll([ACME], {})


def test_a_storefront_that_fails_for_good_does_not_stop_the_others(fake: FakeReviews) -> None:
    fake.add_app_review(APP, NOW - timedelta(hours=1), country="gb")
    fake.fail_next("/us/", 404)
    result = make(fake, countries=("us", "gb")).poll([ACME], {})
    assert [o.id.split("/")[0] for o in result.observations] == ["gb"]
    assert result.partial and result.note and "HTTP 404" in result.note
    assert f"{APP}/us" not in result.cursor["feeds"]
    fake.fail_next("/us/", 404)
    with pytest.raises(SourceError) as gone:
        make(fake).poll([ACME], {})
    assert gone.value.permanent


def test_rate_limited_after_some_storefronts_keeps_what_was_read(fake: FakeReviews) -> None:
    fake.add_app_review(APP, NOW - timedelta(hours=1), country="us")
    fake.fail_next("/gb/", 429, {"Retry-After": "60"})
    result = make(fake, countries=("us", "gb")).poll([ACME], {})
    assert len(result.observations) == 1 and result.partial
    assert set(result.cursor["feeds"]) == {f"{APP}/us"}  # gb is read next time, from where it was


def test_absurd_numbers_are_made_unknown(fake: FakeReviews) -> None:
    fake.add_app_review(APP, NOW - timedelta(hours=1), stars="7", votes="1e308")
    src = make(fake)
    [obs] = src.poll([ACME], {}).observations
    assert obs.rating is None and obs.metrics.likes is None and obs.kind == "review"
    assert src.drops.take() == {"number": 2}


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                     max_leaves=20)
_labelled = st.fixed_dictionaries({"label": _json})


@settings(max_examples=150, deadline=None)
@given(entry=_json | st.fixed_dictionaries({}, optional={
    "id": _labelled, "updated": _labelled | st.just({"label": "2024-05-01T10:11:12-07:00"}), "im:rating": _labelled,
    "title": _labelled, "content": _labelled, "author": st.fixed_dictionaries({}, optional={"name": _labelled, "uri": _labelled}),
    "im:voteSum": _labelled}))
def test_any_json_never_raises_and_fields_stay_in_bounds(entry: Any) -> None:
    obs = parse_entry(entry, APP, "us", NOW)
    if obs is not None:
        assert obs.rating is None or 1 <= obs.rating <= 5
        assert obs.metrics.likes is None or 0 <= obs.metrics.likes <= 10**12
        assert obs.kind == "review" and obs.id.startswith("us/")


def test_config_validation_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"sources.appstore.apps\[0\].id"):
        parse_config('[sources.appstore]\napps = [{ id = "acme-app", brand = "Acme" }]\n')
    with pytest.raises(ConfigError, match=r"sources.appstore.apps\[0\].countries"):
        parse_config('[sources.appstore]\napps = [{ id = "284882215", brand = "Acme", countries = ["usa"] }]\n')
    with pytest.raises(ConfigError, match=r"sources.appstore.apps\[0\].brand"):
        parse_config('[sources.appstore]\napps = [{ id = "284882215" }]\n')
    with pytest.raises(ConfigError, match=r"sources.appstore.apps\[0\].colour"):
        parse_config('[sources.appstore]\napps = [{ id = "284882215", brand = "Acme", colour = "red" }]\n')
    ok = parse_config('[sources.appstore]\napps = [{ id = "id284882215", brand = "Acme", countries = ["US", "gb"] }]\n')
    assert ok.config.sources.appstore.apps[0] == AppConfig(id="284882215", brand="Acme", countries=["us", "gb"])


def test_no_apps_means_off_on_purpose_and_check_config_says_so(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text('[[brands]]\nname = "Acme"\nkeywords = ["acme"]\n[sources.appstore]\n[sources.hackernews]\n')
    result = CliRunner().invoke(main, ["check-config", str(cfg)])
    assert result.exit_code == 0 and "sources.appstore: off (no apps configured)" in result.output
    cfg.write_text('[[brands]]\nname = "Acme"\nkeywords = ["acme"]\n[sources.appstore]\napps = [{ id = "284882215", brand = "Acme" }]\n')
    result = CliRunner().invoke(main, ["check-config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "sources.appstore: on, every 15m" in result.output


def test_budget_is_the_configs_and_usage_counts_every_request(fake: FakeReviews) -> None:
    section = AppStoreConfig(apps=[AppConfig(id=APP, brand="Acme")], budget={"requests": 100, "per": "1h"})  # type: ignore[arg-type]
    assert budgets_for(section) == [Budget("requests", 100, 3600.0)]
    src = make(fake, countries=("us", "gb", "de"))
    src.poll([ACME], {})
    assert src.usage["requests"] == len(fake.requests) == 3
