"""Reverse trace and commonality analysis of a complaint, and the forward trace of a suspect
lot for containment.

The failing population is the complaint's modules; the comparison population is every other
module built on the same module lines in the production window of the failing ones (±7 days).
For both, the backward trace is resolved in bulk and integer-coded: the units each module
consumed directly (cell lots, material lots: ``(module, unit)`` id pairs, one indexed query
per chunk of modules), the kind, code and supplier of those few thousand units, then the
ancestors of the cell lots (wafer lots, ingots, polysilicon lots: one recursive query per
chunk of cell lots, not per module). Production times come as epoch seconds computed by the
database and are turned into site-local days and shifts with numpy. The ranking itself is
``qdm.quality.commonality`` (Fisher's exact test, Benjamini–Hochberg).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qdm.core.models import Line, Site, Supplier
from qdm.data.choices import UnitKind
from qdm.data.models import Unit, UnitLink
from qdm.quality import commonality
from qdm.service.models import Complaint
from qdm.service.services import trace

DIMENSIONS = {
    "cell_lot": gettext_lazy("Cell lot"),
    "wafer_lot": gettext_lazy("Wafer lot"),
    "ingot": gettext_lazy("Ingot"),
    "poly_lot": gettext_lazy("Polysilicon lot"),
    "material_lot": gettext_lazy("Material lot"),
    "supplier": gettext_lazy("Supplier"),
    "line": gettext_lazy("Line"),
    "station": gettext_lazy("Flash-test station"),
    "shift": gettext_lazy("Shift"),
    "day": gettext_lazy("Production day"),
    "pmax": gettext_lazy("Pmax at flash test (W)"),
}
SHIFTS = ("A 00–08", "B 08–16", "C 16–24")


@dataclass
class Analysis:
    complaint: Complaint
    failing: int
    population: int
    window: tuple[datetime, datetime] | None
    rows: list[commonality.LevelResult] = field(default_factory=list)
    seconds: float = 0.0
    upstream: dict[str, int] = field(default_factory=dict)

    def significant(self) -> list[commonality.LevelResult]:
        return [r for r in self.rows if r.significant]


def _local_seconds(utc: np.ndarray, tz: ZoneInfo | None) -> np.ndarray:
    """Local wall-clock seconds of UTC epoch seconds in ``tz`` (UTC when None): the offset is
    looked up once per distinct quarter hour (offsets change on quarter hours at most)."""
    if tz is None or utc.size == 0:
        return utc
    known = ~np.isnan(utc)
    out = utc.copy()
    quarter = np.floor(utc[known] / 900).astype(np.int64)
    uniq, inverse = np.unique(quarter, return_inverse=True)
    offsets = np.asarray(
        [
            datetime.fromtimestamp(int(q) * 900, tz).utcoffset().total_seconds()  # type: ignore[union-attr]
            for q in uniq
        ]
    )
    out[known] = utc[known] + offsets[inverse.ravel()]
    return out


def _module_facts(
    modules: list[tuple[int, str, int | None, Any]],
    lines: dict[int, tuple[str, ZoneInfo | None]],
    flash: dict[str, tuple[float, str | None]],
) -> dict[str, np.ndarray]:
    """Line, production day and shift (site local time), flash-test station and Pmax of each
    module, as columns computed with numpy (the per-module work is two dict lookups)."""
    n = len(modules)
    line_id = np.fromiter((m[2] if m[2] is not None else -1 for m in modules), np.int64, n)
    utc = trace.epoch_seconds([m[3] for m in modules])
    local = utc.copy()
    line_code = np.full(n, None, dtype=object)
    by_tz: dict[ZoneInfo | None, list[int]] = defaultdict(list)
    for lid in np.unique(line_id[line_id >= 0]).tolist():
        code, tz = lines.get(lid, (None, None))
        line_code[line_id == lid] = code
        by_tz[tz].append(lid)
    for tz, ids in by_tz.items():  # the local time once per time zone (sites, not lines)
        at = np.isin(line_id, ids)
        local[at] = _local_seconds(utc[at], tz)
    known = ~np.isnan(local)
    seconds = np.where(known, local, 0).astype(np.int64)
    day = np.full(n, None, dtype=object)
    shift = np.full(n, None, dtype=object)
    days = seconds[known] // 86_400
    day[known] = np.asarray(days.astype("datetime64[D]").astype(str), dtype=object)
    shift[known] = np.asarray(SHIFTS, dtype=object)[(seconds[known] % 86_400) // 28_800]
    found = [flash.get(m[1]) for m in modules]
    station = np.asarray([f[1] if f else None for f in found], dtype=object)
    pmax = np.asarray([f[0] if f else np.nan for f in found], dtype=float)
    return {"line": line_code, "day": day, "shift": shift, "station": station, "pmax": pmax}


def code_of_kind(kinds: list[str], codes: np.ndarray, kind: str) -> np.ndarray:
    """Which of the integer kind ``codes`` (indices into ``kinds``) stand for ``kind``."""
    return codes == kinds.index(kind) if kind in kinds else np.zeros(codes.shape, bool)


def _linked(
    child: np.ndarray,
    parent: np.ndarray,
    units: dict[int, tuple[str, str, int | None]],
    ancestors: np.ndarray,
    suppliers: dict[int, str],
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(module, code index, labels)`` triples for the lot and supplier dimensions of every
    module at once, integer-coded.

    ``child``/``parent`` are the direct inputs (module → consumed unit), ``ancestors`` the
    rows ``(cell lot, ancestor, depth)`` of the cell lots' backward walk, ``units`` the kind,
    code and supplier of every unit named. A cell lot brings its ancestors (wafer lot, ingot,
    poly lot …); a unit of a known dimension gives a (module, unit) pair, a unit with a
    supplier a (module, supplier) pair. The ancestors are joined to the cell-lot rows with
    ``np.repeat`` (a complaint of 500 modules against 40,000 compares ~1.5 M pairs)."""
    if child.size == 0:
        return {}
    uids = np.asarray(sorted(units), dtype=np.int64)
    facts = [units[u] for u in uids.tolist()]
    kinds = sorted({f[0] for f in facts})
    kind = np.asarray([kinds.index(f[0]) for f in facts], dtype=np.int64)  # a few kinds
    code = np.asarray([f[1] for f in facts], dtype=object)
    sup = np.asarray(
        [None if f[2] is None else suppliers.get(f[2], str(f[2])) for f in facts], dtype=object
    )
    has_sup = np.asarray(sup != None, dtype=bool)  # noqa: E711 (elementwise)
    mod, unit = child, np.searchsorted(uids, parent)
    # the ancestors of each cell lot, grouped: cell c owns anc[start[c]:start[c]+count[c]]
    anc = ancestors[np.argsort(ancestors[:, 0], kind="stable")] if ancestors.size else ancestors
    cells, starts, counts = np.unique(anc[:, 0], return_index=True, return_counts=True)
    anc_unit = np.searchsorted(uids, anc[:, 1])
    group = np.clip(np.searchsorted(cells, parent), 0, max(cells.size - 1, 0))
    has = (cells[group] == parent) if cells.size else np.zeros(parent.size, bool)
    has &= code_of_kind(kinds, kind[unit], UnitKind.CELL_LOT.value)
    reps = counts[group[has]] if cells.size else np.zeros(0, np.int64)
    total = int(reps.sum())
    if total:
        first = np.repeat(starts[group[has]], reps)
        pick = first + (np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps))
        mod = np.concatenate([mod, np.repeat(mod[has], reps)])
        unit = np.concatenate([unit, anc_unit[pick]])
    kind_of = kind[unit]
    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name in DIMENSIONS:
        hit = code_of_kind(kinds, kind_of, name)
        if hit.any():
            out[name] = (mod[hit], unit[hit], code)
    with_supplier = has_sup[unit]
    if with_supplier.any():
        out["supplier"] = (mod[with_supplier], unit[with_supplier], sup)
    return out


