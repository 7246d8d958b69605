"""COA upload by the supplier and the comparison with our IQC thickness measurements."""

from __future__ import annotations

import pytest
from django.test import TestCase

from qdm.core.workflow import transition
from qdm.manufacturing.services.inspection import create_plan, record_results, save_plan_line
from qdm.supplier.models import CoaValue
from qdm.supplier.services.coa import compare_coa, upload_coa
from qdm.supplier.services.common import SupplierError
from tests.manufacturing.test_inspection_builders import glass_characteristics
from tests.personas import PASSWORD, World
from tests.supplier.builders import approve, glass, receive, visual

pytestmark = pytest.mark.django_db

COA = [3.10, 3.15, 3.20, 3.25, 3.30, 3.18]


def plan_with_thickness(world: World) -> None:
    thickness, _visual = glass_characteristics()
    actor = world.user("cqo")
    plan = create_plan(
        actor=actor,
        code="IQC-COA",
        name="IQC glass",
        stage="iqc",
        site=world.site_a,
        material=glass(),
    )
    save_plan_line(
        actor=actor,
        plan=plan,
        sequence=10,
        characteristic=visual(),
        sampling="iso2859",
        aql="0.65",
        inspection_level="II",
    )
    save_plan_line(
        actor=actor,
        plan=plan,
        sequence=20,
        characteristic=thickness,
        sampling="fixed",
        sample_size=3,
    )
    transition(plan, "release", actor=actor, password=PASSWORD, reason="ok")
    approve(world, world.supplier_x, glass())


def inspected(world: World, index: int, ours: float) -> object:
    receipt = receive(world, supplier_lot=f"COA-{index}")
    rows = [
        {"characteristic": "IQC-GLS-VIS", "sample": i, "result": "ok"}
        for i in range(1, receipt.sample_size + 1)
    ]
    rows += [{"characteristic": "IQC-GLS-THK", "sample": i, "result": ours} for i in (1, 2, 3)]
    record_results(receipt.inspection_lot, rows, actor=world.user("eng_a"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        transition(receipt.inspection_lot, "complete", actor=world.user("eng_a"))
    return receipt


def test_bias_and_correlation_decide_whether_the_coa_is_trusted(world: World) -> None:
    plan_with_thickness(world)
    thickness, _ = glass_characteristics()
    supplier = world.user("supplier_x")
    for i, value in enumerate(COA):
        # we measure every lot 0.02 mm thicker than the supplier's COA says
        receipt = inspected(world, i, round(value + 0.02, 2))
        upload_coa(receipt, actor=supplier, text=f"IQC-GLS-THK, {value}")
        if i == 3:
            early = compare_coa(world.supplier_x, glass(), thickness)
            assert early.lots == 4 and early.trusted is False  # fewer than 5 lots
    result = compare_coa(world.supplier_x, glass(), thickness)
    assert result.lots == 6
    # bias = mean(ours − COA) = 0.02; a pure shift correlates perfectly (r = 1)
    assert result.bias == pytest.approx(0.02)
    assert result.correlation == pytest.approx(1.0)
    # limit = 10 % of the specification width (3.4 − 3.0) = 0.04 ≥ |0.02| → trusted
    assert result.bias_limit == pytest.approx(0.04)
    assert result.trusted is True


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "No COA values"),
        ("IQC-GLS-THK", "expected CHARACTERISTIC VALUE"),
        ("IQC-GLS-THK thick", "not a number"),
        ("IQC-GLS-THK nan", "not a number"),
        ("NO-SUCH 3.2", "Unknown characteristics: NO-SUCH"),
        ("IQC-GLS-VIS 1", "attributes"),
    ],
)
def test_bad_coa_is_refused_and_nothing_saved(world: World, text: str, message: str) -> None:
    plan_with_thickness(world)
    receipt = receive(world)
    with pytest.raises(SupplierError, match=message):
        upload_coa(
            receipt,
            actor=world.user("supplier_x"),
            text=f"IQC-GLS-THK 3.2\n{text}" if "NO-SUCH" in text else text,
        )
    assert CoaValue.objects.count() == 0


def test_an_engineer_without_the_permission_cannot_upload(world: World) -> None:
    plan_with_thickness(world)
    receipt = receive(world)
    with pytest.raises(SupplierError, match="may not"):
        upload_coa(receipt, actor=world.user("eng_a"), text="IQC-GLS-THK 3.2")
    assert CoaValue.objects.count() == 0
