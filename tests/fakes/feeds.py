"""Fake news feeds (RSS 2.0 and Atom, a Google-News-style search feed) and the Hacker News Algolia API.

Mixed into ``tests.fakes.keyless.FakeKeyless``. Endpoints:
    GET /rss/search?q=...            RSS of the articles added with ``feed="search"`` that match ``q``
                                     (``"phrase" OR word -"excluded"``); ETag / If-None-Match → 304
    GET /feeds/{name}.xml            the articles of feed ``name`` (RSS, or Atom when ``atom_feeds``)
    GET /api/v1/search_by_date       Algolia: query, tags, numericFilters, hitsPerPage, page; newest first
    GET /api/v1/search               the same, by relevance (used by look-ups by ``story_<id>`` tag)
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from tests.fakes.http import Reply, first


def _ts(when: datetime | float | None) -> float:
    if when is None:
        return time.time()
    return when.timestamp() if isinstance(when, datetime) else float(when)


def news_query_matches(query: str, text: str) -> bool:
    terms = re.findall(r'(-?)"([^"]+)"|(-?)(\S+)', query)
    low = text.lower()
    wanted, unwanted = [], []
    for neg1, phrase, neg2, word in terms:
        if word.upper() == "OR":
            continue
        (unwanted if (neg1 or neg2) else wanted).append((phrase or word).lower())
    return any(w in low for w in wanted) and not any(u in low for u in unwanted)


class FeedsMixin:
    atom_feeds: set[str]
    _articles: list[dict[str, Any]]
    _hn: dict[str, dict[str, Any]]

    def _init_feeds(self) -> None:
        self.atom_feeds = set()
        self._articles = []
        self._hn = {}

    # news -----------------------------------------------------------------------------------------

    def add_article(self, title: str, *, link: str, summary: str = "", content: str | None = None,
                    published: datetime | float | None = None, feed: str = "search", guid: str | None = None,
                    publisher: str = "Channel 7 News", author: str | None = None) -> str:
        guid = guid or link
        self._articles.append({"title": title, "link": link, "summary": summary, "content": content,
                               "published": _ts(published), "feed": feed, "guid": guid, "publisher": publisher,
                               "author": author})
        return guid

    def _news(self, path: str, q: dict[str, list[str]], headers: dict[str, str]) -> Reply | None:
        if path == "/rss/search":
            query = first(q, "q") or ""
            items = [a for a in self._articles if a["feed"] == "search"
                     and news_query_matches(query, f"{a['title']} {a['summary']}")]
            body = _rss(f'"{query}" - Google News', items)
        elif m := re.fullmatch(r"/feeds/([\w-]+)\.xml", path):
            items = [a for a in self._articles if a["feed"] == m.group(1)]
            body = _atom(m.group(1), items) if m.group(1) in self.atom_feeds else _rss(m.group(1), items)
        else:
            return None
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if headers.get("if-none-match") == etag:
            return Reply(304, raw=b"", headers={"ETag": etag})
        return Reply(200, raw=body, headers={"ETag": etag}, content_type="application/rss+xml; charset=utf-8")

    # Hacker News (Algolia) --------------------------------------------------------------------------

    def add_hn_story(self, title: str, *, url: str | None = None, text: str | None = None, author: str = "pg",
                     created: datetime | float | None = None, points: int = 1, num_comments: int = 0,
                     id: int | None = None) -> str:
        ident = str(id or 40_000_000 + len(self._hn) + 1)
        when = int(_ts(created))
        self._hn[ident] = {
            "objectID": ident, "title": title, "url": url, "story_text": text, "comment_text": None,
            "author": author, "points": points, "num_comments": num_comments, "story_id": None, "parent_id": None,
            "story_title": None, "story_url": None, "created_at_i": when, "updated_at": "2024-01-01T00:00:00Z",
            "created_at": datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "_tags": ["story", f"author_{author}", f"story_{ident}"],
        }
        return ident

    def add_hn_comment(self, text: str, *, story_id: str, parent_id: str | None = None, author: str = "dang",
                       created: datetime | float | None = None, id: int | None = None) -> str:
        ident = str(id or 40_000_000 + len(self._hn) + 1)
        when = int(_ts(created))
        story = self._hn[story_id]
        self._hn[ident] = {
            "objectID": ident, "title": None, "url": None, "story_text": None, "comment_text": text,
            "author": author, "points": None, "num_comments": None, "story_id": int(story_id),
            "parent_id": int(parent_id or story_id), "story_title": story["title"], "story_url": story["url"],
            "created_at_i": when, "created_at": datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "_tags": ["comment", f"author_{author}", f"story_{story_id}"],
        }
        return ident

    def set_hn_points(self, ident: str, points: int, num_comments: int | None = None) -> None:
        self._hn[ident]["points"] = points
        if num_comments is not None:
            self._hn[ident]["num_comments"] = num_comments

    def _algolia(self, path: str, q: dict[str, list[str]]) -> Reply | None:
        if path not in ("/api/v1/search_by_date", "/api/v1/search"):
            return None
        words = (first(q, "query") or "").lower().split()
        tags = _tag_filter(first(q, "tags") or "")
        nums = _numeric_filter(first(q, "numericFilters") or "")
        per_page = max(1, min(int(first(q, "hitsPerPage") or 20), 1000))
        page = int(first(q, "page") or 0)
        hits = [h for h in self._hn.values() if tags(h["_tags"]) and nums(h["created_at_i"])
                and all(w in " ".join(str(h.get(k) or "") for k in ("title", "url", "story_text", "comment_text")).lower()
                        for w in words)]
        hits.sort(key=lambda h: (h["created_at_i"], int(h["objectID"])), reverse=True)
        pages = (len(hits) + per_page - 1) // per_page
        chunk = hits[page * per_page:(page + 1) * per_page]
        return Reply(200, {"hits": [dict(h) for h in chunk], "nbHits": len(hits), "page": page, "nbPages": pages,
                           "hitsPerPage": per_page, "exhaustiveNbHits": True, "query": " ".join(words),
                           "params": "", "processingTimeMS": 1})


def _tag_filter(spec: str) -> Any:
    groups: list[set[str]] = []
    for part in re.findall(r"\([^)]*\)|[^,]+", spec):
        groups.append(set(part.strip("()").split(",")) if part.startswith("(") else {part})
    return lambda tags: all(g & set(tags) for g in groups if g)


def _numeric_filter(spec: str) -> Any:
    tests = []
    for part in filter(None, spec.split(",")):
        m = re.fullmatch(r"created_at_i(>=|<=|>|<|=)(\d+)", part)
        assert m, f"fake: unsupported numeric filter {part!r}"
        op, n = m.group(1), int(m.group(2))
        tests.append({">=": lambda v, n=n: v >= n, "<=": lambda v, n=n: v <= n, ">": lambda v, n=n: v > n,
                      "<": lambda v, n=n: v < n, "=": lambda v, n=n: v == n}[op])
    return lambda v: all(t(v) for t in tests)


def _rss(title: str, items: list[dict[str, Any]]) -> bytes:
    out = [f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
           f"<channel><title>{escape(title)}</title><link>http://example.test/</link><description>fake</description>"]
    for a in sorted(items, key=lambda a: -a["published"]):
        out.append(f"<item><title>{escape(a['title'])}</title><link>{escape(a['link'])}</link>"
                   f"<guid isPermaLink=\"false\">{escape(a['guid'])}</guid>"
                   f"<pubDate>{format_datetime(datetime.fromtimestamp(a['published'], UTC), usegmt=True)}</pubDate>"
                   f"<description>{escape(a['summary'])}</description>"
                   + (f"<content:encoded><![CDATA[{a['content']}]]></content:encoded>" if a["content"] else "")
                   + (f"<author>{escape(a['author'])}</author>" if a["author"] else "")
                   + f"<source url=\"http://example.test/\">{escape(a['publisher'])}</source></item>")
    out.append("</channel></rss>")
    return "".join(out).encode()


def _atom(title: str, items: list[dict[str, Any]]) -> bytes:
    out = [f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>'
           f"<id>urn:fake:{escape(title)}</id><updated>2024-01-01T00:00:00Z</updated>"]
    for a in sorted(items, key=lambda a: -a["published"]):
        stamp = datetime.fromtimestamp(a["published"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(f"<entry><title>{escape(a['title'])}</title><link href=\"{escape(a['link'])}\"/>"
                   f"<id>{escape(a['guid'])}</id><updated>{stamp}</updated><published>{stamp}</published>"
                   f"<summary type=\"html\">{escape(a['summary'])}</summary>"
                   + (f"<content type=\"html\">{escape(a['content'])}</content>" if a["content"] else "")
                   + f"<author><name>{escape(a['author'] or a['publisher'])}</name></author></entry>")
    out.append("</feed>")
    return "".join(out).encode()
