"""Demo data of the quality data platform: master data and the characteristic catalog
(:mod:`qdm.data.seeds`), then the production history (:mod:`qdm.data.generator`). Running it
again re-seeds nothing new and skips the history when modules already exist."""

from __future__ import annotations

import time
from typing import Any

from qdm.data.generator import generate
from qdm.data.models import Unit
from qdm.data.seeds import seed_all


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def build(ctx: Any, **generator_options: Any) -> dict[str, int]:
    """Seed master data and catalog, then generate history unless modules already exist."""
    counts = seed_all(ctx.sites, ctx.customers)
    ctx.log.append(
        f"{counts['module_models']} module models (CEC), {counts['materials']} materials, "
        f"{counts['characteristics']} characteristics, {counts['specifications']} specifications"
    )
    if Unit.objects.filter(kind="module").exists():
        ctx.log.append("production history already present: generator skipped")
        return counts
    started = time.perf_counter()
    history = generate(ctx, **generator_options)
    seconds = time.perf_counter() - started
    counts.update(history)
    ctx.log.append(
        f"{_n(history.get('modules', 0))} modules, {_n(history['flash_tests'])} flash tests, "
        f"{_n(history['el_results'])} EL results, {_n(history.get('cell_lots', 0))} cell lots, "
        f"{_n(history.get('material_lots', 0))} material lots, "
        f"{_n(history.get('pallets', 0))} pallets, {_n(history.get('shipments', 0))} shipments, "
        f"{_n(history['links'])} genealogy links, {_n(history['measurements'])} measurements "
        f"in {seconds:.1f} s"
    )
    return counts
