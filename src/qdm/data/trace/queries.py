"""The genealogy walk: pure SQL, no scoping, no formatting.

Both directions are one recursive common table expression (``WITH RECURSIVE``, the same
text on SQLite and PostgreSQL) over ``data_unitlink``:

* backward (ancestors) follows ``child → parent`` and is served by the ``(child, parent)``
  index;
* forward (descendants) follows ``parent → child`` and is served by the foreign-key index on
  ``parent``.

Cycles cannot loop forever: every row carries its depth, the recursion stops at
``max_depth`` and ``UNION`` (not ``UNION ALL``) drops rows already produced. A unit reached
by several paths is reported once, at its smallest depth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from qdm.data.models import Unit, UnitLink

#: far deeper than any real chain (poly lot → … → shipment is 6 links)
MAX_DEPTH = 20


class Reached(NamedTuple):
    """One unit reached by a walk, with the columns scoping and summaries need."""

    id: int
    kind: str
    code: str
    site_id: int | None
    supplier_id: int | None
    customer_id: int | None
    depth: int


def _names() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {"link": quote(UnitLink._meta.db_table), "unit": quote(Unit._meta.db_table)}


# Only identifiers from the models' metadata are formatted into these templates; every value
# is a query parameter.
_WALK = (
    "WITH RECURSIVE walk(id, depth) AS ("
    # the casts make the seed row's types match the recursive term's (PostgreSQL checks)
    " SELECT CAST(%s AS BIGINT), 0"
    " UNION"
    " SELECT l.{far}, w.depth + 1 FROM {link} l JOIN walk w ON l.{near} = w.id"
    " WHERE w.depth < %s)"
)
_WALK_EDGES = (
    "WITH RECURSIVE walk(id, via, depth) AS ("
    " SELECT CAST(%s AS BIGINT), CAST(NULL AS BIGINT), 0"
    " UNION"
    " SELECT l.{far}, l.{near}, w.depth + 1 FROM {link} l JOIN walk w ON l.{near} = w.id"
    " WHERE w.depth < %s)"
)

_REACHED = (
    " SELECT u.id, u.kind, u.code, u.site_id, u.supplier_id, u.customer_id, m.depth"
    " FROM (SELECT id, MIN(depth) AS depth FROM walk WHERE depth > 0 GROUP BY id) m"
    " JOIN {unit} u ON u.id = m.id WHERE u.id <> %s"
)
_EDGES = " SELECT DISTINCT id, via FROM walk WHERE via IS NOT NULL"


def _walk_sql(direction: str, *, with_parent: bool = False) -> str:
    """The recursive CTE named ``walk(id, depth)`` (``walk(id, via, depth)`` with
    ``with_parent``: ``via`` is the unit it was reached from, i.e. the edge)."""
    if direction == "backward":
        near, far = "child_id", "parent_id"
    elif direction == "forward":
        near, far = "parent_id", "child_id"
    else:  # pragma: no cover - programming error
        raise ValueError(direction)
    template = _WALK_EDGES if with_parent else _WALK
    return template.format(near=near, far=far, **_names())


def walk(unit_id: int, direction: str, max_depth: int = MAX_DEPTH) -> list[Reached]:
    """Every unit reached from ``unit_id`` (excluded) going ``direction``, each once at its
    smallest depth, ordered by depth, kind and code (sorted here: cheaper than in SQL)."""
    sql = _walk_sql(direction) + _REACHED.format(**_names())
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id, max_depth, unit_id])
        rows = list(map(Reached._make, cursor.fetchall()))
    rows.sort(key=lambda r: (r.depth, r.kind, r.code))
    return rows


#: the keys of a detail row, as ``Unit.objects.values(*DETAIL_FIELDS)`` would name them
DETAIL_FIELDS = (
    "id", "code", "kind", "supplier_lot", "project", "efficiency_bin", "quantity",
    "produced_at", "material__code", "material__name", "material__name_en",
    "supplier__code", "supplier__name", "supplier__name_en", "site__code", "line__code",
    "customer__code", "customer__name", "customer__name_en",
)  # fmt: skip


def _detailed_sql(direction: str) -> str:
    """The walk joined to the details of every unit it reaches, the start included (depth
    0): one statement instead of a walk and an ORM query per chunk of ids."""
    quote = connection.ops.quote_name
    opts = Unit._meta

    def table(name: str) -> tuple[str, str]:
        related = opts.get_field(name).related_model._meta  # type: ignore[union-attr]
        return quote(related.db_table), quote(related.pk.column)

    def col(name: str) -> str:
        return "u." + quote(cast("models.Field[Any, Any]", opts.get_field(name)).column)

    select = (
        "u.id, u.code, u.kind, {supplier_lot}, {project}, {efficiency_bin}, {quantity},"
        " {produced_at}, mt.code, mt.name, mt.name_en, sp.code, sp.name, sp.name_en,"
        " st.code, ln.code, cu.code, cu.name, cu.name_en,"
        " {site}, {supplier}, {customer}, m.depth"
    ).format(
        **{
            name: col(name)
            for name in ("supplier_lot", "project", "efficiency_bin", "quantity", "produced_at")
        },
        site=col("site"),
        supplier=col("supplier"),
        customer=col("customer"),
    )
    joins = "".join(
        " LEFT JOIN {0} {2} ON {2}.{1} = {3}".format(*table(name), alias, col(name))
        for name, alias in (
            ("material", "mt"),
            ("supplier", "sp"),
            ("site", "st"),
            ("line", "ln"),
            ("customer", "cu"),
        )
    )
    # identifiers from the models' metadata only; the values are parameters
    return (
        _walk_sql(direction)  # noqa: S608
        + f" SELECT {select}"
        + " FROM (SELECT id, MIN(depth) AS depth FROM walk GROUP BY id) m"
        + f" JOIN {quote(opts.db_table)} u ON u.id = m.id{joins}"
    )


def _aware(value: Any) -> Any:
    """A datetime column read through the raw cursor as the ORM would return it: SQLite
    hands back a naive datetime (or text under an expression), PostgreSQL an aware one."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_datetime(str(value))
    if settings.USE_TZ and value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone)
    return value


