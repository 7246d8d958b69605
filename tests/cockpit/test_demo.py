"""The cockpit's demo step materialises KPI values over the history it finds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from qdm.cockpit import demo
from qdm.cockpit.models import KpiValue
from qdm.manufacturing.models import InspectionLot
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan
from tests.personas import World

pytestmark = pytest.mark.django_db


@dataclass
class Ctx:
    log: list[str] = field(default_factory=list)


def test_demo_step_computes_from_the_first_record_and_is_idempotent(world: World) -> None:
    ctx = Ctx()
    demo.build(ctx)
    assert ctx.log == [
        "Cockpit: no production history, no KPI computed.",
        "Cockpit: no responsibility matrix, no quality goals.",
    ]
    noon = time(12, tzinfo=ZoneInfo("Asia/Shanghai"))  # site A's time zone
    at = datetime.combine(timezone.localdate() - timedelta(days=10), noon)
    InspectionLot.objects.create(
        number="IQC-DEMO-1", plan=glass_plan(world, "A"), site=world.site_a,
        unit=glass_lot(world, "A"), quantity=1000, inspected_at=at, verdict="pass",
        status="completed", inspector=world.user("eng_a"),
    )  # fmt: skip
    demo.build(ctx)
    first = sorted(
        KpiValue.objects.values_list("kpi", "site_id", "granularity", "period_start", "value")
    )
    lot_day = at.date()
    row = KpiValue.objects.get(
        kpi="iqc_acceptance", site=world.site_a, granularity="day", period_start=lot_day
    )
    assert (row.value, row.numerator, row.denominator) == (100.0, 1.0, 1.0)
    demo.build(ctx)
    assert (
        sorted(
            KpiValue.objects.values_list("kpi", "site_id", "granularity", "period_start", "value")
        )
        == first
    )
