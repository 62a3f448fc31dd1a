"""Alert channels: an explicit registry from name to class, imported lazily."""

from __future__ import annotations

import importlib
from typing import Any

CHANNELS = {
    "console": "alerts.console:ConsoleChannel",
}


def load_channel_class(name: str) -> Any:
    module, _, attr = CHANNELS[name].partition(":")
    return getattr(importlib.import_module(module), attr)
