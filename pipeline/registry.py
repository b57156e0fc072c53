"""Stage registry: implementations are registered by *slot* and *name*.

A slot is a step of the pipeline (``ingest``, ``structure``, ``repair``, ...).
The config picks an implementation per slot by name (``impl:``), so switching an
implementation is a YAML edit, not a code edit -- the same idea as spaCy's
registered factories.  An implementation is a class whose ``__init__`` takes the
stage options as keyword arguments (scikit-learn style); dataclasses are the
norm, because the config loader validates option names and types against their
fields.

Modules that define implementations are imported lazily (see ``_PROVIDERS``) so
importing :mod:`pipeline` does no work and touches no heavy dependency.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pipeline.errors import ConfigError, shown

# slot -> module(s) that register implementations for it.  Importing a module
# runs its ``@register`` decorators.
_PROVIDERS: dict[str, tuple[str, ...]] = {
    "ingest": ("pipeline.stages.ingest",),
    "structure": ("pipeline.stages.structure",),
    "repair": ("pipeline.stages.repair.pdf_artefacts",),
    "normalise": ("pipeline.stages.normalise",),
    "tokenise": ("pipeline.stages.tokenise",),
    "themes": ("pipeline.stages.themes.stage",),
    "stakeholders": ("pipeline.stages.stakeholders.stage",),
    "report": ("pipeline.stages.report.stage",),
}

_REGISTRY: dict[str, dict[str, type]] = {}


def register(slot: str, name: str) -> Callable[[type], type]:
    """Class decorator: make ``cls`` available as ``impl: name`` for ``slot``."""

    def decorate(cls: type) -> type:
        _REGISTRY.setdefault(slot, {})[name] = cls
        cls.registered_name = name
        cls.registered_slot = slot
        return cls

    return decorate


def add_slot(slot: str, *modules: str, before: str | None = None) -> None:
    """Make ``slot`` a step of the pipeline, its implementations registered by ``modules`` (imported
    lazily), placed before the slot ``before`` (default: last).  For plugins and tests; the
    built-in slots are the ``_PROVIDERS`` table above."""
    if before is not None and before not in _PROVIDERS:
        raise ConfigError(f"registry: unknown slot {before!r}; expected one of {', '.join(_PROVIDERS)}")
    items = [(name, mods) for name, mods in _PROVIDERS.items() if name != slot]
    at = next((i for i, (name, _) in enumerate(items) if name == before), len(items))
    items.insert(at, (slot, tuple(modules)))
    _PROVIDERS.clear()
    _PROVIDERS.update(items)


def slots() -> list[str]:
    """The known slots, in pipeline order."""
    return list(_PROVIDERS)


def _load(slot: str) -> None:
    for module in _PROVIDERS.get(slot, ()):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
                # the provider itself (or its package) is not there: a registry entry naming nothing
                raise ConfigError(f"stage {slot!r}: cannot import {module!r} named in the registry: {exc}") from None
            raise  # a provider's own missing dependency is a real error


def available(slot: str) -> list[str]:
    """Names registered for ``slot`` (imports its provider modules)."""
    _load(slot)
    return sorted(_REGISTRY.get(slot, {}))


def lookup(slot: str, name: str, where: str = "") -> type:
    """The class registered as ``name`` for ``slot``; ConfigError if unknown."""
    if slot not in _PROVIDERS:
        raise ConfigError(f"{where}: unknown stage {shown(slot)}; expected one of {', '.join(_PROVIDERS)}")
    _load(slot)
    found = _REGISTRY.get(slot, {}).get(name)
    if found is None:
        names = ", ".join(sorted(_REGISTRY.get(slot, {}))) or "none"
        raise ConfigError(f"{where}: unknown implementation {shown(name)} for stage {slot!r}; expected one of: {names}")
    return found
