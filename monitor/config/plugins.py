"""Sources and alert channels are plugins: the core finds them by name and builds their config from them.

A registry is an explicit dict from a name (the config section: ``[sources.NAME]``, ``[alerts.NAME]``)
to ``"module:Class"``: ``sources.SOURCES`` and ``alerts.CHANNELS``, so ``grep`` finds every plugin.
The class carries its own config model (``config_model``, a pydantic model whose secrets are typed
``monitor.config.secrets.Secret``) and a ``from_config`` constructor; see ``monitor.interfaces``.

``Sections`` is a config section with one sub-section per registered plugin. Its model is built from
the registry when a config is validated (so a plugin registered at run time, by a test say, gets its
section), which imports each registered plugin's module.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

from pydantic import BaseModel, ConfigDict, Field, create_model


def load(registry: Mapping[str, str], name: str, kind: str = "plugin") -> Any:
    """The class registered under ``name``; ``KeyError`` naming the known ones if there is none."""
    try:
        target = registry[name]
    except KeyError:
        raise KeyError(f"unknown {kind} {name!r} (known: {', '.join(registry)})") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class Sections(BaseModel):
    """Base of a config section whose sub-sections come from a registry (``[sources]``; ``[alerts]``,
    which adds its own keys). Subclasses name their registry in ``registry()``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str] = "plugin"

    @classmethod
    def registry(cls) -> Mapping[str, str]:
        raise NotImplementedError

    @classmethod
    def built(cls) -> type[Self]:
        """This section's model with one field per registered plugin, in registry order."""
        base = next(c for c in cls.__mro__ if "registry" in c.__dict__)  # not a model built before
        return cast(type[Self], _build(base, tuple(cls.registry().items())))

    @classmethod
    def plugin(cls, name: str) -> Any:
        return load(cls.registry(), name, cls.kind)

    def names(self) -> list[str]:
        """The plugins this section holds, in registry order."""
        return [n for n in type(self).model_fields if n in self.registry()]

    def section(self, name: str) -> Any:
        """The config of plugin ``name`` (``None`` for a channel left out)."""
        return getattr(self, name)

    if TYPE_CHECKING:  # the plugins' sub-sections are attributes the type checker cannot know
        def __getattr__(self, name: str) -> Any: ...


@cache
def _build(base: type[Sections], plugins: tuple[tuple[str, str], ...]) -> type[Sections]:
    fields: dict[str, Any] = {}
    for name, _ in plugins:
        if name in base.model_fields:  # [alerts] has keys of its own: a channel cannot be one of them
            raise ValueError(f"{base.kind} {name!r}: the name is a key of the section; register it under another")
        model = load(dict(plugins), name, base.kind).config_model
        # A section left out of the file takes the plugin's own default (model.absent()).
        fields[name] = (model | None, Field(default_factory=model.absent))
    built: type[Sections] = create_model(base.__name__, __base__=base, __module__=base.__module__, **fields)
    return built
