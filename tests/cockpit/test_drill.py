"""Drill-down from a KPI value to the records behind it: scoped (a site out of scope is a
404), bad parameters are a 400 naming the parameter, exportable as XLSX; and the technology
filter of the cross-site view."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qdm.cockpit.kpis import REGISTRY
from qdm.cockpit.kpis_drill import RECORDS
from qdm.cockpit.models import KpiBreakdown, KpiValue
from qdm.cockpit.selectors import cross_site
from qdm.cockpit.services import compute_kpis
from qdm.manufacturing.models import InspectionLot
from tests.design.builders import module_model
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan
from tests.personas import World

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _management_systems(db) -> None:
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    if not ManagementSystem.objects.filter(code="ISO9001").exists():
        load_catalog(ManagementSystem, Clause)


@pytest.fixture
def lots(world: World) -> World:
    """Three completed IQC lots at site A on 2 March (2 passed, 1 failed), one at B."""
    at = datetime(2026, 3, 2, 4, tzinfo=UTC)
    for place, verdicts in (("A", ["pass", "pass", "fail"]), ("B", ["fail"])):
        plan = glass_plan(world, place)
        site = world.site_a if place == "A" else world.site_b
        for i, verdict in enumerate(verdicts):
            InspectionLot.objects.create(
                number=f"IQC-{place}-{i}", plan=plan, site=site, unit=glass_lot(world, place),
                quantity=1000, inspected_at=at, verdict=verdict, status="completed",
                inspector=world.user("eng_a" if place == "A" else "eng_b"),
            )  # fmt: skip
    compute_kpis(date(2026, 3, 31), 31, kpi_codes=["iqc_acceptance"])
    return world


def url(code: str, **params: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse('cockpit:kpi_drill', args=[code])}?{urlencode(params)}"


def test_the_records_behind_an_iqc_value(lots: World, client_for) -> None:
    response = client_for("cqo").get(url("iqc_acceptance", site="SA", period="2026-03-01"))
    assert response.status_code == 200
    body = response.content.decode()
    # the month value: 2 passed of 3 → 66.67 %, and the three lots of A (none of B)
    assert "66.67" in body
    assert all(f"IQC-A-{i}" in body for i in range(3)) and "IQC-B-0" not in body
    numbers = [row[0] for row, _url in response.context["rows"]]
    assert numbers == ["IQC-A-0", "IQC-A-1", "IQC-A-2"]
    # a week or a day drill: any date of the period moves to its start
    week = client_for("cqo").get(
        url("iqc_acceptance", site="SA", period="2026-03-04", granularity="week")
    )
    assert week.context["scope"].first == date(2026, 3, 2)
    assert len(week.context["rows"]) == 3


def test_the_export_has_every_record(lots: World, client_for) -> None:
    response = client_for("cqo").get(
        url("iqc_acceptance", site="SA", period="2026-03-01", format="xlsx")
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('iqc_acceptance-SA-month-2026-03-01.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Lot" and [r[0] for r in rows[1:]] == ["IQC-A-0", "IQC-A-1", "IQC-A-2"]
    assert [r[2] for r in rows[1:]] == ["Pass", "Pass", "Fail"]


def test_a_site_out_of_scope_is_a_404(lots: World, client_for) -> None:
    assert (
        client_for("eng_b").get(url("iqc_acceptance", site="SA", period="2026-03-01")).status_code
        == 404
    )
    assert (
        client_for("supplier_x")
        .get(url("iqc_acceptance", site="SA", period="2026-03-01"))
        .status_code
        == 404
    )
    assert (
        client_for("eng_b").get(url("iqc_acceptance", site="SB", period="2026-03-01")).status_code
        == 200
    )
    # the group's supplier grades: internal users only
    KpiBreakdown.objects.create(
        kpi="supplier_grade_a", dimension="group", granularity="month", period_start=MARCH,
        value=50.0, numerator=1, denominator=2,
    )  # fmt: skip
    assert (
        client_for("supplier_x").get(url("supplier_grade_a", period="2026-03-01")).status_code
        == 404
    )
    assert client_for("cqo").get(url("supplier_grade_a", period="2026-03-01")).status_code in (
        200,
        404,
    )
    assert (
        client_for("cqo").get(url("no_such_kpi", site="SA", period="2026-03-01")).status_code == 404
    )
    assert client_for("cqo").get(url("iqc_acceptance")).status_code == 400  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"site": "SA", "period": "2026-13-01"}, "period: “2026-13-01” is not a date"),
        ({"site": "SA", "period": "2026-03-01", "granularity": "year"}, "Unknown granularity year"),
        ({"period": "2026-03-01"}, "site: choose a site"),
        ({"site": "SA", "period": "2026-03-01", "line": "NOPE"}, "line: no line NOPE at this site"),
        ({"site": "SA", "period": "2026-03-01", "product": "NOPE"}, "unknown module model NOPE"),
    ],
)
def test_bad_parameters_are_named(lots: World, client_for, params, message) -> None:
    response = client_for("cqo").get(url("iqc_acceptance", **params))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_every_kpi_has_a_drill_down_page(lots: World, client_for) -> None:
    assert set(RECORDS) == set(REGISTRY)
    client = client_for("cqo")
    KpiBreakdown.objects.create(
        kpi="supplier_grade_a", dimension="group", granularity="month", period_start=MARCH,
        value=50.0, numerator=1, denominator=2,
    )  # fmt: skip
    for code, kpi in REGISTRY.items():
        params = (
            {"period": "2026-03-01"} if kpi.company_wide else {"site": "SA", "period": "2026-03-01"}
        )
        response = client.get(url(code, **params))
        assert response.status_code == 200, code
        assert client.get(url(code, format="xlsx", **params)).status_code == 200, code


def test_technology_filter(lots: World, client_for) -> None:
    topcon = module_model("TC-1")  # family TOPCON (technology topcon)
    KpiBreakdown.objects.create(
        kpi="oqc_first_pass", dimension="product", site=lots.site_a, product=topcon,
        granularity="month", period_start=MARCH, value=90.0, numerator=9, denominator=10,
    )  # fmt: skip
    cqo = lots.user("cqo")
    data = cross_site(cqo, MARCH, technology="topcon")
    sites = {s["site"] for k in data["kpis"] if not k["company_wide"] for s in k["sites"]}
    assert sites == {"SA"}  # only A makes TOPCon modules
    client = client_for("cqo")
    response = client.get(reverse("cockpit:cross_site"), {"technology": "topcon"})
    assert ("topcon", "TOPCon") in response.context["choices"]["technologies"]
    bad = client.get(reverse("cockpit:cross_site"), {"technology": "cigs"})
    assert "Unknown technology cigs." in bad.content.decode()
    # a site-B user is offered no technology of site A
    assert (
        client_for("eng_b").get(reverse("cockpit:cross_site")).context["choices"]["technologies"]
        == []
    )
    assert KpiValue.objects.filter(kpi="iqc_acceptance", site=lots.site_a).exists()  # fmt: skip


def test_the_breakdown_api_is_scoped_and_read_only(lots: World, api_for) -> None:
    line_row = KpiBreakdown.objects.create(
        kpi="oqc_first_pass", dimension="line", site=lots.site_a, line=lots.line_a,
        granularity="month", period_start=MARCH, value=90.0, numerator=9, denominator=10,
    )  # fmt: skip
    KpiBreakdown.objects.create(
        kpi="supplier_grade_a", dimension="group", granularity="month", period_start=MARCH,
        value=50.0, numerator=1, denominator=2,
    )  # fmt: skip

    def seen(persona: str) -> set[tuple]:
        response = api_for(persona).get("/api/v1/cockpit/kpi-breakdowns/", {"granularity": "month"})
        if response.status_code == 403:
            return set()
        return {(r["dimension"], r["site"], r["line"]) for r in response.json()["results"]}

    assert seen("cqo") == {("line", "SA", lots.line_a.code), ("group", None, None)}
    assert seen("eng_b") == {("group", None, None)}  # the group's figures, no site-A line
    assert seen("supplier_x") == set()
    api = api_for("eng_b")
    assert api.get(f"/api/v1/cockpit/kpi-breakdowns/{line_row.pk}/").status_code == 404
    assert api_for("cqo").delete(f"/api/v1/cockpit/kpi-breakdowns/{line_row.pk}/").status_code in (
        403,
        405,
    )
    assert KpiBreakdown.objects.filter(pk=line_row.pk).exists()  # fmt: skip


def test_the_goal_page_links_each_month_to_its_drill_down(lots: World, client_for) -> None:
    from qdm.cockpit.models import QualityGoal

    goal = QualityGoal.objects.create(
        code="G-IQC-SA", title="IQC acceptance A", year=2026, kpi="iqc_acceptance",
        direction="at_least", target=90.0, site=lots.site_a, owner=lots.user("cqo"),
    )  # fmt: skip
    client = client_for("cqo")
    page = client.get(goal.get_absolute_url())
    assert page.status_code == 200
    href = url("iqc_acceptance", site="SA", period="2026-03-01", granularity="month")
    body = page.content.decode().replace("&amp;", "&")
    assert href in body
    assert "IQC-A-0" in client.get(href).content.decode()
