"""The inputs of ``monitor replay``: its markers, the size of its input file, and ``--brand``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from monitor.config.durations import parse_timestamp
from monitor.config.settings import Config
from monitor.errors import InputError
from monitor.models import Observation


def parse_markers(values: Iterable[str]) -> list[tuple[str, datetime]]:
    markers = []
    for v in values:
        name, sep, ts = v.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--marker {v!r}: expected NAME=TIMESTAMP, e.g. tv=2024-05-02T18:00:00Z")
        try:
            markers.append((name.strip(), parse_timestamp(ts)))
        except ValueError as exc:
            raise InputError(f"--marker {v!r}: {exc}") from None
    return markers


def count_lines(path: str) -> int | None:
    if path == "-":
        return None
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def only_brand(config: Config, name: str) -> Config:
    """``replay --brand NAME``: replay that brand only; its config entry, or its name as the keyword."""
    from monitor.config.settings import BrandConfig

    known = [b for b in config.brands if b.name.casefold() == name.casefold()]
    return config.model_copy(update={"brands": known or [BrandConfig(name=name, keywords=[name])]})


def of_brand(observations: Iterable[Observation], name: str) -> Iterator[Observation]:
    """Observations not assigned to another brand (an export's ``brand`` field assigns them)."""
    folded = name.casefold()
    return (o for o in observations if o.brand is None or o.brand.casefold() == folded)
