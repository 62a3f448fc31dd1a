"""TrustpilotSource against a local fake of Trustpilot's Business Units API (real HTTP).

Payload shapes (tests/fakes/reviews.py) follow the published reference of
``GET /v1/business-units/{businessUnitId}/reviews`` (developers.trustpilot.com, Business Units API,
as known from it; not fetched here): ``reviews`` of ``id``, ``stars``, ``title``, ``text``,
``language``, ``createdAt`` (``2024-05-01T10:11:12.000Z``), ``updatedAt``, ``consumer`` (``id``,
``displayName``, ``numberOfReviews``, ``displayLocation``), ``companyReply`` (``text``, ``createdAt``,
``updatedAt``) or null, ``isVerified``, ``numberOfLikes``, ``status``, ``reportData``,
``complianceLabels``, ``links``; top-level ``links`` with ``rel: next-page``; parameters ``page``,
``perPage`` (100 at most), ``orderBy=createdat.desc``, ``stars``, ``language``. The key travels in the
``apikey`` header, as public connectors send it (Airbyte's source-trustpilot). A wrong key answers 401
with the API gateway's fault body (``{"fault": {"faultstring": "Invalid ApiKey", ...}}``), an unknown
business unit 404, too many calls 429 with Retry-After.
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
from monitor.config.settings import load_config, parse_config
from monitor.daemon.app import build_sources
from monitor.daemon.quota import Budget, budgets_for
from monitor.errors import ConfigError, RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class, post_link
from sources.trustpilot import BusinessUnitConfig, TrustpilotConfig, TrustpilotSource, parse_review
from tests.conftest import FakeClock
from tests.fakes.reviews import FakeReviews

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme", ("acme",))
UNIT = "46d6a890000064000500e0c3"
KEY = "tp-key-123456"
PATH = f"/v1/business-units/{UNIT}/reviews"


@pytest.fixture
def fake() -> Iterator[FakeReviews]:
    with FakeReviews(api_key=KEY) as server:
        server.add_tp_unit(UNIT)
        yield server


def make(fake: FakeReviews, key: str = KEY, units: tuple[str, ...] = (UNIT,), **kw: Any) -> TrustpilotSource:
    return TrustpilotSource(api_key=key, clock=lambda: NOW, api_base_url=fake.url,
                            business_units=[BusinessUnitConfig(id=u, brand="Acme") for u in units], **kw)


def test_registry_protocol_and_links() -> None:
    assert load_source_class("trustpilot") is TrustpilotSource
    assert isinstance(TrustpilotSource(api_key=KEY, clock=lambda: NOW), Source)
    assert post_link("uk.trustpilot.com/reviews/663a1f0e8b1c2d3e4f5a6b7c") == ("trustpilot", "663a1f0e8b1c2d3e4f5a6b7c")


def test_a_review_and_its_company_reply(fake: FakeReviews) -> None:
    created, answered = NOW - timedelta(hours=5), NOW - timedelta(hours=1)
    rid = fake.add_tp_review(UNIT, created, stars=1, title="Locked out", text="Login fails every time.", name="Kim",
                             reply=("Sorry Kim, we are on it.", answered), likes=3)
    src = make(fake)
    review, reply = src.poll([ACME], {}).observations
    assert (review.source, review.id, review.kind, review.rating, review.brand) == ("trustpilot", rid, "review", 1, "Acme")
    assert review.text == "Locked out\nLogin fails every time." and review.lang == "en"
    assert review.url == f"https://www.trustpilot.com/reviews/{rid}" and review.created_at == created
    assert review.author.handle == "Kim" and review.metrics.likes == 3 and not review.by_brand
    assert (reply.id, reply.kind, reply.in_reply_to, reply.by_brand, reply.brand) == (f"{rid}/reply", "comment", rid, True, "Acme")
    assert reply.created_at == answered and reply.text == "Sorry Kim, we are on it." and reply.rating is None
    req = fake.requests_to(PATH)[0]
    assert req.headers["apikey"] == KEY and req.param("apikey") is None  # the key never in a URL
    assert (req.param("perPage"), req.param("orderBy"), req.param("page")) == ("100", "createdat.desc", "1")


def test_stars_and_language_filters_are_sent(fake: FakeReviews) -> None:
    fake.add_tp_review(UNIT, NOW - timedelta(hours=1), stars=5)
    low = fake.add_tp_review(UNIT, NOW - timedelta(hours=2), stars=2)
    result = make(fake, stars=[1, 2], language="en").poll([ACME], {})
    assert [o.id for o in result.observations] == [low]
    req = fake.requests_to(PATH)[0]
    assert req.param("stars") == "1,2" and req.param("language") == "en"


def test_pages_and_cursor_across_polls(fake: FakeReviews) -> None:
    start = NOW - timedelta(days=3)
    for i in range(150):
        fake.add_tp_review(UNIT, start + timedelta(minutes=i))
    src = make(fake)
    first = src.poll([ACME], {})
    assert len(first.observations) == 100 and len(fake.requests) == 1  # one page only at first
    fake.clear_log()
    new = [fake.add_tp_review(UNIT, start + timedelta(hours=4, minutes=i)) for i in range(230)]
    second = src.poll([ACME], first.cursor)
    assert sorted(o.id for o in second.observations) == sorted(new)  # no duplicates, no gaps
    assert [r.param("page") for r in fake.requests] == ["1", "2", "3"]
    fake.clear_log()
    assert src.poll([ACME], second.cursor).observations == [] and len(fake.requests) == 1


def test_a_page_budget_that_runs_out_is_made_up_later(fake: FakeReviews) -> None:
    start = NOW - timedelta(days=3)
    fake.add_tp_review(UNIT, start)
    src = make(fake, max_pages=2)
    cursor = src.poll([ACME], {}).cursor
    new = [fake.add_tp_review(UNIT, start + timedelta(hours=1, minutes=i)) for i in range(350)]
    got: list[str] = []
    for _ in range(4):
        result = src.poll([ACME], cursor)
        got += [o.id for o in result.observations]
        cursor = result.cursor
    assert sorted(got) == sorted(new) and "floor" not in cursor["units"][UNIT]


def test_bad_key_unknown_unit_rate_limit_and_garbage(fake: FakeReviews) -> None:
    fake.add_tp_review(UNIT, NOW - timedelta(hours=1))
    with pytest.raises(SourceError, match="HTTP 401.*check sources.trustpilot.api_key") as bad:
        make(fake, key="wrong-key-999").poll([ACME], {})
    assert bad.value.permanent and "wrong-key-999" not in str(bad.value)
    with pytest.raises(SourceError, match="HTTP 404") as unknown:
        make(fake, units=("000000000000000000000bad",)).poll([ACME], {})
    assert unknown.value.permanent
    fake.fail_next(PATH, 429, {"Retry-After": "300", "X-RateLimit-Remaining": "0"})
    with pytest.raises(RateLimited) as limited:
        make(fake).poll([ACME], {})
    assert limited.value.retry_after == 300
    fake.fail_next(PATH, 500)
    with pytest.raises(SourceError) as down:
        make(fake).poll([ACME], {})
    assert not down.value.permanent
    fake.fail_next(PATH, 200, body="{not json")
    with pytest.raises(SourceError, match="not JSON"):
        make(fake).poll([ACME], {})
    fake.fail_next(PATH, 200, body='{"reviews": {}}')
    with pytest.raises(SourceError, match="not a list of reviews"):
        make(fake).poll([ACME], {})


def test_one_unknown_unit_does_not_stop_the_others(fake: FakeReviews) -> None:
    rid = fake.add_tp_review(UNIT, NOW - timedelta(hours=1))
    result = make(fake, units=("000000000000000000000bad", UNIT)).poll([ACME], {})
    assert [o.id for o in result.observations] == [rid] and result.partial and "HTTP 404" in (result.note or "")


def test_absurd_numbers_are_made_unknown(fake: FakeReviews) -> None:
    fake.add_tp_review(UNIT, NOW - timedelta(hours=1), stars=9, likes=1e308)
    src = make(fake)
    [obs] = src.poll([ACME], {}).observations
    assert obs.rating is None and obs.metrics.likes is None
    assert src.drops.take() == {"number": 2}


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                     max_leaves=20)
_date = _json | st.just("2024-05-01T10:11:12.000Z")


@settings(max_examples=150, deadline=None)
@given(review=_json | st.fixed_dictionaries({}, optional={
    "id": _json | st.just("663a1f0e8b1c2d3e4f5a6b7c"), "createdAt": _date, "stars": _json, "title": _json, "text": _json,
    "numberOfLikes": _json, "language": _json, "consumer": _json,
    "companyReply": _json | st.fixed_dictionaries({}, optional={"text": _json, "createdAt": _date})}))
def test_any_json_never_raises_and_fields_stay_in_bounds(review: Any) -> None:
    for obs in parse_review(review, UNIT, NOW, "Acme"):
        assert obs.rating is None or 1 <= obs.rating <= 5
        assert obs.metrics.likes is None or 0 <= obs.metrics.likes <= 10**12
        assert obs.by_brand == (obs.kind == "comment")


def test_off_without_key_or_units_and_check_config_says_so(tmp_path: Path) -> None:
    loaded = load_config(None, env={})
    _, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert "TRUSTPILOT_API_KEY" in off["trustpilot"]
    loaded = load_config(None, env={"TRUSTPILOT_API_KEY": KEY})
    _, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert off["trustpilot"] == "no business units configured"
    cfg = tmp_path / "m.toml"
    cfg.write_text('[[brands]]\nname = "Acme"\nkeywords = ["acme"]\n[sources.hackernews]\n[sources.trustpilot]\n'
                   f'business_units = [{{ id = "{UNIT}", brand = "Acme" }}]\n')
    result = CliRunner().invoke(main, ["check-config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "sources.trustpilot: off (no credentials: set sources.trustpilot.api_key)" in result.output
    cfg.write_text(cfg.read_text() + 'api_key = "${TP_KEY}"\n')
    result = CliRunner().invoke(main, ["check-config", str(cfg)], env={"TP_KEY": KEY})
    assert "sources.trustpilot: on, every 5m" in result.output and KEY not in result.output


def test_config_validation_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"sources.trustpilot.business_units\[0\].id"):
        parse_config('[sources.trustpilot]\nbusiness_units = [{ id = "not an id!", brand = "Acme" }]\n')
    with pytest.raises(ConfigError, match=r"sources.trustpilot.business_units\[0\].brand"):
        parse_config(f'[sources.trustpilot]\nbusiness_units = [{{ id = "{UNIT}" }}]\n')
    with pytest.raises(ConfigError, match=r"sources.trustpilot.stars"):
        parse_config('[sources.trustpilot]\nstars = [0, 6]\n')
    with pytest.raises(ConfigError, match=r"sources.trustpilot.language"):
        parse_config('[sources.trustpilot]\nlanguage = "english"\n')


def test_budget_defaults_to_the_keys_hourly_limit_and_usage_counts_requests(fake: FakeReviews) -> None:
    assert budgets_for(TrustpilotConfig()) == [Budget("requests", 10_000, 3600.0)]
    section = TrustpilotConfig(budget={"requests": 50, "per": "1h"})  # type: ignore[arg-type]
    assert budgets_for(section) == [Budget("requests", 50, 3600.0)]
    src = make(fake)
    src.poll([ACME], {})
    assert src.usage["requests"] == len(fake.requests) == 1
