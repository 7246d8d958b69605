"""``qdm kpis compute [--date D] [--days N] [--site CODE] [--kpi CODE ...]``: materialise
the cockpit KPIs (site values per day, ISO week and month; line, product and group values).

Run it daily from cron (or enqueue ``qdm.cockpit.tasks.compute_kpis_task``); recomputing a
day replaces its rows, so running it twice is harmless.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.cockpit.services import KpiError, compute_kpis


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Cockpit KPIs. 'compute' recomputes the day values (and their months)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["compute"])
        parser.add_argument("--date", help="last day to compute (default: yesterday)")
        parser.add_argument("--days", type=int, default=1, help="number of days (default 1)")
        parser.add_argument("--site", help="site code (default: every site)")
        parser.add_argument(
            "--kpi", action="append", help="KPI code (repeatable; default: every KPI)"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        day = _date(options["date"]) if options.get("date") else None
        try:
            result = compute_kpis(day, options["days"], options.get("site"), options.get("kpi"))
        except KpiError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.days} days × {len(result.sites)} sites: "
            f"{result.day_rows} day values, {result.week_rows} week values, "
            f"{result.month_rows} month values, {result.breakdown_rows} line/product/group values"
        )
