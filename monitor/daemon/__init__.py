"""The daemon: wiring from config, the scheduler, health and metrics endpoints, quotas, source health and
signals.
"""
