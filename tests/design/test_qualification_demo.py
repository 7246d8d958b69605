"""The qualification demo: programmes with results whose verdicts follow from the encoded
criteria (pv-reference.md §4.1: ≤ 5 % per sequence; one failed module → retest), two
certificates (one inside the 90-day expiry horizon) and a material change in assessment."""

from __future__ import annotations

import pytest

from qdm.core.demo import build_kernel
from qdm.core.signatures import signatures_for
from qdm.data.seeds import seed_all
from qdm.design import demo_qualification as demo
from qdm.design.models import Certificate, ChangeRequest, QualificationProgramme
from qdm.design.services.qualification import expiring_certificates, programme_verdict

pytestmark = pytest.mark.django_db


def test_demo_qualification_is_realistic_and_idempotent() -> None:
    ctx = build_kernel(scale="small", seed=7)
    seed_all(ctx.sites, ctx.customers)
    demo.build_qualification(ctx)
    full = QualificationProgramme.objects.get(title=demo.TITLE_61215)
    assert full.status == "completed" and full.verdict == "pass"
    assert signatures_for(full).get().meaning == "approved"
    kinds = set(full.sequences.values_list("kind", flat=True))
    assert {"uv", "tc200", "dh1000", "pid", "dml", "hot_spot", "bypass_diode"} == kinds
    assert full.samples.count() == 14
    assert {"ENC-EPE", "ENC-POE", "GLS-AR-2.0"} <= set(
        full.materials.values_list("code", flat=True)
    )
    safety = QualificationProgramme.objects.get(title=demo.TITLE_61730)
    assert safety.verdict == "pass" and safety.standard == "iec61730:2023"
    bom_b = QualificationProgramme.objects.get(title=demo.TITLE_BOM_B)
    verdict = programme_verdict(bom_b)
    assert bom_b.status == "testing" and verdict.verdict == "retest"
    dh = next(s for s in verdict.sequences if s.sequence.kind == "dh1000")
    assert dh.verdict == "retest" and dh.samples[0].loss_pct == pytest.approx(5.6, abs=0.01)
    assert "ENC-EVA-T" in set(bom_b.materials.values_list("code", flat=True))
    cqo = ctx.users["cqo"]
    assert [c.number for c, *_ in expiring_certificates(cqo)] == ["PV 50531878"]
    change = ChangeRequest.objects.get(title=demo.CHANGE_TITLE)
    assert change.status == "assessment"
    areas = set(change.impacts.values_list("area", flat=True))
    assert {"programme", "certificate"} <= areas
    counts = (
        QualificationProgramme.objects.count(),
        Certificate.objects.count(),
        ChangeRequest.objects.count(),
    )
    demo.build_qualification(ctx)
    assert counts == (
        QualificationProgramme.objects.count(),
        Certificate.objects.count(),
        ChangeRequest.objects.count(),
    )
