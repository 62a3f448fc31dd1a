"""One exception root for the project; user-facing messages name the key, file or line."""

from __future__ import annotations


class MonitorError(Exception):
    """Root of every error the monitor raises on purpose."""


class ConfigError(MonitorError):
    """A config file is unreadable or invalid. ``problems`` holds one (dotted key, message) each."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {key}: {msg}" if key else f"{source}: {msg}" for key, msg in problems]
        super().__init__("\n".join(lines))


class InputError(MonitorError):
    """Bad user input (a JSONL line, a timestamp, a flag). The message says where."""


class SourceError(MonitorError):
    """A source failed. ``retry_after`` (seconds) is set when the API told us how long to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class RateLimited(SourceError):
    """The API answered 429 (or equivalent); wait ``retry_after`` seconds before asking again."""


class ChannelError(MonitorError):
    """An alert channel failed; ``permanent`` errors (bad token, unknown channel) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
