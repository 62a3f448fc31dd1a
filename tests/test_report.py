"""`monitor replay --report`: hostile public text stays text, and the page renders in a real browser."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.config.settings import parse_config
from monitor.models import Author, Metrics, Observation
from monitor.replay import demo
from monitor.replay.report import render_report, safe_url, write_report
from monitor.replay.run import run_replay

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=timezone.utc)
EVIL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "<!channel>",
]
JS_URL = "javascript:alert(document.domain)"
EVIL_AUTHOR = "<img src=x onerror=alert(2)>"
EVIL_BRAND = "Acme <script>alert(3)</script>"
EVIL_MARKER = '"><svg onload=alert(4)>'
CONFIG = f"""
[[brands]]
name = "{EVIL_BRAND}"
keywords = ["acme"]
"""


def hostile_observations() -> list[Observation]:
    """One customer's escalating complaint, and others piling on, every field laced with markup."""
    out = []
    texts = [
        "Acme charged me $900 for a $20 order and refuses to refund it. {evil}",
        "Called Acme support four times about the $900 charge, still no refund, nobody answers. {evil}",
        "I have written to the Acme CEO about the $900 charge. Going to the news next. Still no refund {evil}",
    ]
    n = 0
    for day in range(6):
        for k, evil in enumerate(EVIL):
            n += 1
            at = T0 + timedelta(days=day, hours=k)
            author = EVIL_AUTHOR if k == 0 else f"user{k}{evil}"
            url = JS_URL if k == 1 else ("https://x.example/p/" + evil if k == 2 else f"https://x.example/{n}")
            out.append(Observation(
                source="x" if k % 2 else "reddit", id=f"p{n}", text=texts[n % 3].format(evil=evil), created_at=at,
                observed_at=at, url=url, lang="en", author=Author(id=f"a{k}", handle=author, followers=5000),
                metrics=Metrics(likes=20 * n, reposts=5 * n, replies=n)))
    return out


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_public_text_is_escaped_and_only_http_links_are_links(scorer) -> None:
    config = parse_config(CONFIG).config
    result = run_replay(hostile_observations(), config, scorer, keep_series=True)
    assert result.posts, "the crafted complaint must reach the report (an incident at watch or above)"
    html = render_report(result, [(EVIL_MARKER, T0 + timedelta(days=3))])

    for raw in [*EVIL, EVIL_AUTHOR, EVIL_BRAND, EVIL_MARKER]:
        assert raw not in html
    # ...yet it is all there, as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;!channel&gt;" in html
    assert "Acme &lt;script&gt;alert(3)&lt;/script&gt;" in html

    parser = _Collect()
    parser.feed(html)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed", "form", "base", "link"}
    hrefs = []
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name == "href":
                hrefs.append(value or "")
                assert value and (value.startswith("#") or value.startswith(("https://", "http://"))), value
                if tag == "a" and not value.startswith("#"):
                    assert ("rel", "noopener noreferrer nofollow") in attrs
    assert not any("javascript" in h.lower() for h in hrefs)
    assert "javascript:alert(document.domain)" in html, "an unsafe URL is shown as plain text"
    assert any(h.startswith("https://x.example/") for h in hrefs)


def test_safe_url() -> None:
    assert safe_url("https://x.com/a/status/1") and safe_url("HTTP://example.com/")
    for bad in (JS_URL, " javascript:alert(1)", "data:text/html,<b>", "vbscript:x", "//evil.example/", "https://a b",
                "java\tscript:alert(1)", "https://ok.example/\nx", None, 42, ""):
        assert safe_url(bad) is None, bad


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory, scorer) -> tuple[Path, str]:
    result = run_replay(demo.observations(), demo.config(), scorer, keep_series=True)
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(result, demo.markers(), str(path))
    return path, result.alerts[0].incident


def test_demo_report_is_deterministic_and_self_contained(demo_report, scorer) -> None:
    path, incident = demo_report
    html = path.read_text(encoding="utf-8")
    again = run_replay(demo.observations(), demo.config(), scorer, keep_series=True)
    assert render_report(again, demo.markers()) == html
    assert f'id="score-{incident}"' in html and f'id="hourly-{incident}"' in html
    assert "local TV story" in html and "before ‘local TV story’" in html
    assert "<script" not in html
    # Nothing to fetch: no external stylesheet, script, font or image.
    assert "src=" not in html and "<link" not in html and "url(" not in html and "@import" not in html


CHROMIUM = "/usr/bin/chromium"


def _no_chromium() -> None:
    message = f"{CHROMIUM} not installed (Debian: apt-get install -y chromium); the browser check needs it"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI installs it (.ci/run): a skip there would hide a missing step
    pytest.skip(message)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)


def test_demo_report_renders_in_headless_chromium(demo_report, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        _no_chromium()
    path, incident = demo_report
    url = path.resolve().as_uri()
    shot = tmp_path / "r.png"
    proc = _chromium(f"--screenshot={shot}", "--window-size=1200,2000", url, profile=tmp_path / "profile-shot")
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    dom = _chromium("--dump-dom", url, profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert "<title>Replay post-mortem</title>" in text
    assert f'id="score-{incident}"' in text and f'id="hourly-{incident}"' in text
    assert text.count('class="chart score-chart"') >= 2 and 'class="chart hourly-chart"' in text
    assert f'id="incident-{incident}"' in text and incident in text
    assert "<polyline" in text and 'class="marker"' in text and "alert-mark alert-critical" in text
    assert "<script" not in text


def test_hostile_report_runs_no_script_in_chromium(scorer, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        _no_chromium()
    config = parse_config(CONFIG).config
    result = run_replay(hostile_observations(), config, scorer, keep_series=True)
    path = tmp_path / "hostile.html"
    write_report(result, [(EVIL_MARKER, T0 + timedelta(days=3))], str(path))
    dom = _chromium("--dump-dom", path.resolve().as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The browser's own serialisation: had any markup been injected, it would be an element or attribute here.
    assert "<title>Replay post-mortem</title>" in dom.stdout
    parser = _Collect()
    parser.feed(dom.stdout)
    assert not {t for t, _ in parser.tags} & {"script", "img", "iframe", "object", "embed"}
    assert not [(t, n) for t, attrs in parser.tags for n, _ in attrs if n.startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom.stdout
