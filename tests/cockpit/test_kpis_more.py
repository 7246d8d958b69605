"""Formulas of the further KPIs (issue 10 §1) on hand-built data — every expected number is
worked out by hand in the comments — and their line / product breakdowns."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qdm.cockpit import kpis_more
from qdm.cockpit.kpis import REGISTRY
from qdm.cockpit.models import KpiBreakdown, KpiValue
from qdm.cockpit.services import compute_kpis
from qdm.core.services.audit import record_event
from qdm.data.models import ElResult, Unit, UnitLink
from qdm.manufacturing.models import ModuleRelease
from qdm.service.models import ComplaintItem
from qdm.supplier.models import Receipt, Scorecard
from tests.design.builders import module_model
from tests.personas import World
from tests.service.builders import make_complaint
from tests.supplier.builders import receive, setup_iqc
from tests.system.builders import make_capa

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 3)
#: 10:00 on the 3rd in Shanghai (site A, UTC+8)
AT = datetime(2026, 3, 3, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _management_systems(db) -> None:
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    if not ManagementSystem.objects.filter(code="ISO9001").exists():
        load_catalog(ManagementSystem, Clause)


def site_value(kpi: str, site, granularity: str = "day", start: date = DAY) -> tuple:
    row = KpiValue.objects.get(kpi=kpi, site=site, granularity=granularity, period_start=start)
    return row.value, row.numerator, row.denominator


def parts(kpi: str, dimension: str, granularity: str = "day") -> dict:
    rows = KpiBreakdown.objects.filter(kpi=kpi, dimension=dimension, granularity=granularity)
    return {
        (r.line.code if r.line_id else r.product.code if r.product_id else None): (
            r.value,
            r.numerator,
            r.denominator,
        )
        for r in rows
    }


def modules(world: World, n: int, model=None, line=None, prefix: str = "M") -> list[Unit]:
    return [
        Unit.objects.create(
            code=f"{prefix}-{i}",
            kind="module",
            site=world.site_a,
            line=line or world.line_a,
            module_model=model,
        )
        for i in range(n)
    ]


def test_oqc_first_pass_rate_by_line_and_model(world: World) -> None:
    m1, m2 = module_model("MOD-1"), module_model("MOD-2")
    units = modules(world, 3, m1) + modules(world, 1, m2, prefix="N")
    who = world.user("eng_a")
    outcomes = [  # status, hi-pot, visual
        ("released", True, True),  # first pass
        ("released", True, False),  # visual failed: not first pass
        ("rejected", True, True),  # rejected: not first pass
        ("released", True, True),  # MOD-2, first pass
    ]
    for unit, (status, hipot, visual) in zip(units, outcomes, strict=True):
        ModuleRelease.objects.create(
            unit=unit, site=world.site_a, status=status, hipot_passed=hipot,
            visual_passed=visual, decided_by=who, decided_at=AT,
        )  # fmt: skip
    compute_kpis(DAY, 1, kpi_codes=["oqc_first_pass"])
    # 2 first pass of 4 decisions = 50 %
    assert site_value("oqc_first_pass", world.site_a) == (50.0, 2.0, 4.0)
    # MOD-1: 1 of 3 = 33.3 %; MOD-2: 1 of 1 = 100 %; all on line A: 2 of 4
    by_model = parts("oqc_first_pass", "product")
    assert by_model["MOD-1"] == (pytest.approx(100 / 3), 1.0, 3.0)
    assert by_model["MOD-2"] == (100.0, 1.0, 1.0)
    assert parts("oqc_first_pass", "line") == {world.line_a.code: (50.0, 2.0, 4.0)}


def test_el_a_grade_share_counts_el2_only(world: World) -> None:
    model = module_model("MOD-1")
    modules(world, 2, model)
    rows = [("M-0", "EL2", "A"), ("M-1", "EL2", "B"), ("X-9", "EL2", "A"), ("M-0", "EL1", "C")]
    for serial, stage, grade in rows:
        ElResult.objects.create(
            site=world.site_a, line=world.line_a, serial=serial, tested_at=AT, stage=stage,
            grade=grade,
        )  # fmt: skip
    compute_kpis(DAY, 1, kpi_codes=["el_a_share"])
    # EL2 only: A, B, A → 2 of 3 = 66.7 % (the EL1 result does not count)
    assert site_value("el_a_share", world.site_a) == (pytest.approx(200 / 3), 2.0, 3.0)
    # by model: X-9 is no known module; MOD-1 has M-0 (A) and M-1 (B) → 50 %
    assert parts("el_a_share", "product") == {"MOD-1": (50.0, 1.0, 2.0)}


def test_incoming_ppm_from_judged_receipts(world: World) -> None:
    setup_iqc(world)
    quantities = [(1000, "accepted"), (500, "rejected"), (8500, "accepted"), (700, "cancelled")]
    for i, (qty, status) in enumerate(quantities):
        r = receive(world, quantity=qty, supplier_lot=f"LOT-{i}")
        Receipt.objects.filter(pk=r.pk).update(status=status, judged_at=AT)
    compute_kpis(DAY, 1, kpi_codes=["incoming_ppm"])
    # rejected 500 of judged 1000 + 500 + 8500 = 10 000 → 500 / 10 000 × 10⁶ = 50 000 ppm
    assert site_value("incoming_ppm", world.site_a) == (pytest.approx(50_000.0), 500.0, 10_000.0)


def test_supplier_grade_distribution_is_company_wide(world: World) -> None:
    from qdm.data.models import MaterialCategory

    glass, _ = MaterialCategory.objects.get_or_create(code="GLS", defaults={"name": "玻璃"})
    frame, _ = MaterialCategory.objects.get_or_create(code="FRM", defaults={"name": "边框"})
    feb, mar = date(2026, 2, 1), date(2026, 3, 1)
    cards = [
        (world.supplier_x, glass, feb, "D"),  # superseded by March
        (world.supplier_x, glass, mar, "A"),
        (world.supplier_x, frame, mar, "C"),  # X's worst March grade: C
        (world.supplier_y, glass, feb, "A"),  # Y's latest: February, A
    ]
    for supplier, category, month, grade in cards:
        Scorecard.objects.create(supplier=supplier, category=category, month=month, grade=grade)
    compute_kpis(DAY, 1, kpi_codes=["supplier_grade_a", "supplier_grade_c"])
    group = {
        r.kpi: (r.value, r.numerator, r.denominator)
        for r in KpiBreakdown.objects.filter(dimension="group", granularity="day")
    }
    # 2 scored suppliers: X = C, Y = A → 50 % A, 50 % C
    assert group == {"supplier_grade_a": (50.0, 1.0, 2.0), "supplier_grade_c": (50.0, 1.0, 2.0)}
    assert not KpiValue.objects.filter(kpi__startswith="supplier_grade").exists()
    assert REGISTRY["supplier_grade_a"].company_wide


def ship(world: World, units: list[Unit], when: datetime, code: str) -> None:
    pallet = Unit.objects.create(code=f"P-{code}", kind="pallet", site=world.site_a)
    shipment = Unit.objects.create(
        code=f"S-{code}", kind="shipment", site=world.site_a, produced_at=when
    )
    UnitLink.objects.bulk_create([UnitLink(parent=u, child=pallet) for u in units])
    UnitLink.objects.create(parent=pallet, child=shipment)


def test_complaint_ppm_of_shipped_modules(world: World) -> None:
    m1 = module_model("MOD-1")
    shipped = modules(world, 4, m1)
    ship(world, shipped, AT, "1")
    late = modules(world, 1, m1, prefix="L")
    ship(world, late, AT + timedelta(days=5), "2")  # shipped another day: not counted
    valid = make_complaint(world, received_on=DAY)
    invalid = make_complaint(world, received_on=DAY)
    for unit in shipped[:2]:
        ComplaintItem.objects.create(complaint=valid, serial=unit.code, unit=unit, symptom="DELAM")
    ComplaintItem.objects.create(
        complaint=invalid, serial=shipped[3].code, unit=shipped[3], symptom="DELAM"
    )
    type(valid).objects.filter(pk=valid.pk).update(status="triaged")
    type(invalid).objects.filter(pk=invalid.pk).update(status="rejected")
    compute_kpis(DAY, 1, kpi_codes=["complaint_ppm"])
    # 2 modules in a validated complaint / 4 modules shipped that day × 10⁶ = 500 000 ppm
    assert site_value("complaint_ppm", world.site_a) == (pytest.approx(500_000.0), 2.0, 4.0)
    assert parts("complaint_ppm", "product")["MOD-1"] == (pytest.approx(500_000.0), 2.0, 4.0)


def test_complaint_response_time_is_a_median_of_days(world: World) -> None:
    today = timezone.localdate()
    unit = modules(world, 1)[0]
    for ago in (1, 3, 10):
        c = make_complaint(world, received_on=today - timedelta(days=ago))
        ComplaintItem.objects.create(complaint=c, serial=unit.code, unit=unit, symptom="DELAM")
        record_event(c, "transition:triage", actor=world.user("cqo"))  # answered today
    unanswered = make_complaint(world, received_on=today - timedelta(days=2))
    ComplaintItem.objects.create(complaint=unanswered, serial=unit.code, unit=unit, symptom="DELAM")
    compute_kpis(today, 14, kpi_codes=["complaint_response_days"])
    # the day received one day ago: one answer after 1 day
    rows = KpiValue.objects.filter(kpi="complaint_response_days", site=world.site_a)
    day_one = rows.get(granularity="day", period_start=today - timedelta(days=1))
    assert (day_one.value, day_one.denominator) == (1.0, 1.0)
    # over the whole fortnight: answers after 1, 3 and 10 days → median 3 of 3 complaints
    span = kpis_more.complaint_response_days([world.site_a], today - timedelta(days=13), today)
    assert span == {world.site_a.pk: (3.0, 3.0)}


def test_8d_closure_time_median(world: World) -> None:
    opened = datetime(2026, 3, 1, 2, tzinfo=UTC)
    for days_open in (2, 4, 9):
        capa = make_capa(world, "A", title=f"closes after {days_open}")
        type(capa).objects.filter(pk=capa.pk).update(
            status="closed", opened_at=opened - timedelta(days=days_open), closed_at=opened
        )
    compute_kpis(date(2026, 3, 1), 1, kpi_codes=["capa_closure_days"])
    # closed on the 1st after 2, 4 and 9 days → median 4; month: the same three
    assert site_value("capa_closure_days", world.site_a, start=date(2026, 3, 1)) == (4.0, 4.0, 3.0)
    assert site_value("capa_closure_days", world.site_a, "month", date(2026, 3, 1))[0] == 4.0


def test_document_acknowledgement_rate(world: World) -> None:
    from qdm.system.models import Acknowledgement, ControlledDocument, DocumentRevision

    eng_a, cqo = world.user("eng_a"), world.user("cqo")
    doc = ControlledDocument.objects.create(
        code="QP-SA-1", title="IQC", doc_type="procedure", owner=eng_a
    )
    doc.sites.set([world.site_a])
    doc.distributed_to.set([eng_a, cqo])
    rev = DocumentRevision.objects.create(
        document=doc, revision="A", author=eng_a, status="effective",
        effective_at=AT - timedelta(days=3),
    )  # fmt: skip
    Acknowledgement.objects.create(revision=rev, user=eng_a, acknowledged_at=AT)
    Acknowledgement.objects.create(revision=rev, user=cqo, acknowledged_at=AT + timedelta(days=1))
    compute_kpis(date(2026, 3, 4), 3, kpi_codes=["document_acknowledgement"])
    # 2 duties (one revision × two readers): end of the 2nd none, the 3rd eng_a, the 4th both
    assert site_value("document_acknowledgement", world.site_a, start=date(2026, 3, 2)) == (
        0.0, 0.0, 2.0,
    )  # fmt: skip
    assert site_value("document_acknowledgement", world.site_a)[:2] == (50.0, 1.0)
    assert site_value("document_acknowledgement", world.site_a, start=date(2026, 3, 4))[0] == 100
    # the month shows its last day
    assert site_value("document_acknowledgement", world.site_a, "month", date(2026, 3, 1)) == (
        100.0, 2.0, 2.0,
    )  # fmt: skip


def test_special_characteristic_cpk_is_the_mean_over_charts(world: World, monkeypatch) -> None:
    charts = ["CC-1", "SC-2", "SC-3"]
    cpks = {"CC-1": (1.0, 30), "SC-2": (2.0, 25), "SC-3": None}  # SC-3: not enough data
    seen = []

    def fake_cpk(config, start, end):
        seen.append((start, end))
        return cpks[config]

    monkeypatch.setattr(kpis_more.mfg, "cockpit_special_charts", lambda ids: charts)
    monkeypatch.setattr(kpis_more.mfg, "cockpit_chart_cpk", fake_cpk)
    compute_kpis(DAY, 1, site_code="SA", kpi_codes=["special_cpk"])
    # (1.0 + 2.0) / 2 charts with a Cpk = 1.5 for the ISO week and the month (a day's data
    # is too thin for a capability: no day rows)
    assert site_value("special_cpk", world.site_a, "week", date(2026, 3, 2)) == (1.5, 1.5, 2.0)
    assert site_value("special_cpk", world.site_a, "month", date(2026, 3, 1))[0] == 1.5
    assert not KpiValue.objects.filter(kpi="special_cpk", granularity="day").exists()
    # the week window starts at Monday 00:00 in Shanghai = 16:00 UTC on Sunday
    assert seen[0][0].astimezone(UTC) == datetime(2026, 3, 1, 16, tzinfo=UTC)


def test_carbon_intensity_reads_the_carbon_platform(world: World, monkeypatch) -> None:
    from qdm.carbon import selectors as carbon

    rows = [
        {"site": "SA", "month": "2026-03", "t_co2e": 120.0, "mw": 300.0, "kg_per_kwp": 0.4},
        {"site": "SA", "month": "2026-02", "t_co2e": 99.0, "mw": 99.0, "kg_per_kwp": 1.0},
    ]
    monkeypatch.setattr(carbon, "intensity_by_site_month", lambda user, year, site=None: rows)
    compute_kpis(DAY, 1, kpi_codes=["carbon_intensity"])
    # March: 120 t / 300 MW = 0.4 kg CO₂e per kWp, weighted by 300 MW; no day or week rows
    assert site_value("carbon_intensity", world.site_a, "month", date(2026, 3, 1)) == (
        0.4, 0.4, 300.0,
    )  # fmt: skip
    assert not KpiValue.objects.filter(kpi="carbon_intensity", granularity="day").exists()


def test_receipt_quantities_are_decimal_safe(world: World) -> None:
    setup_iqc(world)
    r = receive(world, quantity=3)
    Receipt.objects.filter(pk=r.pk).update(status="rejected", judged_at=AT, quantity=Decimal("0.5"))
    compute_kpis(DAY, 1, kpi_codes=["incoming_ppm"])
    assert site_value("incoming_ppm", world.site_a) == (1e6, 0.5, 0.5)
