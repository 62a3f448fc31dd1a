"""Google Play: the reviews of the brand's Android apps and the developer's answers to them, through
the Android Publisher API v3 (``reviews.list``) with a service account.

The API serves only the reviews created or changed in the last week, so the source must poll at
least daily (a longer ``interval`` is refused). Each poll reads every page of each app's week (up
to ``max_pages`` of 100): the API documents no order to rely on for stopping early, and a developer's
answer to a review from days ago must still be seen. A review is emitted when it is new or was edited
(its ``lastModified`` moved: a later snapshot of the same review), and the developer's answer is a
comment of its own (``by_brand``), emitted likewise; the cursor remembers what was emitted for the
week the API serves (and a day's margin).

Authentication is OAuth 2.0's JWT bearer grant: a JWT signed with the service account's private key
(``google.auth.crypt``/``google.auth.jwt``, the signing half of the google-auth package) is exchanged
at the key file's ``token_uri`` for an hour's access token. The exchange itself goes through the
source's own bounded HTTP client rather than google-auth's, which retries with ``time.sleep`` inside
the poll and times the token with the wall clock: here the scheduler owns retries and the clock is
the injected one. The key's contents are a secret: never logged, redacted from every error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, ClassVar

from google.auth import crypt, jwt
from pydantic import Field

from monitor.config.durations import Interval, format_duration
from monitor.config.secrets import Secret, reveal
from monitor.errors import SourceError
from monitor.models import RATING_RANGE, Author, BrandQuery, Metrics, Observation, PollResult
from sources._config import Entry, FromSection, SourceSection, matching
from sources._google import GoogleClient, GoogleError
from sources._http import Drops, as_dict, epoch_to_utc
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE

API = "https://androidpublisher.googleapis.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - an endpoint, not a secret
SCOPE = "https://www.googleapis.com/auth/androidpublisher"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PAGE = 100  # reviews per page
WEEK = 7 * 86400.0  # what the API serves
KEEP = 8 * 86400.0  # how long a review's last seen version is remembered (a week and a margin)
SEEN_LIMIT = 20_000
REQUESTS_PER_HOUR = 200  # Google's published quota for reviews GETs
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")
_SECONDS = re.compile(r"^-?[0-9]{1,12}$")


def review_url(package: str, review: str) -> str:
    return f"https://play.google.com/store/apps/details?id={package}&reviewId={review}"


def _time(value: Any) -> datetime | None:
    """A protobuf ``Timestamp`` (``{"seconds": "1714557072", "nanos": 0}``) as a datetime."""
    seconds = as_dict(value).get("seconds")
    if isinstance(seconds, str) and _SECONDS.match(seconds):
        seconds = int(seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        return None
    return epoch_to_utc(seconds)


def _rating(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and RATING_RANGE[0] <= value <= RATING_RANGE[1]:
        return value
    return None


def parse_review(review: Any, package: str, observed_at: datetime, *, brand: str | None = None,
                 translated: str | None = None, drops: Drops | None = None) -> list[Observation]:
    """One ``Review``: the user's comment as a review (stars, thumbs up as likes) and the developer's
    answer, if any, as a comment by the brand. What cannot be used is left out."""
    review = as_dict(review)
    rid = _text(review.get("reviewId"))
    if rid is None or len(rid) > 200:
        return []
    comments = review.get("comments")
    comments = comments if isinstance(comments, list) else []
    user = next((as_dict(c.get("userComment")) for c in comments if isinstance(c, dict) and "userComment" in c), {})
    dev = next((as_dict(c.get("developerComment")) for c in comments if isinstance(c, dict) and "developerComment" in c),
               {})
    count = partial(_count, drops=drops)
    url = review_url(package, rid)
    out: list[Observation] = []
    text, created = _text(user.get("text")), _time(user.get("lastModified"))
    if text is not None and created is not None and text.strip():
        lang = translated if translated and _text(user.get("originalText")) else _text(user.get("reviewerLanguage"))
        out.append(Observation(
            source="googleplay", id=rid, url=url, kind="review", text=text.strip(), lang=lang,
            author=Author(handle=_text(review.get("authorName"))), created_at=created, observed_at=observed_at,
            metrics=Metrics(likes=count(user.get("thumbsUpCount"))), conversation_id=rid, brand=brand,
            rating=_rating(user.get("starRating"))))
    answer, answered = _text(dev.get("text")), _time(dev.get("lastModified"))
    if answer is not None and answered is not None and answer.strip():
        out.append(Observation(
            source="googleplay", id=f"{rid}/reply", url=url, kind="comment", text=answer.strip(),
            created_at=answered, observed_at=observed_at, in_reply_to=rid, conversation_id=rid, brand=brand,
            by_brand=True))
    return out


class AppConfig(Entry):
    """One app: its package name and the brand its reviews are about."""

    package: Annotated[str, matching(_PACKAGE, "{v!r} is not an Android package name (com.example.app)")]
    brand: str


class GooglePlayConfig(SourceSection):
    """``[sources.googleplay]``: a service account's JSON key (``service_account_file``) and the apps."""

    needs: ClassVar[tuple[str, ...]] = ("service_account", "apps")
    needs_hint: ClassVar[str] = ("the Google Play Developer API needs a service account's JSON key "
                                 "(service_account_file) and the apps to read")
    max_interval: ClassVar[float] = 86400.0
    api_limit: ClassVar[tuple[str, int, float] | None] = ("requests", REQUESTS_PER_HOUR, 3600.0)

    service_account: Secret = None  # the JSON key itself; usually service_account_file = "/path/key.json"
    apps: list[AppConfig] = Field(default_factory=list)
    interval: Interval = 3600.0
    translation_language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$")
    max_pages: int = Field(default=10, ge=1, le=100)  # pages of 100 reviews per app and poll

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "service_account": reveal(self.service_account) or "",
                "apps": {a.package: a.brand for a in self.apps}, "translation_language": self.translation_language,
                "max_pages": self.max_pages}

    def problems(self) -> list[tuple[str, str]]:
        out = super().problems()
        if self.enabled and self.interval > self.max_interval:
            out.append(("interval", f"at most {format_duration(self.max_interval)} for this source (the API serves "
                                    "only the last week's reviews; a longer interval would miss some)"))
        return out