def analyse_complaint(complaint: Complaint, *, alpha: float = 0.05) -> Analysis:
    """Rank every factor level of the complaint's modules against the production window."""
    started = time.perf_counter()
    failing_ids = list(complaint.items.values_list("unit_id", flat=True))
    failing = trace.modules_raw(ids=[i for i in failing_ids if i is not None])
    result = Analysis(complaint, len(failing), 0, None)
    line_ids = sorted({f[2] for f in failing if f[2] is not None})
    window = Unit.objects.filter(pk__in=failing_ids).aggregate(
        first=Min("produced_at"), last=Max("produced_at")
    )
    if not failing or window["first"] is None:
        return result
    start = window["first"] - trace.WINDOW_MARGIN
    end = window["last"] + trace.WINDOW_MARGIN
    failing_set = set(failing_ids)
    population = [
        m
        for m in trace.modules_raw(line_ids=line_ids, start=start, end=end)
        if m[0] not in failing_set
    ]
    result.population, result.window = len(population), (start, end)
    ids = [m[0] for m in failing] + [m[0] for m in population]

    # backward trace in bulk: direct inputs (integer ids), then ancestors of the cell lots
    child, parent = trace.direct_input_ids(ids)
    units = trace.unit_facts(np.unique(parent).tolist())
    cells = [u for u, (kind, _c, _s) in units.items() if kind == UnitKind.CELL_LOT]
    ancestors = np.asarray(trace.backward_bulk(cells), dtype=np.int64).reshape(-1, 3)
    units.update(trace.unit_facts(set(ancestors[:, 1].tolist()) - set(units)))
    suppliers = dict(Supplier.objects.values_list("id", "code"))

    lines = {}
    tz_of_site = {s.pk: ZoneInfo(s.timezone) for s in Site.objects.all() if s.timezone}
    for line in Line.objects.filter(pk__in=line_ids).select_related("workshop"):
        lines[line.pk] = (line.code, tz_of_site.get(line.workshop.site_id))
    flash = trace.flash_in_window(line_ids, start, end + trace.WINDOW_MARGIN)
    fail_facts = _module_facts(failing, lines, flash)
    pop_facts = _module_facts(population, lines, flash)
    fail_side: dict[str, Any] = {k: v for k, v in fail_facts.items() if k != "pmax"}
    pop_side: dict[str, Any] = {k: v for k, v in pop_facts.items() if k != "pmax"}
    fail_side["pmax"], pop_side["pmax"] = commonality.bin_numeric(
        fail_facts["pmax"], pop_facts["pmax"], bins=5, unit="W"
    )
    # failing and population partition the modules: split the pairs by module
    failing_keys = np.asarray(sorted(failing_set - {None}), dtype=np.int64)
    fail_links, pop_links = {}, {}
    for name, (keys, codes, labels) in _linked(child, parent, units, ancestors, suppliers).items():
        is_failing = np.isin(keys, failing_keys)
        if is_failing.any():
            fail_links[name] = (keys[is_failing], codes[is_failing], labels)
        if not is_failing.all():
            pop_links[name] = (keys[~is_failing], codes[~is_failing], labels)
    empty = (np.asarray([], dtype=np.int64), np.asarray([], dtype=np.int64), np.asarray([]))
    for name in set(fail_links) | set(pop_links):
        fail_side[name] = fail_links.get(name, empty)
        pop_side[name] = pop_links.get(name, empty)
    result.upstream = {
        k: int(np.unique(v[2][v[1]].astype(str)).size) for k, v in fail_links.items()
    }
    result.rows = commonality.rank_levels(fail_side, pop_side, alpha=alpha)
    result.seconds = time.perf_counter() - started
    return result


