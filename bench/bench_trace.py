"""Trace timings on a synthetic genealogy (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_trace.py [--modules 1000000] [--keep DIR]``

A throw-away SQLite database in a temporary folder is migrated and filled with ``executemany``
(indexes of the two genealogy tables dropped during the load and re-created after, exactly
as migrations define them): poly lots → ingots → wafer lots → cell lots → modules (two cell
lots and eight material lots each) → pallets of 36 → shipments of 20 pallets, plus one flash
test and one EL result per module and process measurements every 10 minutes per line.
With the default 1,000,000 modules that is ~1.03 M units and ~11 M links; one glass lot
reaches 50,000 modules.

Targets (issue 3): backward trace of a serial p95 < 20 ms; forward trace of a material lot
reaching 50,000 modules < 1 s; both through the API with a warm server. Both are measured
through Django's test Client in this process (a warm server without the network) and
directly through the service.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CELLS_PER_WAFER_LOT = 4
WAFER_LOTS_PER_INGOT = 5
INGOTS_PER_POLY_LOT = 10
MODULES_PER_CELL_PAIR = 1_000  # two cell lots feed 1,000 modules
MODULES_PER_PALLET = 36
PALLETS_PER_SHIPMENT = 20
LINES = 4
#: material category → modules per lot (eight material lots per module)
MATERIALS = {
    "GLASS": 50_000,
    "BACKSHEET": 20_000,
    "EVA-F": 10_000,
    "EVA-R": 10_000,
    "FRAME": 5_000,
    "JBOX": 5_000,
    "RIBBON": 2_000,
    "SEALANT": 2_000,
}
T0 = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
PERIOD_S = 30 * 86_400


def setup_django(folder: Path) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ts(seconds: float) -> str:
    return str(T0 + timedelta(seconds=seconds))


class Ids:
    """Unit ids handed out kind by kind, so links are generated in (parent, child) order."""

    def __init__(self) -> None:
        self.next = 1
        self.ranges: dict[str, tuple[int, int]] = {}

    def take(self, kind: str, n: int) -> int:
        first = self.next
        self.ranges[kind] = (first, n)
        self.next += n
        return first


def build(n_modules: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group
    from django.db import connection

    from qdm.core.models import (
        BusinessUnit,
        Customer,
        Enterprise,
        Grant,
        Line,
        Site,
        Supplier,
        User,
        Workshop,
    )
    from qdm.data.models import Characteristic, Material, MaterialCategory

    ent = Enterprise.objects.create(code="GRP", name="集团", name_en="Group")
    bu = BusinessUnit.objects.create(code="BU", name="事业部", name_en="BU", enterprise=ent)
    site = Site.objects.create(code="SA", name="甲", name_en="A", business_unit=bu, country="CN")
    shop = Workshop.objects.create(code="SA-M", name="组件", name_en="M", site=site, stage="module")
    lines = [
        Line.objects.create(code=f"SA-M0{i}", name=f"{i}线", name_en=f"L{i}", workshop=shop).pk
        for i in range(LINES)
    ]
    supplier = Supplier.objects.create(code="SUP-X", name="X", name_en="X", country="CN")
    customers = [
        Customer.objects.create(code=f"CUS-{i}", name=f"客户{i}", name_en=f"C{i}", country="DE").pk
        for i in range(5)
    ]
    materials = {}
    for code in MATERIALS:
        cat = MaterialCategory.objects.create(code=code, name=code, name_en=code)
        materials[code] = Material.objects.create(
            code=f"{code}-1", name=code, name_en=code, category=cat
        ).pk
    chars = [
        Characteristic.objects.create(
            code=code, name=code, name_en=code, kind="process", stage="module", unit="°C"
        ).pk
        for code in ("LAM-TEMP", "LAM-PRESS")
    ]
    admin = User.objects.create_superuser("bench", "bench@example.com", "x")
    engineer = User.objects.create_user("eng", "eng@example.com", "x")
    Grant.objects.create(user=engineer, role=Group.objects.get(name="quality_engineer"), site=site)

    n_pairs = -(-n_modules // MODULES_PER_CELL_PAIR)
    n_cells = 2 * n_pairs
    n_wafers = -(-n_cells // CELLS_PER_WAFER_LOT)
    n_ingots = -(-n_wafers // WAFER_LOTS_PER_INGOT)
    n_poly = -(-n_ingots // INGOTS_PER_POLY_LOT)
    n_pallets = -(-n_modules // MODULES_PER_PALLET)
    n_shipments = -(-n_pallets // PALLETS_PER_SHIPMENT)
    lots = {code: -(-n_modules // size) for code, size in MATERIALS.items()}
    ids = Ids()
    poly0 = ids.take("poly_lot", n_poly)
    ingot0 = ids.take("ingot", n_ingots)
    wafer0 = ids.take("wafer_lot", n_wafers)
    cell0 = ids.take("cell_lot", n_cells)
    mat0 = {code: ids.take(f"material_lot:{code}", n) for code, n in lots.items()}
    module0 = ids.take("module", n_modules)
    pallet0 = ids.take("pallet", n_pallets)
    ship0 = ids.take("shipment", n_shipments)
    step = PERIOD_S / n_modules

    raw = connection.connection
    assert raw is not None
    raw.execute("PRAGMA synchronous=OFF")
    indexes = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        " AND tbl_name IN ('data_unit', 'data_unitlink')"
    ).fetchall()
    for name, _sql in indexes:
        raw.execute(f'DROP INDEX "{name}"')

    def units() -> Iterator[tuple[Any, ...]]:
        def row(uid: int, code: str, kind: str, **kw: Any) -> tuple[Any, ...]:
            return (
                uid, code, kind, site.pk, kw.get("line"), kw.get("material"), kw.get("supplier"),
                kw.get("supplier_lot", ""), kw.get("customer"), kw.get("project", ""), "",
                None, kw.get("produced_at"),
            )  # fmt: skip

        for i in range(n_poly):
            yield row(poly0 + i, f"PL-{i:05d}", "poly_lot", produced_at=ts(0))
        for i in range(n_ingots):
            yield row(ingot0 + i, f"IG-{i:06d}", "ingot", produced_at=ts(0))
        for i in range(n_wafers):
            yield row(wafer0 + i, f"WF-{i:06d}", "wafer_lot", produced_at=ts(0))
        for i in range(n_cells):
            yield row(cell0 + i, f"CL-{i:07d}", "cell_lot", produced_at=ts(0))
        for code, first in mat0.items():
            for i in range(lots[code]):
                yield row(
                    first + i, f"ML-{code}-{i:05d}", "material_lot", material=materials[code],
                    supplier=supplier.pk, supplier_lot=f"X{i:06d}", produced_at=ts(0),
                )  # fmt: skip
        for i in range(n_modules):
            yield row(
                module0 + i, f"MOD{i:08d}", "module", line=lines[i % LINES],
                produced_at=ts(i * step),
            )  # fmt: skip
        for i in range(n_pallets):
            yield row(pallet0 + i, f"PAL{i:07d}", "pallet")
        for i in range(n_shipments):
            yield row(
                ship0 + i, f"SHP{i:06d}", "shipment", customer=customers[i % len(customers)],
                project=f"Project {i % 17}",
            )  # fmt: skip

    def links() -> Iterator[tuple[int, int]]:
        for p in range(n_poly):
            for g in range(p * INGOTS_PER_POLY_LOT, min((p + 1) * INGOTS_PER_POLY_LOT, n_ingots)):
                yield poly0 + p, ingot0 + g
        for g in range(n_ingots):
            top = min((g + 1) * WAFER_LOTS_PER_INGOT, n_wafers)
            for w in range(g * WAFER_LOTS_PER_INGOT, top):
                yield ingot0 + g, wafer0 + w
        for w in range(n_wafers):
            for c in range(w * CELLS_PER_WAFER_LOT, min((w + 1) * CELLS_PER_WAFER_LOT, n_cells)):
                yield wafer0 + w, cell0 + c
        for c in range(n_cells):
            first = (c // 2) * MODULES_PER_CELL_PAIR
            for m in range(first, min(first + MODULES_PER_CELL_PAIR, n_modules)):
                yield cell0 + c, module0 + m
        for code, first in mat0.items():
            size = MATERIALS[code]
            for k in range(lots[code]):
                for m in range(k * size, min((k + 1) * size, n_modules)):
                    yield first + k, module0 + m
        for m in range(n_modules):
            yield module0 + m, pallet0 + m // MODULES_PER_PALLET
        for p in range(n_pallets):
            yield pallet0 + p, ship0 + p // PALLETS_PER_SHIPMENT

    # one transaction for the whole load
    if not raw.in_transaction:
        raw.execute("BEGIN")
    t0 = time.perf_counter()
    raw.executemany(
        "INSERT INTO data_unit (id, code, kind, site_id, line_id, material_id, supplier_id,"
        " supplier_lot, customer_id, project, efficiency_bin, quantity, produced_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        units(),
    )
    t_units = time.perf_counter() - t0
    # one transaction for the whole load
    if not raw.in_transaction:
        raw.execute("BEGIN")
    t0 = time.perf_counter()
    raw.executemany(
        "INSERT INTO data_unitlink (parent_id, child_id, quantity) VALUES (?, ?, 1.0)", links()
    )
    t_links = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _name, sql in indexes:
        raw.execute(sql)
    t_index = time.perf_counter() - t0

    t0 = time.perf_counter()
    raw.executemany(
        "INSERT INTO data_flashtest (serial, tested_at, site_id, line_id, simulator,"
        " irradiance_wm2, module_temp_c, pmax_w, voc_v, isc_a, vmp_v, imp_a, ff_pct)"
        " VALUES (?, ?, ?, ?, 'SIM', 1000, 25, 580, 52.3, 14.0, 43.5, 13.33, 79.2)",
        ((f"MOD{i:08d}", ts(i * step + 600), site.pk, lines[i % LINES]) for i in range(n_modules)),
    )
    raw.executemany(
        "INSERT INTO data_elresult (serial, tested_at, site_id, line_id, stage, grade, defects,"
        " image_ref, classifier_version) VALUES (?, ?, ?, ?, 'EL2', 'A', '[]', '', '')",
        ((f"MOD{i:08d}", ts(i * step + 900), site.pk, lines[i % LINES]) for i in range(n_modules)),
    )
    raw.executemany(
        "INSERT INTO data_measurement (characteristic_id, subject, measured_at, value, site_id,"
        " line_id) VALUES (?, ?, ?, ?, ?, ?)",
        (
            (char, f"L{li}-{char}", ts(k * 600), 145.0 + (k % 7) * 0.1, site.pk, line)
            for li, line in enumerate(lines)
            for char in chars
            for k in range(PERIOD_S // 600)
        ),
    )
    t_facts = time.perf_counter() - t0
    raw.commit()
    t0 = time.perf_counter()
    raw.execute("ANALYZE")
    t_analyze = time.perf_counter() - t0
    n_links = raw.execute("SELECT COUNT(*) FROM data_unitlink").fetchone()[0]
    n_units = raw.execute("SELECT COUNT(*) FROM data_unit").fetchone()[0]
    print(
        f"built {n_units:,} units in {t_units:.1f} s, {n_links:,} links in {t_links:.1f} s,"
        f" indexes in {t_index:.1f} s, flash/EL/measurements in {t_facts:.1f} s,"
        f" ANALYZE in {t_analyze:.1f} s"
    )
    return {
        "admin": admin,
        "engineer": engineer,
        "n_modules": n_modules,
        "glass_lot": f"ML-GLASS-{min(3, lots['GLASS'] - 1):05d}",
    }


class Timing(float):
    """Wall-clock milliseconds of one call, carrying the CPU milliseconds this thread spent
    in it (``cpu``): on a shared machine the wall time includes waiting for a core, the CPU
    time does not."""

    cpu: float


def timings(fn: Callable[[], Any], runs: int) -> list[Timing]:
    out = []
    for _ in range(runs):
        c0, t0 = time.thread_time(), time.perf_counter()
        fn()
        wall = Timing((time.perf_counter() - t0) * 1000)
        wall.cpu = (time.thread_time() - c0) * 1000
        out.append(wall)
    return out


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def report(label: str, ms: list[Timing]) -> None:
    cpu = sorted(t.cpu for t in ms)
    wall = sorted(ms)
    print(
        f"{label:<44} n={len(ms):>4}  p50 {statistics.median(wall):8.2f} ms"
        f"  p95 {_p95(wall):8.2f} ms  max {wall[-1]:8.2f} ms"
        f"  | cpu p50 {statistics.median(cpu):7.2f}  p95 {_p95(cpu):7.2f} ms"
    )


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and cores: the machine may be shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def measure(ctx: dict[str, Any]) -> None:
    from django.test import Client

    print(f"start: {load()}")

    from qdm.data.models import Unit
    from qdm.data.trace import queries, service

    rng = random.Random(2026)
    serials = [f"MOD{rng.randrange(ctx['n_modules']):08d}" for _ in range(200)]
    glass = ctx["glass_lot"]
    admin, engineer = ctx["admin"], ctx["engineer"]
    client = Client()
    client.force_login(admin)
    scoped = Client()
    scoped.force_login(engineer)

    def api(c: Client, url: str) -> Callable[[], None]:
        def call() -> None:
            response = c.get(url)
            assert response.status_code == 200, response.content[:300]

        return call

    # warm-up: imports, URL resolver, templates, SQLite page cache
    for serial in serials[:10]:
        client.get(f"/api/v1/data/trace/backward/{serial}/")
    client.get(f"/api/v1/data/trace/forward/{glass}/")

    report("walk backward (SQL only)", [
        t for s in serials for t in timings(
            lambda s=s: queries.walk(Unit.objects.only("id").get(code=s).pk, "backward"), 1)
    ])  # fmt: skip
    report("service.backward (superuser)", [
        t for s in serials for t in timings(lambda s=s: service.backward(s, admin), 1)
    ])  # fmt: skip
    report("API GET backward (superuser)", [
        t for s in serials for t in timings(api(client, f"/api/v1/data/trace/backward/{s}/"), 1)
    ])  # fmt: skip
    report("API GET backward (site engineer)", [
        t for s in serials for t in timings(api(scoped, f"/api/v1/data/trace/backward/{s}/"), 1)
    ])  # fmt: skip
    body = client.get(f"/api/v1/data/trace/forward/{glass}/").json()
    print(f"forward of {glass}: counts {body['counts']}")
    lot = Unit.objects.get(code=glass).pk
    report(f"walk forward {glass} (SQL only)", timings(lambda: queries.walk(lot, "forward"), 5))
    report("service.forward (superuser)", timings(lambda: service.forward(glass, admin), 5))
    report(
        "API GET forward (superuser)",
        timings(api(client, f"/api/v1/data/trace/forward/{glass}/"), 5),
    )
    report(
        "API GET forward (site engineer)",
        timings(api(scoped, f"/api/v1/data/trace/forward/{glass}/"), 5),
    )
    report(
        "API GET forward, page 100 at offset 40,000",
        timings(api(client, f"/api/v1/data/trace/forward/{glass}/?offset=40000"), 5),
    )
    report(
        "trace page forward (graph + table)",
        timings(lambda: client.get(f"/data/trace/?code={glass}&direction=forward"), 3),
    )
    print("targets: backward p95 < 20 ms; forward of a lot reaching 50,000 modules < 1 s")
    print(f"end: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=1_000_000)
    parser.add_argument("--keep", help="build in this folder and keep the database")
    args = parser.parse_args()
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
        run(folder, args.modules)
    else:
        with tempfile.TemporaryDirectory(prefix="qdm-bench-trace-") as tmp:
            run(Path(tmp), args.modules)


def run(folder: Path, n_modules: int) -> None:
    reuse = (folder / "bench.sqlite3").exists()
    t0 = time.perf_counter()
    setup_django(folder)
    if reuse:  # --keep DIR of an earlier run: measure again without rebuilding
        from qdm.core.models import User
        from qdm.data.models import Unit

        modules = Unit.objects.filter(kind="module").count()
        glass = Unit.objects.filter(code__startswith="ML-GLASS-").order_by("code")[:4]
        ctx = {
            "admin": User.objects.get(username="bench"),
            "engineer": User.objects.get(username="eng"),
            "n_modules": modules,
            "glass_lot": list(glass)[-1].code,
        }
        print(f"reusing {folder} ({modules:,} modules)")
    else:
        print(f"migrated a fresh SQLite database in {time.perf_counter() - t0:.1f} s ({folder})")
        t0 = time.perf_counter()
        ctx = build(n_modules)
        print(f"genealogy of {n_modules:,} modules ready in {time.perf_counter() - t0:.1f} s")
    measure(ctx)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
