"""Who may read the incident pages (``[web]``): the Host check, the reverse proxy's addresses or shared
secret, and the throttle on wrong access tokens. Pure checks, no I/O: monitor/web/pages.py answers.

- **Host**: a browser sends the name it resolved. A page on the internet that rebinds its own name to
  127.0.0.1 (DNS rebinding) reaches a loopback-only, token-less endpoint from the victim's browser, but
  its requests still carry its own name. Only loopback names, the host of ``public_url`` and
  ``allowed_hosts`` are answered.
- **Proxy**: ``trust_proxy`` believes a header (``X-Forwarded-User``) that any client can send. It is
  believed only from ``proxy_addresses`` (default: the loopback, a proxy on the same machine) and,
  when ``proxy_secret`` is set, only with that secret in ``proxy_secret_header``.
- **Throttle**: a short token guessed at network speed; after ``LIMIT`` wrong tokens in a minute from
  one address, that address is answered 429 until the oldest failure is a minute old.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from monitor.config.secrets import reveal
from monitor.config.settings import WebConfig

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
LOOPBACK_NETS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_HOST = re.compile(r"(\[[0-9a-fA-F:.]+\]|[^:\[\]/\s@]+)(:[0-9]{1,5})?", re.ASCII)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def host_name(header: str) -> str | None:
    """The host named by a ``Host`` header (``localhost:8080``, ``[::1]:8080``): lower case, without the
    port, brackets or a final dot; None when it is not one host name."""
    m = _HOST.fullmatch(header.strip())
    if m is None:
        return None
    name = m.group(1).strip("[]").lower().rstrip(".")
    return name or None


def allowed_hosts(web: WebConfig) -> frozenset[str]:
    """The names the pages answer to: the loopback's, ``public_url``'s and ``allowed_hosts``."""
    names = set(LOOPBACK_NAMES) | {h.strip().strip("[]").lower().rstrip(".") for h in web.allowed_hosts}
    if web.public_url and (public := urlsplit(web.public_url).hostname):
        names.add(public.lower().rstrip("."))
    return frozenset(names)


def client_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address; an IPv4 client of an IPv6 socket (``::ffff:10.0.0.5``) as IPv4."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped if mapped is not None else ip


def proxy_networks(web: WebConfig) -> tuple[Network, ...]:
    """Where the proxy's header is believed from: ``proxy_addresses``, else the loopback unless a
    shared secret alone identifies the proxy."""
    if web.proxy_addresses:
        return tuple(ipaddress.ip_network(a, strict=False) for a in web.proxy_addresses)
    return () if web.proxy_secret else LOOPBACK_NETS


class ProxyCheck:
    """Is a request from the reverse proxy ``[web]`` trusts? Every configured condition must hold."""

    def __init__(self, web: WebConfig):
        self.networks = proxy_networks(web)
        self.header = web.proxy_secret_header
        self.secret = (reveal(web.proxy_secret) or "").encode()

    def from_proxy(self, client: str, headers: Any) -> bool:
        if self.networks:
            ip = client_ip(client)
            if ip is None or not any(ip in net for net in self.networks):
                return False
        if self.secret:
            given = str(headers.get(self.header) or "").encode()
            return hmac.compare_digest(given, self.secret)
        return True


class LoginThrottle:
    """Wrong access tokens per client address within ``window`` seconds; past ``limit`` the address
    waits until its oldest failure ages out. Thread-safe (one server thread per request); remembers at
    most ``max_clients`` addresses, forgetting the longest quiet first."""

    LIMIT = 5
    WINDOW = 60.0

    def __init__(self, limit: int = LIMIT, window: float = WINDOW, *, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.max_clients, self.clock = limit, window, max_clients, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try a token again (0: now)."""
        with self._lock:
            times = self._recent(client)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, times[0] + self.window - self.clock())

    def failed(self, client: str) -> int:
        """Count one wrong token; returns the failures within the window."""
        with self._lock:
            times = self._recent(client)
            times.append(self.clock())
            while len(times) > self.limit:
                times.popleft()
            self._failures.pop(client, None)
            self._failures[client] = times  # the most recent failures last: forgotten last
            if len(self._failures) > self.max_clients:
                del self._failures[next(iter(self._failures))]
            return len(times)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        times = self._failures.get(client) or deque()
        cutoff = self.clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        return times
