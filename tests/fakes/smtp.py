"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the email channel's tests.

``FakeSMTP(username=..., password=...)`` requires a login; ``tls=True`` offers STARTTLS with a
self-signed certificate made by ``openssl`` (``FakeSMTP.client_context()`` trusts it).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message
    tls: bool


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def can_make_certificates() -> bool:
    return shutil.which("openssl") is not None


class FakeSMTP:
    def __init__(self, *, username: str | None = None, password: str | None = None, tls: bool = False,
                 reject_recipients: bool = False):
        self.received: list[Received] = []
        self.logins: list[str] = []
        self.username, self.password, self.reject = username, password, reject_recipients
        self._dir = tempfile.TemporaryDirectory()
        self.cert: Path | None = None
        kwargs: dict[str, Any] = {"auth_require_tls": False}  # plain-text login on loopback, for the test only
        if username is not None:
            kwargs.update(authenticator=self._authenticate)  # offered, and checked when the client logs in
        if tls:
            self.cert, key = Path(self._dir.name) / "cert.pem", Path(self._dir.name) / "key.pem"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                            "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                            "-keyout", str(key), "-out", str(self.cert)], check=True, capture_output=True)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(self.cert), str(key))
            kwargs.update(tls_context=ctx, require_starttls=True)
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.cert is not None:
            ctx.load_verify_locations(str(self.cert))
        return ctx

    def __enter__(self) -> FakeSMTP:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
        self._dir.cleanup()

    # aiosmtpd hooks -------------------------------------------------------------------------------

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            ok = (auth_data.login.decode() == self.username and auth_data.password.decode() == self.password)
            if ok:
                self.logins.append(self.username or "")
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.reject:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message_from_bytes(envelope.content), session.ssl is not None))
        return "250 Message accepted for delivery"
