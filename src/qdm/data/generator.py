"""Production history for the demo: poly lots → ingots → wafer lots → cell lots (efficiency
bins) → modules (two cell lots + traced material lots) → pallets of 36 → containers to
customer projects, with the facts a quality system reads: IV flash tests from pvlib's
single-diode model (with the IV curve of every 25th), EL1 (before lamination, with the
re-test of what it sent to rework) and EL2 grades and defects, cell sorter summaries, IQC
and process measurements. Deterministic for ``ctx.seed`` (one numpy Generator, a second
one for EL1) and a fixed end date.

Scales (``SCALES``): small = 30 days × ≈3 000 modules/day (≈90 000 modules, four module
bases); medium = 120 days × ≈8 400 modules/day (≈1 000 000 modules, six bases). Module output
is split over the module bases by their capacity (GW) and evenly over a base's lines.

Everything is written through ``executemany`` in batches of 5 000 (never per-row saves);
units get explicit ids so the links can be written without reading anything back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction

from qdm.core.models import Line, Station
from qdm.data.generator_facts import DAY, FactsMixin, insert, timestamps
from qdm.data.models import (
    CellProduct,
    Characteristic,
    Material,
    Measurement,
    ModuleModel,
    Unit,
    UnitLink,
)
from qdm.data.seeds import (
    FAMILY_CELL,
    FAMILY_CELL_MATERIAL,
    FAMILY_WAFER,
    family_code,
    is_glass_glass,
    module_materials,
)

SCALES = {"small": (30, 3_000), "medium": (120, 8_400)}
PALLET_SIZE = 36
PALLETS_PER_CONTAINER = 20
CELLS_PER_LOT = 7_200  # cells per cell lot pair (3 600 per lot)
WAFER_LOT = 5_400  # wafers per wafer lot (one brick)
WAFER_LOTS_PER_INGOT = 4
INGOT_KG = 380.0
POLY_LOT_KG = 10_000.0

#: module lines take models in this order (line index modulo length): TOPCon-heavy mix
MODEL_ORDER = [
    "SRM-N410-72",
    "SRM-N380-72B",
    "SRM-P410-144H",
    "SRM-N410-72",
    "SRM-H340-96",
    "SRM-N380-72B",
    "SRM-B480-128",
    "SRM-P385-144HB",
]
#: where each module base buys its cells
CELL_SOURCES = {
    "JX1": ["JX1"],
    "ZJ1": ["ZJ1"],
    "VN1": ["JX1", "ZJ1"],
    "US1": ["JX1", "ZJ1"],
    "MY1": ["MY1"],
}
#: material lot size, in the material's unit
LOT_SIZE = {
    "GLASS": 1_200,
    "ENCAP": 6_000,
    "BACKSHEET": 5_000,
    "FRAME": 1_000,
    "JBOX": 3_000,
    "RIBBON": 500_000,
}
MARKETS = {
    "JX1": ["CUS-CN1", "CUS-SA1", "CUS-AU1", "CUS-BR1", "CUS-IN1", "CUS-ES1"],
    "ZJ1": ["CUS-DE1", "CUS-ES1", "CUS-AU1", "CUS-CN1"],
    "VN1": ["CUS-US1", "CUS-DE1", "CUS-ES1"],
    "US1": ["CUS-US1"],
    "MY1": ["CUS-US1", "CUS-AU1"],
}
PROJECTS = {
    "CUS-ES1": ["Extremadura Solar 300 MW", "Murcia Agrovoltaica 120 MW"],
    "CUS-DE1": ["Solarpark Lausitz 150 MW", "Agri-PV Niederrhein 40 MW"],
    "CUS-US1": ["Mojave Flats 250 MW", "Pecos County Solar 180 MW"],
    "CUS-SA1": ["Al Shuaibah PV 600 MW", "Sudair Phase 2 300 MW"],
    "CUS-AU1": ["Western Downs 200 MW", "Riverina Solar 90 MW"],
    "CUS-BR1": ["Janaúba Fase 4 150 MW", "Pirapora Sul 100 MW"],
    "CUS-IN1": ["Bhadla Park IV 300 MW", "Jaisalmer Hybrid 120 MW"],
    "CUS-CN1": ["海南州光伏基地 500 MW", "格尔木光储一体化 200 MW"],
}


def _stamp(secs: int) -> str:
    return datetime.fromtimestamp(int(secs), UTC).strftime("%y%m%d")


class Units:
    """Collects units with explicit ids (so links need no read-back) and writes them."""

    FIELDS = [
        "id",
        "code",
        "kind",
        "site",
        "line",
        "module_model",
        "material",
        "supplier",
        "supplier_lot",
        "customer",
        "project",
        "efficiency_bin",
        "quantity",
        "produced_at",
    ]

    def __init__(self) -> None:
        last = Unit.objects.order_by("-id").values_list("id", flat=True).first()
        self.next_id = (last or 0) + 1
        self.rows: list[list[Any]] = []
        self.kinds: dict[str, int] = defaultdict(int)

    def add(
        self,
        code: str,
        kind: str,
        secs: int,
        *,
        site: int | None = None,
        line: int | None = None,
        model: int | None = None,
        material: int | None = None,
        supplier: int | None = None,
        supplier_lot: str = "",
        customer: int | None = None,
        project: str = "",
        bin: str = "",
        quantity: float | None = None,
    ) -> int:
        uid = self.next_id
        self.next_id += 1
        self.rows.append(
            [
                uid,
                code,
                kind,
                site,
                line,
                model,
                material,
                supplier,
                supplier_lot,
                customer,
                project,
                bin,
                quantity,
                int(secs),
            ]
        )
        self.kinds[kind] += 1
        return uid

    def write(self) -> int:
        stamps = timestamps(np.array([r[-1] for r in self.rows], dtype=np.int64))
        for row, stamp in zip(self.rows, stamps, strict=True):
            row[-1] = stamp
        n = insert(Unit, self.FIELDS, self.rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Unit]):
                    cursor.execute(sql)
        return n


class Links:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, parent: Any, child: Any, quantity: Any, secs: Any) -> None:
        arrays = np.broadcast_arrays(
            np.atleast_1d(np.asarray(parent, dtype=np.int64)),
            np.atleast_1d(np.asarray(child, dtype=np.int64)),
            np.atleast_1d(np.asarray(quantity, dtype=float)),
            np.atleast_1d(np.asarray(secs, dtype=np.int64)),
        )
        self.parts.append(tuple(np.array(a) for a in arrays))  # type: ignore[arg-type]

    def write(self) -> int:
        if not self.parts:
            return 0
        written, group, size = 0, [], 0
        for part in [*self.parts, None]:
            if part is not None:
                group.append(part)
                size += len(part[0])
            if group and (part is None or size >= 100_000):
                arrays = (np.concatenate(x) for x in zip(*group, strict=True))
                written += self._write_part(*arrays)
                group, size = [], 0
        return written

    @staticmethod
    def _write_part(parent: np.ndarray, child: np.ndarray, qty: np.ndarray, at: np.ndarray) -> int:
        rows = zip(
            parent.tolist(), child.tolist(), np.round(qty, 4).tolist(), timestamps(at), strict=True
        )
        return insert(UnitLink, ["parent", "child", "quantity", "linked_at"], rows)


class Generator(FactsMixin):
    def __init__(self, ctx: Any, days: int, per_day: int, end: date) -> None:
        self.ctx = ctx
        self.rng = np.random.default_rng(ctx.seed)
        self.days, self.per_day = days, per_day
        self.t_end = int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp())
        self.t0 = self.t_end - days * DAY
        self.units, self.links = Units(), Links()
        self.lines = sorted(ctx.lines, key=lambda line: line.code)
        self.models = {m.code: m for m in ModuleModel.objects.all()}
        self.mats = {m.code: m for m in Material.objects.select_related("category")}
        self.chars = {c.code: c.id for c in Characteristic.objects.all()}
        self.cells = {c.code: c for c in CellProduct.objects.all()}
        self.stations = dict(
            Station.objects.filter(code__endswith="-IV").values_list("line_id", "equipment_id")
        )
        self.measurements: list[tuple[int, str, int, float, int, int | None]] = []
        self.counts: dict[str, int] = {}

    # --- helpers ---------------------------------------------------------------------------
    def site_id(self, code: str) -> int:
        return self.ctx.sites[code].id

    def stage_lines(self, letter: str, sites: Sequence[str] | None = None) -> list[Line]:
        found = [ln for ln in self.lines if ln.code[3:6] == f"-{letter}0"]
        if sites is not None:
            found = [ln for ln in found if ln.code[:3] in sites] or found
        return found

    def suppliers(self, category: str) -> list[str]:
        return sorted(c for c, cat in self.ctx.supplier_categories.items() if cat == category)

    def measure(
        self, char: str, subject: str, secs: int, value: float, site: int, line: int | None = None
    ) -> None:
        self.measurements.append((self.chars[char], subject, int(secs), float(value), site, line))

    # --- modules ---------------------------------------------------------------------------
    def plan_modules(self) -> dict[str, np.ndarray]:
        module_lines = self.stage_lines("M")
        gw = {s: float(site.capacity_gw or 0) for s, site in self.ctx.sites.items()}
        per_site = defaultdict(list)
        for line in module_lines:
            per_site[line.code[:3]].append(line)
        total_gw = sum(gw[s] for s in per_site) or 1.0
        line_idx, secs = [], []
        self.module_lines = module_lines
        self.line_model = [
            self.models[MODEL_ORDER[i % len(MODEL_ORDER)]] for i in range(len(module_lines))
        ]
        for i, line in enumerate(module_lines):
            site = line.code[:3]
            rate = self.per_day * gw[site] / total_gw / len(per_site[site])
            for day in range(self.days):
                n = max(1, round(rate * (1 + self.rng.normal(0, 0.04))))
                t = np.sort(self.rng.integers(0, DAY, n)) + self.t0 + day * DAY
                line_idx.append(np.full(n, i))
                secs.append(t)
        return {
            "line": np.concatenate(line_idx),
            "secs": np.concatenate(secs),
        }

    def serials(self, line: np.ndarray, secs: np.ndarray) -> list[str]:
        out: list[str] = []
        seq: dict[tuple[int, str], int] = defaultdict(int)
        months = np.datetime_as_string(secs.astype("datetime64[s]"), unit="M").tolist()
        for li, month in zip(line.tolist(), months, strict=True):
            ln = self.module_lines[li]
            yymm = month[2:4] + month[5:7]
            seq[(li, yymm)] += 1
            out.append(f"{ln.code[:3]}M{ln.code[-2:]}-{yymm}-{seq[(li, yymm)]:06d}")
        return out

    # --- cell lots and upstream ------------------------------------------------------------
    def cell_lots(self, line: np.ndarray, secs: np.ndarray, module_ids: np.ndarray) -> np.ndarray:
        """Two cell lots of one bin per module, linked; returns the bin efficiency per module."""
        bin_eff = np.zeros(len(line))
        cell_day_seq: dict[tuple[str, str], int] = defaultdict(int)
        self.cell_lot_info: list[tuple[int, str, int, str, float, int, str]] = []
        for li, ln in enumerate(self.module_lines):
            model = self.line_model[li]
            fam = family_code(model)
            product = self.cells[FAMILY_CELL[fam]]
            idx = np.flatnonzero(line == li)
            per_pair = max(1, CELLS_PER_LOT // model.cell_count)
            pair = np.arange(len(idx)) // per_pair
            sources = self.stage_lines("C", CELL_SOURCES.get(ln.code[:3], [ln.code[:3]]))
            material = self.mats[FAMILY_CELL_MATERIAL[fam]].id
            for p in range(int(pair.max()) + 1 if len(idx) else 0):
                members = idx[pair == p]
                first = int(secs[members[0]])
                eff = self.rng.normal(product.nominal_efficiency_pct + 0.1, 0.15)
                if self.rng.random() < 0.015:
                    eff -= self.rng.uniform(0.3, 1.0)
                eff_bin = math.floor(eff * 10 + 1e-9) / 10
                cell_line = sources[int(self.rng.integers(len(sources)))]
                made = first - int(self.rng.uniform(0.5, 3) * DAY)
                qty = per_pair * model.cell_count // 2
                ids = []
                for _half in range(2):
                    key = (cell_line.code, _stamp(made))
                    cell_day_seq[key] += 1
                    code = f"CL-{cell_line.code}-{key[1]}-{cell_day_seq[key]:03d}"
                    uid = self.units.add(
                        code,
                        "cell_lot",
                        made,
                        site=self.site_id(cell_line.code[:3]),
                        line=cell_line.id,
                        material=material,
                        bin=f"{eff_bin:.1f}%",
                        quantity=qty,
                    )
                    self.cell_lot_info.append((uid, code, made, fam, eff_bin, qty, cell_line.code))
                    ids.append(uid)
                    made += 1800
                bin_eff[members] = eff_bin + 0.05
                for uid in ids:
                    self.links.add(uid, module_ids[members], model.cell_count // 2, secs[members])
        return bin_eff

    def upstream(self) -> None:
        """Wafer lots, ingots and poly lots behind the cell lots."""
        wafer_lines = self.stage_lines("W")
        lots_by_type: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
        for uid, _code, made, fam, _bin, qty, _line in self.cell_lot_info:
            per_wafer = 2 if fam in ("PERC",) else 1
            lots_by_type[FAMILY_WAFER[fam]].append((made, uid, math.ceil(qty / per_wafer), fam))
        poly_cum: dict[tuple[str, str], float] = defaultdict(float)
        poly_ids: dict[tuple[str, str, int], int] = {}
        seq: dict[tuple[str, str], int] = defaultdict(int)
        poly = {"n": self.mats["POLY-N-DENSE"].id, "p": self.mats["POLY-P-DENSE"].id}
        poly_suppliers = self.suppliers("polysilicon")
        for wtype in sorted(lots_by_type):
            doping = wtype[6].lower()  # W-M10-N130 → "n"
            material = self.mats[f"WAF-M10-{wtype[6:]}"].id
            cells = sorted(lots_by_type[wtype])
            need = np.array([c[2] for c in cells], dtype=np.int64)
            end = np.cumsum(need)
            start = end - need
            first_lot, last_lot = start // WAFER_LOT, (end - 1) // WAFER_LOT
            wafer_ids: dict[int, int] = {}
            ingot_ids: dict[int, int] = {}
            for k in range(int(last_lot[-1]) + 1):
                users = np.flatnonzero((first_lot <= k) & (last_lot >= k))
                t_first = min(cells[u][0] for u in users)
                wline = wafer_lines[int(self.rng.integers(len(wafer_lines)))]
                site = self.site_id(wline.code[:3])
                made = t_first - int(self.rng.uniform(1, 3) * DAY)
                ingot_k = k // WAFER_LOTS_PER_INGOT
                if ingot_k not in ingot_ids:
                    t_ingot = made - DAY
                    key = (wline.code, _stamp(t_ingot))
                    seq[key] += 1
                    code = f"IG-{wline.code}-{key[1]}-{seq[key]:03d}"
                    ingot_ids[ingot_k] = self.units.add(
                        code, "ingot", t_ingot, site=site, line=wline.id, quantity=INGOT_KG
                    )
                    self._ingot_facts(code, t_ingot, doping, site, wline.id)
                    for share, supplier in zip((0.6, 0.4), poly_suppliers, strict=False):
                        pkey = (doping, supplier)
                        lot_no = int(poly_cum[pkey] // POLY_LOT_KG)
                        poly_cum[pkey] += share * INGOT_KG
                        if (doping, supplier, lot_no) not in poly_ids:
                            recv = t_ingot - int(self.rng.uniform(5, 20) * DAY)
                            poly_ids[(doping, supplier, lot_no)] = self.units.add(
                                f"PL-{supplier}-{doping.upper()}-{lot_no + 1:04d}",
                                "poly_lot",
                                recv,
                                site=site,
                                material=poly[doping],
                                supplier=self.ctx.suppliers[supplier].id,
                                supplier_lot=f"{supplier[-5:]}{_stamp(recv)}{lot_no + 1:03d}",
                                quantity=POLY_LOT_KG,
                            )
                        self.links.add(
                            poly_ids[(doping, supplier, lot_no)],
                            ingot_ids[ingot_k],
                            share * INGOT_KG,
                            t_ingot,
                        )
                key = (wline.code, _stamp(made))
                seq[key] += 1
                code = f"WL-{wline.code}-{key[1]}-{seq[key]:03d}"
                wafer_ids[k] = self.units.add(
                    code,
                    "wafer_lot",
                    made,
                    site=site,
                    line=wline.id,
                    material=material,
                    quantity=WAFER_LOT,
                )
                self.links.add(ingot_ids[ingot_k], wafer_ids[k], INGOT_KG / 4, made)
                nominal = 150.0 if doping == "p" else (110.0 if wtype.endswith("110") else 130.0)
                self.measure(
                    "WAF-THK", code, made + 3600, self.rng.normal(nominal, 1.5), site, wline.id
                )
                self.measure(
                    "WAF-TTV",
                    code,
                    made + 3600,
                    self.rng.lognormal(math.log(10), 0.3),
                    site,
                    wline.id,
                )
                for u in users:
                    made_c, cell_uid, qty, _fam = cells[u]
                    overlap = min(end[u], (k + 1) * WAFER_LOT) - max(start[u], k * WAFER_LOT)
                    self.links.add(wafer_ids[k], cell_uid, float(overlap), made_c)

    # --- material lots (IQC) ---------------------------------------------------------------
    def material_lots(self, line: np.ndarray, secs: np.ndarray, module_ids: np.ndarray) -> None:
        """Site-level lot streams per material; each module is linked to the current lot."""
        site_of_line = np.array([ln.code[:3] for ln in self.module_lines])
        usage: dict[tuple[str, str], list[tuple[np.ndarray, float]]] = defaultdict(list)
        for li, model in enumerate(self.line_model):
            bom = {b.material.code: float(b.quantity) for b in model.bom.select_related("material")}
            slots = module_materials(is_glass_glass(model))
            codes = [*slots.values(), "FRM-AL-35", "JB-IP68-3D", "RIB-MBB-026"]
            idx = np.flatnonzero(line == li)
            for code in codes:
                usage[(str(site_of_line[li]), code)].append((idx, bom[code]))
        for site_code, code in sorted(usage):
            material = self.mats[code]
            category = material.category.code
            idx = np.concatenate([u[0] for u in usage[(site_code, code)]])
            per = np.concatenate([np.full(len(u[0]), u[1]) for u in usage[(site_code, code)]])
            order = np.lexsort((idx, secs[idx]))
            idx, per = idx[order], per[order]
            lot_no = (np.cumsum(per) - per) // LOT_SIZE[category]
            suppliers = self.suppliers(self._supplier_category(category))
            country = self.ctx.sites[site_code].country
            weights = np.array(
                [3.0 if self.ctx.suppliers[s].country == country else 1.0 for s in suppliers]
            )
            site = self.site_id(site_code)
            for k in range(int(lot_no[-1]) + 1):
                members = idx[lot_no == k]
                supplier = suppliers[
                    int(self.rng.choice(len(suppliers), p=weights / weights.sum()))
                ]
                recv = int(secs[members[0]]) - int(self.rng.uniform(1, 6) * DAY)
                code_lot = f"ML-{site_code}-{code}-{k + 1:04d}"
                uid = self.units.add(
                    code_lot,
                    "material_lot",
                    recv,
                    site=site,
                    material=material.id,
                    supplier=self.ctx.suppliers[supplier].id,
                    supplier_lot=f"{supplier[4:]}-{_stamp(recv)}-{k + 1:03d}",
                    quantity=LOT_SIZE[category],
                )
                self.links.add(uid, module_ids[members], per[lot_no == k], secs[members])
                self._iqc_facts(code, code_lot, recv, site_code, site)

    @staticmethod
    def _supplier_category(category: str) -> str:
        from qdm.data.seeds import CATEGORIES

        return next(s for c, _zh, _en, s in CATEGORIES if c == category)

    # --- flash test and EL -----------------------------------------------------------------
    # --- packing and shipping --------------------------------------------------------------
    def pack(
        self,
        line: np.ndarray,
        secs: np.ndarray,
        module_ids: np.ndarray,
        grade: np.ndarray,
        power_bin: np.ndarray,
        passed: np.ndarray,
    ) -> None:
        """Pallets of ≤ 36 passing modules per line, day, grade and power bin; full containers
        of 20 A-grade pallets per base and model to a customer project."""
        day = (secs - self.t0) // DAY
        ok = np.flatnonzero(passed)
        keys = np.stack([line[ok], day[ok], (grade[ok] == "B").astype(np.int64), power_bin[ok]])
        order = np.lexsort((secs[ok], keys[3], keys[2], keys[1], keys[0]))
        ok, keys = ok[order], keys[:, order]
        new_group = np.ones(len(ok), bool)
        new_group[1:] = np.any(keys[:, 1:] != keys[:, :-1], axis=0)
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(ok)), 0))
        pallet_no = np.cumsum(new_group | ((np.arange(len(ok)) - group_start) % PALLET_SIZE == 0))
        starts = np.flatnonzero(np.diff(np.concatenate([[0], pallet_no])))
        ends = np.append(starts[1:], len(ok))
        per_line_day: dict[tuple[int, int], int] = defaultdict(int)
        containers: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            members = ok[s:e]
            li, d, is_b, pbin = (int(x) for x in keys[:, s])
            ln = self.module_lines[li]
            per_line_day[(li, d)] += 1
            packed = int(secs[members].max()) + 1200
            code = f"PAL-{ln.code}-{_stamp(self.t0 + d * DAY)}-{per_line_day[(li, d)]:03d}"
            model = self.line_model[li]
            uid = self.units.add(
                code,
                "pallet",
                packed,
                site=self.site_id(ln.code[:3]),
                line=ln.id,
                model=model.id,
                quantity=len(members),
                bin=f"{pbin}W" + (" B" if is_b else ""),
            )
            self.links.add(module_ids[members], uid, 1, packed)
            if not is_b:
                containers[(ln.code[:3], model.code)].append((packed, uid, len(members)))
        seq: dict[str, int] = defaultdict(int)
        for (site_code, _model), pallets in sorted(containers.items()):
            pallets.sort()
            markets = [c for c in MARKETS.get(site_code, []) if c in self.ctx.customers]
            markets = markets or sorted(self.ctx.customers)
            for c in range(len(pallets) // PALLETS_PER_CONTAINER):
                chunk = pallets[c * PALLETS_PER_CONTAINER : (c + 1) * PALLETS_PER_CONTAINER]
                shipped = chunk[-1][0] + int(self.rng.uniform(1, 4) * DAY)
                if shipped > self.t_end:
                    continue
                customer = markets[int(self.rng.integers(len(markets)))]
                project = PROJECTS.get(customer, ["Utility-scale project"])
                seq[site_code] += 1
                uid = self.units.add(
                    f"CNT-{site_code}-{_stamp(shipped)}-{seq[site_code]:04d}",
                    "shipment",
                    shipped,
                    site=self.site_id(site_code),
                    customer=self.ctx.customers[customer].id,
                    project=project[int(self.rng.integers(len(project)))],
                    quantity=sum(p[2] for p in chunk),
                )
                self.links.add([p[1] for p in chunk], uid, 1, shipped)

    # --- the run ---------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        plan = self.plan_modules()
        line, secs = plan["line"], plan["secs"]
        n = len(line)
        serials = self.serials(line, secs)
        module_ids = np.arange(self.units.next_id, self.units.next_id + n, dtype=np.int64)
        self.units.next_id += n
        bin_eff = self.cell_lots(line, secs, module_ids)
        self.upstream()
        self.material_lots(line, secs, module_ids)
        grade, defects, el_loss = self.el(line)
        iv = self.flash(line, bin_eff, el_loss)
        nameplate = np.array([self.line_model[i].pmax_w for i in line.tolist()])
        power_bin = (np.floor(iv["pmax"] / 5) * 5).astype(np.int64)
        passed = (grade != "C") & (iv["pmax"] >= 0.97 * nameplate)
        for i in range(n):
            li = int(line[i])
            ln = self.module_lines[li]
            self.units.rows.append(
                [
                    int(module_ids[i]),
                    serials[i],
                    "module",
                    self.site_id(ln.code[:3]),
                    ln.id,
                    self.line_model[li].id,
                    None,
                    None,
                    "",
                    None,
                    "",
                    f"{power_bin[i]}W",
                    1.0,
                    int(secs[i]),
                ]
            )
        self.units.kinds["module"] += n
        self.pack(line, secs, module_ids, grade, power_bin, passed)
        self.process()
        counts = {"units": self.units.write(), "links": self.links.write()}
        counts["flash_tests"] = self.write_flash(line, secs, serials, iv)
        counts["el_results"] = self.write_el(line, secs + 240, serials, grade, defects)
        # EL1 before lamination; what it sends to rework is EL-tested again once repaired
        grade1, at1, defects1 = self.el1(line, secs)
        el1 = self.write_el(line, at1, serials, grade1, defects1, stage="EL1")
        rework = np.flatnonzero(grade1 != "A")
        el1 += self.write_el(
            line,
            at1[rework] + 2_400,
            serials,
            np.full(len(rework), "A"),
            [[] for _ in rework],
            stage="EL1",
            indices=rework.tolist(),
        )
        counts["el1_results"] = el1
        counts["el_results"] += el1
        counts["el1_rework"] = len(rework)
        counts["iv_curves"] = len(iv["curves"])
        counts["cell_sort_results"] = self.cell_sort()
        stamps = timestamps(np.array([m[2] for m in self.measurements], dtype=np.int64))
        counts["measurements"] = insert(
            Measurement,
            ["characteristic", "subject", "measured_at", "value", "site", "line"],
            (
                (c, s, t, round(v, 3), site, ln)
                for (c, s, _t, v, site, ln), t in zip(self.measurements, stamps, strict=True)
            ),
        )
        counts.update({f"{k}s": v for k, v in self.units.kinds.items()})
        counts["grade_a"] = int((grade == "A").sum())
        return counts


@transaction.atomic
def generate(
    ctx: Any, days: int | None = None, modules_per_day: int | None = None, end: date | None = None
) -> dict[str, int]:
    """Write the production history; ``days`` and ``modules_per_day`` default by scale,
    ``end`` (exclusive) defaults to today (UTC)."""
    default_days, default_rate = SCALES[ctx.scale]
    end = end or datetime.now(UTC).date()
    gen = Generator(ctx, days or default_days, modules_per_day or default_rate, end)
    return gen.run()


__all__ = ["SCALES", "Generator", "generate"]
