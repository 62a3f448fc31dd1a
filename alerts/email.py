"""Email over SMTP: STARTTLS (port 587) or implicit TLS (465), optional login, plain text.

One message per alert. Escalations of an incident reply to its first message (``In-Reply-To`` and
``References``), so mail clients show an incident as one thread. Plain text only: nothing from a post
is interpreted as markup. 4xx answers and network errors are retried; 5xx (a refused login, a refused
recipient) and a server without the STARTTLS it was asked for are permanent.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from pydantic import Field, model_validator

from monitor.config.durations import Timeout, format_timestamp
from monitor.config.routing import ChannelSettings
from monitor.config.secrets import Secret, redact, reveal
from monitor.errors import ChannelError
from monitor.models import AlertEvent
from monitor.sanitize import printable


def _line(value: object) -> str:
    """One line of public text: no CR, LF or other control character can start a line of its own."""
    return printable(value)


def render(event: AlertEvent) -> tuple[str, str]:
    mark = "[TEST] " if event.test else ("[REPLAY] " if event.replay else "")
    verb = "escalated to " if event.previous_tier > 0 else ""
    brand = _line(event.brand)
    subject = f"{mark}{brand}: complaint incident {verb}{event.tier.name.upper()} ({event.mentions} mentions)"
    lines = [f"{mark}{event.tier.name.upper()} · {brand} · score {event.score:.2f}",
             f"{event.mentions} mentions by {event.authors} authors on {_line(', '.join(event.sources)) or '-'}",
             f"first seen {format_timestamp(event.first_seen)}, updated {format_timestamp(event.at)}", ""]
    lines += ["Why:", *(f"  - {_line(r)}" for r in event.reasons), ""]
    for post in event.top_posts[:5]:
        text = _line(post.get("text") or "")[:500]
        lines += [f"{_line(post.get('source', '?'))} · @{_line(post.get('author') or '?')} · "
                  f"{int(post.get('engagement') or 0)} engagement", f"  {text}", f"  {_line(post.get('url') or '')}",
                  ""]
    lines.append(f"incident {_line(event.incident)}")
    return subject[:200], "\n".join(lines)


class EmailAlertConfig(ChannelSettings):
    """``[alerts.email]``: plain-text mail over SMTP."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True               # upgrade the connection before logging in (port 587)
    ssl: bool = False                   # implicit TLS instead (port 465)
    username: str | None = None
    password: Secret = None
    sender: str = Field(min_length=3)
    to: list[str] = Field(min_length=1)
    timeout: Timeout = 20.0

    @model_validator(mode="after")
    def _one_tls(self) -> EmailAlertConfig:
        if self.ssl and self.starttls:
            raise ValueError("set ssl = true (port 465) or starttls = true (port 587), not both")
        return self

    def describe(self) -> str:
        return f", via {self.host}:{self.port} to {len(self.to)} recipient(s)"


class EmailChannel:
    name = "email"
    config_model = EmailAlertConfig

    @classmethod
    def from_config(cls, config: EmailAlertConfig, *, pages_url: str | None = None) -> EmailChannel:
        return cls(config.host, config.sender, config.to, port=config.port, starttls=config.starttls,
                   ssl_=config.ssl, username=config.username or None, password=reveal(config.password),
                   timeout=config.timeout)

    def __init__(self, host: str, sender: str, to: list[str], *, port: int = 587, starttls: bool = True,
                 ssl_: bool = False, username: str | None = None, password: str | None = None,
                 timeout: float = 20.0, tls_context: ssl.SSLContext | None = None):
        self.host, self.port, self.sender, self.to = host, port, sender, list(to)
        self.starttls, self.ssl, self.timeout = starttls, ssl_, timeout
        self.username, self._password = username, password
        self.tls = tls_context or ssl.create_default_context()

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        subject, body = render(event)
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, self.sender, ", ".join(self.to)
        msg["Date"] = formatdate(event.at.timestamp())
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        first = state.get("message_id")
        if first:
            msg["In-Reply-To"] = msg["References"] = first
        msg.set_content(body)
        self._deliver(msg)
        return {"message_id": first or msg["Message-ID"], "sent": int(state.get("sent", 0)) + 1}

    def _deliver(self, msg: EmailMessage) -> None:
        where = f"smtp {self.host}:{self.port}"
        try:
            smtp: smtplib.SMTP = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls)
                                  if self.ssl else smtplib.SMTP(self.host, self.port, timeout=self.timeout))
            with smtp:
                if self.starttls:
                    smtp.starttls(context=self.tls)
                if self.username:
                    _login(smtp, self.username, self._password or "", where)
                smtp.send_message(msg)
        except smtplib.SMTPNotSupportedError:
            raise ChannelError(f"{where}: the server does not offer STARTTLS (set starttls = false only on a "
                               "trusted network, or ssl = true for port 465)", permanent=True) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelError(f"{where}: login refused ({exc.smtp_code}); check alerts.email.username and "
                               "password", permanent=True) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"{where}: recipients refused: {', '.join(exc.recipients)}", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            text = redact(text, [self._password])[:200]  # out before the cut, which could halve it
            raise ChannelError(f"{where}: {exc.smtp_code} {text}", permanent=exc.smtp_code >= 500) from None
        except ssl.SSLCertVerificationError as exc:
            raise ChannelError(f"{where}: TLS certificate not trusted ({exc.verify_message})",
                               permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(redact(f"{where}: {type(exc).__name__}: {exc}", [self._password])) from None
        except ValueError as exc:  # a header or an address that Python's email cannot encode
            raise ChannelError(f"{where}: cannot encode the message ({type(exc).__name__})", permanent=True) from None


def _login(smtp: smtplib.SMTP, username: str, password: str, where: str) -> None:
    """Log in; a non-ASCII username or password by SASL PLAIN in UTF-8 (RFC 4616), which smtplib's own
    login cannot do (it encodes credentials as ASCII and raises UnicodeEncodeError)."""
    if username.isascii() and password.isascii():
        smtp.login(username, password)
        return
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split() if smtp.has_extn("auth") else []
    if "PLAIN" not in offered:
        raise ChannelError(f"{where}: a non-ASCII username or password needs AUTH PLAIN, which the server does "
                           "not offer", permanent=True)
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)
