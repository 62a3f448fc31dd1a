"""A local stand-in for the Reddit and X (Twitter v2) APIs, for tests and demos.

``FakeSocial`` serves, on 127.0.0.1, payloads shaped like the real APIs' answers, so the monitor's
sources run unchanged against it (``api_base_url = fake.url``)::

    with FakeSocial() as fake:
        fake.add_tweet("Acme Air lost my bag", username="flyer", followers=120)
        fake.add_reddit_post("Acme Air refund?", "Still waiting", subreddit="travel")
        fake.fail_next("/2/tweets/search/recent", 429, {"x-rate-limit-reset": "1700000900"})
        ...  # point XSource / RedditSource at fake.url
        assert fake.requests_to("/2/tweets/search/recent")

Endpoints
    Reddit  POST /api/v1/access_token (client credentials), GET /r/{sub}/search, /r/{sub}/comments,
            /api/info?id=t3_a,t1_b. ``.json`` suffixes and trailing slashes are accepted; ``{sub}``
            may be ``all`` or ``a+b``. Listings are newest first and paginate with ``after``.
    X       GET /2/tweets/search/recent (query, since_id, until_id, max_results, next_token,
            tweet.fields, user.fields, expansions=author_id), GET /2/tweets?ids=...

Search queries are evaluated by a small interpreter of the common syntax: quoted phrases, words,
``@handle``, ``OR``, parentheses, negation (``-term`` or ``NOT term``), ``is:retweet``, ``is:reply``,
``from:``, ``lang:`` (other operators match everything). Matching is case-insensitive on word
boundaries. Credentials are checked only when given to the constructor.

Controls: ``add_reddit_post``, ``add_reddit_comment``, ``add_tweet``, ``set_metrics``,
``fail_next`` (inject a status, headers, or a garbage body; ``skip=n`` to fail a later page),
``delay_seconds`` / ``set_delay`` (make requests hang), ``requests`` / ``requests_to`` /
``clear_log`` (the request log), ``reddit_ratelimit_remaining`` (send Reddit's rate-limit headers).

Standalone: ``python -m tests.fakes.social --port 8765 --seed demo [--delay S]`` prints its URL on
the first line of stdout and serves until SIGTERM/SIGINT (exit status 0).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import signal
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TWITTER_EPOCH_MS = 1288834974657
DEMO_BRAND = "Acme Air"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Failure:
    prefix: str
    status: int
    headers: dict[str, str]
    times: int
    body: bytes | None
    skip: int = 0


@dataclass
class _Reply:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


class FakeSocial:
    """Fake Reddit + X HTTP APIs on ``127.0.0.1:port`` (0 = any free port), served from a daemon thread.

    ``reddit_credentials=(client_id, client_secret)`` and ``x_bearer_token`` make the fake reject other
    credentials with 401, as the real APIs do. ``clock`` (epoch seconds) dates items added without a
    date and the X rate-limit headers.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        reddit_credentials: tuple[str, str] | None = None,
        x_bearer_token: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.reddit_credentials = reddit_credentials
        self.x_bearer_token = x_bearer_token
        self.clock = clock
        self.delay_seconds = 0.0
        self.reddit_ratelimit_remaining: int | None = None  # sent as x-ratelimit-remaining when set
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._things: dict[str, dict[str, Any]] = {}  # Reddit fullname -> data
        self._tweets: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._tokens: set[str] = set()
        self._failures: list[_Failure] = []
        self._delays: dict[str, float] = {}
        self._log: list[RecordedRequest] = []
        self._seq = 0
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-social", daemon=True
        )
        self._thread.start()

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocial:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- controls --------------------------------------------------------------------------------

    def add_reddit_post(
        self,
        title: str,
        selftext: str = "",
        *,
        subreddit: str = "travel",
        author: str = "redditor",
        created_utc: float | None = None,
        score: int = 1,
        num_comments: int = 0,
        id: str | None = None,
    ) -> str:
        """Add a submission; returns its fullname (``t3_...``)."""
        with self._lock:
            ident = id or self._base36()
            created = float(created_utc if created_utc is not None else self.clock())
            slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50] or "post"
            self._things["t3_" + ident] = {
                "subreddit": subreddit, "subreddit_id": "t5_" + _b36(zlib.crc32(subreddit.encode())),
                "subreddit_name_prefixed": f"r/{subreddit}", "selftext": selftext, "title": title,
                "author": author, "author_fullname": _author_fullname(author), "name": "t3_" + ident, "id": ident,
                "score": score, "ups": score, "upvote_ratio": 1.0, "num_comments": num_comments,
                "created": created, "created_utc": created, "is_self": True, "over_18": False,
                "domain": f"self.{subreddit}", "link_flair_text": None, "stickied": False, "locked": False,
                "permalink": f"/r/{subreddit}/comments/{ident}/{slug}/",
                "url": f"https://www.reddit.com/r/{subreddit}/comments/{ident}/{slug}/",
            }  # fmt: skip
            return "t3_" + ident

    def add_reddit_comment(
        self,
        body: str,
        *,
        link_id: str,
        parent_id: str | None = None,
        author: str = "commenter",
        created_utc: float | None = None,
        score: int = 1,
        id: str | None = None,
    ) -> str:
        """Add a comment under submission ``link_id`` (a ``t3_`` fullname); returns ``t1_...``."""
        with self._lock:
            post = self._things[link_id]
            ident = id or self._base36()
            created = float(created_utc if created_utc is not None else self.clock())
            self._things["t1_" + ident] = {
                "subreddit": post["subreddit"], "subreddit_id": post["subreddit_id"], "body": body,
                "author": author, "author_fullname": _author_fullname(author), "name": "t1_" + ident, "id": ident,
                "score": score, "ups": score, "created": created, "created_utc": created,
                "link_id": link_id, "parent_id": parent_id or link_id, "link_title": post["title"],
                "link_permalink": "https://www.reddit.com" + post["permalink"],
                "permalink": f"{post['permalink']}{ident}/", "stickied": False, "controversiality": 0,
            }  # fmt: skip
            post["num_comments"] += 1
            return "t1_" + ident

    def add_tweet(
        self,
        text: str,
        *,
        username: str = "someone",
        user_id: str | None = None,
        followers: int | None = 100,
        verified: bool = False,
        created_at: datetime | float | None = None,
        likes: int = 0,
        retweets: int = 0,
        replies: int = 0,
        quotes: int = 0,
        impressions: int | None = None,
        lang: str = "en",
        reply_to: str | None = None,
        retweet_of: str | None = None,
        id: str | None = None,
    ) -> str:
        """Add a tweet (and its author); returns its id, a snowflake ordered by ``created_at``."""
        with self._lock:
            when = created_at.timestamp() if isinstance(created_at, datetime) else created_at
            when = float(when if when is not None else self.clock())
            self._seq += 1
            ident = id or str(((int(when * 1000) - TWITTER_EPOCH_MS) << 22) | (self._seq & 0x3FFFFF))
            uid = user_id or str(zlib.crc32(username.encode()) + 10**12)
            user_metrics = {"followers_count": followers, "following_count": 10, "tweet_count": 50, "listed_count": 0}
            self._users[uid] = {
                "id": uid, "name": username.title(), "username": username, "verified": verified,
                "public_metrics": {k: v for k, v in user_metrics.items() if v is not None},
            }  # fmt: skip
            metrics = {"retweet_count": retweets, "reply_count": replies, "like_count": likes,
                       "quote_count": quotes, "bookmark_count": 0, "impression_count": impressions}  # fmt: skip
            refs = [{"type": "replied_to", "id": reply_to}] if reply_to else []
            refs += [{"type": "retweeted", "id": retweet_of}] if retweet_of else []
            parent = self._tweets.get(reply_to or "")
            self._tweets[ident] = {
                "id": ident, "text": text, "edit_history_tweet_ids": [ident], "author_id": uid, "lang": lang,
                "created_at": datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{int(when * 1000) % 1000:03d}Z",
                "conversation_id": parent["conversation_id"] if parent else ident,
                "public_metrics": {k: v for k, v in metrics.items() if v is not None},
                **({"referenced_tweets": refs} if refs else {}),
                **({"in_reply_to_user_id": parent["author_id"]} if parent else {}),
            }  # fmt: skip
            return ident

    def set_metrics(self, item_id: str, **metrics: int) -> None:
        """Raise (or lower) engagement later. Reddit (``t3_``/``t1_``): ``score``, ``num_comments``.
        X: ``likes``, ``retweets``, ``replies``, ``quotes``, ``impressions`` or the API's own names."""
        names = {"likes": "like_count", "retweets": "retweet_count", "replies": "reply_count",
                 "quotes": "quote_count", "impressions": "impression_count"}  # fmt: skip
        with self._lock:
            if item_id in self._things:
                thing = self._things[item_id]
                thing.update(metrics)
                thing["ups"] = thing["score"]
            else:
                self._tweets[item_id]["public_metrics"].update({names.get(k, k): v for k, v in metrics.items()})

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
        body: bytes | str | None = None,
        skip: int = 0,
    ) -> None:
        """The next ``times`` requests whose path starts with ``path_prefix`` answer ``status`` with
        ``headers`` and ``body`` (default: the API's usual JSON error). ``status=200`` with a ``body``
        such as ``"<html>"`` serves garbage. ``skip`` lets that many matching requests through first
        (``skip=1``: fail the second page of a pagination)."""
        raw = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._failures.append(_Failure(path_prefix, status, dict(headers or {}), times, raw, skip))

    def set_delay(self, path_prefix: str, seconds: float) -> None:
        """Requests to ``path_prefix`` wait ``seconds`` before being answered (0 removes the delay)."""
        with self._lock:
            self._delays[path_prefix] = seconds

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def seed_demo(self) -> None:
        """A few recent posts about "Acme Air" (and one about its air fryer namesake) on both platforms."""
        now = self.clock()
        p1 = self.add_reddit_post("Acme Air lost my luggage", "Third call today and nobody answers. Refund?",
                                  subreddit="travel", author="tired_traveler", created_utc=now - 3000, score=42,
                                  num_comments=0)  # fmt: skip
        self.add_reddit_comment("Same here, Acme Air support is unreachable", link_id=p1, created_utc=now - 2400)
        self.add_reddit_post("Flew Acme Air yesterday", "Smooth flight, friendly crew.", subreddit="flying",
                             author="avgeek", created_utc=now - 1800, score=5)  # fmt: skip
        self.add_reddit_post("Acme Air fryer recipes", "Crispy fries in 12 minutes", subreddit="cooking",
                             author="chef", created_utc=now - 1200)  # fmt: skip
        t1 = self.add_tweet("@acmeair cancelled my flight and no refund after 3 weeks. Never again #AcmeAir",
                            username="angry_flyer", followers=15400, created_at=now - 2000, likes=120, retweets=45,
                            replies=30, impressions=25000)  # fmt: skip
        self.add_tweet("We're sorry to hear this, please DM us your booking reference.", username="acmeair",
                       followers=250000, verified=True, created_at=now - 1500, reply_to=t1, likes=3)  # fmt: skip
        self.add_tweet("Acme Air lost my bag again. Third time this year.", username="frequent_flyer",
                       followers=830, created_at=now - 900, likes=12, retweets=2, replies=1)  # fmt: skip
        self.add_tweet("Loving my new acme air fryer!", username="home_cook", followers=90, created_at=now - 600)

    # -- request handling --------------------------------------------------------------------------

    def _handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if method == "POST" and parts.path.startswith("/api/v1/access_token"):
            query.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
        path = re.sub(r"(\.json)?/*$", "", parts.path) or "/"
        with self._lock:
            self._log.append(RecordedRequest(method, path, query, headers, body))
            delay = max([self.delay_seconds, *(s for p, s in self._delays.items() if path.startswith(p))])
        if delay > 0:
            self._closing.wait(delay)
        with self._lock:
            failure = next((f for f in self._failures if f.times > 0 and path.startswith(f.prefix)), None)
            if failure is not None and failure.skip > 0:
                failure.skip -= 1
            elif failure is not None:
                failure.times -= 1
                return _Reply(failure.status, _error_body(path, failure.status), failure.headers, failure.body)
            if path.startswith("/2/"):
                return self._x(method, path, query, headers)
            return self._reddit(method, path, query, headers)

    def _reddit(self, method: str, path: str, q: dict[str, list[str]], headers: dict[str, str]) -> _Reply:
        if method == "POST" and path == "/api/v1/access_token":
            return self._reddit_token(q, headers)
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or auth[7:] not in self._tokens:
            www = 'Bearer realm="reddit", error="invalid_token"'
            return _Reply(401, {"message": "Unauthorized", "error": 401}, {"www-authenticate": www})
        match = re.fullmatch(r"/r/([A-Za-z0-9_+]+)/(search|comments)", path)
        limit = max(1, min(_int(_first(q, "limit"), 25), 100))
        if method == "GET" and match:
            subs = {s.lower() for s in match.group(1).split("+")}
            everywhere = "all" in subs or (match.group(2) == "search" and _first(q, "restrict_sr") in ("false", "0"))
            prefix = "t3_" if match.group(2) == "search" else "t1_"
            test = _compile_query(_first(q, "q") or "") if prefix == "t3_" else (lambda doc: True)
            items = [
                (name, data)
                for name, data in self._things.items()
                if name.startswith(prefix) and (everywhere or data["subreddit"].lower() in subs)
                and test({"text": f"{data.get('title', '')}\n{data.get('selftext', data.get('body', ''))}",
                          "username": data["author"]})
            ]  # fmt: skip
            items.sort(key=lambda item: (item[1]["created_utc"], item[0]), reverse=True)
            after = _first(q, "after")
            if after:
                names = [name for name, _ in items]
                items = items[names.index(after) + 1 :] if after in names else []
            page = items[:limit]
            more = len(items) > limit
            return self._listing(page, page[-1][0] if page and more else None)
        if method == "GET" and path == "/api/info":
            wanted = [i for i in (_first(q, "id") or "").split(",") if i]
            return self._listing([(i, self._things[i]) for i in wanted if i in self._things][:100], None)
        return _Reply(404, {"message": "Not Found", "error": 404})

    def _reddit_token(self, q: dict[str, list[str]], headers: dict[str, str]) -> _Reply:
        try:
            user, _, secret = base64.b64decode(headers.get("authorization", "")[6:]).decode().partition(":")
        except ValueError:
            user = secret = ""
        if self.reddit_credentials is not None and (user, secret) != self.reddit_credentials:
            return _Reply(401, {"message": "Unauthorized", "error": 401})
        if _first(q, "grant_type") != "client_credentials":
            return _Reply(200, {"error": "unsupported_grant_type"})
        token = f"fake-reddit-token-{len(self._tokens) + 1}"
        self._tokens.add(token)
        return _Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    def _listing(self, items: list[tuple[str, dict[str, Any]]], after: str | None) -> _Reply:
        children = [{"kind": name[:2], "data": dict(data)} for name, data in items]
        listing = {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": None,
                                               "geo_filter": "", "children": children, "before": None}}  # fmt: skip
        headers: dict[str, str] = {}
        if self.reddit_ratelimit_remaining is not None:
            headers = {"x-ratelimit-remaining": f"{float(self.reddit_ratelimit_remaining):.1f}",
                       "x-ratelimit-used": "4", "x-ratelimit-reset": "300"}  # fmt: skip
        return _Reply(200, listing, headers)

    def _x(self, method: str, path: str, q: dict[str, list[str]], headers: dict[str, str]) -> _Reply:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or (self.x_bearer_token is not None and auth[7:] != self.x_bearer_token):
            return _Reply(401, _error_body(path, 401))
        rate = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
                "x-rate-limit-reset": str(int(self.clock()) + 900)}  # fmt: skip
        if method == "GET" and path == "/2/tweets/search/recent":
            max_results = _int(_first(q, "max_results"), 10)
            if not 10 <= max_results <= 100:
                return _Reply(400, _invalid("max_results", str(max_results), "is not between 10 and 100"))
            test = _compile_query(_first(q, "query") or "")
            bounds = [_int(_first(q, k), -1) for k in ("since_id", "until_id")]
            token = _first(q, "next_token")
            below = int(token[1:], 16) if token and re.fullmatch(r"n[0-9a-f]+", token) else None
            found = sorted(
                (t for t in self._tweets.values() if test(self._doc(t))
                 and (bounds[0] < 0 or int(t["id"]) > bounds[0]) and (bounds[1] < 0 or int(t["id"]) < bounds[1])
                 and (below is None or int(t["id"]) < below)),
                key=lambda t: int(t["id"]), reverse=True,
            )  # fmt: skip
            page = found[:max_results]
            meta: dict[str, Any] = {"result_count": len(page)}
            if page:
                meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
            if len(found) > max_results:
                meta["next_token"] = "n" + format(int(page[-1]["id"]), "x")
            return _Reply(200, self._tweet_payload(page, q) | {"meta": meta}, rate)
        if method == "GET" and path == "/2/tweets":
            ids = [i for i in (_first(q, "ids") or "").split(",") if i]
            if not 1 <= len(ids) <= 100:
                return _Reply(400, _invalid("ids", ",".join(ids)[:50], "must hold 1 to 100 ids"))
            page = [self._tweets[i] for i in ids if i in self._tweets]
            missing = [{"value": i, "detail": f"Could not find tweet with ids: [{i}].", "title": "Not Found Error",
                        "resource_type": "tweet", "parameter": "ids", "resource_id": i,
                        "type": "https://api.twitter.com/2/problems/resource-not-found"}
                       for i in ids if i not in self._tweets]  # fmt: skip
            return _Reply(200, self._tweet_payload(page, q) | ({"errors": missing} if missing else {}), rate)
        return _Reply(404, _error_body(path, 404))

    def _doc(self, tweet: dict[str, Any]) -> dict[str, Any]:
        refs = {r["type"] for r in tweet.get("referenced_tweets", [])}
        user = self._users[tweet["author_id"]]
        flags = {"is:retweet": "retweeted" in refs, "is:reply": "replied_to" in refs, "is:quote": "quoted" in refs}
        return {"text": tweet["text"], "username": user["username"], "lang": tweet["lang"], **flags}

    def _tweet_payload(self, tweets: list[dict[str, Any]], q: dict[str, list[str]]) -> dict[str, Any]:
        """Only the fields asked for, as the real API does (id, text, edit_history_tweet_ids always)."""
        tweet_fields = {"id", "text", "edit_history_tweet_ids", *(_first(q, "tweet.fields") or "").split(",")}
        user_fields = {"id", "name", "username", *(_first(q, "user.fields") or "").split(",")}
        expand = "author_id" in (_first(q, "expansions") or "").split(",")
        if expand:
            tweet_fields.add("author_id")
        if not tweets:
            return {}
        payload: dict[str, Any] = {"data": [{k: v for k, v in t.items() if k in tweet_fields} for t in tweets]}
        if expand:
            authors = dict.fromkeys(t["author_id"] for t in tweets)
            users = [{k: v for k, v in self._users[a].items() if k in user_fields} for a in authors]
            payload["includes"] = {"users": users}
        return payload

    def _base36(self) -> str:
        self._seq += 1
        return _b36(1_000_000_000 + self._seq)


