"""Builders for the SPC tests: a characteristic, its measurements on a line, a chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from qdm.core.models import Line
from qdm.data.models import Characteristic, Measurement
from qdm.manufacturing.models import SpcChartConfig
from qdm.manufacturing.services.spc import create_chart_config
from tests.personas import World

#: the baseline period of every test chart: 20 to 10 days ago, one point per hour
BASELINE_DAYS = (20, 10)


def lam_temp() -> Characteristic:
    char, _ = Characteristic.objects.get_or_create(
        code="MOD-LAM-TEMP",
        defaults={
            "name": "层压温度",
            "name_en": "Laminator temperature",
            "kind": "process",
            "stage": "module",
            "unit": "°C",
        },
    )
    return char


def line_of(world: World, place: str) -> Line:
    return world.line_a if place == "A" else world.line_b


def add_measurements(
    line: Line,
    char: Characteristic,
    values: Sequence[float],
    start: datetime,
    step_minutes: int = 60,
) -> list[datetime]:
    """One measurement per ``step_minutes`` from ``start``; returns their times."""
    times = [start + timedelta(minutes=step_minutes * i) for i in range(len(values))]
    Measurement.objects.bulk_create(
        Measurement(
            characteristic=char,
            subject=f"{line.code}-LAM-{t:%Y%m%d%H%M}",
            measured_at=t,
            value=float(v),
            site=line.workshop.site,
            line=line,
        )
        for t, v in zip(times, values, strict=True)
    )
    return times


def baseline_period() -> tuple[datetime, datetime]:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now - timedelta(days=BASELINE_DAYS[0]), now - timedelta(days=BASELINE_DAYS[1])


def make_chart(world: World, place: str = "A", actor: Any = None, **extra: Any) -> SpcChartConfig:
    start, end = baseline_period()
    fields = {
        "name": f"LAM-TEMP {line_of(world, place).code} I-MR",
        "characteristic": lam_temp(),
        "line": line_of(world, place),
        "chart_type": "imr",
        "subgroup_size": 1,
        "rule_set": "nelson",
        "baseline_from": start,
        "baseline_to": end,
        **extra,
    }
    return create_chart_config(
        actor=actor or world.user("eng_a" if place == "A" else "eng_b"), **fields
    )
