"""``qdm spc-evaluate [--config ID]``: evaluate new measurements on active SPC charts (cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.manufacturing.choices import ChartStatus
from qdm.manufacturing.models import SpcChartConfig
from qdm.manufacturing.services.spc import evaluate_new_points


class Command(BaseCommand):
    help = (
        "Evaluate the measurements that arrived since the last run on every active SPC chart "
        "(or one), record the violations and send the alerts."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--config", type=int, help="only this chart (its id)")

    def handle(self, *args: Any, config: int | None = None, **options: Any) -> None:
        charts = SpcChartConfig.objects.filter(status=ChartStatus.ACTIVE).order_by("pk")
        if config is not None:
            charts = SpcChartConfig.objects.filter(pk=config)
            if not charts.exists():
                raise CommandError(f"no SPC chart with id {config}")
            if charts[0].status != ChartStatus.ACTIVE:
                raise CommandError(f"SPC chart {config} is not active (its limits are not frozen)")
        total = 0
        for chart in charts:
            found = evaluate_new_points(chart)
            total += len(found)
            if found or options["verbosity"] > 1:
                self.stdout.write(f"{chart.pk} {chart.name}: {len(found)} new violation(s)")
        self.stdout.write(f"{charts.count()} chart(s) evaluated, {total} new violation(s)")
