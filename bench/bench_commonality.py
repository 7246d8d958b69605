"""Timing figures for qdm.quality.commonality (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_commonality.py [--db-scale small|medium|none]``

Target from the issue: commonality analysis of a complaint of 500 serials against a
population of 100,000 modules under 2 s. Eight dimensions as the service platform builds them
(two linked cell lots per module, material lots of six categories, supplier, line, station,
shift, day, a binned lamination temperature). The baseline, in the same run, calls
``scipy.stats.fisher_exact`` level by level in a Python loop.

Then the same analysis end to end through the database (``--db-scale``, default small; the
demo generator's small scale is ≈90,000 modules over 30 days): a throw-away SQLite database
is migrated and filled with the demo builders of the data, system and service platforms
(``qdm demo`` minus the other platforms), and ``qdm.service.services.analysis.
analyse_complaint`` — backward trace of every serial, facts of the failing modules and of
every other module of the same lines in the production window (±7 days), ranking — is timed
on the demo's planted cluster (a bad encapsulant lot, which must come first) and on a
complaint of 500 shipped serials built for the bench (the cluster's modules plus serials of
the same customer).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

from qdm.quality import commonality as com

N, FAILING = 100_000, 500


def build(rng: np.random.Generator):
    idx = np.arange(N)
    line = rng.integers(1, 9, N)
    pop = {
        "line": np.array([f"JX1-M0{k}" for k in line], dtype=object),
        "station": np.array([f"JX1-M0{k}-LAM" for k in line], dtype=object),
        "shift": np.array(["ABC"[k] for k in rng.integers(0, 3, N)], dtype=object),
        "day": np.array(
            [f"2026-{1 + k // 28:02d}-{1 + k % 28:02d}" for k in idx * 120 // N], dtype=object
        ),
        "supplier": np.array([("SUP-EVA1", "SUP-POE1")[k % 2] for k in idx // 1100], dtype=object),
    }
    keys = np.repeat(idx, 2)
    cells = np.array(
        [f"CL-{v:06d}" for v in (np.repeat(idx // 50, 2) * 2 + np.tile([0, 1], N))], dtype=object
    )
    mkeys = np.repeat(idx, 6)
    lot_size = {"GLS": 1200, "ENC": 1100, "ENC2": 1050, "BS": 1000, "FRM": 900, "JB": 1300}
    mats = np.array(
        [f"ML-{c}-{k // size:04d}" for k in idx for c, size in lot_size.items()], dtype=object
    )
    temp = rng.normal(150.0, 2.0, N)
    return pop, (keys, cells), (mkeys, mats), temp


def main() -> None:
    rng = np.random.default_rng(2026)
    pop, cells, mats, temp = build(rng)
    bad_units = np.unique(mats[0][np.isin(mats[1], ["ML-ENC-0042"])])
    failing = np.unique(
        np.concatenate([rng.choice(bad_units, 400, replace=False), rng.choice(N, FAILING - 400)])
    )
    mask = np.zeros(N, bool)
    mask[failing] = True

    def run():
        fail = {k: v[mask] for k, v in pop.items()}
        rest = {k: v[~mask] for k, v in pop.items()}
        for name, (k, v) in (("cell_lot", cells), ("material_lot", mats)):
            pick = mask[k]
            fail[name], rest[name] = (k[pick], v[pick]), (k[~pick], v[~pick])
        fail["lamination_temp"], rest["lamination_temp"] = com.bin_numeric(
            temp[mask], temp[~mask], 5, "°C"
        )
        return com.rank_levels(fail, rest)

    t0 = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - t0
    top = result[0]
    print(
        f"commonality, {len(failing)} failing vs {N - len(failing):,} modules, 8 dimensions, "
        f"{len(result):,} levels tested: {elapsed:.3f} s (target < 2 s); first: "
        f"{top.dimension} {top.level} {top.failing}/{top.failing_total} q={top.q_value:.2g}"
    )

    t0 = time.perf_counter()
    for r in result:
        stats.fisher_exact(
            [
                [r.failing, r.failing_total - r.failing],
                [r.comparison, r.comparison_total - r.comparison],
            ],
            alternative="greater",
        )
    t_loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    com.fisher_greater(
        [r.failing for r in result],
        [r.failing_total for r in result],
        [r.comparison for r in result],
        [r.comparison_total for r in result],
    )
    t_vec = time.perf_counter() - t0
    print(
        f"{len(result):,} one-sided Fisher tests: scipy.stats.fisher_exact loop {t_loop:.3f} s "
        f"vs vectorised (numpy, all tables at once) {t_vec:.4f} s"
    )


# --- a synthetic plant of 100,000 modules, bulk-inserted -------------------------------------
SYN_START = (2031, 1, 1)  # after the demo's data: the window holds the synthetic modules only
SYN_DAYS = 30
LOT_SIZES = {"GLS": 1200, "ENC": 1100, "ENC2": 1050, "BS": 1000, "FRM": 900, "JB": 1300}


def synthetic_plant(n_modules: int, seed: int = 2026) -> list[tuple[int, str]]:
    """``n_modules`` modules on the demo's module lines over 30 days, each from two cell lots
    (a pair per 50 modules; cell lot ← wafer lot ← ingot ← polysilicon lot) and one lot of six
    material categories (lots of 900–1,300 modules, suppliers alternating), each with a flash
    test at the line's IV station, inserted with ``executemany``. Returns the modules'
    ``(id, serial)``."""
    import datetime as dt

    from django.db import connection, transaction

    from qdm.core.models import Line, Station, Supplier
    from qdm.data.models import FlashTest, Unit, UnitLink

    rng = np.random.default_rng(seed)
    stations = {
        s.line_id: s.pk
        for s in Station.objects.filter(code__endswith="-IV", line__code__contains="-M")
    }
    lines = list(Line.objects.filter(pk__in=stations).select_related("workshop"))[:8]
    suppliers = list(Supplier.objects.order_by("pk").values_list("pk", flat=True)[:2])
    q = connection.ops.quote_name
    unit_t, link_t, flash_t = (q(m._meta.db_table) for m in (Unit, UnitLink, FlashTest))
    adapt = connection.ops.adapt_datetimefield_value
    start = dt.datetime(*SYN_START, tzinfo=dt.UTC)
    idx = np.arange(n_modules)
    seconds = np.sort(rng.uniform(0, SYN_DAYS * 86_400, n_modules)).tolist()
    at = [adapt(start + dt.timedelta(seconds=s)) for s in seconds]
    tested = [adapt(start + dt.timedelta(seconds=s + 1_200)) for s in seconds]
    line_of = rng.integers(0, len(lines), n_modules)
    n_cells = 2 * (-(-n_modules // 50))
    lots: list[tuple[str, str, int | None]] = [
        (f"SYN-PL-{k:03d}", "poly_lot", suppliers[k % 2]) for k in range(10)
    ]
    lots += [(f"SYN-IG-{k:04d}", "ingot", None) for k in range(200)]
    lots += [(f"SYN-WL-{k:04d}", "wafer_lot", None) for k in range(800)]
    lots += [(f"SYN-CL-{k:05d}", "cell_lot", None) for k in range(n_cells)]
    for cat, size in LOT_SIZES.items():
        lots += [
            (f"SYN-ML-{cat}-{k:04d}", "material_lot", suppliers[k % 2])
            for k in range(-(-n_modules // size))
        ]
    insert_unit = (
        f"INSERT INTO {unit_t} (code, kind, supplier_lot, project, efficiency_bin, produced_at,"
        " line_id, site_id, supplier_id) VALUES (%s, %s, '', '', '', %s, %s, %s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            insert_unit, [(code, kind, None, None, None, sup) for code, kind, sup in lots]
        )
        cursor.executemany(
            insert_unit,
            [
                (
                    f"SYN-M-{i:06d}",
                    "module",
                    at[i],
                    lines[line_of[i]].pk,
                    lines[line_of[i]].workshop.site_id,
                    None,
                )
                for i in range(n_modules)
            ],
        )
        ids = dict(Unit.objects.filter(code__startswith="SYN-").values_list("code", "id"))
        links = [(ids[f"SYN-PL-{k // 20:03d}"], ids[f"SYN-IG-{k:04d}"]) for k in range(200)]
        links += [(ids[f"SYN-IG-{k // 4:04d}"], ids[f"SYN-WL-{k:04d}"]) for k in range(800)]
        links += [
            (ids[f"SYN-WL-{k // 5 % 800:04d}"], ids[f"SYN-CL-{k:05d}"]) for k in range(n_cells)
        ]
        for i in idx.tolist():
            module = ids[f"SYN-M-{i:06d}"]
            links.append((ids[f"SYN-CL-{2 * (i // 50):05d}"], module))
            links.append((ids[f"SYN-CL-{2 * (i // 50) + 1:05d}"], module))
            for cat, size in LOT_SIZES.items():
                links.append((ids[f"SYN-ML-{cat}-{i // size:04d}"], module))
        cursor.executemany(f"INSERT INTO {link_t} (parent_id, child_id) VALUES (%s, %s)", links)
        pmax = rng.normal(580.0, 3.0, n_modules)
        cursor.executemany(
            f"INSERT INTO {flash_t} (serial, tested_at, simulator, irradiance_wm2,"
            " module_temp_c, pmax_w, voc_v, isc_a, vmp_v, imp_a, ff_pct, line_id, site_id,"
            " station_id) VALUES (%s, %s, 'SIM', 1000, 25, %s, 50, 14, 42, 13.8, 80, %s, %s, %s)",
            [
                (
                    f"SYN-M-{i:06d}",
                    tested[i],
                    float(pmax[i]),
                    lines[line_of[i]].pk,
                    lines[line_of[i]].workshop.site_id,
                    stations[lines[line_of[i]].pk],
                )
                for i in idx.tolist()
            ],
        )
    return [(ids[f"SYN-M-{i:06d}"], f"SYN-M-{i:06d}") for i in idx.tolist()]


# --- through the database ------------------------------------------------------------------
def setup_django(folder: Path) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    # notifications of the demo are queued, not sent (no mail server here)
    os.environ["QDM_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    # models whose migrations are not generated yet get their tables here
    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            meta = model._meta
            if meta.managed and not meta.proxy and meta.db_table not in existing:
                editor.create_model(model)
                existing.add(meta.db_table)
                existing.update(f.m2m_db_table() for f in meta.local_many_to_many)


def timed(label: str, complaint, runs: int = 3) -> None:  # type: ignore[no-untyped-def]
    from qdm.service.services import analysis

    seconds = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = analysis.analyse_complaint(complaint)
        seconds.append(time.perf_counter() - t0)
    assert result is not None
    top = result.rows[0] if result.rows else None
    first = (
        f"{top.dimension} {top.level} {top.failing}/{top.failing_total} vs "
        f"{top.comparison}/{top.comparison_total}, q={top.q_value:.2g}"
        if top
        else "nothing"
    )
    print(
        f"  {label}: {result.failing} failing vs {result.population:,} modules in the window, "
        f"{len(result.rows):,} levels, {len(result.significant())} significant; "
        f"first run {seconds[0]:.3f} s, median of {runs} {statistics.median(seconds):.3f} s "
        f"(target < 2 s); first: {first}"
    )


def db_bench(scale: str, db_dir: str | None = None, synthetic: bool = True) -> None:
    from importlib import import_module

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(db_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        setup_django(folder)
        from auditlog.context import set_actor

        from qdm.core.demo import build_kernel
        from qdm.data.models import Unit, UnitLink
        from qdm.service.models import Complaint

        t0 = time.perf_counter()
        # a database kept by an earlier run (--db-dir) is measured again as it is
        kept = Complaint.objects.filter(number="BENCH-500").first()
        if kept is None:
            ctx = build_kernel(scale=scale, seed=2026)
            with set_actor(ctx.users["admin"]):
                for app in ("data", "system", "service"):
                    import_module(f"qdm.{app}.demo").build(ctx)
        modules = Unit.objects.filter(kind="module").count()
        print(
            f"through the database: demo data ({scale}: data, system, service) "
            f"{'kept from an earlier run' if kept else 'loaded'} in "
            f"{time.perf_counter() - t0:.0f} s — {modules:,} modules, "
            f"{UnitLink.objects.count():,} genealogy links"
        )
        cluster = (
            Complaint.objects.filter(title__startswith="Delamination and bubbles")
            .order_by("-pk")
            .first()
        )
        if cluster is None:
            print("  the demo planted no cluster (too little data): nothing timed")
            return
        timed(f"planted cluster {cluster.number}", cluster)
        big = kept or bench_complaint(cluster)
        timed(f"complaint of {big.items.count()} serials", big)
        if synthetic:
            synthetic_bench(big)


def bench_complaint(cluster):  # type: ignore[no-untyped-def]
    """A complaint of 500 serials: the cluster's modules and other modules shipped to the same
    customer (the shipments' pallets → modules), built directly for the bench."""
    from django.db import transaction

    from qdm.data.models import Unit, UnitLink
    from qdm.service.models import Complaint, ComplaintItem

    ships = Unit.objects.filter(kind="shipment", customer_id=cluster.customer_id)
    pallets = UnitLink.objects.filter(child__in=ships).values("parent_id")
    shipped = (
        UnitLink.objects.filter(child_id__in=pallets, parent__kind="module")
        .exclude(parent_id__in=cluster.items.values("unit_id"))
        .values_list("parent_id", "parent__code")
        .order_by("parent_id")
    )
    # spread over the whole production shipped to the customer: the window (±7 days
    # around the failing modules, on their lines) then covers most of the data set
    candidates = list(shipped)
    want = max(0, 500 - cluster.items.count())
    step = max(1, len(candidates) // max(1, want))
    extra = candidates[::step][:want]
    with transaction.atomic():
        big = Complaint.objects.create(
            number="BENCH-500",
            customer_id=cluster.customer_id,
            title="Bench: 500 serials",
            reported_by=cluster.reported_by,
        )
        ComplaintItem.objects.bulk_create(
            [
                ComplaintItem(complaint=big, serial=i.serial, unit_id=i.unit_id, symptom=i.symptom)
                for i in cluster.items.all()
            ]
            + [
                ComplaintItem(complaint=big, serial=code, unit_id=pk, symptom="DELAM")
                for pk, code in extra
            ]
        )
    return big


def synthetic_bench(big) -> None:  # type: ignore[no-untyped-def]
    """500 serials against 100,000 modules: a synthetic plant (``synthetic_plant``) and a
    complaint of 400 modules of one encapsulant lot plus 100 others, drawn at random."""
    from django.db import transaction

    from qdm.service.models import Complaint, ComplaintItem

    complaint = Complaint.objects.filter(number="BENCH-100K").first()
    if complaint is None:
        t0 = time.perf_counter()
        modules = synthetic_plant(N + FAILING)
        rng = np.random.default_rng(7)
        lot = LOT_SIZES["ENC"]
        bad = np.arange(42 * lot, min(43 * lot, len(modules)))
        others = np.setdiff1d(np.arange(len(modules)), bad)
        pick = np.concatenate(
            [rng.choice(bad, 400, replace=False), rng.choice(others, FAILING - 400, False)]
        )
        with transaction.atomic():
            complaint = Complaint.objects.create(
                number="BENCH-100K",
                customer_id=big.customer_id,
                title="Bench: 500 serials against 100,000 modules",
                reported_by=big.reported_by,
            )
            ComplaintItem.objects.bulk_create(
                [
                    ComplaintItem(
                        complaint=complaint,
                        serial=modules[i][1],
                        unit_id=modules[i][0],
                        symptom="DELAM",
                    )
                    for i in pick.tolist()
                ]
            )
        print(
            f"  synthetic plant: {len(modules):,} modules (the demo's module lines, 30 days, "
            f"2 cell lots ← wafer lot ← ingot ← poly lot, 6 material lots, a flash test each) "
            f"inserted in "
            f"{time.perf_counter() - t0:.0f} s"
        )
    timed("synthetic plant, 500 serials (400 of lot SYN-ML-ENC-0042)", complaint)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db-scale",
        choices=["small", "medium", "none"],
        default="small",
        help="demo scale of the database measurement (none: skip it)",
    )
    parser.add_argument(
        "--db-dir",
        default=None,
        help="keep the database in this folder (default: a throw-away temporary folder)",
    )
    parser.add_argument(
        "--no-synthetic",
        action="store_true",
        help="skip the synthetic plant of 100,000 modules (500 against 100,000 through the DB)",
    )
    args = parser.parse_args()
    main()
    if args.db_scale != "none":
        db_bench(args.db_scale, args.db_dir, not args.no_synthetic)
