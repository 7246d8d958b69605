"""Optional modules: what a platform may or may not declare (``<app>/api.py``,
``<app>/demo.py``, ``<app>/schedule.py`` …)."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    """The module ``name``, or ``None`` when it (or a package above it) does not exist; an
    import error raised inside an existing module is not hidden."""
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise
