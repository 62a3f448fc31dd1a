"""GooglePlaySource against a local fake of the Android Publisher API v3 and of Google's OAuth 2.0
token endpoint (real HTTP, a real RSA key, the JWT's signature checked by the fake).

Payload shapes come from the Android Publisher API v3 reference (``reviews.list``:
ReviewsListResponse, Review, Comment, UserComment, DeveloperComment, Timestamp with ``seconds`` as a
string, TokenPagination, PageInfo), Google's JSON error body (401 UNAUTHENTICATED, 403
PERMISSION_DENIED, 429 rateLimitExceeded) and the token endpoint as RFC 6749/7523 and Google's
service-account guide describe it (``access_token``/``expires_in``; ``invalid_grant``): see
tests/fakes/google.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.config.settings import load_config, parse_config
from monitor.daemon.app import build_sources
from monitor.daemon.quota import budgets_for
from monitor.errors import ConfigError, RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.googleplay import GooglePlayConfig, GooglePlaySource, parse_review
from tests.conftest import FakeClock
from tests.fakes.google import FakeGooglePlay, google_error

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air",))
PKG = "com.acmeair.app"
EMAIL = "monitor@acme-project.iam.gserviceaccount.com"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
REVIEWS = f"/androidpublisher/v3/applications/{PKG}/reviews"


def key_json(token_uri: str) -> str:
    return json.dumps({"type": "service_account", "project_id": "acme-project", "private_key_id": "abc123",
                       "private_key": PRIVATE_PEM, "client_email": EMAIL, "client_id": "1234567890",
                       "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
                       "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs"})


@pytest.fixture
def fake() -> Iterator[FakeGooglePlay]:
    with FakeGooglePlay(PUBLIC_PEM, EMAIL) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def make(fake: FakeGooglePlay, clock: FakeClock, **kw: object) -> GooglePlaySource:
    return GooglePlaySource(service_account=key_json(fake.token_uri), clock=clock, apps={PKG: "Acme Air"},
                            api_base_url=fake.url, **kw)  # type: ignore[arg-type]


def ago(**kw: float) -> float:
    return (NOW - timedelta(**kw)).timestamp()


def test_reviews_and_answers(fake: FakeGooglePlay, clock: FakeClock) -> None:
    assert load_source_class("googleplay") is GooglePlaySource
    fake.add_review(PKG, "gp:AOqp1", "App crashes at check-in\tlost my seat", ago(hours=3), stars=1, thumbs=12,
                    reply="Sorry! Please update to 1.2.1", replied=ago(hours=1))
    fake.add_review(PKG, "gp:AOqp2", "great", ago(hours=2), stars=5, author=None)
    source = make(fake, clock)
    assert isinstance(source, Source)

    r = source.poll([ACME], {})

    by_id = {o.id: o for o in r.observations}
    assert set(by_id) == {"gp:AOqp1", "gp:AOqp1/reply", "gp:AOqp2"} and not r.partial
    rev = by_id["gp:AOqp1"]
    assert (rev.source, rev.kind, rev.rating, rev.metrics.likes, rev.lang, rev.brand) == \
        ("googleplay", "review", 1, 12, "en", "Acme Air")
    assert rev.text == "App crashes at check-in\tlost my seat" and rev.author.handle == "Ann"
    assert rev.created_at == NOW - timedelta(hours=3) and rev.observed_at == NOW and not rev.by_brand
    assert rev.url == f"https://play.google.com/store/apps/details?id={PKG}&reviewId=gp:AOqp1"
    ans = by_id["gp:AOqp1/reply"]
    assert (ans.kind, ans.in_reply_to, ans.conversation_id, ans.by_brand, ans.brand) == \
        ("comment", "gp:AOqp1", "gp:AOqp1", True, "Acme Air")
    assert by_id["gp:AOqp2"].author.handle is None and by_id["gp:AOqp2"].rating == 5
    # The JWT bearer grant: signed by the key, for the androidpublisher scope, at the key's token_uri.
    (claims,) = fake.assertions
    assert claims["iss"] == EMAIL and claims["scope"] == "https://www.googleapis.com/auth/androidpublisher"
    assert claims["aud"] == fake.token_uri and claims["iat"] == int(NOW.timestamp())
    assert fake.requests_to(REVIEWS)[0].headers["authorization"] == "Bearer ya29.fake-1"
    assert source.usage == {"requests": 2, "reads": 2}


def test_pages_cursor_edits_and_new_answers(fake: FakeGooglePlay, clock: FakeClock) -> None:
    ids = [fake.add_review(PKG, f"gp:R{i:03d}", f"review {i}", ago(days=2) + i)["reviewId"] for i in range(250)]
    source = make(fake, clock)
    r1 = source.poll([ACME], {})
    assert sorted(o.id for o in r1.observations) == sorted(ids) and len(fake.requests_to(REVIEWS)) == 3

    clock.advance(minutes=30)
    fake.clear_log()
    r2 = source.poll([ACME], r1.cursor)
    assert r2.observations == [] and len(fake.requests_to(REVIEWS)) == 3  # the week's pages, nothing new in them
    assert len(fake.tokens) == 1  # the token is reused within its hour

    clock.advance(hours=1)
    fake.add_review(PKG, "gp:R010", "review 10, edited: now it crashes", clock.now.timestamp() - 60, stars=2)
    fake.add_review(PKG, "gp:R011", "review 11", ago(days=2) + 11, reply="Thanks!", replied=clock.now.timestamp() - 30)
    fake.add_review(PKG, "gp:NEW", "brand new", clock.now.timestamp() - 10)
    r3 = source.poll([ACME], r2.cursor)
    got = {o.id: o for o in r3.observations}
    assert set(got) == {"gp:R010", "gp:R011/reply", "gp:NEW"}  # an edit is a later snapshot; the old review not again
    assert got["gp:R010"].rating == 2 and len(fake.tokens) == 2  # an hour later: a new token
    assert source.poll([ACME], r3.cursor).observations == []
    # What is older than the week the API serves (and a margin) is forgotten.
    clock.advance(days=9)
    assert "gp:R010" not in source.poll([ACME], r3.cursor).cursor["apps"][PKG]["seen"]


def test_translation_language(fake: FakeGooglePlay, clock: FakeClock) -> None:
    fake.add_review(PKG, "gp:PL1", "aplikacja się zawiesza", ago(hours=1), lang="pl")
    (obs,) = make(fake, clock, translation_language="en").poll([ACME], {}).observations
    assert obs.text == "[en] aplikacja się zawiesza" and obs.lang == "en"
    assert fake.requests_to(REVIEWS)[0].param("translationLanguage") == "en"


def test_errors(fake: FakeGooglePlay, clock: FakeClock) -> None:
    fake.add_review(PKG, "gp:A", "crash", ago(hours=1))
    source = make(fake, clock)
    source.poll([ACME], {})
    fake.tokens.clear()  # the token was revoked: 401, one new token, the call again
    clock.advance(minutes=5)
    fake.add_review(PKG, "gp:B", "crash again", ago(minutes=30))
    assert [o.id for o in source.poll([ACME], {"v": 1, "apps": {PKG: {"newest": int(ago(hours=1)),
                                                                      "seen": {"gp:A": int(ago(hours=1))}}}}).observations] == ["gp:B"]
    fake.forbidden.add(PKG)
    with pytest.raises(SourceError) as denied:
        source.poll([ACME], {})
    assert denied.value.permanent and "permissionDenied" in str(denied.value)
    fake.forbidden.clear()
    fake.fail_next(REVIEWS, 429, {"Retry-After": "120"},
                   body=json.dumps(google_error(429, "rateLimitExceeded", "Rate Limit Exceeded").payload))
    with pytest.raises(RateLimited) as limited:
        source.poll([ACME], {})
    assert limited.value.retry_after == 120
    fake.fail_next(REVIEWS, 200, body="{not json")
    with pytest.raises(SourceError, match="not JSON"):
        source.poll([ACME], {})
    fake.fail_next(REVIEWS, 503, {"Retry-After": "30"}, body=json.dumps(google_error(503, "backendError", "x").payload))
    with pytest.raises(SourceError) as unavailable:
        source.poll([ACME], {})
    assert not unavailable.value.permanent and unavailable.value.retry_after == 30
    # A key Google no longer accepts: permanent, and nothing of the key in the message.
    fake.revoked = True
    with pytest.raises(SourceError) as bad:
        make(fake, clock).poll([ACME], {})
    assert bad.value.permanent and "invalid_grant" in str(bad.value)
    assert PRIVATE_PEM.splitlines()[1] not in str(bad.value) and "BEGIN" not in str(bad.value)


def test_a_failing_page_keeps_the_apps_state(fake: FakeGooglePlay, clock: FakeClock) -> None:
    for i in range(150):
        fake.add_review(PKG, f"gp:R{i:03d}", f"r{i}", ago(days=1) + i)
    source = make(fake, clock)
    fake.fail_next(REVIEWS, 500, skip=1, body=json.dumps(google_error(500, "backendError", "Backend Error").payload))
    with pytest.raises(SourceError):
        source.poll([ACME], {})
    assert len(source.poll([ACME], {}).observations) == 150  # all read again, none lost


def test_config(tmp_path: Path, fake: FakeGooglePlay) -> None:
    loaded = load_config(None, env={})
    _, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert "service_account and apps" in off["googleplay"]
    keyfile = tmp_path / "play.json"
    keyfile.write_text(key_json(fake.token_uri))
    os.chmod(keyfile, 0o600)
    text = (f'[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n[sources.googleplay]\n'
            f'service_account_file = "{keyfile}"\napps = [{{ package = "{PKG}", brand = "Acme Air" }}]\n')
    loaded = parse_config(text, base=tmp_path)
    active, _ = build_sources(loaded.config, FakeClock(), loaded.off)
    assert isinstance(active["googleplay"], GooglePlaySource)
    assert key_json(fake.token_uri) in loaded.config.secrets()  # the key file's contents: a secret, never shown
    assert "PRIVATE KEY" not in repr(loaded.config)
    with pytest.raises(ConfigError, match="sources.googleplay.interval: at most 1d"):
        parse_config(text + 'interval = "2d"\n', base=tmp_path)
    with pytest.raises(ConfigError, match=r"sources.googleplay.apps.*package"):
        parse_config(text.replace(PKG, "not a package"), base=tmp_path)
    broken = parse_config('[sources.googleplay]\nservice_account = "${K}"\napps = [{ package = "a.b", brand = "A" }]\n',
                          env={"K": '{"type": "service_account", "client_email": "x@y", "private_key": "nope"}'})
    with pytest.raises(ConfigError, match="sources.googleplay: service_account's private_key is not a usable RSA key"):
        build_sources(broken.config, FakeClock(), broken.off)
    assert [(b.unit, b.limit, b.per) for b in budgets_for(GooglePlayConfig())] == [("requests", 200, 3600.0)]
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[brands]]\nname = "Acme"\nkeywords = ["acme"]\n[sources.hackernews]\n[sources.googleplay]\n'
                   f'service_account_file = "{keyfile}"\n')
    result = CliRunner().invoke(main, ["check-config", str(cfg)])
    assert "sources.googleplay: off (no credentials: set sources.googleplay.apps)" in result.output
    assert "BEGIN" not in result.output


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
                    max_leaves=20)
STAMP = st.fixed_dictionaries({"seconds": JSON | st.just("1772400000") | st.integers(), "nanos": JSON})
USER = st.fixed_dictionaries({"text": JSON | st.just("bad app"), "lastModified": STAMP | JSON, "starRating": JSON,
                              "thumbsUpCount": JSON, "reviewerLanguage": JSON})


@settings(max_examples=200, deadline=None)
@given(review=JSON | st.fixed_dictionaries({"reviewId": JSON | st.just("gp:X"), "authorName": JSON, "comments": st.lists(
    st.fixed_dictionaries({"userComment": USER | JSON}) | st.fixed_dictionaries({"developerComment": USER | JSON}) | JSON,
    max_size=3) | JSON}))
def test_any_json_review_parses_or_is_left_out(review: object) -> None:
    for o in parse_review(review, PKG, NOW):
        assert o.rating is None or 1 <= o.rating <= 5
        assert o.metrics.likes is None or 0 <= o.metrics.likes <= 10**12
        assert o.text.strip() and o.kind in ("review", "comment")


def test_absurd_numbers_are_unknown() -> None:
    review = {"reviewId": "gp:X", "comments": [{"userComment": {"text": "hm", "lastModified": {"seconds": "1772400000"},
                                                                "starRating": 9, "thumbsUpCount": 1e308}}]}
    (obs,) = parse_review(review, PKG, NOW)
    assert obs.rating is None and obs.metrics.likes is None
