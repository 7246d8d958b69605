"""Scorecard of a hand-built month (October 2026, supplier X, solar glass)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from qdm.supplier.models import Certificate, ScarRequest, Scorecard, SwitchingState
from qdm.supplier.services.scar import raise_scar_for_receipt
from qdm.supplier.services.scorecards import compute_scorecard
from tests.personas import World
from tests.supplier.builders import glass, judge, receive, setup_iqc, sqe

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, 8, 0, tzinfo=UTC)


def test_hand_built_month(world: World) -> None:
    setup_iqc(world)
    # Ten lots of 500 sheets, each sampled n = 80 (code H → J, AQL 0.65, Ac 1 Re 2).
    # Nonconforming per lot: R2 = 2 (rejected), R3 = 1 (accepted), R8 = 2 (rejected).
    bad = {2: 2, 3: 1, 8: 2}
    receipts = {}
    for n in range(1, 11):
        receipt = receive(world, supplier_lot=f"OCT-{n:02d}", received_at=at(n * 2))
        receipts[n] = judge(world, receipt, bad=bad.get(n, 0))
    assert [n for n, r in receipts.items() if r.status == "rejected"] == [2, 8]
    # R2 and R8 are 6 lots apart: never 2 rejections within 5 lots, so still normal
    assert SwitchingState.objects.get(material=glass()).severity == "normal"
    # a receipt of November is outside the month (it would make 11 lots)
    november = at(31) + datetime.timedelta(days=1)
    judge(world, receive(world, supplier_lot="NOV-01", received_at=november), bad=0)

    engineer = sqe(world)
    # SCAR 1 (R2): opened 5 Oct, D8 due 25 Oct, accepted 20 Oct → on time
    first = raise_scar_for_receipt(receipts[2], actor=engineer)
    ScarRequest.objects.filter(pk=first.pk).update(
        created=at(5),
        closure_due=datetime.date(2026, 10, 25),
        response_status="accepted",
        accepted_at=at(20),
    )
    # SCAR 2 (R8): opened 20 Oct, D8 due 19 Dec → not due in October
    second = raise_scar_for_receipt(receipts[8], actor=engineer)
    ScarRequest.objects.filter(pk=second.pk).update(
        created=at(20), closure_due=datetime.date(2026, 12, 19)
    )
    # ISO 9001 valid until 15 Nov: on 31 Oct 15 days left → expiring (≤ 60 days)
    Certificate.objects.create(
        supplier=world.supplier_x,
        kind="iso9001",
        number="CN-QMS-0042",
        issuer="CQC",
        valid_from=datetime.date(2023, 11, 16),
        valid_until=datetime.date(2026, 11, 15),
    )

    card = compute_scorecard(world.supplier_x, glass().category, datetime.date(2026, 10, 1))
    assert (card.lots_received, card.lots_rejected) == (10, 2)
    # ppm = (2 + 1 + 2) / (10 × 80) × 10⁶ = 5 / 800 × 10⁶ = 6 250
    assert (card.items_nonconforming, card.items_sampled) == (5, 800)
    assert card.ppm == 6250.0
    # lot acceptance = 8 / 10 = 80 %
    assert card.acceptance_rate == 80.0
    # rejected quantity: R2 + R8 = 1 000 of 5 000
    assert (card.quantity_rejected, card.quantity_received) == (1000, 5000)
    assert (card.scar_count, card.scars_due, card.scars_on_time) == (2, 1, 1)
    # R8 fails IQC-GLS-VIS, which R2 failed 12 days earlier → one repeat defect
    assert card.repeat_defects == 1
    assert card.certificate_status == "expiring"
    # points: ppm 100 × (1 − 6250/10000) = 37.5; acceptance 80; SCARs 100 − 2 × 25 = 50;
    # on time 1/1 → 100; repeats 100 − 50 = 50; certificate expiring → 50.
    # default weights 30/25/10/10/15/10:
    # (30×37.5 + 25×80 + 10×50 + 10×100 + 15×50 + 10×50) / 100 = 5875 / 100 = 58.75
    assert card.score == 58.75
    assert card.grade == "D"  # < 60
    # the D grade tightens glass from supplier X
    state = SwitchingState.objects.get(supplier=world.supplier_x, material=glass())
    assert state.severity == "tightened"
    assert "grade D" in state.events.last().reason


def test_scorecard_command_recomputes_without_duplicates(world: World) -> None:
    setup_iqc(world)
    judge(world, receive(world, supplier_lot="OCT-01", received_at=at(3)), bad=0)
    call_command("supplier-scorecards", "--month", "2026-10")
    call_command("supplier-scorecards", "--month", "2026-10")
    card = Scorecard.objects.get()
    # one accepted lot, nothing else: ppm 0 → 100, acceptance 100, no SCAR → 100,
    # none due → 100, no repeat → 100, no certificate → 0: (100 × 90 + 0 × 10) / 100 = 90 → A
    assert (card.score, card.grade) == (90.0, "A")


def test_bad_month_is_refused(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("supplier-scorecards", "--month", "October")


def test_supplier_audit_is_a_weighted_criterion(world: World) -> None:
    """The month of the command test (one accepted lot, no certificate: measures 90) plus
    supplier audits of supplier X; default audit weight 15 %."""
    from tests.system.test_supplier_audits import supplier_audit

    setup_iqc(world)
    judge(world, receive(world, supplier_lot="OCT-01", received_at=at(3)), bad=0)
    month = datetime.date(2026, 10, 1)
    # no audit: the audit weight is redistributed, the score is the measures' 90 → A
    card = compute_scorecard(world.supplier_x, glass().category, month)
    assert (card.score, card.grade, card.audit) == (90.0, "A", None)
    # an audit reported 15 Oct 2025 is outside the 12 months Nov 2025 – Oct 2026
    supplier_audit(world, world.supplier_x, ["major"] * 4, "2025-10-15T09:00:00")
    card = compute_scorecard(world.supplier_x, glass().category, month)
    assert (card.score, card.audit) == (90.0, None)
    # audit of 20 Sep 2026: conforming, conforming, minor, observation = 3.4 / 4 = 85.0
    audit = supplier_audit(
        world,
        world.supplier_x,
        ["conforming", "conforming", "minor", "observation"],
        "2026-09-20T09:00:00",
    )
    card = compute_scorecard(world.supplier_x, glass().category, month)
    # 0.85 × 90 + 0.15 × 85 = 76.5 + 12.75 = 89.25 → B (A from 90)
    assert card.audit.audit_id == audit.pk
    assert (card.score, card.grade) == (89.25, "B")
    assert Scorecard.objects.get(pk=card.pk).score == 89.25


def test_audit_weight_setting(world: World, settings) -> None:
    from qdm.supplier.models import ScorecardWeights
    from qdm.supplier.services.scorecards import audit_weight, with_audit

    settings.QDM_SCORECARD_AUDIT_WEIGHT = 40
    assert audit_weight(ScorecardWeights(name="x")) == 40
    # 0.6 × 90 + 0.4 × 50 = 54 + 20 = 74
    assert with_audit(90.0, 50.0, 40) == 74.0
    assert with_audit(90.0, None, 40) == 90.0
    settings.QDM_SCORECARD_AUDIT_WEIGHT = 120
    with pytest.raises(ValueError, match="from 0 to 100, not 120"):
        audit_weight(ScorecardWeights(name="x"))
