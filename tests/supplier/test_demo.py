"""The supplier demo: every category has a supplier, receipts with a realistic rejection
rate, one supplier on tightened, SCARs in every response state, scorecards, portal users;
running it again changes nothing."""

from __future__ import annotations

import pytest

from qdm.core.demo import DEMO_PASSWORD, build_kernel
from qdm.core.models import User
from qdm.data.models import MaterialCategory
from qdm.data.seeds import seed_all
from qdm.supplier.demo import build
from qdm.supplier.models import (
    Certificate,
    Receipt,
    ScarRequest,
    Scorecard,
    SupplierProfile,
    SwitchingState,
)

pytestmark = pytest.mark.django_db


def test_supplier_demo() -> None:
    ctx = build_kernel(scale="small", seed=11)
    seed_all(ctx.sites, ctx.customers)
    build(ctx)
    categories = set(SupplierProfile.objects.values_list("categories__code", flat=True).distinct())
    assert set(MaterialCategory.objects.values_list("code", flat=True)) <= categories
    receipts = Receipt.objects.count()
    rejected = Receipt.objects.filter(status="rejected").count()
    assert receipts >= 100 and Receipt.objects.filter(status="in_inspection").count() == 0
    assert 0.01 <= rejected / receipts <= 0.06, (rejected, receipts)
    tightened = SwitchingState.objects.filter(severity="tightened")
    assert "SUP-GLS2" in {s.supplier.code for s in tightened}
    assert set(ScarRequest.objects.values_list("response_status", flat=True)) == {
        "awaiting",
        "submitted",
        "returned",
        "accepted",
    }
    assert Scorecard.objects.exists()
    assert Certificate.objects.filter(kind="ul").exists()
    assert Receipt.objects.exclude(origin_lot="").filter(material__category__code="WAFER").exists()
    assert User.objects.get(username="supplier.gls2").check_password(DEMO_PASSWORD)
    assert SupplierProfile.objects.get(supplier__code="SUP-GLS3").approval_status == "candidate"
    counts = (Receipt.objects.count(), ScarRequest.objects.count(), Scorecard.objects.count())
    build(ctx)
    assert counts == (
        Receipt.objects.count(),
        ScarRequest.objects.count(),
        Scorecard.objects.count(),
    )
