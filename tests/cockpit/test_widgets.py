"""Every home widget respects scoping: a site-B manager sees no site-A numbers or records,
a supplier user sees only their own company's — one test per widget on hand-built data at
site A and site B (suppliers X and Y)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from qdm.cockpit import widgets
from qdm.cockpit.models import KpiValue, QualityGoal
from qdm.data.models import MaterialCategory
from qdm.design.models import FmeaReviewTask
from qdm.manufacturing.models import Hold, SpcViolation
from qdm.supplier.models import ScarRequest, Scorecard
from tests.design.builders import make_fmea
from tests.manufacturing.builders import make_chart
from tests.personas import World, make_user
from tests.supplier.builders import receive, setup_iqc
from tests.system.builders import action, make_capa

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


def managers(world: World) -> tuple:
    return (
        make_user("mgr_a", "site_quality_manager", site=world.site_a),
        make_user("mgr_b", "site_quality_manager", site=world.site_b),
    )


def titles(data: dict) -> str:
    return " ".join(f"{r['title']} {r['detail']} {r['site']}" for r in data["rows"])


def visible(user, code: str) -> bool:
    return widgets.REGISTRY[code].visible_to(user)


# --- KPI tiles ----------------------------------------------------------------------------


def kpi(code: str, site, month: date, num: float, den: float | None) -> None:
    value = 100.0 * num / den if den else num
    KpiValue.objects.create(
        kpi=code, site=site, granularity="month", period_start=month,
        value=value, numerator=num, denominator=den,
    )  # fmt: skip


def test_kpi_tiles_of_a_site_b_manager_hold_no_site_a_number(world: World) -> None:
    # FPY: A 970 / 1000 = 97.0 %, B 990 / 1000 = 99.0 % in March; B 980 / 1000 in February
    kpi("fpy", world.site_a, MARCH, 970, 1000)
    kpi("fpy", world.site_b, MARCH, 990, 1000)
    kpi("fpy", world.site_b, date(2026, 2, 1), 980, 1000)
    kpi("complaints", world.site_a, MARCH, 3, None)
    kpi("complaints", world.site_b, MARCH, 1, None)
    cqo = world.user("cqo")
    QualityGoal.objects.create(
        code="G-FPY", title="Group FPY", year=2026, kpi="fpy", direction="at_least",
        target=98.5, amber_band=0.5, owner=cqo,
    )  # fmt: skip
    QualityGoal.objects.create(
        code="G-FPY-B", title="FPY of B", year=2026, kpi="fpy", direction="at_least",
        target=99.5, amber_band=0.2, site=world.site_b, owner=cqo,
    )  # fmt: skip
    _a, mgr_b = managers(world)
    group = {t["code"]: t for t in widgets.kpi_tiles(cqo)["tiles"]}
    # (970 + 990) / 2000 = 98.0 %: below the group target 98.5 by 0.5 = the amber band
    assert group["fpy"]["value"] == pytest.approx(98.0)
    assert group["fpy"]["target"] == 98.5 and group["fpy"]["status"] == "amber"
    assert group["fpy"]["trend"][-2:] == [pytest.approx(98.0), pytest.approx(98.0)]
    assert group["complaints"]["value"] == 4.0
    only_b = {t["code"]: t for t in widgets.kpi_tiles(mgr_b)["tiles"]}
    assert only_b["fpy"]["value"] == pytest.approx(99.0)
    # B's own goal wins over the group goal: 99.0 misses 99.5 by more than 0.2 → red
    assert only_b["fpy"]["target"] == 99.5 and only_b["fpy"]["status"] == "red"
    assert only_b["fpy"]["trend"][-2:] == [pytest.approx(98.0), pytest.approx(99.0)]
    assert only_b["complaints"]["value"] == 1.0
    assert not visible(world.user("supplier_x"), "kpi_tiles")
    assert widgets.kpi_tiles(world.user("supplier_x"))["tiles"] == []


# --- work lists ---------------------------------------------------------------------------


def test_my_capa_actions_only_mine_and_in_my_scope(world: World) -> None:
    mgr_a, mgr_b = managers(world)
    soon = timezone.localdate() + timedelta(days=3)
    action(make_capa(world, "A"), "d3", mgr_a, due_date=soon, description="Sort glass at A")
    capa_b = make_capa(world, "B")
    action(capa_b, "d3", mgr_b, due_date=soon, description="Sort glass at B")
    action(capa_b, "d5", world.user("eng_b"), due_date=soon, description="Not mine")
    # an action at site A owned by mgr_b: outside mgr_b's scope, not shown
    action(make_capa(world, "A"), "d5", mgr_b, due_date=soon, description="A for mgr_b")
    data = widgets.my_capa_actions(mgr_b)
    assert data["count"] == 1 and "Sort glass at B" in titles(data)
    assert "A for mgr_b" not in titles(data) and "SA" not in titles(data)
    assert widgets.my_capa_actions(mgr_a)["count"] == 1
    assert not visible(world.user("supplier_x"), "my_capa_actions")


def test_spc_alerts_by_site(world: World) -> None:
    now = timezone.now()
    for place, value in (("A", 151.0), ("B", 149.0)):
        SpcViolation.objects.create(
            config=make_chart(world, place), part="primary", rule=1, point_time=now,
            value=value, detected_at=now,
        )  # fmt: skip
    mgr_a, mgr_b = managers(world)
    assert widgets.spc_alerts(world.user("cqo"))["count"] == 2
    only_b = widgets.spc_alerts(mgr_b)
    assert only_b["count"] == 1 and "SB-M01" in titles(only_b) and "SA-M01" not in titles(only_b)
    assert widgets.spc_alerts(mgr_a)["count"] == 1
    assert widgets.spc_alerts(world.user("supplier_x"))["count"] == 0


def hold(world: World, place: str, number: str) -> Hold:
    return Hold.objects.create(
        number=number, site=world.where(place), reason=f"Suspect EVA at {place}", quantity=1,
        held_by=world.user("cqo"),
    )  # fmt: skip


def test_holds_by_site(world: World) -> None:
    hold(world, "A", "HOLD-SA-2026-0001")
    hold(world, "B", "HOLD-SB-2026-0001")
    released = hold(world, "B", "HOLD-SB-2026-0002")
    Hold.objects.filter(pk=released.pk).update(status="released")
    _a, mgr_b = managers(world)
    data = widgets.holds(mgr_b)
    assert data["count"] == 1 and "HOLD-SB-2026-0001" in titles(data)
    assert "HOLD-SA" not in titles(data)
    assert widgets.holds(world.user("cqo"))["count"] == 2
    assert not visible(world.user("supplier_x"), "holds")


def test_iqc_waiting_and_inspections_due_by_site(world: World) -> None:
    setup_iqc(world, "A")
    setup_iqc(world, "B")
    receive(world, world.supplier_x, place="A", supplier_lot="X-LOT-A")
    receive(world, world.supplier_y, place="B", supplier_lot="Y-LOT-B")
    _a, mgr_b = managers(world)
    inspector_b = make_user("insp_b", "inspector", site=world.site_b)
    waiting = widgets.iqc_waiting(mgr_b)
    assert waiting["count"] == 1 and "Y-LOT-B" in titles(waiting)
    assert "X-LOT-A" not in titles(waiting)
    assert widgets.iqc_waiting(world.user("cqo"))["count"] == 2
    due = widgets.my_inspections(inspector_b)
    assert due["count"] == 1 and "SB" in titles(due) and "SA" not in titles(due)
    assert widgets.my_inspections(world.user("cqo"))["count"] == 2
    # the supplier sees neither widget (internal), and its IQC results only once judged
    assert not visible(world.user("supplier_x"), "iqc_waiting")
    assert not visible(world.user("supplier_x"), "my_inspections")


def test_supplier_iqc_results_are_the_suppliers_own(world: World) -> None:
    from tests.supplier.builders import judge

    setup_iqc(world, "A")
    judge(world, receive(world, world.supplier_x, supplier_lot="X-GOOD"), bad=0)
    judge(world, receive(world, world.supplier_y, supplier_lot="Y-BAD"), bad=3)
    supplier = world.user("supplier_x")
    assert visible(supplier, "supplier_iqc_results")
    data = widgets.supplier_iqc_results(supplier)
    assert data["count"] == 1 and "X-GOOD" in titles(data) and "Y-BAD" not in titles(data)
    assert widgets.supplier_iqc_results(world.user("cqo"))["count"] == 2
    _a, mgr_b = managers(world)
    assert widgets.supplier_iqc_results(mgr_b)["count"] == 0  # both received at site A


def scar(world: World, place: str, supplier, reason: str) -> ScarRequest:
    due = timezone.localdate() + timedelta(days=10)
    return ScarRequest.objects.create(
        capa=make_capa(world, place, kind="scar", supplier=supplier),
        supplier=supplier, site=world.where(place), reason=reason, containment_due=due,
        root_cause_due=due, corrective_due=due, closure_due=due,
    )  # fmt: skip


def test_supplier_scars_are_the_suppliers_own_and_the_sites(world: World) -> None:
    scar(world, "A", world.supplier_x, "Glass thickness X")
    scar(world, "B", world.supplier_y, "Glass thickness Y")
    data = widgets.supplier_scars(world.user("supplier_x"))
    assert data["count"] == 1 and "Glass thickness X" in titles(data)
    assert "Glass thickness Y" not in titles(data)
    _a, mgr_b = managers(world)
    only_b = widgets.supplier_scars(mgr_b)
    assert only_b["count"] == 1 and "Glass thickness Y" in titles(only_b)


def scorecard(world: World, supplier, month: date, grade: str, score: float, ppm: float):
    cat, _ = MaterialCategory.objects.get_or_create(
        code="GLASS", defaults={"name": "光伏玻璃", "name_en": "Solar glass"}
    )
    return Scorecard.objects.create(
        supplier=supplier, category=cat, month=month, grade=grade, score=score, ppm=ppm,
        items_sampled=1000, items_nonconforming=int(ppm / 1000),
    )  # fmt: skip


def test_supplier_grades_and_scorecard(world: World) -> None:
    scorecard(world, world.supplier_x, date(2026, 2, 1), "B", 82.0, 2000)
    scorecard(world, world.supplier_x, MARCH, "C", 71.5, 4000)
    scorecard(world, world.supplier_y, MARCH, "A", 95.0, 0)
    sqe = make_user("sqe", "supplier_quality_engineer")
    grades = widgets.supplier_grades(sqe)
    assert grades["month"] == "2026-03"
    assert grades["chart"]["series"][0]["data"] == [1, 0, 1, 0]  # A, B, C, D
    assert "SUP-X C" in titles(grades) and "SUP-Y" not in titles(grades)  # C and D listed
    supplier = world.user("supplier_x")
    assert not visible(supplier, "supplier_grades")  # the group's distribution: internal
    own = widgets.supplier_scorecard(supplier)
    assert own["chart"]["categories"] == ["2026-02", "2026-03"]
    assert [s["name"] for s in own["chart"]["series"]] == ["SUP-X GLASS"]
    assert own["chart"]["series"][0]["data"] == [82.0, 71.5]
    assert "SUP-Y" not in titles(own)


def test_complaints_and_sla_clocks(world: World) -> None:
    from tests.service.builders import make_complaint

    make_complaint(world, title="Hot spots on roof")
    cs = make_user("cs", "customer_service_engineer")
    data = widgets.complaints_sla(cs)
    assert data["count"] == 1 and "Hot spots on roof" in titles(data)
    assert data["rows"][0]["due"] is not None  # the SLA clock
    assert not visible(world.user("supplier_x"), "complaints_sla")
    assert widgets.complaints_sla(world.user("supplier_x"))["count"] == 0


def test_fmeas_flagged_for_review_by_site(world: World) -> None:
    for place in ("A", "B"):
        fmea = make_fmea(world, place)
        FmeaReviewTask.objects.create(
            fmea=fmea, fmea_number=fmea.number, kind="rerate", capa=make_capa(world, place)
        )
    _a, mgr_b = managers(world)
    data = widgets.fmea_review(mgr_b)
    assert data["count"] == 1 and "SB" in titles(data) and " SA" not in titles(data)
    assert widgets.fmea_review(world.user("cqo"))["count"] == 2
    assert not visible(world.user("supplier_x"), "fmea_review")


def test_fpy_today_by_line(world: World, monkeypatch) -> None:
    from tests.manufacturing.test_yield_builders import build_production

    build_production(world)
    monkeypatch.setattr(widgets, "today", lambda: date(2026, 3, 3))
    # 2026-03-03 (test_yield_builders): SA-M02 A2-01…05 → 5 started, 1 first pass (A2-03);
    # SB-M01 B-01 first pass, B-02 scrapped → 2 started, 1 first pass
    lines = {r["line"]: r for r in widgets.fpy_today(world.user("cqo"))["lines"]}
    assert (lines["SA-M02"]["started"], lines["SA-M02"]["first_pass"]) == (5, 1)
    assert lines["SA-M02"]["fpy"] == pytest.approx(20.0)
    _a, mgr_b = managers(world)
    only_b = widgets.fpy_today(mgr_b)
    assert [r["line"] for r in only_b["lines"]] == ["SB-M01"]
    assert only_b["chart"]["categories"] == ["SB-M01"]
    assert only_b["lines"][0]["fpy"] == pytest.approx(50.0)
    assert not visible(world.user("supplier_x"), "fpy_today")


def test_every_widget_has_a_scoping_test() -> None:
    tested = {
        "kpi_tiles", "my_capa_actions", "spc_alerts", "holds", "iqc_waiting", "my_inspections",
        "supplier_iqc_results", "supplier_scars", "supplier_grades", "supplier_scorecard",
        "complaints_sla", "fmea_review", "fpy_today", "top_risks",  # top_risks: test_risks
    }  # fmt: skip
    assert set(widgets.REGISTRY) == tested
