"""The integrated-management-system demo builds on the kernel's demo and the NC/CAPA demo."""

from __future__ import annotations

import datetime

import pytest

from qdm.core.demo import build_kernel
from qdm.system import demo
from qdm.system.models import (
    Audit,
    Certificate,
    Finding,
    ManagementReview,
    ManagementSystem,
    Process,
)
from qdm.system.services.ims import coverage

pytestmark = pytest.mark.django_db


def test_the_demo_builds_a_complete_ims() -> None:
    ctx = build_kernel(scale="small", seed=2026)
    demo.build(ctx)
    assert Process.objects.count() == 16
    matrix = coverage(Process.objects.order_by("code"), ManagementSystem.objects.order_by("code"))
    gaps = {s.code: [c.number for c in matrix.gaps[s.pk]] for s in matrix.systems}
    assert gaps["ISO50001"] == ["6.6"]
    assert sum(len(g) for g in gaps.values()) == 1
    soon = Certificate.objects.filter(site=ctx.sites["VN1"]).values_list("expires_on", flat=True)
    assert soon and {(d - datetime.date.today()).days for d in soon} <= {44, 45, 46}
    closed = Audit.objects.get(status="closed")
    kinds = sorted(Finding.objects.filter(audit=closed).values_list("kind", flat=True))
    assert kinds == ["minor", "observation", "ofi"]
    assert Finding.objects.get(kind="minor").nonconformity.source == "internal_audit"
    review = ManagementReview.objects.get()
    assert review.status == "held" and review.actions.count() == 2
    assert review.inputs["audits"]["count"] == 1
    assert review.inputs["process_performance"]["nonconformities"] >= 1
    demo.build(ctx)  # running it again changes nothing
    assert Process.objects.count() == 16 and Audit.objects.count() == 2
