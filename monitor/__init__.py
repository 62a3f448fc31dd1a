"""Complaint monitor: watch social media for brand complaints that are about to blow up."""

__version__ = "0.1.0"
