"""Replicas: several ``monitor run`` processes on one PostgreSQL share the work through procrastinate.

The embedded default (SQLite, one process) keeps APScheduler (monitor/daemon/scheduler.py). With a
PostgreSQL storage URL each ``monitor run`` is a procrastinate worker instead, and the jobs are the
same ones APScheduler runs (``Monitor.poll_source``, ``Monitor.reobserve``, ``Monitor.deliver``,
``monitor.daemon.scheduler.housekeeping``):

(the ``[cluster]`` config section, and which engine a config runs on, are monitor/config/cluster.py)
- schedule.py   job periods as cron expressions that every replica computes alike
- engine_schema.py  procrastinate's tables, created or upgraded once when replicas start together
- jobs.py       the tasks, their periodic schedule and locks, and what this replica ran; each source's
                polls wait in a queue of their own (``monitor:<source>``), which only replicas that
                have that source listen to, so replicas with different configs (a rolling change)
                never take each other's jobs
- runner.py     ``monitor run`` as a replica: worker, health endpoint, graceful stop and hand-back
"""
