"""IQC on receipt: the sample size follows the switching severity, the verdict moves the
switching state, a rejection holds the lot and opens an NC; bad input is refused."""

from __future__ import annotations

import pytest

from qdm.quality.sampling import plan as iso_plan
from qdm.supplier.models import Receipt, SwitchingEvent, SwitchingState
from qdm.supplier.services.common import SupplierError
from tests.personas import World
from tests.supplier.builders import glass, judge, receive, setup_iqc

pytestmark = pytest.mark.django_db


def test_receipt_opens_an_iqc_lot_sampled_on_normal(world: World) -> None:
    setup_iqc(world)
    receipt = receive(world, quantity=500)
    # ISO 2859-1 Table I: 281-500, level II → H; Table II-A row H, AQL 0.65 is an arrow
    # down to J: n = 80, Ac 1, Re 2
    assert (receipt.code_letter, receipt.sample_size, receipt.accept_number) == ("H", 80, 1)
    assert receipt.severity == "normal" and receipt.status == "in_inspection"
    assert receipt.inspection_lot.reference == receipt.number
    assert receipt.unit.supplier == world.supplier_x and receipt.unit.code == receipt.number


def test_accepted_lot_updates_receipt_and_switching_history(world: World) -> None:
    setup_iqc(world)
    receipt = judge(world, receive(world), bad=1)  # 1 ≤ Ac 1
    assert receipt.status == "accepted" and receipt.nonconforming == 1
    state = SwitchingState.objects.get(supplier=world.supplier_x, material=glass())
    assert state.severity == "normal"
    # ISO 2859-1 9.3.3.2: Ac 1 → +2 per accepted lot
    assert state.switching_score == 2
    [event] = SwitchingEvent.objects.filter(switching=state)
    assert event.receipt == receipt and event.accepted is True


def test_two_rejections_in_five_tighten_and_the_next_lot_uses_the_tightened_plan(
    world: World,
) -> None:
    setup_iqc(world)
    first = judge(world, receive(world), bad=2)
    assert first.status == "rejected"
    assert first.nonconformity is not None and first.inspection_lot.hold is not None
    assert first.inspection_lot.hold.status == "on_hold"
    judge(world, receive(world, supplier_lot="L2"), bad=0)
    third = judge(world, receive(world, supplier_lot="L3"), bad=3)
    assert third.status == "rejected"
    state = SwitchingState.objects.get(supplier=world.supplier_x, material=glass())
    assert state.severity == "tightened"
    assert state.events.last().reason == "2 of 5 or fewer consecutive lots not accepted"
    nxt = receive(world, supplier_lot="L4")
    expected = iso_plan(500, "0.65", "II", "tightened")
    assert nxt.severity == "tightened"
    assert (nxt.sample_size, nxt.accept_number) == (expected.sample_size, expected.ac)
    # the engine samples the lot under the same plan: one more sample is refused
    from qdm.manufacturing.services.inspection import InspectionError, record_results

    with pytest.raises(InspectionError, match=f"not between 1 and {expected.sample_size}"):
        record_results(
            nxt.inspection_lot,
            [{"characteristic": "IQC-GLS-VIS", "sample": expected.sample_size + 1, "result": "ok"}],
            actor=world.user("eng_a"),
        )


def test_switching_is_per_supplier(world: World) -> None:
    setup_iqc(world)
    judge(world, receive(world), bad=2)
    judge(world, receive(world, supplier_lot="L2"), bad=2)
    assert receive(world, supplier=world.supplier_y, supplier_lot="Y1").severity == "normal"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"quantity": 1}, "quantity"),
        ({"supplier_lot": ""}, "supplier_lot"),
    ],
)
def test_bad_receipts_are_refused_and_nothing_is_saved(
    world: World, change: dict, message: str
) -> None:
    setup_iqc(world)
    with pytest.raises(SupplierError, match=message):
        receive(world, **change)
    assert Receipt.objects.count() == 0


def test_not_on_the_asl_is_refused(world: World) -> None:
    from qdm.supplier.models import ApprovedMaterial

    setup_iqc(world)
    ApprovedMaterial.objects.filter(supplier=world.supplier_x).delete()
    with pytest.raises(SupplierError, match="not on the approved supplier list"):
        receive(world)
    assert Receipt.objects.count() == 0


def test_no_iqc_plan_is_refused(world: World) -> None:
    setup_iqc(world)
    with pytest.raises(SupplierError, match="No released IQC plan"):
        receive(world, place="B")
    assert Receipt.objects.count() == 0
