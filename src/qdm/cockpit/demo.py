"""Demo step of the cockpit (runs last, after every platform): materialise the KPI values
over the demo history — from the first flash test (or IQC lot) to today (the demo's
alerts and findings were raised today), at most two years — so that the landing tiles,
the cross-site view and their trends have data.

Idempotent: recomputing a day replaces its rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.utils import timezone

from qdm.cockpit.demo_alerts import build_alerts
from qdm.cockpit.demo_copq import build_copq
from qdm.cockpit.demo_goals import build_goals
from qdm.cockpit.services import MAX_DAYS, compute_kpis
from qdm.data.models import FlashTest
from qdm.manufacturing.models import InspectionLot


def build(ctx: Any) -> None:
    build_kpis(ctx)
    build_goals(ctx)
    build_copq(ctx)
    build_alerts(ctx)


def build_kpis(ctx: Any) -> None:
    firsts = [
        FlashTest.objects.aggregate(m=Min("tested_at"))["m"],
        InspectionLot.objects.aggregate(m=Min("inspected_at"))["m"],
    ]
    firsts = [timezone.localdate(f) for f in firsts if f is not None]
    today = timezone.localdate()
    if not firsts:
        ctx.log.append("Cockpit: no production history, no KPI computed.")
        return
    n_days = min(MAX_DAYS, max(1, (today - min(firsts)).days + 1))
    result = compute_kpis(today, n_days)
    ctx.log.append(
        f"Cockpit: {result.day_rows} daily and {result.month_rows} monthly KPI values "
        f"for {len(result.sites)} sites over {result.days} days."
    )
