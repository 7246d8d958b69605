"""Bulk genealogy queries for customer service, read-only over the data platform's tables.

The data platform's trace service walks from one unit (``qdm.data.trace``); a complaint needs
the same walks for hundreds of serials at once and a comparison population of up to 10^5
modules, so these are single recursive queries seeded with many units (chunks of
``CHUNK`` ids), never a loop of per-serial queries. The SQL is the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from qdm.data.choices import UnitKind
from qdm.data.models import FlashTest, Unit, UnitLink
from qdm.data.trace.queries import MAX_DEPTH

CHUNK = 900


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {"link": q(UnitLink._meta.db_table), "unit": q(Unit._meta.db_table)}


_MULTI_WALK = (
    "WITH RECURSIVE walk(start, id, depth) AS ("
    " SELECT u.id, u.id, 0 FROM {unit} u WHERE u.id IN ({seeds})"
    " UNION"
    " SELECT w.start, l.{far}, w.depth + 1 FROM {link} l JOIN walk w ON l.{near} = w.id"
    " WHERE w.depth < %s)"
)


# Only table names from the models' metadata and "%s" placeholders are formatted into these
# templates; every value is a query parameter.
_SHIPPED = (
    " SELECT DISTINCT w.start, u.customer_id FROM walk w JOIN {unit} u"
    " ON u.id = w.id WHERE u.kind = %s AND u.customer_id IS NOT NULL"
)
_ANCESTORS = " SELECT start, id, MIN(depth) FROM walk WHERE depth > 0 GROUP BY start, id"
_DESCENDANT_MODULES = (
    " SELECT DISTINCT u.id FROM walk w JOIN {unit} u ON u.id = w.id"
    " WHERE u.kind = %s AND w.depth > 0"
)
_INPUTS = (
    "SELECT l.child_id, p.kind, p.code, p.supplier_id, p.material_id FROM {link} l"
    " JOIN {unit} p ON p.id = l.parent_id WHERE l.child_id IN ({seeds})"
)


def _walk_sql(direction: str, n: int) -> str:
    near, far = ("child_id", "parent_id") if direction == "backward" else ("parent_id", "child_id")
    return _MULTI_WALK.format(near=near, far=far, seeds=", ".join(["%s"] * n), **_tables())


def modules_by_serial(serials: Iterable[str]) -> dict[str, int]:
    """Module unit ids of the given serials (unknown serials are absent)."""
    serials = sorted(set(serials))
    found: dict[str, int] = {}
    for chunk in _chunks(serials):
        found.update(
            Unit.objects.filter(kind=UnitKind.MODULE, code__in=chunk).values_list("code", "id")
        )
    return found


def shipped_customers(unit_ids: Sequence[int]) -> dict[int, set[int]]:
    """For each unit, the customers of the shipments it went into (forward walk)."""
    result: dict[int, set[int]] = defaultdict(set)
    tables = _tables()
    for chunk in _chunks(list(unit_ids)):
        sql = _walk_sql("forward", len(chunk)) + _SHIPPED.format(**tables)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, MAX_DEPTH, UnitKind.SHIPMENT.value])
            for start, customer in cursor.fetchall():
                result[start].add(customer)
    return result


def backward_bulk(unit_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(start, ancestor, depth)`` for every ancestor of every unit: one recursive query per
    chunk of seeds."""
    rows: list[tuple[int, int, int]] = []
    for chunk in _chunks(list(unit_ids)):
        sql = _walk_sql("backward", len(chunk)) + _ANCESTORS
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, MAX_DEPTH])
            rows.extend(cursor.fetchall())
    return rows


def forward_modules(unit_id: int) -> list[int]:
    """Every module downstream of a unit (a suspect lot)."""
    sql = _walk_sql("forward", 1) + _DESCENDANT_MODULES.format(**_tables())
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id, MAX_DEPTH, UnitKind.MODULE.value])
        return [r[0] for r in cursor.fetchall()]


def direct_inputs(module_ids: Sequence[int]) -> list[tuple[int, str, str, int | None, int | None]]:
    """``(module, kind, code, supplier, material)`` of the units consumed directly by each
    module (its cell lots and material lots): one join per chunk."""
    t = _tables()
    rows: list[tuple[int, str, str, int | None, int | None]] = []
    for chunk in _chunks(list(module_ids)):
        sql = _INPUTS.format(seeds=", ".join(["%s"] * len(chunk)), **t)
        with connection.cursor() as cursor:
            cursor.execute(sql, list(chunk))
            rows.extend(cursor.fetchall())
    return rows


def window_population(
    line_ids: Iterable[int], start: datetime, end: datetime, *, limit: int = 200_000
) -> list[tuple[int, str, int | None, datetime | None]]:
    """``(id, serial, line, produced_at)`` of the modules of the lines in a production
    window (the comparison population)."""
    qs = Unit.objects.filter(
        kind=UnitKind.MODULE,
        line_id__in=list(line_ids),
        produced_at__gte=start,
        produced_at__lt=end,
    ).values_list("id", "code", "line_id", "produced_at")
    return list(qs[:limit])


def flash_by_serial(serials: Sequence[str]) -> dict[str, tuple[float, str | None]]:
    """The latest flash test (Pmax, station code) per serial."""
    out: dict[str, tuple[float, str | None]] = {}
    for chunk in _chunks(list(serials)):
        for serial, pmax, station in (
            FlashTest.objects.filter(serial__in=chunk)
            .order_by("serial", "tested_at")
            .values_list("serial", "pmax_w", "station__code")
        ):
            out[serial] = (pmax, station)  # ordered by time: the last one wins
    return out


#: the comparison population: the same module lines this long before and after the failing
#: modules (longer than a material lot lasts, so a bad lot stands out against its neighbours)
WINDOW_MARGIN = timedelta(days=7)
