"""Field-failure attribution in the supplier scorecard: a hand-built October 2026.

Genealogy (every lot links straight into the modules it went into):

* G1, G2: solar-glass lots of supplier X; E1: encapsulant lot of supplier Y;
  C1: a cell lot of our own (no supplier);
* P1: a polysilicon lot of supplier Y (wafer material) → C1, two levels above the modules;
* M1 = G1 + E1 + C1, M2 = G1 + E1, M3 = G2 + C1, M4 = G1, M5 = G1.

Complaints (responsibility, received, serials):

1. supplier, 5 Oct, M1 + M2 → the lots both modules hold: G1 (X glass), E1 (Y encapsulant)
   → 2 failures for X × GLASS and 2 for Y × ENCAP;
2. supplier, 12 Oct, M1 + M3 → M1 holds G1, E1, P1 (via C1), M3 holds G2, P1 (via C1): in
   common only P1 of supplier Y (wafer) → 2 failures for Y × WAFER, none for X;
3. manufacturing, 14 Oct, M4 → not a supplier's;
4. supplier, 16 Oct, M5, rejected as invalid → not counted;
5. supplier, 18 Oct, M4, its RMA decided "reject the claim" → not counted;
6. supplier, 2 Nov, M4 → another month.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from qdm.data.models import Unit, UnitLink
from qdm.service.models import Complaint, ComplaintItem, ReturnedModule
from qdm.service.selectors import supplier_field_failures
from qdm.supplier.models import Scorecard, ScorecardWeights
from qdm.supplier.services.scorecards import (
    compute_month,
    compute_scorecard,
    field_failure_weight,
    with_field_failures,
)
from tests.personas import World
from tests.supplier.builders import glass, judge, receive, setup_iqc, wafer

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)


def encapsulant():
    return glass("EVA-045", "ENCAP")


def _lot(world: World, code: str, kind: str, supplier, material) -> Unit:
    return Unit.objects.create(
        code=code, kind=kind, site=world.site_a, supplier=supplier, material=material
    )


def build_month(world: World) -> dict[str, Unit]:
    u = {
        "G1": _lot(world, "ML-GLS-2609-001", "material_lot", world.supplier_x, glass()),
        "G2": _lot(world, "ML-GLS-2609-002", "material_lot", world.supplier_x, glass()),
        "E1": _lot(world, "ML-EVA-2609-001", "material_lot", world.supplier_y, encapsulant()),
        "P1": _lot(world, "PL-2608-0042", "poly_lot", world.supplier_y, wafer()),
        "C1": _lot(world, "CL-SA-2609-0007", "cell_lot", None, None),
    }
    for i in range(1, 6):
        u[f"M{i}"] = Unit.objects.create(
            code=f"SAM01-2609-{i:06d}", kind="module", site=world.site_a
        )
    links = {
        "M1": ["G1", "E1", "C1"],
        "M2": ["G1", "E1"],
        "M3": ["G2", "C1"],
        "M4": ["G1"],
        "M5": ["G1"],
        "C1": ["P1"],
    }
    for child, parents in links.items():
        for parent in parents:
            UnitLink.objects.create(parent=u[parent], child=u[child])
    # M2 holds no cell lot here, so complaint 1 (M1 + M2) shares no P1; M1 and M3 share P1
    specs = [
        ("CC-T-1", "supplier", datetime.date(2026, 10, 5), ["M1", "M2"], "investigating"),
        ("CC-T-2", "supplier", datetime.date(2026, 10, 12), ["M1", "M3"], "investigating"),
        ("CC-T-3", "manufacturing", datetime.date(2026, 10, 14), ["M4"], "investigating"),
        ("CC-T-4", "supplier", datetime.date(2026, 10, 16), ["M5"], "rejected"),
        ("CC-T-5", "supplier", datetime.date(2026, 10, 18), ["M4"], "investigating"),
        ("CC-T-6", "supplier", datetime.date(2026, 11, 2), ["M4"], "investigating"),
    ]
    for number, responsibility, received, serials, status in specs:
        complaint = Complaint.objects.create(
            number=number,
            customer=world.customer_c,
            title="Field failure",
            received_on=received,
            responsibility=responsibility,
            status=status,
        )
        for key in serials:
            item = ComplaintItem.objects.create(
                complaint=complaint, serial=u[key].code, unit=u[key], symptom="DELAM"
            )
            if number == "CC-T-5":
                ReturnedModule.objects.create(number="RMA-T-5", item=item, decision="reject")
    return u


def test_selector_attributes_the_common_supplied_lots(world: World) -> None:
    u = build_month(world)
    rows = supplier_field_failures(OCT, datetime.date(2026, 10, 31))
    got = sorted((r.complaint_number, r.serial, r.lot_code) for r in rows)
    m1, m2, m3 = u["M1"].code, u["M2"].code, u["M3"].code
    assert got == [
        ("CC-T-1", m1, "ML-EVA-2609-001"),
        ("CC-T-1", m1, "ML-GLS-2609-001"),
        ("CC-T-1", m2, "ML-EVA-2609-001"),
        ("CC-T-1", m2, "ML-GLS-2609-001"),
        ("CC-T-2", m1, "PL-2608-0042"),
        ("CC-T-2", m3, "PL-2608-0042"),
    ]
    # November: complaint 6 alone (M4 → G1)
    november = supplier_field_failures(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert [(r.complaint_number, r.lot_code) for r in november] == [("CC-T-6", "ML-GLS-2609-001")]


def test_field_failures_lower_the_hand_built_month(world: World) -> None:
    build_month(world)
    setup_iqc(world)
    judge(world, receive(world, supplier_lot="OCT-01", received_at=_at(3)), bad=0)
    card = compute_scorecard(world.supplier_x, glass().category, OCT)
    # X × GLASS: M1 and M2 of complaint 1 → 2 failures; field points 100 − 2 × 25 = 50.
    # measures (one accepted lot, no certificate) = 90, as in test_scorecards;
    # no audit; default field-failure weight 10: 0.9 × 90 + 0.1 × 50 = 81 + 5 = 86 → B
    assert (card.field_failures, card.field_failure_weight) == (2, 10)
    assert (card.score, card.grade) == (86.0, "B")
    stored = Scorecard.objects.get(pk=card.pk)
    assert (stored.field_failures, stored.score) == (2, 86.0)


def test_month_without_failures_is_unchanged(world: World) -> None:
    setup_iqc(world)
    judge(world, receive(world, supplier_lot="OCT-01", received_at=_at(3)), bad=0)
    card = compute_scorecard(world.supplier_x, glass().category, OCT)
    # no field failure: the share goes back to the measures → 90, as in test_scorecards
    assert (card.field_failures, card.field_failure_weight, card.score) == (0, None, 90.0)


def test_compute_month_cards_suppliers_with_failures_only(world: World) -> None:
    build_month(world)
    setup_iqc(world)
    judge(world, receive(world, supplier_lot="OCT-01", received_at=_at(3)), bad=0)
    cards = {(c.supplier.code, c.category.code): c for c in compute_month(OCT)}
    x, y = world.supplier_x.code, world.supplier_y.code
    assert set(cards) == {(x, "GLASS"), (y, "ENCAP"), (y, "WAFER")}
    # Y × ENCAP, no receipt: measures ppm 100, acceptance 100, SCARs 100, on time 100,
    # repeats 100, certificate missing 0 → 90; 2 failures → 0.9 × 90 + 0.1 × 50 = 86
    assert (cards[(y, "ENCAP")].field_failures, cards[(y, "ENCAP")].score) == (2, 86.0)
    # Y × WAFER: M1 and M3 of complaint 2 hold P1 → 2 failures → 86 as well
    assert cards[(y, "WAFER")].field_failures == 2
    assert cards[(x, "GLASS")].score == 86.0


def test_weights_audit_and_field_failure_shares(world: World, settings) -> None:
    # with an audit of 85 at 15 % and 2 failures at 10 %:
    # (1 − 0.15 − 0.10) × 90 + 0.15 × 85 + 0.10 × 50 = 67.5 + 12.75 + 5 = 85.25
    assert with_field_failures(90.0, 85.0, 15, 2, 10) == 85.25
    # five failures: field points max(0, 100 − 125) = 0 → 0.9 × 90 = 81
    assert with_field_failures(90.0, None, 15, 5, 10) == 81.0
    with pytest.raises(ValueError, match="exceed 100"):
        with_field_failures(90.0, 85.0, 60, 1, 50)
    settings.QDM_SCORECARD_FIELD_FAILURE_WEIGHT = 20
    assert field_failure_weight(ScorecardWeights(name="x")) == 20
    assert field_failure_weight(ScorecardWeights(name="x", weight_field_failure=0)) == 0
    settings.QDM_SCORECARD_FIELD_FAILURE_WEIGHT = 101
    with pytest.raises(ValueError, match="from 0 to 100, not 101"):
        field_failure_weight(ScorecardWeights(name="x"))


def test_weights_rule_refuses_audit_plus_field_over_100(world: World) -> None:
    weights = ScorecardWeights(name="too much", weight_audit=60, weight_field_failure=50)
    with pytest.raises(ValidationError, match="must not exceed 100 \\(now 110\\)"):
        weights.clean()
    # the six measure weights still add up to 100 on their own
    ScorecardWeights(name="ok", weight_audit=15, weight_field_failure=10).clean()
    bad = ScorecardWeights(name="six", weight_ppm=50, weight_field_failure=10)
    with pytest.raises(ValidationError, match="must add up to 100"):
        bad.clean()


def _at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, 8, 0, tzinfo=datetime.UTC)