def walk_with_details(
    unit_id: int, direction: str, max_depth: int = MAX_DEPTH
) -> tuple[dict[str, Any] | None, list[Reached], dict[int, dict[str, Any]]]:
    """:func:`walk` plus the detail row (keys :data:`DETAIL_FIELDS`) of the start and of
    every unit reached, in one statement. Returns ``(start details, reached, details by
    id)``; the details are unscoped — the caller keeps only those the user may see."""
    with connection.cursor() as cursor:
        cursor.execute(_detailed_sql(direction), [unit_id, max_depth])
        rows = cursor.fetchall()
    width = len(DETAIL_FIELDS)
    start: dict[str, Any] | None = None
    reached: list[Reached] = []
    details: dict[int, dict[str, Any]] = {}
    for row in rows:
        detail = dict(zip(DETAIL_FIELDS, row[:width], strict=True))
        detail["produced_at"] = _aware(detail["produced_at"])
        uid = detail["id"]
        if uid == unit_id:
            start = detail
            continue
        site_id, supplier_id, customer_id, depth = row[width:]
        reached.append(
            Reached(uid, detail["kind"], detail["code"], site_id, supplier_id, customer_id, depth)
        )
        details[uid] = detail
    reached.sort(key=lambda r: (r.depth, r.kind, r.code))
    return start, reached, details


def edges(unit_id: int, direction: str, max_depth: int = MAX_DEPTH) -> list[tuple[int, int]]:
    """The distinct ``(parent, child)`` links crossed by the walk from ``unit_id`` — for
    drawing a (small) backward genealogy."""
    sql = _walk_sql(direction, with_parent=True) + _EDGES
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id, max_depth])
        rows = cursor.fetchall()
    if direction == "backward":
        return sorted({(far, near) for far, near in rows})  # far is the parent
    return sorted({(near, far) for far, near in rows})


def condensed_edges(
    unit_id: int, node_of: dict[int, Any], max_depth: int = MAX_DEPTH
) -> set[tuple[Any, Any]]:
    """The forward genealogy of ``unit_id`` condensed to graph nodes: ``node_of`` maps a
    unit id to its node key (units of a large kind share one aggregate key). The edges are
    read and folded batch by batch, so a walk reaching 50 000 modules never holds its
    100 000 edges in memory at once."""
    sql = _walk_sql("forward", with_parent=True) + _EDGES
    result: set[tuple[Any, Any]] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id, max_depth])
        while True:
            rows = cursor.fetchmany(10_000)
            if not rows:
                break
            for child, parent in rows:
                a, b = node_of.get(parent), node_of.get(child)
                if a is not None and b is not None and a != b:
                    result.add((a, b))
    return result


def chunks(values: Sequence[Any], size: int = 5_000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
