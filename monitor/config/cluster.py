"""The ``[cluster]`` config section: how a replica joins the others on one PostgreSQL (monitor/cluster/
reads it), and which engine a config runs on."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from monitor.config.durations import between, parse_duration

if TYPE_CHECKING:
    from monitor.config.settings import Config

# Finite and in a sane range (inf, nan, 0 or 1e308 would spin or stall the engine), like every duration.
Duration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(between(0.5, 3600.0))]


class ClusterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # auto: procrastinate when storage.url is PostgreSQL, APScheduler (one process) on SQLite.
    engine: Literal["auto", "procrastinate", "apscheduler"] = "auto"
    replica: str = Field(default="", max_length=100)  # this process's name in logs, /readyz, metrics
    concurrency: int = Field(default=4, ge=1, le=32)  # jobs one replica runs at once (threads)
    heartbeat: Duration = 10.0  # how often a replica says it is alive
    stalled_after: Duration = 30.0  # silent this long: presumed dead, its running jobs go to another
    shutdown_grace: Duration = 20.0  # on SIGTERM, running jobs get this long before they are handed back

    @model_validator(mode="after")
    def _stalled_after_heartbeats(self) -> ClusterConfig:
        if self.heartbeat <= 0:
            raise ValueError("cluster.heartbeat must be positive")
        if self.stalled_after < 2 * self.heartbeat:
            raise ValueError("cluster.stalled_after must be at least twice cluster.heartbeat "
                             "(one late heartbeat must not pass for a dead replica)")
        return self

    @property
    def fetch_every(self) -> float:
        """How often a replica looks for due jobs on its own. New jobs are announced (LISTEN/NOTIFY), but
        not a job whose time comes later (one passed on or retried), nor one missed while reconnecting."""
        return min(5.0, self.heartbeat)

    def replica_name(self) -> str:
        """The configured name, else host and process id (unique across hosts and restarts)."""
        return self.replica or f"{socket.gethostname()}-{os.getpid()}"


def uses_job_engine(config: Config) -> bool:
    """Whether ``monitor run`` runs as a replica on the job engine rather than on APScheduler."""
    engine = config.cluster.engine
    if engine == "auto":
        return is_postgresql(config.storage.url)
    return engine == "procrastinate"


def is_postgresql(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")
