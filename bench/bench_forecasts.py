"""Cockpit timings of issue 10 on the demo data set: a day of KPIs for all sites, the COPQ
forecasts of all sites and the year-end forecasts of all goals (prints figures, asserts
nothing).

Run: ``PYTHONPATH=src python bench/bench_forecasts.py [--scale small|medium] [--runs 3]
[--db-dir DIR] [--profile]``

The database is SQLite in ``--db-dir`` (default: a throw-away temporary folder), migrated and
loaded with ``qdm demo --scale …`` (every platform's demo, the cockpit's KPI values, cost
records and goals included). With ``--db-dir`` the loaded database is kept and a later run
reuses it as it is (a marker file records the scale loaded), so the medium data set is built
once. Three timings, each the median of ``--runs`` runs:

a. ``compute_kpis`` of the last demo day (yesterday) over every site — what the nightly
   ``qdm kpis compute`` does for a day (day rows, breakdowns, week / month roll-ups, span
   KPIs). Target: under 10 s.
b. ``forecast_copq`` of every site alone, for the 12 months after this month, each with its
   backtests and the warranty part (service's Weibull returns forecast) — what the COPQ page
   computes per site; the group's forecast (all sites together, the CQO's view) is timed
   once beside. Target: all sites under 30 s.
c. ``measure_goal`` (actual, status, year-end forecast) of every goal of this year.

``--profile`` prints the top functions (cProfile, cumulative time) of one run of each step.

Target (issue 10): on the medium data set, a day of KPIs for all sites under 10 s and the
forecasts for all sites under 30 s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def setup_django(folder: Path) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    os.environ["QDM_TASKS_BACKEND"] = "immediate"
    os.environ.setdefault("QDM_LOG_LEVEL", "WARNING")  # not a line per demo notification
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


def load_demo(folder: Path, scale: str) -> None:
    """``qdm demo --scale`` once per folder: a marker file names the scale loaded."""
    from django.core.management import call_command

    marker = folder / "demo-loaded.txt"
    if marker.exists():
        loaded = marker.read_text().strip()
        if loaded != scale:
            raise SystemExit(f"{folder} holds the {loaded} demo, not {scale}: use another --db-dir")
        print(f"demo data ({scale}) kept from an earlier run in {folder}")
        return
    start = time.perf_counter()
    call_command("demo", scale=scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
    marker.write_text(scale)
    print(f"demo data ({scale}) loaded in {time.perf_counter() - start:.0f} s into {folder}")


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return seconds, result


def verdict(seconds: list[float], target: float | None) -> str:
    median = statistics.median(seconds)
    spread = f"min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)}"
    text = f"median {median:.2f} s ({spread})"
    if target is None:
        return text
    return f"{text}; target < {target:g} s: {'meets' if median < target else 'MISSES'}"


def profile(fn: Callable[[], Any], top: int = 25) -> None:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    print("\n".join("      " + ln for ln in out.getvalue().splitlines()[4:] if ln.strip()))


def bench_kpis(runs: int, with_profile: bool) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from qdm.cockpit.kpis import REGISTRY
    from qdm.cockpit.services import compute_kpis

    day = timezone.localdate() - timedelta(days=1)
    seconds, result = timed(lambda: compute_kpis(day, 1), runs)
    print(
        f"(a) one day ({day}) of {len(REGISTRY)} KPIs × {len(result.sites)} sites: "
        f"{verdict(seconds, 10)}"
    )
    print(
        f"    rows written: {result.day_rows} day, {result.week_rows} week, "
        f"{result.month_rows} month, {result.breakdown_rows} line/product/group"
    )
    if with_profile:
        profile(lambda: compute_kpis(day, 1))


def bench_copq(runs: int, with_profile: bool) -> None:
    from django.utils import timezone

    from qdm.cockpit.copq import reporting_currency
    from qdm.cockpit.copq_forecast import forecast_copq
    from qdm.core.models import Site
    from qdm.utilities.periods import month_start

    sites = list(Site.objects.order_by("code"))
    last = month_start(timezone.localdate())
    currency = reporting_currency()

    def every_site(show: bool = False) -> list[Any]:
        out = []
        for s in sites:
            t0 = time.perf_counter()
            out.append(forecast_copq([s], last, currency))
            if show:
                print(f"    {s.code:<8} {time.perf_counter() - t0:7.2f} s", flush=True)
        return out

    print("(b) first run, site by site:", flush=True)
    first, forecasts = timed(lambda: every_site(show=True), 1)
    seconds = first + timed(every_site, runs - 1)[0]
    print(
        f"(b) COPQ 12-month forecasts after {last:%Y-%m} ({currency}), each of "
        f"{len(sites)} sites alone: {verdict(seconds, 30)}"
    )
    for site, fc in zip(sites, forecasts, strict=True):
        w = fc.warranty
        what = (
            f"method {fc.series.method}, backtest MAE {fc.series.backtest_mae:,.0f}"
            if fc.series
            else f"no forecast ({fc.error})"
        )
        warranty = (
            f"warranty {sum(w.values):,.0f} over 12 months (backtest MAE "
            f"{w.backtest_mae if w.backtest_mae is None else f'{w.backtest_mae:,.0f}'}, "
            f"{w.n_failures} failures, {w.n_running:,} running)"
            if w.values
            else f"warranty in the series ({w.reason})"
        )
        print(f"    {site.code:<8} {len(fc.history):2d} months of history; {what}; {warranty}")
    group, _ = timed(lambda: forecast_copq(sites, last, currency), 1)
    print(f"    the group (all {len(sites)} sites together, one run): {verdict(group, None)}")
    if with_profile:
        profile(every_site)


def bench_goals(runs: int, with_profile: bool) -> None:
    from django.utils import timezone

    from qdm.cockpit.models import QualityGoal
    from qdm.cockpit.services_goals import measure_goal

    year = timezone.localdate().year
    goals = list(QualityGoal.objects.filter(year=year).order_by("code"))

    def every_goal() -> list[Any]:
        return [measure_goal(g) for g in goals]

    seconds, measures = timed(every_goal, runs)
    forecasted = sum(1 for m in measures if m.forecast is not None)
    print(
        f"(c) goals of {year}: {len(goals)} measured, {forecasted} with a year-end forecast: "
        f"{verdict(seconds, None)} (part of the 'forecasts for all sites' < 30 s)"
    )
    if with_profile:
        profile(every_goal)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium"], default="small")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--db-dir",
        help="keep the database in this folder and reuse it when already loaded "
        "(default: a throw-away temporary folder)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one run of each step")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run SQLite's ANALYZE first (the planner's statistics; kept in the database)",
    )
    parser.add_argument(
        "--only",
        choices=["load", "kpis", "copq", "goals"],
        help="load the data only, or time one step only",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qdm-bench-forecasts-") as tmp:
        folder = Path(args.db_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        setup_django(folder)
        load_demo(folder, args.scale)
        if args.only == "load":
            return 0
        if args.analyze:
            from django.db import connection

            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"ANALYZE (the query planner's statistics) in {time.perf_counter() - t0:.1f} s")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        steps = {"kpis": bench_kpis, "copq": bench_copq, "goals": bench_goals}
        for name, step in steps.items():
            if args.only in (None, name):
                step(args.runs, args.profile)
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
