"""Footprint of what was really made: for lots, pallets and shipments, from the genealogy
(data platform) — the poly, wafer, cell and material lots actually consumed, the sites and
months they were made in (site-month electricity intensity from the activity data) and the
supplier-specific verified factors where the supplier declared them.

Vectorised: the backward closure of all targets is read with one recursive query per chunk
of targets, every unit's own emissions are computed with numpy, and the totals come from
``qdm.quality.pcf.propagate_genealogy`` (x = e + W x, exact for a DAG).

Own emissions per unit (kg CO2e):

* poly lot, material lot: quantity × factor of (supplier, material) if verified, else the
  library's factor of the material (or its category);
* ingot: kg × Cz energy (36.1 kWh/kg Si, pv-reference §6.5) × site-month intensity;
* wafer lot: wafers × Si per wafer / kerf yield × wafering energy (8.3 kWh/kg);
* cell lot: cells × Si per cell × cell energy (31.1 kWh/kg);
* module: area × assembly energy (3.32 kWh/m²) × site-month intensity;
* pallets and shipments carry what they contain.

A link passes ``quantity / parent quantity`` of a lot (the share consumed), and the whole of
a module or pallet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from qdm.carbon.choices import DataQuality
from qdm.carbon.services.factors import (
    LibraryView,
    load_library,
    site_month_intensity,
    supplier_factors,
)
from qdm.core.models import Site
from qdm.data.models import Material, ModuleModel, Unit, UnitLink
from qdm.quality import pcf

METHOD_VERSION = "QDM-GEN-1"
SI_KG_PER_WAFER = 0.0101  # M10 (182.2 × 183.75 mm) × 130 µm × 2.329 g/cm³
KERF_YIELD = pcf.SI_YIELDS["wafer"]
LOT_KINDS = ("poly_lot", "ingot", "wafer_lot", "cell_lot", "material_lot")
PRIMARY_SHARE = 0.8  # ≥ 80 % of purchased-material emissions from verified supplier data


@dataclass
class UnitFootprint:
    unit_id: int
    total_kg: float
    modules: int
    kwp: float
    primary_kg: float
    purchased_kg: float

    @property
    def per_module(self) -> float:
        return self.total_kg / self.modules if self.modules else 0.0

    @property
    def per_kwp(self) -> float:
        return self.total_kg / self.kwp if self.kwp else 0.0

    @property
    def data_quality(self) -> str:
        if self.purchased_kg <= 0 or self.primary_kg <= 0:
            return DataQuality.SECONDARY
        share = self.primary_kg / self.purchased_kg
        return DataQuality.PRIMARY if share >= PRIMARY_SHARE else DataQuality.MIXED


_CLOSURE = (
    "WITH RECURSIVE walk(id) AS (SELECT id FROM {unit} WHERE id IN ({seeds})"
    " UNION SELECT l.parent_id FROM {link} l JOIN walk w ON l.child_id = w.id)"
    " SELECT l.parent_id, l.child_id, l.quantity FROM {link} l JOIN walk w ON l.child_id = w.id"
)


def closure_edges(targets: list[int]) -> np.ndarray:
    """(parent, child, quantity, multiplicity 1) rows of every link behind ``targets``."""
    quote = connection.ops.quote_name
    out = []
    for chunk in _chunks(targets, 2_000):
        sql = _CLOSURE.format(
            unit=quote(Unit._meta.db_table),
            link=quote(UnitLink._meta.db_table),
            seeds=",".join(["%s"] * len(chunk)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)
            rows = cursor.fetchall()
        if rows:
            out.append(np.array([(p, c, q, 1) for p, c, q in rows], dtype=float))
    return _dedupe(out)


def _chunks(values: list[int], size: int) -> Any:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _dedupe(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return np.zeros((0, 4))
    edges = np.concatenate(parts)
    # chunks may share ancestors: keep each (parent, child) link once
    key = edges[:, 0].astype(np.int64) * (1 << 32) + edges[:, 1].astype(np.int64)
    _keys, first = np.unique(key, return_index=True)
    return edges[np.sort(first)]


_CONDENSED = (
    "SELECT pl.child_id, ml.parent_id, SUM(ml.quantity), COUNT(*) FROM {link} pl"
    " JOIN {unit} u ON u.id = pl.parent_id JOIN {link} ml ON ml.child_id = pl.parent_id"
    " WHERE pl.child_id IN ({seeds}) AND u.kind = %s GROUP BY pl.child_id, ml.parent_id"
)


_MODULE_GROUPS = (
    "SELECT pl.child_id, u.site_id, u.module_model_id, {month}, COUNT(*) FROM {link} pl"
    " JOIN {unit} u ON u.id = pl.parent_id WHERE pl.child_id IN ({seeds}) AND u.kind = %s"
    " GROUP BY pl.child_id, u.site_id, u.module_model_id, {month}"
)


def month_sql(column: str) -> str:
    """'YYYY-MM' of a timestamp in UTC, in SQL (no per-row Python function on SQLite,
    where timestamps are stored as UTC text)."""
    if connection.vendor == "sqlite":
        return f"substr({column}, 1, 7)"
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"


def container_graph(
    containers: list[int],
) -> tuple[np.ndarray, list[int], dict[int, list[tuple[int, str, int, int]]]]:
    """Pallets and shipments without their module rows: the pallets under the shipments,
    every lot→container edge summed over the container's modules (a linear system stays
    linear), and the containers' modules grouped by (site, month, model).
    Returns (edges, lot ids, container → [(site, "YYYY-MM", model, count)])."""
    quote = connection.ops.quote_name
    boxes = set(containers)
    parts = []
    for chunk in _chunks(containers, 5_000):
        rows = UnitLink.objects.filter(child_id__in=chunk, parent__kind="pallet").values_list(
            "parent_id", "child_id", "quantity"
        )
        pallet_edges = [(p, c, np.nan, 1) for p, c, _q in rows]  # a pallet goes in whole
        boxes.update(p for p, _c, _q, _m in pallet_edges)
        if pallet_edges:
            parts.append(np.array(pallet_edges, dtype=float))
    boxes_list = sorted(boxes)
    groups: dict[int, list[tuple[int, str, int, int]]] = {}
    for chunk in _chunks(boxes_list, 2_000):
        sql = _CONDENSED.format(
            unit=quote(Unit._meta.db_table),
            link=quote(UnitLink._meta.db_table),
            seeds=",".join(["%s"] * len(chunk)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, "module"])
            rows = cursor.fetchall()
        if rows:
            parts.append(
                np.array(
                    [(lot, box, np.nan if q is None else q, n) for box, lot, q, n in rows],
                    dtype=float,
                )
            )
        sql = _MODULE_GROUPS.format(
            unit=quote(Unit._meta.db_table),
            link=quote(UnitLink._meta.db_table),
            seeds=",".join(["%s"] * len(chunk)),
            month=month_sql("u.produced_at"),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, "module"])
            for box, site_id, model_id, month, count in cursor.fetchall():
                groups.setdefault(box, []).append((site_id, month or "", model_id, count))
    edges = _dedupe(parts)
    direct = edges[np.isin(edges[:, 1], boxes_list)] if len(edges) else edges
    lots = sorted({int(p) for p in direct[:, 0]} - boxes)
    return edges, lots, groups


def compute(
    targets: list[int],
    library: Any,
    *,
    accounting: str = "market",
    on: dt.date | None = None,
    view: LibraryView | None = None,
) -> dict[int, UnitFootprint]:
    """Footprints of the ``targets`` (unit ids), in one vectorised pass. Pallets and
    shipments go through :func:`container_graph` (their modules aggregated in SQL); other
    units (lots, single modules) through their full backward closure."""
    view = view or load_library(library)
    targets = [int(t) for t in targets]
    kinds = dict(Unit.objects.filter(id__in=targets).values_list("id", "kind"))
    missing = [t for t in targets if t not in kinds]
    if missing:
        raise pcf.PcfError(f"Unknown unit id(s): {missing[:10]}.")
    boxes = [t for t in targets if kinds[t] in ("pallet", "shipment")]
    others = [t for t in targets if kinds[t] not in ("pallet", "shipment")]
    parts: list[np.ndarray] = []
    groups: dict[int, list[tuple[int, str, int, int]]] = {}
    if boxes:
        box_edges, lots, groups = container_graph(boxes)
        parts += [box_edges, closure_edges(lots)]
    if others:
        parts.append(closure_edges(others))
    edges = _dedupe([p for p in parts if len(p)])
    ids = np.unique(
        np.concatenate([np.asarray(targets, dtype=np.int64), edges[:, :2].ravel().astype(np.int64)])
    )
    rows = []
    for chunk in _chunks(ids.tolist(), 20_000):
        rows += list(
            Unit.objects.filter(id__in=chunk).values_list(
                "id", "kind", "site_id", "produced_at", "material_id", "supplier_id",
                "quantity", "module_model_id",
            )
        )  # fmt: skip
    rows.sort()
    n = len(rows)
    uid = np.array([r[0] for r in rows], dtype=np.int64)
    kind = np.array([r[1] for r in rows])
    qty = np.array([r[6] if r[6] is not None else 1.0 for r in rows], dtype=float)
    own = np.zeros(n)
    primary = np.zeros(n)
    purchased = np.zeros(n)
    modules = np.zeros(n)
    kwp = np.zeros(n)

    sites = dict(Site.objects.values_list("id", "country"))
    intensity = site_month_intensity(view, sites, accounting)
    location = {sid: view.electricity(c, accounting) for sid, c in sites.items() if c}

    def grid(unit_id: int, site_id: int | None, month: str) -> float:
        if site_id is not None and (site_id, month) in intensity:
            return intensity[(site_id, month)]
        if site_id in location:
            return location[site_id]
        raise pcf.PcfError(f"Unit {unit_id} has no site with a country for its electricity.")

    supplier = supplier_factors(view.basis, on)
    materials = {m.pk: m for m in Material.objects.select_related("category")}
    material_kg: dict[int, float] = {}
    models = {
        m.pk: (m.length_mm * m.width_mm / 1e6, m.pmax_w / 1000) for m in ModuleModel.objects.all()
    }
    kwh_si = {k: v for k, (v, _s) in pcf.SI_STEPS.items()}
    for i, r in enumerate(rows):
        k = r[1]
        month = f"{r[3]:%Y-%m}" if r[3] else ""
        if k in ("poly_lot", "material_lot") and r[4]:
            key = (r[5], r[4])
            if key in supplier:
                own[i] = primary[i] = qty[i] * supplier[key]
            else:
                if r[4] not in material_kg:
                    material_kg[r[4]] = view.material(materials[r[4]])
                own[i] = qty[i] * material_kg[r[4]]
            purchased[i] = own[i]
        elif k == "ingot":
            own[i] = qty[i] * kwh_si["ingot"] * grid(r[0], r[2], month)
        elif k == "wafer_lot":
            own[i] = (
                qty[i] * SI_KG_PER_WAFER / KERF_YIELD * kwh_si["wafer"] * grid(r[0], r[2], month)
            )
        elif k == "cell_lot":
            per_cell = SI_KG_PER_WAFER / (2 if r[4] and "PERC" in materials[r[4]].code else 1)
            own[i] = qty[i] * per_cell * kwh_si["cell"] * grid(r[0], r[2], month)
        elif k == "module" and r[7]:
            area, power = models[r[7]]
            own[i] = area * pcf.ASSEMBLY_KWH_M2 * grid(r[0], r[2], month)
            kwp[i] = power
            modules[i] = 1
        for site_id, box_month, model_id, count in groups.get(r[0], ()):
            if model_id is None:
                raise pcf.PcfError(f"A module of {r[0]} has no module model.")
            area, power = models[model_id]
            own[i] += count * area * pcf.ASSEMBLY_KWH_M2 * grid(r[0], site_id, box_month)
            kwp[i] += count * power
            modules[i] += count

    index = np.searchsorted(uid, edges[:, :2].astype(np.int64))
    parent, child = index[:, 0], index[:, 1]
    link_qty, multiplicity = edges[:, 2], edges[:, 3]
    is_lot = np.isin(kind[parent], LOT_KINDS)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            is_lot & ~np.isnan(link_qty) & (qty[parent] > 0),
            link_qty / qty[parent],
            multiplicity,
        )
    totals = pcf.propagate_genealogy(own, parent, child, share)
    prim = pcf.propagate_genealogy(primary, parent, child, share)
    purch = pcf.propagate_genealogy(purchased, parent, child, share)
    mods = pcf.propagate_genealogy(modules, parent, child, share)
    power = pcf.propagate_genealogy(kwp, parent, child, share)
    pos = np.searchsorted(uid, np.asarray(targets, dtype=np.int64))
    return {
        int(t): UnitFootprint(
            int(t),
            float(totals[p]),
            round(float(mods[p])),
            float(power[p]),
            float(prim[p]),
            float(purch[p]),
        )
        for t, p in zip(targets, pos, strict=True)
    }