def dimension_label(name: str) -> str:
    return str(DIMENSIONS.get(name, name))


# --- forward trace of a suspect lot (containment) -----------------------------------------


def at_risk(lot_code: str, user: Any) -> tuple[Unit, list[dict[str, Any]]]:
    """Every module downstream of a lot the user may see, with its pallet, shipment,
    customer and project and the complaints already naming it."""
    from qdm.data.trace.service import find_unit

    lot = find_unit(lot_code, user)
    module_ids = trace.forward_modules(lot.pk)
    visible = Unit.objects.for_user(user, "view") if user is not None else Unit.objects.all()
    modules: dict[int, dict[str, Any]] = {}
    for chunk in trace._chunks(module_ids):
        for mid, code, site, line, produced in visible.filter(pk__in=chunk).values_list(
            "id", "code", "site__code", "line__code", "produced_at"
        ):
            modules[mid] = {
                "serial": code,
                "site": site,
                "line": line,
                "produced_at": produced,
                "pallet": None,
                "shipment": None,
                "customer": None,
                "project": None,
                "complaints": [],
            }
    pallet_of: dict[int, int] = {}
    for chunk in trace._chunks(list(modules)):
        pallet_of.update(
            UnitLink.objects.filter(child__kind=UnitKind.PALLET, parent_id__in=chunk).values_list(
                "parent_id", "child_id"
            )
        )
    pallets = dict(Unit.objects.filter(pk__in=set(pallet_of.values())).values_list("id", "code"))
    shipment_of = dict(
        UnitLink.objects.filter(
            parent_id__in=set(pallet_of.values()), child__kind=UnitKind.SHIPMENT
        ).values_list("parent_id", "child_id")
    )
    shipments = {
        sid: (code, customer, project)
        for sid, code, customer, project in Unit.objects.filter(
            pk__in=set(shipment_of.values())
        ).values_list("id", "code", "customer__code", "project")
    }
    from qdm.service.models import ComplaintItem

    complained: dict[int, list[str]] = defaultdict(list)
    for chunk in trace._chunks(list(modules)):
        for unit_id, number in ComplaintItem.objects.filter(unit_id__in=chunk).values_list(
            "unit_id", "complaint__number"
        ):
            complained[unit_id].append(number)
    rows = []
    for mid, row in modules.items():
        pallet = pallet_of.get(mid)
        row["pallet"] = pallets.get(pallet) if pallet else None
        ship = shipments.get(shipment_of.get(pallet)) if pallet else None
        if ship:
            row["shipment"], row["customer"], row["project"] = ship
        row["complaints"] = sorted(complained.get(mid, []))
        rows.append(row)
    rows.sort(key=lambda r: (r["customer"] or "~", r["shipment"] or "~", r["serial"]))
    return lot, rows


def at_risk_columns() -> list[tuple[str, str]]:
    return [
        ("serial", _("Serial number")),
        ("site", _("Site")),
        ("line", _("Line")),
        ("produced_at", _("Produced at")),
        ("pallet", _("Pallet")),
        ("shipment", _("Shipment")),
        ("customer", _("Customer")),
        ("project", _("Project")),
        ("complaints", _("Complaints")),
    ]