def load_key(text: str) -> dict[str, str]:
    """The fields of a service account's JSON key the source uses; ``ValueError`` (never quoting the
    key) when it is not one."""
    try:
        info = json.loads(text)
    except ValueError:
        raise ValueError("service_account is not JSON (expected a service account's JSON key file)") from None
    if not isinstance(info, dict) or info.get("type", "service_account") != "service_account":
        raise ValueError("service_account is not a service account's JSON key")
    missing = [k for k in ("client_email", "private_key") if not isinstance(info.get(k), str) or not info[k]]
    if missing:
        raise ValueError(f"service_account lacks {' and '.join(missing)}")
    token_uri: str = info["token_uri"] if isinstance(info.get("token_uri"), str) else TOKEN_URI
    if not token_uri.startswith(("https://", "http://")):
        raise ValueError("service_account's token_uri is not an http(s) URL")
    return {"client_email": info["client_email"], "private_key": info["private_key"], "token_uri": token_uri,
            "private_key_id": info.get("private_key_id") if isinstance(info.get("private_key_id"), str) else ""}


class GooglePlaySource(FromSection):
    color = "#2f9e44"  # its line in the charts
    name = "googleplay"
    config_model = GooglePlayConfig

    def __init__(self, *, service_account: str, clock: Callable[[], datetime], apps: Mapping[str, str],
                 api_base_url: str | None = None, translation_language: str | None = None, max_pages: int = 10,
                 timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        key = load_key(service_account)
        try:
            self._signer = crypt.RSASigner.from_service_account_info(key)
        except (ValueError, TypeError, IndexError):
            raise ValueError("service_account's private_key is not a usable RSA key") from None
        self._email, self._token_uri = key["client_email"], key["token_uri"]
        self._clock = clock
        self.apps = dict(apps)
        self.translation_language = translation_language
        self.max_pages = max(1, int(max_pages))
        self._client = GoogleClient("googleplay", api_base_url or API, clock=clock, timeout=timeout,
                                    secrets=[service_account, key["private_key"]], max_response_size=max_response_size,
                                    request_deadline=request_deadline)
        self._token: str | None = None
        self._token_until: datetime | None = None
        self.usage: dict[str, int] = {"requests": 0, "reads": 0}
        self.drops = Drops()

    # -- auth ----------------------------------------------------------------------------------------

    def _access_token(self) -> str:
        now = self._clock()
        if self._token and self._token_until and now < self._token_until:
            return self._token
        iat = int(now.timestamp())
        claims = {"iss": self._email, "scope": SCOPE, "aud": self._token_uri, "iat": iat, "exp": iat + 3600}
        assertion = jwt.encode(self._signer, claims).decode()
        # Counted in usage by the _call that needed the token.
        answer = as_dict(self._client.get(self._token_uri, None, data={"grant_type": GRANT, "assertion": assertion}))
        token, expires = _text(answer.get("access_token")), _count(answer.get("expires_in"))
        if token is None:
            raise SourceError("googleplay: the token endpoint answered no access_token")
        self._client.secrets.append(token)
        self._token = token
        self._token_until = now + timedelta(seconds=max(60, min(expires or 3600, 86400) - 300))
        return token

    def _call(self, path: str, params: dict[str, Any] | None) -> Any:
        """One authorised GET (and the token request before it, if one is due)."""
        before = self._client.usage["requests"]
        try:
            try:
                return self._client.get(path, params, headers={"Authorization": f"Bearer {self._access_token()}"})
            except GoogleError as exc:
                if exc.status != 401 or self._token is None:
                    raise
                self._token = None  # revoked or expired early: one new token, one more try
                return self._client.get(path, params, headers={"Authorization": f"Bearer {self._access_token()}"})
        finally:
            self.usage["requests"] += self._client.usage["requests"] - before

    # -- polling -------------------------------------------------------------------------------------

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        now = self._clock()
        old = as_dict(as_dict(cursor).get("apps"))
        states = {p: dict(as_dict(old.get(p))) for p in self.apps}
        names = {b.name for b in brands}
        out: list[Observation] = []
        try:
            for package, brand in self.apps.items():
                if brand in names:
                    states[package] = self._poll_app(package, brand, states[package], now, out)
        except SourceError as exc:
            if not out:
                raise
            wait = f" (retry after {exc.retry_after:.0f}s)" if exc.retry_after is not None else ""
            return PollResult(out, {"v": 1, "apps": states}, partial=True, note=f"{exc}{wait}")
        return PollResult(out, {"v": 1, "apps": states})

    def _poll_app(self, package: str, brand: str, state: dict[str, Any], now: datetime,
                  out: list[Observation]) -> dict[str, Any]:
        """The app's new and changed reviews and answers, added to ``out`` once every page asked for has
        come, and its new state; on a failure nothing of this app is added and its state stays as it
        was, so the same reviews are read again next time (nothing lost, nothing twice)."""
        seen = {k: v for k, v in as_dict(state.get("seen")).items() if isinstance(v, int) and not isinstance(v, bool)}
        found: list[Observation] = []
        token: str | None = None
        last = state.get("newest")
        top: int = last if isinstance(last, int) and not isinstance(last, bool) else 0
        for _ in range(self.max_pages):
            params: dict[str, Any] = {"maxResults": PAGE, **({"token": token} if token else {}),
                                      **({"translationLanguage": self.translation_language}
                                         if self.translation_language else {})}
            answer = as_dict(self._call(f"/androidpublisher/v3/applications/{package}/reviews", params))
            reviews = answer.get("reviews", [])
            if not isinstance(reviews, list):
                raise SourceError(f"googleplay: {package}: the answer holds no list of reviews")
            self.usage["reads"] += len(reviews)
            for review in reviews:
                observations = parse_review(review, package, now, brand=brand, translated=self.translation_language,
                                            drops=self.drops)
                if not observations:
                    self.drops.add("post")
                for obs in observations:
                    at = int(obs.created_at.timestamp())
                    top = max(top, at)
                    if seen.get(obs.id) != at:
                        seen[obs.id] = at
                        found.append(obs)
            token = _text(as_dict(answer.get("tokenPagination")).get("nextPageToken"))
            if token is None:
                break
        out.extend(found)
        horizon = int(now.timestamp() - KEEP)
        kept = sorted(((k, v) for k, v in seen.items() if v >= horizon), key=lambda kv: kv[1])[-SEEN_LIMIT:]
        return {**({"newest": top} if top else {}), "seen": dict(kept)}

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Nothing re-read: ``reviews.get`` needs the app, which an id does not carry, and a review that
        changes within the week (an edit, an answer) comes again with the next poll."""
        return []
