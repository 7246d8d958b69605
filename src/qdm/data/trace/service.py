"""Traceability both ways: the walk of ``queries`` turned into scoped, documented results.

Scoping (docs/traceability.md):

* the starting unit must be visible to the user (``Unit.objects.for_user(user, "view")``),
  otherwise it is "not found" — exactly like an unknown code, so nothing is revealed;
* every unit the walk reaches is **counted**, but only the units inside the user's scope
  are **named and detailed**. An upstream unit outside the scope appears with its kind and
  depth only (``"restricted": true``, code and details ``null``); a downstream unit outside
  the scope is in ``counts`` and ``restricted`` but in no list. A supplier user therefore
  sees, for a material lot of their own, how many cell lots, modules, pallets and shipments
  it reached — but no serial and no customer.

``user=None`` is the unscoped view of the command line run by an operator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qdm.core.querysets import scope_filter
from qdm.data.choices import UnitKind
from qdm.data.models import ElResult, FlashTest, Measurement, Unit
from qdm.data.trace import queries
from qdm.data.trace.queries import Reached

#: process measurements are those of the unit's line within this window around produced_at
PROCESS_WINDOW = timedelta(hours=2)
#: at most this many process measurements are returned (earliest first)
PROCESS_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: a forward graph shows units one by one up to this many of a kind, then one aggregate node
GRAPH_MAX_PER_KIND = 40
KIND_ORDER = [kind.value for kind in UnitKind]


class UnitNotFound(Exception):
    """No unit with that code, or it is outside the user's scope (indistinguishable)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            _("No unit named “%(code)s”, or it is outside your scope.") % {"code": code}
        )


# --- scoping ----------------------------------------------------------------------------


def _units(user: Any) -> Any:
    return Unit.objects.all() if user is None else Unit.objects.for_user(user, "view")


def find_unit(code: str, user: Any = None) -> Unit:
    code = (code or "").strip()
    unit = _units(user).filter(code=code).first() if code else None
    if unit is None:
        raise UnitNotFound(code)
    return unit


_FIELDS = {"pk": "id", "id": "id", "site": "site_id", "site_id": "site_id"}
_FIELDS |= {"supplier": "supplier_id", "supplier_id": "supplier_id"}
_FIELDS |= {"customer": "customer_id", "customer_id": "customer_id"}


#: a test of one reached unit (the lambdas bind their loop values as defaults, which the
#: type checker cannot infer, hence the casts)
_ReachedTest = Callable[[Reached], bool]


def _predicate(q: Q) -> _ReachedTest | None:
    """A Python twin of a scope ``Q`` on ``Unit`` (``field__in``, ``field__isnull``,
    ``field``/``field__exact`` on id, site, supplier, customer, combined with AND/OR/NOT);
    ``None`` when the Q holds anything else, so the caller falls back to SQL."""
    parts: list[_ReachedTest] = []
    for child in q.children:
        if isinstance(child, Q):
            sub = _predicate(child)
            if sub is None:
                return None
            parts.append(sub)
            continue
        # a leaf of a Q is a (lookup, value) pair; the stubs type it as a Node
        lookup, value = cast("tuple[str, Any]", child)
        name, _sep, op = lookup.partition("__")
        attr = _FIELDS.get(name)
        if attr is None:
            return None
        if op == "in":
            values = {getattr(v, "pk", v) for v in value}
            parts.append(cast(_ReachedTest, lambda r, a=attr, vs=values: getattr(r, a) in vs))
        elif op == "isnull":
            parts.append(
                cast(
                    _ReachedTest,
                    lambda r, a=attr, want=bool(value): (getattr(r, a) is None) == want,
                )
            )
        elif op in ("", "exact"):
            target = getattr(value, "pk", value)
            parts.append(cast(_ReachedTest, lambda r, a=attr, t=target: getattr(r, a) == t))
        else:
            return None
    combine = any if q.connector == Q.OR else all

    def test(r: Reached) -> bool:
        result = combine(p(r) for p in parts)
        return not result if q.negated else result

    return test


def visible_ids(user: Any, reached: Iterable[Reached]) -> set[int]:
    """The ids among ``reached`` that the user may see."""
    reached = list(reached)
    if user is None:
        return {r.id for r in reached}
    q = scope_filter(Unit, user, "view")
    if q is None:
        return {r.id for r in reached}
    test = _predicate(q)
    if test is not None:
        return {r.id for r in reached if test(r)}
    ids = [r.id for r in reached]
    seen: set[int] = set()
    for chunk in queries.chunks(ids):
        seen.update(
            Unit.objects.for_user(user, "view").filter(pk__in=chunk).values_list("pk", flat=True)
        )
    return seen


