"""KPI recomputation timing: one day of every cockpit KPI for all sites (prints figures,
asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_cockpit.py [--scale small|medium] [--runs 3]``

A throw-away SQLite database in a temporary folder gets its tables from the models (and the
management-system catalogue) and is loaded with ``qdm demo``
(every platform's demo; the demo's own KPI computation included). Then ``compute_kpis`` for
the last demo day (yesterday) over every site is timed ``--runs`` times — what the nightly
``qdm kpis compute`` does: every KPI's day rows, the line / product / group breakdowns and
the roll-up of the ISO week and the month, and the span KPIs (medians, Cpk) recomputed for
their whole week and month — with the time of each KPI (one run, per KPI) and the incremental
week of seven days.

Target (issue 10): recomputing a day of KPIs for all sites under 10 s on the medium data set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def setup_django(folder: Path) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    os.environ["QDM_TASKS_BACKEND"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    # the tables straight from the models (as ``pytest --nomigrations`` does), so that the
    # bench runs while models of the work in progress have no migration yet; then the one
    # seed data migration (the management-system catalogue)
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    load_catalog(ManagementSystem, Clause)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium"], default="small")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.core.management import call_command
        from django.utils import timezone

        from qdm.cockpit.kpis import REGISTRY
        from qdm.cockpit.models import KpiBreakdown, KpiValue
        from qdm.cockpit.services import compute_kpis
        from qdm.core.models import Site
        from qdm.data.models import ElResult, FlashTest

        start = time.perf_counter()
        call_command("demo", scale=args.scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"demo data ({args.scale}) loaded in {time.perf_counter() - start:.1f} s")
        print(
            f"  sites {Site.objects.count()}, flash tests {FlashTest.objects.count()}, "
            f"EL results {ElResult.objects.count()}, KPI values {KpiValue.objects.count()}, "
            f"breakdown values {KpiBreakdown.objects.count()}"
        )
        day = timezone.localdate() - timedelta(days=1)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = compute_kpis(day, 1)
            times.append(time.perf_counter() - t0)
        print(
            f"one day ({day}) × {len(result.sites)} sites × {len(REGISTRY)} KPIs: "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s "
            f"over {args.runs} runs (target < 10 s)"
        )
        print(
            f"  rows written: {result.day_rows} day, {result.week_rows} week, "
            f"{result.month_rows} month, {result.breakdown_rows} line/product/group"
        )
        per_kpi = []
        for code in REGISTRY:
            t0 = time.perf_counter()
            compute_kpis(day, 1, kpi_codes=[code])
            per_kpi.append((time.perf_counter() - t0, code))
        print("  per KPI (slowest first):")
        for seconds, code in sorted(per_kpi, reverse=True):
            print(f"    {code:<26} {seconds * 1000:8.0f} ms")
        t0 = time.perf_counter()
        compute_kpis(day, 7)
        print(f"the nightly catch-up (7 days, all sites): {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
