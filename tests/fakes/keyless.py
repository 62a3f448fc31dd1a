"""One local stand-in for every keyless source's API: news feeds, Hacker News (Algolia), Bluesky and
Mastodon, on one base URL, so a config can point all four ``api_base_url`` at it::

    with FakeKeyless() as fake:
        fake.add_article("Acme Air charged a family $7,455", link="https://tv.example/acme", summary="...")
        fake.add_hn_story("Acme Air refund saga", url="https://blog.example/acme")
        fake.add_bsky_post("acme air lost my bag")
        fake.add_status("<p>Acme Air lost my bag <a href='https://x.example'>#acmeair</a></p>", tags=("acmeair",))
        fake.fail_next("/api/v1/search_by_date", 429, {"Retry-After": "30"})

See ``tests.fakes.feeds`` and ``tests.fakes.fediverse`` for the endpoints; failure injection and the
request log come from ``tests.fakes.http.FakeServer``.

Standalone: ``python -m tests.fakes.keyless`` prints its URL on the first line and serves until killed.
"""

from __future__ import annotations

import signal
import threading
import time

from tests.fakes.fediverse import FediverseMixin
from tests.fakes.feeds import FeedsMixin
from tests.fakes.http import FakeServer, Reply


class FakeKeyless(FeedsMixin, FediverseMixin, FakeServer):
    name = "fake-keyless"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._init_feeds()
        self._init_fediverse()
        super().__init__(host, port)

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        reply = (self._news(path, query, headers) or self._algolia(path, query)
                 or self._bluesky(method, path, query, headers, body) or self._mastodon(path, query, headers))
        return reply or Reply(404, {"error": "Not Found"})

    def seed_demo(self, brand: str = "Acme Air") -> None:
        now = time.time()
        self.add_article(f"{brand} charged a family $7,455 to ship toilet paper", link="https://tv.example/news/1",
                         summary=f"A customer says {brand} billed $7,455 for an $88.77 order.", published=now - 600)
        self.add_hn_story(f"{brand} support is unreachable", url="https://blog.example/acme", created=now - 500)
        self.add_bsky_post(f"{brand.lower()} lost my bag again, third time", created=now - 400)
        tag = brand.lower().replace(" ", "")
        self.add_status(f"<p>{brand} cancelled my flight <a href=\"https://mastodon.example/tags/{tag}\">#{tag}</a></p>",
                        tags=(tag,), created=now - 300)

    def __enter__(self) -> FakeKeyless:
        return self


def main() -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with FakeKeyless() as fake:
        fake.seed_demo()
        print(fake.url, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