# --- formatting -------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def kind_label(kind: str) -> str:
    try:
        return str(UnitKind(kind).label)
    except ValueError:
        return kind


_DETAIL_FIELDS = queries.DETAIL_FIELDS


def _local_name(name: str | None, name_en: str | None) -> str | None:
    """``NamedModel.display_name`` for values() rows: Chinese in zh, English otherwise."""
    if (get_language() or "en").startswith("zh"):
        return name or name_en
    return name_en or name


def unit_row(v: dict[str, Any], depth: int | None = None) -> dict[str, Any]:
    """The documented detail of one unit (backward ``upstream`` entries, table rows) from a
    ``values(*_DETAIL_FIELDS)`` row."""
    row: dict[str, Any] = {"code": v["code"], "kind": v["kind"]}
    if depth is not None:
        row["depth"] = depth
    row |= {
        "material": v["material__code"],
        "material_name": _local_name(v["material__name"], v["material__name_en"]),
        "supplier": v["supplier__code"],
        "supplier_name": _local_name(v["supplier__name"], v["supplier__name_en"]),
        "supplier_lot": v["supplier_lot"] or None,
        "site": v["site__code"],
        "line": v["line__code"],
        "customer": v["customer__code"],
        "customer_name": _local_name(v["customer__name"], v["customer__name_en"]),
        "project": v["project"] or None,
        "efficiency_bin": v["efficiency_bin"] or None,
        "quantity": v["quantity"],
        "produced_at": _iso(v["produced_at"]),
        "restricted": False,
    }
    return row


def restricted_row(kind: str, depth: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"code": None, "kind": kind}
    if depth is not None:
        row["depth"] = depth
    for key in ("material", "material_name", "supplier", "supplier_name", "supplier_lot"):
        row[key] = None
    for key in ("site", "line", "customer", "customer_name", "project", "efficiency_bin"):
        row[key] = None
    row |= {"quantity": None, "produced_at": None, "restricted": True}
    return row


