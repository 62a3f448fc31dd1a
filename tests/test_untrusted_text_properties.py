"""Properties of the functions that stand between untrusted text (or secrets) and a person."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from alerts.email import render
from monitor.config.settings import parse_config
from monitor.logs import redact, register_secrets
from monitor.sanitize import printable
from tests.fakes.alerting import event, post

CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What an environment variable can hold: any character but NUL and lone surrogates.
ENV_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)


@given(st.text(max_size=200))
def test_printable_leaves_no_control_character_and_is_idempotent(text: str) -> None:
    out = printable(text)
    assert not CONTROLS.search(out)
    assert printable(out) == out


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), max_size=200))
def test_printable_keeps_text_that_is_already_printable(text: str) -> None:
    if text.isprintable():
        assert printable(text) == text


@given(ENV_TEXT)
def test_any_password_substituted_into_a_url_comes_back_whole(password: str) -> None:
    cfg = parse_config('[storage]\nurl = "postgresql+psycopg://monitor:${PW}@db.example:5432/monitor"\n',
                       env={"PW": password}).config
    url = make_url(cfg.storage.url)
    assert (url.password, url.host, url.port, url.database) == (password, "db.example", 5432, "monitor")


@settings(max_examples=60)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=4, max_size=30),
       st.sampled_from([" ", "\n", ": ", "=", "/", '"', "(", "'"]), st.text(max_size=20))
def test_a_registered_secret_is_redacted_wherever_it_stands_alone(tail: str, sep: str, around: str) -> None:
    secret = "HyP-" + tail  # a prefix of our own: random secrets must not redact other tests' text
    register_secrets([secret])
    assert secret not in redact(f"{around}{sep}{secret}{sep}{around}")
    assert secret not in redact(f"https://user:{secret}@host.example/path")


@given(st.text(max_size=80), st.text(max_size=80), st.text(max_size=80))
def test_public_text_never_adds_a_line_to_an_alert_email(author: str, text: str, brand: str) -> None:
    plain = render(event(posts=[post("text", author="author")]))[1].splitlines()
    hostile = render(event(brand=brand or "b", posts=[post(text, author=author)],
                           reasons=(text, author)))[1].splitlines()
    assert len(hostile) == len(plain)  # as many lines as with plain text: each field on its own line
