"""The demo's SPC part on a small generated history: charts frozen and evaluated, the first
one holding what was made since the last good point, acknowledged alerts, the IQC chart
(supplier × material) and a hold that follows the genealogy; running it again changes
nothing."""

from __future__ import annotations

from datetime import date

import pytest

from qdm.core.demo import build_kernel
from qdm.data.generator import generate
from qdm.data.seeds import seed_all
from qdm.manufacturing.demo import build
from qdm.manufacturing.models import Hold, SpcChartConfig, SpcViolation

pytestmark = pytest.mark.django_db


def test_demo_spc_reaction_iqc_chart_and_downstream_hold() -> None:
    ctx = build_kernel(scale="small", seed=7)
    seed_all(ctx.sites, ctx.customers)
    generate(ctx, days=10, modules_per_day=40, end=date(2026, 3, 1))
    build(ctx)
    print("\n".join(ctx.log))
    assert SpcChartConfig.objects.filter(status="active", line__isnull=False).count() >= 3
    # ten days of 40 modules hold too few glass / EVA lots per supplier for an IQC chart
    # (test_spc_iqc.py runs that part on its own data)
    assert "IQC SPC chart: not enough incoming lots" in ctx.log
    spc_hold = Hold.objects.get(source="spc")
    assert spc_hold.units.exists() and spc_hold.nonconformity.source == "spc"
    assert SpcViolation.objects.filter(hold=spc_hold).exists()
    assert SpcViolation.objects.filter(acknowledged_at__isnull=False).exists()
    assert SpcViolation.objects.filter(acknowledged_at__isnull=True).exists()
    downstream = Hold.objects.get(include_downstream=True)
    assert downstream.downstream_count > 0
    assert downstream.units.count() == downstream.downstream_count + 1
    counts = (
        SpcChartConfig.objects.count(),
        SpcViolation.objects.count(),
        Hold.objects.count(),
    )
    build(ctx)
    assert counts == (
        SpcChartConfig.objects.count(),
        SpcViolation.objects.count(),
        Hold.objects.count(),
    )