def _details(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Detail rows (``values()``, no model instances: this is the hot path) by id."""
    ids = list(ids)
    result: dict[int, dict[str, Any]] = {}
    for chunk in queries.chunks(ids):
        result.update(
            (v["id"], v) for v in Unit.objects.filter(pk__in=chunk).values(*_DETAIL_FIELDS)
        )
    return result


_FLASH_VALUES: tuple[str, ...] = ("irradiance_wm2", "module_temp_c", "pmax_w", "voc_v")
_FLASH_VALUES += ("isc_a", "vmp_v", "imp_a", "ff_pct", "eff_pct", "rs_ohm", "rsh_ohm")


def _latest(model: Any, serial: str, user: Any, *fields: str) -> dict[str, Any] | None:
    row = (
        _scoped(model, user)
        .filter(serial=serial)
        .order_by("-tested_at")
        .values("tested_at", "site__code", "line__code", *fields)
        .first()
    )
    if row is None:
        return None
    row["tested_at"] = _iso(row["tested_at"])
    row["site"] = row.pop("site__code")
    row["line"] = row.pop("line__code")
    return row


def _flash(serial: str, user: Any) -> dict[str, Any] | None:
    row = _latest(FlashTest, serial, user, "station__code", "simulator", *_FLASH_VALUES)
    if row is not None:
        row["station"] = row.pop("station__code")
        row["simulator"] = row["simulator"] or None
    return row


def _el(serial: str, user: Any) -> dict[str, Any] | None:
    row = _latest(ElResult, serial, user, "stage", "grade", "defects", "image_ref",
                  "classifier_version")  # fmt: skip
    if row is not None:
        row["image_ref"] = row["image_ref"] or None
        row["classifier_version"] = row["classifier_version"] or None
    return row


def _scoped(model: Any, user: Any) -> Any:
    return model.objects.all() if user is None else model.objects.for_user(user, "view")


def _process(unit: Unit, user: Any) -> list[dict[str, Any]]:
    if unit.line_id is None or unit.produced_at is None:
        return []
    rows = (
        _scoped(Measurement, user)
        .filter(
            line_id=unit.line_id,
            measured_at__gte=unit.produced_at - PROCESS_WINDOW,
            measured_at__lte=unit.produced_at + PROCESS_WINDOW,
        )
        .order_by("measured_at", "characteristic__code")
        .values_list(
            "characteristic__code", "characteristic__name", "characteristic__name_en",
            "characteristic__unit", "subject", "measured_at", "value",
        )[:PROCESS_LIMIT]
    )  # fmt: skip
    return [
        {
            "characteristic": code,
            "name": _local_name(name, name_en),
            "unit": unit_of or None,
            "subject": subject,
            "measured_at": _iso(at),
            "value": value,
        }
        for code, name, name_en, unit_of, subject, at, value in rows
    ]


# --- the two traces ---------------------------------------------------------------------


@dataclass
class Trace:
    """A trace with what the page needs besides the JSON ``payload``."""

    direction: str
    start: Unit
    reached: list[Reached]
    visible: set[int]
    payload: dict[str, Any]
    details: dict[int, dict[str, Any]] = field(default_factory=dict)

    def restricted_counts(self) -> dict[str, int]:
        counts = Counter(r.kind for r in self.reached if r.id not in self.visible)
        return {kind: counts[kind] for kind in KIND_ORDER if counts[kind]}


def backward(code: str, user: Any = None) -> Trace:
    """Every upstream unit of ``code`` with its depth; for the unit itself its latest flash
    test and EL result and the process measurements of its line within ±PROCESS_WINDOW."""
    start = find_unit(code, user)
    own, reached, found = queries.walk_with_details(start.pk, "backward")
    visible = visible_ids(user, reached)
    details = {uid: found[uid] for uid in visible}
    if own is None:  # pragma: no cover - the unit was deleted between the two queries
        raise UnitNotFound(code)
    upstream = [
        unit_row(details[r.id], r.depth) if r.id in visible else restricted_row(r.kind, r.depth)
        for r in reached
    ]
    trace = Trace("backward", start, reached, visible, {}, details | {start.pk: own})
    trace.payload = {
        "serial": start.code,
        "kind": start.kind,
        "site": own["site__code"],
        "line": own["line__code"],
        "produced_at": _iso(start.produced_at),
        "upstream": upstream,
        "restricted": trace.restricted_counts(),
        "flash": _flash(start.code, user),
        "el": _el(start.code, user),
        "process_window_hours": PROCESS_WINDOW.total_seconds() / 3600,
        "process": _process(start, user),
    }
    return trace


def forward(code: str, user: Any = None, *, limit: int = DEFAULT_LIMIT, offset: int = 0) -> Trace:
    """Every downstream unit of ``code``: exact counts per kind; the module serials (one
    page, by serial), pallets, shipments, customers and projects the user may see."""
    start = find_unit(code, user)
    reached = queries.walk(start.pk, "forward")
    visible = visible_ids(user, reached)
    counts = Counter(r.kind for r in reached)
    modules = sorted(r.code for r in reached if r.kind == UnitKind.MODULE and r.id in visible)
    others = [r.id for r in reached if r.kind != UnitKind.MODULE and r.id in visible]
    details = _details(others)
    pallets, shipments = [], []
    customers: dict[str, dict[str, Any]] = {}
    for r in reached:
        unit = details.get(r.id)
        if unit is None:
            continue
        if r.kind == UnitKind.PALLET:
            pallets.append(r.code)
        elif r.kind == UnitKind.SHIPMENT:
            row = unit_row(unit)
            shipments.append(
                {k: row[k] for k in ("code", "customer", "customer_name", "project", "site",
                                     "produced_at")}
            )  # fmt: skip
            if row["customer"]:
                entry = customers.setdefault(
                    row["customer"],
                    {"code": row["customer"], "name": row["customer_name"], "projects": []},
                )
                if row["project"] and row["project"] not in entry["projects"]:
                    entry["projects"].append(row["project"])
    for entry in customers.values():
        entry["projects"].sort()
    trace = Trace("forward", start, reached, visible, {}, details)
    trace.payload = {
        "code": start.code,
        "kind": start.kind,
        "counts": {kind: counts[kind] for kind in KIND_ORDER if counts[kind]},
        "restricted": trace.restricted_counts(),
        "modules_total": len(modules),
        "limit": limit,
        "offset": offset,
        "modules": modules[offset : offset + limit],
        "pallets": sorted(pallets),
        "shipments": sorted(shipments, key=lambda s: s["code"]),
        "customers": [customers[key] for key in sorted(customers)],
    }
    return trace


# --- the page: table rows and the graph -------------------------------------------------


def table_rows(trace: Trace, *, all_modules: bool = False) -> list[dict[str, Any]]:
    """Rows of the units table (and of the XLSX export): backward, the upstream entries;
    forward, every visible downstream unit — modules only of the current page unless
    ``all_modules``."""
    if trace.direction == "backward":
        return list(trace.payload["upstream"])
    depth = {r.id: r.depth for r in trace.reached}
    wanted = set(trace.payload["modules"]) if not all_modules else None
    module_ids = [
        r.id
        for r in trace.reached
        if r.kind == UnitKind.MODULE
        and r.id in trace.visible
        and (wanted is None or r.code in wanted)
    ]
    units = {**trace.details, **_details(module_ids)}
    rows = [unit_row(units[uid], depth[uid]) for uid in depth if uid in units]
    rows.sort(key=lambda row: (row["depth"], KIND_ORDER.index(row["kind"]), row["code"]))
    return rows


def detail_labels() -> dict[str, str]:
    return {
        "material": _("Material"),
        "supplier": _("Supplier"),
        "supplier_lot": _("Supplier lot"),
        "site": _("Site"),
        "line": _("Line"),
        "customer": _("Customer"),
        "project": _("Project"),
        "produced_at": _("Produced at"),
    }


def _node(
    key: str, unit: dict[str, Any] | None, kind: str, depth: int, **extra: Any
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": key,
        "kind": kind,
        "kind_label": kind_label(kind),
        "category": KIND_ORDER.index(kind) if kind in KIND_ORDER else 0,
        "depth": depth,
        "code": unit["code"] if unit is not None else None,
        "details": [],
    }
    if unit is not None:
        row = unit_row(unit)
        node["details"] = [[label, row[k]] for k, label in detail_labels().items() if row[k]]
        node["name"] = unit["code"]
    return node | extra


def graph(trace: Trace) -> dict[str, Any]:
    """Nodes and links for the ECharts graph: backward every upstream unit; forward each
    unit of a kind with at most GRAPH_MAX_PER_KIND units, one aggregate node per larger
    kind. Units outside the user's scope are anonymous ("restricted") nodes."""
    start = trace.start
    first = trace.details.get(start.pk) or _details([start.pk])[start.pk]
    nodes: dict[Any, dict[str, Any]] = {start.pk: _node("n0", first, start.kind, 0, start=True)}
    by_kind = Counter(r.kind for r in trace.reached)
    aggregate = (
        {k for k, n in by_kind.items() if n > GRAPH_MAX_PER_KIND}
        if trace.direction == "forward"
        else set()
    )
    node_of: dict[int, Any] = {start.pk: start.pk}
    detail_ids = [r.id for r in trace.reached if r.id in trace.visible and r.kind not in aggregate]
    units = {**trace.details, **_details(i for i in detail_ids if i not in trace.details)}
    for r in sorted(trace.reached, key=lambda r: (r.depth, KIND_ORDER.index(r.kind), r.code)):
        if r.kind in aggregate:
            key: Any = ("kind", r.kind)
            node_of[r.id] = key
            if key not in nodes:
                nodes[key] = _node(
                    f"k-{r.kind}",
                    None,
                    r.kind,
                    r.depth,
                    count=by_kind[r.kind],
                    name=f"{kind_label(r.kind)} × {by_kind[r.kind]}",
                )
            continue
        node_of[r.id] = r.id
        unit = units.get(r.id) if r.id in trace.visible else None
        nodes[r.id] = _node(f"n{len(nodes)}", unit, r.kind, r.depth)
        if unit is None:
            nodes[r.id]["name"] = _("%(kind)s (outside your scope)") % {"kind": kind_label(r.kind)}
            nodes[r.id]["restricted"] = True
    if trace.direction == "backward":
        pairs = {
            (node_of[p], node_of[c])
            for p, c in queries.edges(start.pk, "backward")
            if p in node_of and c in node_of
        }
    else:
        pairs = queries.condensed_edges(start.pk, node_of)
    links = [
        {"source": nodes[a]["id"], "target": nodes[b]["id"]} for a, b in sorted(pairs, key=str)
    ]
    categories = [{"name": kind_label(kind)} for kind in KIND_ORDER]
    return {
        "direction": trace.direction,
        "nodes": list(nodes.values()),
        "links": links,
        "categories": categories,
    }
