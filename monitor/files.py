"""Files the monitor reads and writes: inputs users name, its SQLite database (private to its user)
and the outputs users name.

The database holds the Slack ids of the people who pressed buttons and every post's author: it is
created readable by its owner only (SQLite gives its journal and WAL files the database's mode).
An output path (``export -o``, ``replay --report``) is checked before the work, so that a typo costs
an error naming the path, not a traceback after a long replay.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from monitor.errors import InputError

log = logging.getLogger("monitor.files")


@contextlib.contextmanager
def open_input(name: str) -> Iterator[IO[str]]:
    """A JSONL input as text (``-``: stdin); an unreadable one is an input error naming it."""
    if name == "-":
        yield sys.stdin
        return
    try:
        with open(name, encoding="utf-8", errors="replace") as f:
            yield f
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror}") from None


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file of ``url`` with mode 0600 if it does not exist yet; one that others can
    read is tightened to 0600 when this user owns it (and warned about either way); other URLs: nothing."""
    from sqlalchemy.engine import make_url  # here: the commands that open no database need not import sqlalchemy

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unusable URL is reported where the engine is made
        return
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return
    try:
        fd = os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        _tighten(database)
        return
    except OSError:  # a missing directory, say: SQLite's own error says so better
        return
    os.close(fd)


def _tighten(database: str) -> None:
    """An existing database readable by others (made by an older release, or copied): made 0600 where
    we own it, since it holds authors' handles and who pressed which Slack button; warned about."""
    try:
        st = os.stat(database)
    except OSError:
        return
    if not st.st_mode & 0o077:
        return
    if st.st_uid == os.getuid():
        try:
            os.chmod(database, 0o600)
            for suffix in ("-wal", "-shm", "-journal"):
                if os.path.exists(database + suffix):
                    os.chmod(database + suffix, 0o600)
        except OSError:
            pass
        else:
            log.warning("database file was readable by other users; made private (0600)", extra={"path": database})
            return
    log.warning("database file is readable by other users; make it private: chmod 600", extra={"path": database})


@contextlib.contextmanager
def private_output(path: str) -> Iterator[IO[str]]:
    """An output file (``export -o``, ``replay --report``) readable by its owner only: it holds the same
    handles and texts as the database. An existing file is truncated and made 0600 too."""
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        pass
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        yield f


def check_output(path: str, option: str) -> Path:
    """``path`` can be written as a file: its directory exists and it is not a directory itself."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{option} {path}: is a directory; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(f"{option} {path}: not writable (permission denied)")
    return p


def write_error(path: str, option: str, exc: OSError) -> InputError:
    """An output that failed while being written (disk full, removed directory) as an input error."""
    return InputError(f"{option} {path}: cannot write: {exc.strerror or exc}")
