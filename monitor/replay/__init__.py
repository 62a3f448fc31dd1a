"""Replay: recorded observations through the same pipeline on a simulated clock, and what is built on it
(demo, report, feedback).
"""
