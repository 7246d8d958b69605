"""Carbon footprints of shipments from their genealogy (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_pcf.py [--shipments 10000] [--pallets 2]``

A throw-away SQLite database is migrated and filled with ``executemany``: poly lots (10 t,
two suppliers, one with a verified low-carbon factor) → ingots (380 kg) → wafer lots (5 400)
→ cell lots (3 600 cells) → modules (two cell lots, glass, encapsulant and frame lots) →
pallets of 36 → shipments of ``--pallets`` pallets, made at a Chinese and a Vietnamese base
over twelve months with monthly site energy data (grid, rooftop PV, certificates).

Measured in the same run:

* **vectorised**: ``qdm.carbon.services.genealogy.compute`` for every shipment at once
  (one recursive query per 2 000 shipments, numpy own emissions, exact DAG propagation);
* **baseline**: the same service called shipment by shipment (what a per-declaration loop
  would do) on a sample, extrapolated to all shipments;
* one **what-if** on a module model (target < 200 ms).

Target (issue 9): 10 000 shipments < 30 s. With 36-module pallets, 10 000 shipments of 20
pallets would be 7.2 M modules (the medium demo has ≈1 M modules, ≈1 400 containers); the
default of 2 pallets per shipment keeps 10 000 shipments at 720 000 modules, the medium
data set's order of magnitude.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

MODULES_PER_PALLET = 36
CELLS_PER_MODULE_PER_LOT = 36  # two cell lots of 36 cells each per 72-cell module
CELL_LOT = 3_600
WAFER_LOT = 5_400
INGOT_KG = 380.0
WAFER_LOTS_PER_INGOT = 4
POLY_LOT_KG = 10_000.0
INGOTS_PER_POLY_LOT = 26
MATERIALS = {"GLS": (1_200, 1.0), "ENC": (6_000, 4.4), "FRM": (1_000, 1.0)}


def setup_django(folder: Path) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(n_shipments: int, pallets: int) -> dict:
    from django.db import connection

    from qdm.carbon.models import ActivityRecord, EmissionFactor, FactorLibrary, SupplierFactor
    from qdm.core.models import BusinessUnit, Enterprise, Site, Supplier, User
    from qdm.data.models import Material, MaterialCategory, ModuleModel, ProductFamily

    ent = Enterprise.objects.create(code="GRP", name="集团", name_en="Group")
    bu = BusinessUnit.objects.create(code="BU", name="事业部", name_en="BU", enterprise=ent)
    sites = [
        Site.objects.create(code=c, name=c, name_en=c, business_unit=bu, country=k)
        for c, k in (("JX1", "CN"), ("VN1", "VN"))
    ]
    sup = [
        Supplier.objects.create(code=f"SUP-{i}", name=f"S{i}", name_en=f"S{i}", country="CN")
        for i in (1, 2)
    ]
    mats = {}
    for code, unit in (("POLY", "kg"), ("CELL", "pcs"), *((m, "pcs") for m in MATERIALS)):
        cat = MaterialCategory.objects.create(code=code, name=code, name_en=code)
        mats[code] = Material.objects.create(
            code=f"{code}-1", name=code, name_en=code, category=cat,
            unit="m2" if code == "ENC" else unit,
        )  # fmt: skip
    fam = ProductFamily.objects.create(code="TOPCON", name="T", name_en="T", technology="topcon")
    model = ModuleModel.objects.create(
        code="SRM-N580", name="N580", name_en="N580", family=fam, pmax_w=580, voc_v=52,
        isc_a=14, vmp_v=43.5, imp_a=13.3, efficiency_pct=22.4, temp_coeff_pmax_pct_per_c=-0.3,
        temp_coeff_voc_pct_per_c=-0.25, temp_coeff_isc_pct_per_c=0.045, length_mm=2278,
        width_mm=1134, cell_count=144,
    )  # fmt: skip
    lib = FactorLibrary.objects.create(code="G", version="1", name="Group", kind="group")
    for country, value in (("CN", 0.544), ("VN", 0.377)):
        for acc in ("location", "market"):
            EmissionFactor.objects.create(
                library=lib, category="electricity", key="electricity", country=country,
                accounting=acc, value=value, unit="kg CO2e/kWh",
            )  # fmt: skip
    for key, value, unit in (
        ("POLY", 60.2, "kg CO2e/kg"), ("GLS", 8.67, "kg CO2e/pcs"), ("ENC", 2.36, "kg CO2e/m2"),
        ("FRM", 15.7, "kg CO2e/pcs"), ("silicon process", 9.3, "kg CO2e/kg"),
        ("glass", 0.542, "kg CO2e/kg"), ("frame", 6.46, "kg CO2e/kg"),
        ("encapsulant", 5.24, "kg CO2e/kg"), ("backsheet", 7.5, "kg CO2e/kg"),
        ("silver", 0.95, "kg CO2e/kg"),
    ):  # fmt: skip
        EmissionFactor.objects.create(
            library=lib, category="material", key=key, value=value, unit=unit
        )
    SupplierFactor.objects.create(
        supplier=sup[0], material=mats["POLY"], value=14.5, unit="kg CO2e/kg",
        valid_from=dt.date(2020, 1, 1), verified=True,
    )  # fmt: skip
    t0 = dt.datetime(2025, 1, 1)
    for s in sites:
        for m in range(12):
            month = dt.date(2025, m + 1, 1)
            for kind, qty, scheme in (
                ("grid", 90_000, ""), ("onsite_renewable", 4_000, ""),
                ("certificates", 20_000, "GEC"),
            ):  # fmt: skip
                ActivityRecord.objects.create(
                    site=s, month=month, kind=kind, quantity=qty, unit="MWh",
                    certificate_scheme=scheme,
                )  # fmt: skip
    User.objects.create_superuser("bench", "bench@example.com", "x")

    n_modules = n_shipments * pallets * MODULES_PER_PALLET
    modules_per_cell_lot = CELL_LOT // CELLS_PER_MODULE_PER_LOT  # 100
    n_cell = 2 * -(-n_modules // modules_per_cell_lot)
    n_wafer = n_cell
    n_ingot = -(-n_wafer // WAFER_LOTS_PER_INGOT)
    n_poly = -(-n_ingot // INGOTS_PER_POLY_LOT)
    n_pallet = n_shipments * pallets
    lots = {m: -(-int(n_modules * per) // size) for m, (size, per) in MATERIALS.items()}
    next_id = [1]

    def take(n: int) -> int:
        first = next_id[0]
        next_id[0] += n
        return first

    poly0, ingot0, wafer0, cell0 = take(n_poly), take(n_ingot), take(n_wafer), take(n_cell)
    mat0 = {m: take(n) for m, n in lots.items()}
    module0, pallet0, ship0 = take(n_modules), take(n_pallet), take(n_shipments)
    span = 360 * 86_400

    def when(i: int, n: int) -> str:
        return str(t0 + dt.timedelta(seconds=span * i // max(n, 1)))

    def site_of(i: int, n: int) -> int:
        return sites[(i * 2 // max(n, 1)) % 2].pk  # first half CN, second half VN

    def units():
        for i in range(n_poly):
            yield (poly0 + i, f"PL{i}", "poly_lot", sites[0].pk, mats["POLY"].pk,
                   sup[i % 2].pk, None, POLY_LOT_KG, when(i, n_poly))  # fmt: skip
        for i in range(n_ingot):
            yield (ingot0 + i, f"IG{i}", "ingot", sites[0].pk, None, None, None, INGOT_KG,
                   when(i, n_ingot))  # fmt: skip
        for i in range(n_wafer):
            yield (wafer0 + i, f"WL{i}", "wafer_lot", sites[0].pk, None, None, None,
                   float(WAFER_LOT), when(i, n_wafer))  # fmt: skip
        for i in range(n_cell):
            yield (cell0 + i, f"CL{i}", "cell_lot", sites[0].pk, mats["CELL"].pk, None, None,
                   float(CELL_LOT), when(i, n_cell))  # fmt: skip
        for m, first in mat0.items():
            for i in range(lots[m]):
                yield (first + i, f"ML-{m}{i}", "material_lot", site_of(i, lots[m]),
                       mats[m].pk, sup[i % 2].pk, None, float(MATERIALS[m][0]),
                       when(i, lots[m]))  # fmt: skip
        for i in range(n_modules):
            yield (module0 + i, f"M{i}", "module", site_of(i, n_modules), None, None,
                   model.pk, 1.0, when(i, n_modules))  # fmt: skip
        for i in range(n_pallet):
            yield (pallet0 + i, f"PAL{i}", "pallet", site_of(i, n_pallet), None, None,
                   model.pk, float(MODULES_PER_PALLET), when(i, n_pallet))  # fmt: skip
        for i in range(n_shipments):
            yield (ship0 + i, f"CNT{i}", "shipment", site_of(i, n_shipments), None, None,
                   None, float(pallets * MODULES_PER_PALLET), when(i, n_shipments))  # fmt: skip

    def links():
        for g in range(n_ingot):
            yield poly0 + g // INGOTS_PER_POLY_LOT, ingot0 + g, INGOT_KG
        for w in range(n_wafer):
            yield ingot0 + w // WAFER_LOTS_PER_INGOT, wafer0 + w, INGOT_KG / WAFER_LOTS_PER_INGOT
        for c in range(n_cell):
            yield wafer0 + c, cell0 + c, float(CELL_LOT)
        for i in range(n_modules):
            pair = i // modules_per_cell_lot
            for half in (0, 1):
                yield cell0 + 2 * pair + half, module0 + i, float(CELLS_PER_MODULE_PER_LOT)
            for m, (size, per) in MATERIALS.items():
                yield mat0[m] + int(i * per) // size, module0 + i, per
            yield module0 + i, pallet0 + i // MODULES_PER_PALLET, 1.0
        for p in range(n_pallet):
            yield pallet0 + p, ship0 + p // pallets, 1.0

    raw = connection.connection
    raw.execute("PRAGMA synchronous=OFF")
    # indexes dropped during the load and re-created after, exactly as migrations define them
    indexes = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        " AND tbl_name IN ('data_unit', 'data_unitlink')"
    ).fetchall()
    for name, _sql in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    if not raw.in_transaction:
        raw.execute("BEGIN")  # one transaction for the whole load
    started = time.perf_counter()
    raw.executemany(
        "INSERT INTO data_unit (id, code, kind, site_id, material_id, supplier_id,"
        " module_model_id, quantity, produced_at, supplier_lot, project, efficiency_bin)"
        " VALUES (?,?,?,?,?,?,?,?,?, '', '', '')",
        units(),
    )
    raw.executemany(
        "INSERT INTO data_unitlink (parent_id, child_id, quantity) VALUES (?, ?, ?)", links()
    )
    for _name, sql in indexes:
        raw.execute(sql)
    raw.commit()
    raw.execute("ANALYZE")
    n_units = raw.execute("SELECT COUNT(*) FROM data_unit").fetchone()[0]
    n_links = raw.execute("SELECT COUNT(*) FROM data_unitlink").fetchone()[0]
    print(
        f"built {n_units:,} units ({n_modules:,} modules) and {n_links:,} links"
        f" in {time.perf_counter() - started:.1f} s"
    )
    return {
        "library": lib,
        "model": model,
        "site": sites[0],
        "shipments": list(range(ship0, ship0 + n_shipments)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--pallets", type=int, default=2, help="pallets per shipment")
    parser.add_argument("--sample", type=int, default=40, help="baseline sample size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder))
        ctx = build(args.shipments, args.pallets)
        from qdm.carbon.services import genealogy
        from qdm.carbon.services.factors import load_library
        from qdm.carbon.services.footprints import what_if

        lib, shipments = ctx["library"], ctx["shipments"]
        view = load_library(lib)
        started, cpu = time.perf_counter(), time.process_time()
        result = genealogy.compute(shipments, lib, view=view)
        vectorised = time.perf_counter() - started
        cpu = time.process_time() - cpu
        per_kwp = [fp.per_kwp for fp in result.values()]
        print(
            f"vectorised: {len(result):,} shipments in {vectorised:.1f} s wall"
            f" ({cpu:.1f} s CPU incl. SQLite; wall − CPU is I/O and a shared machine)"
            f" (target < 30 s); kg CO2e/kWp median {statistics.median(per_kwp):.1f},"
            f" min {min(per_kwp):.1f}, max {max(per_kwp):.1f}"
        )
        step = max(1, len(shipments) // args.sample)
        sample = shipments[::step][: args.sample]
        started = time.perf_counter()
        for sid in sample:
            one = genealogy.compute([sid], lib, view=view)[sid]
            assert abs(one.total_kg - result[sid].total_kg) < 1e-6 * max(1, one.total_kg)
        per_one = (time.perf_counter() - started) / len(sample)
        baseline = per_one * len(shipments)
        print(
            f"baseline (one shipment at a time): {per_one * 1000:.0f} ms each,"
            f" ≈{baseline:.0f} s for {len(shipments):,} (extrapolated from {len(sample)});"
            f" vectorised is {baseline / vectorised:.0f}× faster; results identical"
        )
        times = []
        for k in range(20):
            started = time.perf_counter()
            what_if(ctx["model"], ctx["site"], lib, renewable_share=k / 20, materials={"glass": 8})
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"what-if on a model: median {statistics.median(times):.1f} ms,"
            f" max {max(times):.1f} ms (target < 200 ms)"
        )
        from qdm.carbon.models import SupplierFactor

        low_carbon = SupplierFactor.objects.select_related("supplier", "material__category")
        low_carbon = list(low_carbon.filter(verified=True, material__category__code="POLY"))
        times = []
        for _k in range(20):
            started = time.perf_counter()
            data = what_if(ctx["model"], ctx["site"], lib, supplier_factors=low_carbon)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"what-if switching the poly supplier: median {statistics.median(times):.1f} ms,"
            f" max {max(times):.1f} ms (target < 200 ms);"
            f" {data['base']['per_kwp']:.1f} → {data['new']['per_kwp']:.1f} kg CO2e/kWp"
        )


if __name__ == "__main__":
    sys.exit(main())
