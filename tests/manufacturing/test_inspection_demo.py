"""The demo's inspection / hold / MRB / OQC part on a small generated history: the glass
lot fails, the NC and hold exist, MRB "return to supplier" is e-signed; running it again
changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from qdm.core.demo import build_kernel
from qdm.core.signatures import signatures_for
from qdm.data.generator import generate
from qdm.data.seeds import seed_all
from qdm.manufacturing.demo import build_quality
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    ModuleRelease,
    MrbDisposition,
)

pytestmark = pytest.mark.django_db


def test_demo_quality_part_is_realistic_and_idempotent() -> None:
    ctx = build_kernel(scale="small", seed=7)
    seed_all(ctx.sites, ctx.customers)
    generate(ctx, days=1, modules_per_day=60, end=date(2026, 3, 1))
    build_quality(ctx)
    lot = InspectionLot.objects.get()
    assert lot.verdict == "fail" and lot.nonconformity.source == "iqc"
    hold = lot.hold
    assert hold.status == "dispositioned"
    disposition = MrbDisposition.objects.get()
    assert disposition.decision == "return" and disposition.status == "approved"
    assert signatures_for(disposition).get().meaning == "approved"
    assert BinningRule.objects.count() >= 1
    assert ModuleRelease.objects.filter(status="released").exists()
    counts = (InspectionLot.objects.count(), Hold.objects.count(), ModuleRelease.objects.count())
    build_quality(ctx)
    assert counts == (
        InspectionLot.objects.count(),
        Hold.objects.count(),
        ModuleRelease.objects.count(),
    )
