"""Reverse trace and commonality analysis of a complaint, and the forward trace of a suspect
lot for containment.

The failing population is the complaint's modules; the comparison population is every other
module built on the same module lines in the production window of the failing ones (±7 days).
For both, the backward trace is resolved in bulk: the units each module consumed directly
(cell lots, material lots: one join), then the ancestors of those cell lots (wafer lots,
ingots, polysilicon lots: one recursive query per chunk of cell lots, not per module). The
ranking itself is ``qdm.quality.commonality`` (Fisher's exact test, Benjamini–Hochberg).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qdm.core.models import Line, Site, Supplier
from qdm.data.choices import UnitKind
from qdm.data.models import FlashTest, Unit, UnitLink
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


def _shift(at: datetime | None, tz: ZoneInfo | None) -> str | None:
    if at is None:
        return None
    local = at.astimezone(tz) if tz else at
    return SHIFTS[local.hour // 8]


def _module_facts(
    modules: list[tuple[int, str, int | None, datetime | None]],
    lines: dict[int, tuple[str, ZoneInfo | None]],
    flash: dict[str, tuple[float, str | None]],
) -> dict[str, np.ndarray]:
    line_code, day, shift, station, pmax = [], [], [], [], []
    for _id, serial, line_id, produced in modules:
        code, tz = lines.get(line_id, (None, None)) if line_id else (None, None)
        line_code.append(code)
        local = produced.astimezone(tz) if (produced and tz) else produced
        day.append(local.date().isoformat() if local else None)
        shift.append(_shift(produced, tz))
        f = flash.get(serial)
        station.append(f[1] if f else None)
        pmax.append(f[0] if f else np.nan)
    return {
        "line": np.asarray(line_code, dtype=object),
        "day": np.asarray(day, dtype=object),
        "shift": np.asarray(shift, dtype=object),
        "station": np.asarray(station, dtype=object),
        "pmax": np.asarray(pmax, dtype=float),
    }


def _linked(
    module_ids: list[int],
    inputs: dict[int, list[tuple[str, str, int | None]]],
    cell_ancestors: dict[str, list[tuple[str, str, int | None]]],
    suppliers: dict[int, str],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(module, value) pairs for the lot and supplier dimensions."""
    pairs: dict[str, tuple[list[int], list[str]]] = defaultdict(lambda: ([], []))
    for mid in module_ids:
        for kind, code, supplier in inputs.get(mid, []):
            units = [(kind, code, supplier)]
            if kind == UnitKind.CELL_LOT:
                units += cell_ancestors.get(code, [])
            for k, c, s in units:
                if k in DIMENSIONS:
                    pairs[k][0].append(mid)
                    pairs[k][1].append(c)
                if s is not None:
                    pairs["supplier"][0].append(mid)
                    pairs["supplier"][1].append(suppliers.get(s, str(s)))
    return {k: (np.asarray(v[0]), np.asarray(v[1], dtype=object)) for k, v in pairs.items()}


def analyse_complaint(complaint: Complaint, *, alpha: float = 0.05) -> Analysis:
    """Rank every factor level of the complaint's modules against the production window."""
    started = time.perf_counter()
    failing_ids = list(complaint.items.values_list("unit_id", flat=True))
    failing = list(
        Unit.objects.filter(pk__in=failing_ids).values_list("id", "code", "line_id", "produced_at")
    )
    result = Analysis(complaint, len(failing), 0, None)
    produced = [f[3] for f in failing if f[3] is not None]
    line_ids = sorted({f[2] for f in failing if f[2] is not None})
    if not failing or not produced:
        return result
    start = min(produced) - trace.WINDOW_MARGIN
    end = max(produced) + trace.WINDOW_MARGIN
    failing_set = set(failing_ids)
    population = [
        m for m in trace.window_population(line_ids, start, end) if m[0] not in failing_set
    ]
    result.population, result.window = len(population), (start, end)
    everyone = failing + population
    ids = [m[0] for m in everyone]

    # backward trace in bulk: direct inputs, then ancestors of the cell lots
    inputs: dict[int, list[tuple[str, str, int | None]]] = defaultdict(list)
    cell_codes: dict[int, str] = {}
    for module, kind, code, supplier, _material in trace.direct_inputs(ids):
        inputs[module].append((kind, code, supplier))
    cell_ids = dict(
        Unit.objects.filter(
            kind=UnitKind.CELL_LOT,
            code__in={c for rows in inputs.values() for k, c, _s in rows if k == "cell_lot"},
        ).values_list("id", "code")
    )
    cell_codes = cell_ids
    ancestors = trace.backward_bulk(list(cell_codes))
    ancestor_units = {
        u: (k, c, s)
        for u, k, c, s in Unit.objects.filter(pk__in={a for _s, a, _d in ancestors}).values_list(
            "id", "kind", "code", "supplier_id"
        )
    }
    cell_ancestors: dict[str, list[tuple[str, str, int | None]]] = defaultdict(list)
    for start_id, ancestor, _depth in ancestors:
        cell_ancestors[cell_codes[start_id]].append(ancestor_units[ancestor])
    suppliers = dict(Supplier.objects.values_list("id", "code"))

    lines = {}
    tz_of_site = {s.pk: ZoneInfo(s.timezone) for s in Site.objects.all() if s.timezone}
    for line in Line.objects.filter(pk__in=line_ids).select_related("workshop"):
        lines[line.pk] = (line.code, tz_of_site.get(line.workshop.site_id))
    flash = {
        serial: (pmax, station)
        for serial, pmax, station in FlashTest.objects.filter(
            line_id__in=line_ids, tested_at__gte=start, tested_at__lt=end + trace.WINDOW_MARGIN
        )
        .order_by("tested_at")
        .values_list("serial", "pmax_w", "station__code")
    }
    fail_facts = _module_facts(failing, lines, flash)
    pop_facts = _module_facts(population, lines, flash)
    fail_side: dict[str, Any] = {k: v for k, v in fail_facts.items() if k != "pmax"}
    pop_side: dict[str, Any] = {k: v for k, v in pop_facts.items() if k != "pmax"}
    fail_side["pmax"], pop_side["pmax"] = commonality.bin_numeric(
        fail_facts["pmax"], pop_facts["pmax"], bins=5, unit="W"
    )
    fail_links = _linked([m[0] for m in failing], inputs, cell_ancestors, suppliers)
    pop_links = _linked([m[0] for m in population], inputs, cell_ancestors, suppliers)
    empty = (np.asarray([], dtype=int), np.asarray([], dtype=object))
    for name in set(fail_links) | set(pop_links):
        fail_side[name] = fail_links.get(name, empty)
        pop_side[name] = pop_links.get(name, empty)
    result.upstream = {k: int(np.unique(v[1]).size) for k, v in fail_links.items()}
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
