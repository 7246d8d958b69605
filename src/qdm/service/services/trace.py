"""Bulk genealogy queries for customer service, read-only over the data platform's tables.

The data platform's trace service walks from one unit (``qdm.data.trace``); a complaint needs
the same walks for hundreds of serials at once and a comparison population of up to 10^5
modules, so these are single recursive queries seeded with many units (chunks of
``CHUNK`` ids), never a loop of per-serial queries. The SQL is the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection

from qdm.core.models import Station
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
_MODULES_BY_ID = "SELECT id, code, line_id, {epoch} FROM {unit} WHERE id IN ({seeds})"
_MODULES_IN_WINDOW = (
    "SELECT id, code, line_id, {epoch} FROM {unit} WHERE kind = %s"
    " AND line_id IN ({seeds}) AND produced_at >= %s AND produced_at < %s"
)
_FLASH_IN_WINDOW = (
    "SELECT f.serial, f.pmax_w, s.code FROM {flash} f LEFT OUTER JOIN {station} s"
    " ON s.id = f.station_id WHERE f.line_id IN ({seeds}) AND f.tested_at >= %s"
    " AND f.tested_at < %s ORDER BY f.tested_at"
)
_INPUT_IDS = "SELECT l.child_id, l.parent_id FROM {link} l WHERE l.child_id IN ({seeds})"


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


def direct_input_ids(module_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(module, unit)`` id arrays of the units consumed directly by each module (its cell
    lots and material lots): integer ids only, one indexed query per chunk, read straight
    from the cursor into numpy (a window of 40,000 modules has ~350,000 such links)."""
    sql_cache: dict[int, str] = {}
    parts: list[np.ndarray] = []
    for chunk in _chunks(list(module_ids)):
        n = len(chunk)
        if n not in sql_cache:
            sql_cache[n] = _INPUT_IDS.format(seeds=", ".join(["%s"] * n), **_tables())
        with connection.cursor() as cursor:
            cursor.execute(sql_cache[n], list(chunk))
            rows = cursor.fetchall()
        parts.append(np.fromiter(itertools.chain.from_iterable(rows), np.int64, 2 * len(rows)))
    flat = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    pairs = flat.reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def unit_facts(unit_ids: Iterable[int]) -> dict[int, tuple[str, str, int | None]]:
    """``{id: (kind, code, supplier)}`` of the given units (lots: a few thousand)."""
    out: dict[int, tuple[str, str, int | None]] = {}
    for chunk in _chunks(sorted({int(u) for u in unit_ids})):
        for pk, kind, code, supplier in Unit.objects.filter(pk__in=chunk).values_list(
            "id", "kind", "code", "supplier_id"
        ):
            out[pk] = (kind, code, supplier)
    return out


#: whole seconds since 1970 (UTC) of ``produced_at``, computed by the database: no datetime
#: object per row (Django stores UTC on SQLite; PostgreSQL keeps timestamptz)
_EPOCH = {
    "sqlite": "CAST(strftime('%%s', produced_at) AS INTEGER)",
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM produced_at)) AS BIGINT)",
}


def epoch_seconds(values: Sequence[Any]) -> np.ndarray:
    """Float seconds since 1970 (UTC; NaN for NULL) of the last column of ``modules_raw``:
    numbers as the database computed them, or datetimes on other backends."""
    try:
        return np.asarray(values, dtype=float).reshape(-1)  # None → NaN
    except TypeError:
        pass
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, datetime):
            v = (v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp() // 1
        out[i] = v
    return out


def modules_raw(
    *,
    ids: Sequence[int] | None = None,
    line_ids: Sequence[int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 200_000,
) -> list[tuple[int, str, int | None, Any]]:
    """``(id, serial, line, produced)`` of units by id (in chunks) or of the modules of
    lines in a production window (the comparison population); ``produced`` is in seconds since
    1970 UTC (see ``epoch_seconds``), so no datetime is built per row."""
    t = {**_tables(), "epoch": _EPOCH.get(connection.vendor, "produced_at")}
    adapt = connection.ops.adapt_datetimefield_value
    rows: list[tuple[int, str, int | None, Any]] = []
    with connection.cursor() as cursor:
        if ids is not None:
            for chunk in _chunks(list(ids)):
                sql = _MODULES_BY_ID.format(seeds=", ".join(["%s"] * len(chunk)), **t)
                cursor.execute(sql, list(chunk))
                rows.extend(cursor.fetchall())
            return rows
        lines = list(line_ids or [])
        if lines:
            sql = _MODULES_IN_WINDOW.format(seeds=", ".join(["%s"] * len(lines)), **t)
            cursor.execute(sql, [UnitKind.MODULE.value, *lines, adapt(start), adapt(end)])
            rows.extend(cursor.fetchall())
    if len(rows) > limit:  # the first ``limit`` by serial (sorted here: rarely needed)
        rows = sorted(rows, key=lambda r: r[1])[:limit]
    return rows


def flash_in_window(
    line_ids: Sequence[int], start: datetime, end: datetime
) -> dict[str, tuple[float, str | None]]:
    """``{serial: (Pmax, station code)}`` of the flash tests of the lines in a window, the
    latest per serial (rows in time order: the last one wins); one query, read raw."""
    if not line_ids:
        return {}
    q = connection.ops.quote_name
    sql = _FLASH_IN_WINDOW.format(
        flash=q(FlashTest._meta.db_table),
        station=q(Station._meta.db_table),
        seeds=", ".join(["%s"] * len(line_ids)),
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [*line_ids, adapt(start), adapt(end)])
        return {serial: (pmax, station) for serial, pmax, station in cursor.fetchall()}


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
