"""SCAR: raised from a rejected receipt through the system CAPA engine, answered by the
supplier (D3/D4/D5/D7 into the 8D), accepted (e-signed) or returned by the SQE."""

from __future__ import annotations

import pytest

from qdm.core.signatures import signatures_for
from qdm.supplier.models import ScarRequest
from qdm.supplier.services.common import SupplierError
from qdm.supplier.services.scar import answer_scar, raise_scar_for_receipt, review_scar
from tests.personas import PASSWORD, World
from tests.supplier.builders import judge, receive, setup_iqc, sqe

pytestmark = pytest.mark.django_db

ANSWER = {
    "containment": "Sorted 1 200 sheets at the warehouse; 14 with scratches quarantined.",
    "root_cause": "Roller conveyor bearing worn on tempering line 3.",
    "category": "machine",
    "corrective": "Bearing replaced, weekly roller inspection added to TPM plan.",
    "preventive": "PFMEA updated for conveyor wear; same check on lines 1, 2 and 4.",
}


def rejected_scar(world: World) -> ScarRequest:
    setup_iqc(world)
    receipt = judge(world, receive(world), bad=2)
    assert receipt.status == "rejected"
    return raise_scar_for_receipt(receipt, actor=sqe(world))


def test_a_rejected_receipt_raises_a_scar_with_due_dates_per_discipline(world: World) -> None:
    scar = rejected_scar(world)
    capa = scar.capa
    assert capa.kind == "scar" and capa.supplier == world.supplier_x
    assert capa.number.startswith("SCAR-SA-")
    assert list(capa.nonconformities.all()) == [scar.receipt.nonconformity]
    # due dates: D3 +2 days, D4 +10, D5/D6 +30, D8 +60 after opening
    opened = scar.created.date()
    assert [
        (d - opened).days
        for d in (scar.containment_due, scar.root_cause_due, scar.corrective_due, scar.closure_due)
    ] == [2, 10, 30, 60]
    assert capa.due_date == scar.closure_due
    with pytest.raises(SupplierError, match="already has a SCAR"):
        raise_scar_for_receipt(scar.receipt, actor=sqe(world))


def test_an_accepted_receipt_cannot_raise_a_scar(world: World) -> None:
    setup_iqc(world)
    receipt = judge(world, receive(world), bad=0)
    with pytest.raises(SupplierError, match="Only a rejected receipt"):
        raise_scar_for_receipt(receipt, actor=sqe(world))
    assert ScarRequest.objects.count() == 0


def test_supplier_answers_sqe_returns_then_accepts(world: World) -> None:
    scar = rejected_scar(world)
    supplier = world.user("supplier_x")
    # missing answers are refused and nothing is written
    with pytest.raises(SupplierError, match="root cause"):
        answer_scar(scar, actor=supplier, **{**ANSWER, "root_cause": " "})
    assert scar.capa.root_causes.count() == 0 and scar.capa.actions.count() == 0
    with pytest.raises(SupplierError, match="6M category"):
        answer_scar(scar, actor=supplier, **{**ANSWER, "category": "luck"})

    scar = answer_scar(scar, actor=supplier, whys=("bearing worn", "no TPM check"), **ANSWER)
    assert scar.response_status == "submitted" and scar.submitted_at is not None
    capa = scar.capa
    assert capa.root_causes.get().why_1 == "bearing worn"
    assert sorted(capa.actions.values_list("discipline", flat=True)) == ["d3", "d5", "d7"]
    assert capa.actions.get(discipline="d3").due_date == scar.containment_due
    # the supplier can neither answer again nor accept its own response
    with pytest.raises(SupplierError):
        answer_scar(scar, actor=supplier, **ANSWER)
    with pytest.raises(SupplierError):
        review_scar(scar, actor=supplier, accept=True, password=PASSWORD, reason="ok")
    scar.refresh_from_db()
    assert scar.response_status == "submitted"

    engineer = sqe(world)
    with pytest.raises(SupplierError, match="why"):
        review_scar(scar, actor=engineer, accept=False, comment="")
    scar = review_scar(scar, actor=engineer, accept=False, comment="Show the TPM record.")
    assert scar.response_status == "returned" and scar.return_count == 1
    scar = answer_scar(scar, actor=supplier, **ANSWER)
    with pytest.raises(SupplierError, match="password"):
        review_scar(scar, actor=engineer, accept=True, password="wrong", reason="ok")
    scar = review_scar(scar, actor=engineer, accept=True, password=PASSWORD, reason="effective")
    assert scar.response_status == "accepted" and scar.accepted_at is not None
    assert signatures_for(scar).get().signer == engineer


def test_another_suppliers_user_cannot_answer(world: World) -> None:
    from tests.personas import make_user

    scar = rejected_scar(world)
    other = make_user("supplier_y", "supplier_user", supplier=world.supplier_y)
    with pytest.raises(SupplierError, match="may not"):
        answer_scar(scar, actor=other, **ANSWER)
    scar.refresh_from_db()
    assert scar.response_status == "awaiting" and scar.capa.actions.count() == 0


def test_overdue_disciplines_escalate_once_each(world: World) -> None:
    import datetime

    from qdm.supplier.services.scar import escalate_overdue

    scar = rejected_scar(world)
    opened = scar.created.date()
    assert escalate_overdue(opened + datetime.timedelta(days=2)) == []  # D3 due that day
    assert [d for _, d in escalate_overdue(opened + datetime.timedelta(days=3))] == ["D3"]
    assert escalate_overdue(opened + datetime.timedelta(days=4)) == []  # once
    # D3 answered late by the supplier through the 8D; then D4 runs late
    from qdm.system.models import CapaAction

    CapaAction.objects.create(
        capa=scar.capa,
        discipline="d3",
        description="sorted",
        owner=world.user("supplier_x"),
        due_date=scar.containment_due,
    )
    assert [d for _, d in escalate_overdue(opened + datetime.timedelta(days=11))] == ["D4"]