def _handler_for(fake: FakeSocial) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSocial/1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                reply = fake._handle(self.command, self.path, headers, body)
            except Exception as exc:  # a bug in the fake must show as a 500, not a hung client
                reply = _Reply(500, {"error": 500, "message": f"fake: {type(exc).__name__}: {exc}"})
            data = reply.raw if reply.raw is not None else json.dumps(reply.payload).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json; charset=UTF-8")
                self.send_header("content-length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (timeout) or was killed

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _compile_query(query: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate for the common subset of Reddit/X search syntax (see the module docstring)."""
    tokens = re.findall(r'"[^"]*"|\(|\)|-(?=[("])|[^\s()"]+', query)

    def parse(i: int) -> tuple[Callable[[dict[str, Any]], bool], int]:
        alternatives: list[list[Callable[[dict[str, Any]], bool]]] = [[]]
        while i < len(tokens) and tokens[i] != ")":
            tok, negate = tokens[i], False
            if tok in ("OR", "AND"):
                alternatives += [[]] if tok == "OR" else []
                i += 1
                continue
            if tok in ("NOT", "-"):
                negate, i = True, i + 1
                tok = tokens[i] if i < len(tokens) else ""
            elif tok.startswith("-") and len(tok) > 1:
                negate, tok = True, tok[1:]
            if tok == "(":
                node, i = parse(i + 1)
            else:
                node = _term(tok)
            i += 1
            alternatives[-1].append((lambda n: lambda d: not n(d))(node) if negate else node)
        groups = [g for g in alternatives if g]
        return (lambda d: any(all(n(d) for n in g) for g in groups) if groups else True), i

    return parse(0)[0]


def _term(tok: str) -> Callable[[dict[str, Any]], bool]:
    if ":" in tok and not tok.startswith('"'):
        op, _, value = tok.partition(":")
        if op == "is":
            return lambda d: bool(d.get(f"is:{value}"))
        if op == "from":
            return lambda d: d.get("username", "").lower() == value.lower().lstrip("@")
        if op == "lang":
            return lambda d: d.get("lang") == value
        return lambda d: True
    phrase = tok.strip('"').strip()
    pattern = re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", re.IGNORECASE) if phrase else None
    return lambda d: pattern is None or bool(pattern.search(d.get("text", "")))


def _error_body(path: str, status: int) -> dict[str, Any]:
    titles = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found Error",
              429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip
    title = titles.get(status, "Error")
    if path.startswith("/2/"):
        return {"title": title, "detail": title, "type": "about:blank", "status": status}
    return {"message": title, "error": status}


def _invalid(name: str, value: str, problem: str) -> dict[str, Any]:
    message = f"The `{name}` query parameter value [{value}] {problem}"
    return {"errors": [{"parameters": {name: [value]}, "message": message}],
            "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"}  # fmt: skip


def _first(q: dict[str, list[str]], name: str) -> str | None:
    values = q.get(name)
    return values[0] if values else None


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.strip().isdigit() else default


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _author_fullname(author: str) -> str:
    return "t2_" + _b36(zlib.crc32(author.encode()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve fake Reddit and X APIs until killed.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--seed", choices=("demo", "none"), default="demo", help=f"demo: posts about {DEMO_BRAND!r}")
    parser.add_argument("--x-bearer-token", help="accept only this bearer token on X endpoints")
    parser.add_argument("--reddit-credentials", metavar="ID:SECRET", help="accept only this Reddit client")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every request waits before its answer")
    args = parser.parse_args(argv)
    creds = None
    if args.reddit_credentials:
        client_id, _, secret = args.reddit_credentials.partition(":")
        creds = (client_id, secret)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with FakeSocial(args.host, args.port, reddit_credentials=creds, x_bearer_token=args.x_bearer_token) as fake:
        fake.delay_seconds = args.delay
        if args.seed == "demo":
            fake.seed_demo()
        print(fake.url, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
