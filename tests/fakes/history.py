"""A stored incident history made the daemon's way: observations through ``Monitor.process_batch`` and
``Monitor.deliver`` on a fake clock, one batch per hour of event time, into a real database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from itertools import groupby

from monitor.config.settings import LoadedConfig
from monitor.daemon.app import Monitor
from monitor.interfaces import Channel
from monitor.models import Observation
from tests.conftest import FakeClock


def ending_at(observations: Iterable[Observation], end: datetime) -> list[Observation]:
    """The observations in event order, moved in time so that the last is observed at ``end``."""
    obs = sorted(observations, key=lambda o: (o.observed_at, o.source, o.id))
    shift = end - obs[-1].observed_at
    return [replace(o, created_at=o.created_at + shift, observed_at=o.observed_at + shift) for o in obs]


def store_history(loaded: LoadedConfig, observations: list[Observation], scorer,
                  channels: dict[str, Channel] | None = None) -> tuple[Monitor, FakeClock]:
    clock = FakeClock(observations[0].observed_at)
    mon = Monitor.create(loaded, clock, scorer=scorer, channels=channels)
    for _, hour in groupby(observations, key=lambda o: o.observed_at.replace(minute=0, second=0, microsecond=0)):
        batch = list(hour)
        clock.now = batch[-1].observed_at
        mon.process_batch(batch)
        mon.deliver()
    return mon, clock
