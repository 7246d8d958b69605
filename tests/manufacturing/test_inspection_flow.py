"""Inspection → nonconformity → hold → MRB disposition, with e-signatures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qdm.core.signatures import signatures_for
from qdm.core.workflow import TransitionError, transition
from qdm.manufacturing.models import Hold, InspectionLot, InspectionRecord, MrbDisposition
from qdm.manufacturing.services.holds import HoldError, propose_disposition
from qdm.manufacturing.services.inspection import (
    InspectionError,
    open_inspection_lot,
    record_results,
)
from qdm.system.models import Nonconformity
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db


def results(thickness: list[float], visual_fail: set[int] = frozenset(), n_visual: int = 8):
    rows = [
        {"characteristic": "IQC-GLS-THK", "sample": i + 1, "result": v}
        for i, v in enumerate(thickness)
    ]
    rows += [
        {
            "characteristic": "IQC-GLS-VIS",
            "sample": i,
            "result": "fail" if i in visual_fail else "ok",
        }
        for i in range(1, n_visual + 1)
    ]
    return rows


def inspected_lot(world: World, thickness: list[float], quantity: int = 100) -> InspectionLot:
    plan = glass_plan(world)
    unit = glass_lot(world, "A", code="GLS-LOT-A-001")
    lot = open_inspection_lot(actor=world.user("eng_a"), plan=plan, unit=unit, quantity=quantity)
    record_results(lot, results(thickness, n_visual=20), actor=world.user("eng_a"))
    return lot


def test_a_conforming_lot_passes_without_nc_or_hold(world: World) -> None:
    lot = inspected_lot(world, [3.18, 3.21, 3.22])
    transition(lot, "complete", actor=world.user("eng_a"))
    lot.refresh_from_db()
    assert lot.verdict == "pass"
    assert lot.nonconformity is None and lot.hold is None
    assert Hold.objects.count() == 0
    assert "IQC-GLS-VIS: 0 of 20 nonconforming (Ac 0)" in lot.verdict_summary


def test_the_iso_sample_size_comes_from_iso_2859(world: World) -> None:
    # lot of 100, level II → code letter F, n = 20; AQL 0.65 → arrow down to n = 20, Ac 0
    lot = inspected_lot(world, [3.2, 3.2, 3.2])
    with pytest.raises(InspectionError, match="sample “21” is not between 1 and 20"):
        record_results(
            lot,
            [{"characteristic": "IQC-GLS-VIS", "sample": 21, "result": "ok"}],
            actor=world.user("eng_a"),
        )


def test_failed_inspection_opens_nc_holds_and_mrb_dispositions_with_signature(
    world: World,
) -> None:
    lot = inspected_lot(world, [3.18, 3.45, 3.22])  # 3.45 > USL 3.4
    bad = InspectionRecord.objects.get(lot=lot, line__characteristic__code="IQC-GLS-THK", sample=2)
    assert bad.conforming is False and bad.usl == 3.4
    transition(lot, "complete", actor=world.user("eng_a"))
    lot.refresh_from_db()
    assert lot.verdict == "fail"
    nc = lot.nonconformity
    assert nc.number.startswith("NCR-SA-")
    assert nc.source == "iqc" and nc.lots == "GLS-LOT-A-001" and nc.supplier == world.supplier_x
    hold = lot.hold
    assert hold.number.startswith("HOLD-SA-") and hold.status == "on_hold"
    assert hold.nonconformity == nc and hold.quantity == Decimal(100)
    assert [u.code for u in hold.units.all()] == ["GLS-LOT-A-001"]
    assert hold.supplier == world.supplier_x

    disposition = propose_disposition(
        hold, actor=world.user("eng_a"), decision="return", quantity=100, note="Thickness"
    )
    # a wrong password is refused and nothing changes
    with pytest.raises(TransitionError) as refused:
        transition(disposition, "approve", actor=world.user("cqo"), password="wrong", reason="MRB")
    assert refused.value.code == "signature_password"
    disposition.refresh_from_db()
    hold.refresh_from_db()
    assert disposition.status == "proposed" and hold.status == "on_hold"
    assert signatures_for(disposition).count() == 0

    transition(disposition, "approve", actor=world.user("cqo"), password=PASSWORD, reason="MRB")
    disposition.refresh_from_db()
    hold.refresh_from_db()
    assert disposition.status == "approved"
    assert hold.status == "dispositioned" and hold.closed_at is not None
    [signature] = signatures_for(disposition)
    assert signature.meaning == "approved" and signature.signer == world.user("cqo")


def test_a_second_failed_lot_of_the_same_unit_links_the_open_nc(world: World) -> None:
    lot = inspected_lot(world, [3.5, 3.2, 3.2], quantity=100)
    transition(lot, "complete", actor=world.user("eng_a"))
    lot.refresh_from_db()
    second = open_inspection_lot(
        actor=world.user("eng_a"), plan=lot.plan, unit=lot.unit, quantity=100
    )
    record_results(second, results([3.6, 3.2, 3.2], n_visual=20), actor=world.user("eng_a"))
    transition(second, "complete", actor=world.user("eng_a"))
    second.refresh_from_db()
    assert second.nonconformity == lot.nonconformity
    assert second.hold == lot.hold
    assert Nonconformity.objects.count() == 1 and Hold.objects.count() == 1


def test_completing_with_missing_samples_is_refused_and_nothing_changes(world: World) -> None:
    plan = glass_plan(world)
    lot = open_inspection_lot(
        actor=world.user("eng_a"), plan=plan, unit=glass_lot(world, "A"), quantity=100
    )
    record_results(lot, results([3.2, 3.2, 3.2], n_visual=5), actor=world.user("eng_a"))
    with pytest.raises(TransitionError, match="IQC-GLS-VIS: 20 samples needed, 5 recorded"):
        transition(lot, "complete", actor=world.user("eng_a"))
    lot.refresh_from_db()
    assert lot.status == "open" and lot.verdict == "pending"


def test_partial_quantities_cannot_exceed_the_unit(world: World) -> None:
    plan = glass_plan(world)
    unit = glass_lot(world, "A", quantity=500)
    open_inspection_lot(actor=world.user("eng_a"), plan=plan, unit=unit, quantity=300)
    open_inspection_lot(actor=world.user("eng_a"), plan=plan, unit=unit, quantity=150)
    with pytest.raises(InspectionError, match="at most 50"):
        open_inspection_lot(actor=world.user("eng_a"), plan=plan, unit=unit, quantity=60)
    assert InspectionLot.objects.filter(unit=unit).count() == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"characteristic": "IQC-XXX", "sample": 1, "result": 1},
            "IQC-XXX is not a characteristic",
        ),
        ({"characteristic": "IQC-GLS-THK", "sample": 1, "result": "thick"}, "needs a number"),
        ({"characteristic": "IQC-GLS-VIS", "sample": 1, "result": "maybe"}, "pass or fail"),
        ({"characteristic": "IQC-GLS-THK", "sample": 0, "result": 3.2}, "not between 1 and 3"),
    ],
)
def test_bad_results_are_refused_whole(world: World, row: dict, message: str) -> None:
    plan = glass_plan(world)
    lot = open_inspection_lot(
        actor=world.user("eng_a"), plan=plan, unit=glass_lot(world, "A"), quantity=100
    )
    good = {"characteristic": "IQC-GLS-THK", "sample": 2, "result": 3.2}
    with pytest.raises(InspectionError, match=message):
        record_results(lot, [good, row], actor=world.user("eng_a"))
    assert InspectionRecord.objects.count() == 0


def test_inspection_needs_a_released_plan_and_positive_quantity(world: World) -> None:
    draft = glass_plan(world, code="IQC-GLS-DRAFT", released=False)
    with pytest.raises(InspectionError, match="is not released"):
        open_inspection_lot(
            actor=world.user("eng_a"), plan=draft, unit=glass_lot(world, "A"), quantity=10
        )
    plan = glass_plan(world)
    with pytest.raises(InspectionError, match="quantity"):
        open_inspection_lot(
            actor=world.user("eng_a"), plan=plan, unit=glass_lot(world, "A"), quantity=-5
        )
    assert InspectionLot.objects.count() == 0


def test_disposition_quantities_cannot_exceed_the_held_quantity(world: World) -> None:
    lot = inspected_lot(world, [3.5, 3.2, 3.2])
    transition(lot, "complete", actor=world.user("eng_a"))
    hold = Hold.objects.get()
    propose_disposition(hold, actor=world.user("eng_a"), decision="scrap", quantity=60)
    with pytest.raises(HoldError, match=r"exceeds what is left to disposition on HOLD-SA-\S+: 40"):
        propose_disposition(hold, actor=world.user("eng_a"), decision="rework", quantity=41)
    with pytest.raises(HoldError, match="must be positive"):
        propose_disposition(hold, actor=world.user("eng_a"), decision="rework", quantity=-1)
    assert MrbDisposition.objects.count() == 1
    hold.refresh_from_db()
    assert hold.status == "on_hold"


def test_plan_versions_supersede_on_release(world: World) -> None:
    from qdm.manufacturing.services.inspection import new_plan_version

    first = glass_plan(world)
    second = new_plan_version(first, actor=world.user("eng_a"))
    assert second.version == 2 and second.status == "draft" and second.lines.count() == 2
    with pytest.raises(TransitionError) as refused:
        transition(second, "release", actor=world.user("cqo"), password="nope", reason="v2")
    assert refused.value.code == "signature_password"
    transition(second, "release", actor=world.user("cqo"), password=PASSWORD, reason="v2")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "released")


def test_an_inspector_records_and_completes_but_not_elsewhere(world: World, client_for) -> None:
    from tests.personas import make_user

    inspector = make_user("insp_a", "inspector", site=world.site_a)
    plan = glass_plan(world)
    lot = open_inspection_lot(actor=inspector, plan=plan, unit=glass_lot(world, "A"), quantity=100)
    from django.test import Client

    client = Client()
    client.force_login(inspector)
    text = "\n".join(
        ["IQC-GLS-THK 1 3.2", "IQC-GLS-THK 2 3.21", "IQC-GLS-THK 3 3.19"]
        + [f"IQC-GLS-VIS {i} OK" for i in range(1, 21)]
    )
    response = client.post(f"/manufacturing/inspection-lots/{lot.pk}/results/", {"results": text})
    assert response.status_code == 302
    assert InspectionRecord.objects.filter(lot=lot).count() == 23
    transition(lot, "complete", actor=inspector)
    lot.refresh_from_db()
    assert lot.verdict == "pass"
    # eng_b cannot even see the lot
    response = client_for("eng_b").post(
        f"/manufacturing/inspection-lots/{lot.pk}/results/", {"results": "IQC-GLS-THK 1 9"}
    )
    assert response.status_code == 404
