"""The one way to build a pipeline: the daemon, ``poll-once``, ``replay`` (with or without ``--send``)
and the tests alike, always with the router of ``[alerts]`` (routes, silences, buttons, quiet hours)."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config.settings import Config
from monitor.interfaces import Clock
from monitor.pipeline.core import DAEMON, Observer, Pipeline, PipelineOptions, Scorer
from monitor.storage.store import Store


def build_pipeline(store: Store, config: Config, scorer: Scorer, clock: Clock, *, channels: Sequence[str],
                   observer: Observer | None = None, options: PipelineOptions = DAEMON) -> Pipeline:
    """A pipeline whose alerts go to ``channels`` as ``[alerts]`` routes them."""
    from monitor.alerting.chain import Router

    return Pipeline(store, config, scorer, clock, route=Router(config.alerts, tuple(channels), store),
                    observer=observer, options=options)
