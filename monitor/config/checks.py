"""Checks shared by config values of different sections (ranges of durations are in ``durations.py``)."""

from __future__ import annotations

import re

from pydantic import AfterValidator


def spelled(pattern: re.Pattern[str], what: str) -> AfterValidator:
    """For ``Annotated[str, ...]``: a text that must be all ``pattern``; the error says it is not ``what``."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)
