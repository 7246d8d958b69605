"""Line and product drill-downs of the span KPIs: the page shows the stored value of that line
or product (not the site's), lists only the records of the line or product, and stays inside
the user's scope. Data and hand-worked values: ``test_kpis_span_breakdown``."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from qdm.cockpit.models import KpiBreakdown
from qdm.cockpit.services import compute_kpis
from tests.cockpit.test_kpis_span_breakdown import CPK_X, CPK_Y, build_charts, build_responses
from tests.personas import World

pytestmark = pytest.mark.django_db

WEEK = "2026-03-02"


def drill_url(code: str, **params: str) -> str:
    return f"{reverse('cockpit:kpi_drill', args=[code])}?{urlencode(params)}"


@pytest.fixture
def computed(world: World) -> World:
    build_responses(world)
    build_charts(world)
    compute_kpis(date(2026, 3, 10), 9, kpi_codes=["complaint_response_days", "special_cpk"])
    return world


def page(client, code: str, **params: str) -> tuple[dict, list[list]]:
    response = client.get(drill_url(code, granularity="week", period=WEEK, **params))
    assert response.status_code == 200, response.content[:500]
    return response.context["values"], [row for row, _url in response.context["rows"]]


def test_the_line_drill_shows_the_line_median_and_its_complaints(computed: World, client_for):
    values, rows = page(client_for("eng_a"), "complaint_response_days", site="SA", line="SA-M01")
    # SA-M01 in the week: C1 1, C2 4, C4 2 days → median 2 of 3 (the site's is 3 of 4)
    assert (values["value"], values["denominator"]) == (2.0, 3.0)
    assert sorted(r[3] for r in rows) == [1, 2, 4]  # C2 names two SA-M01 modules: listed once
    # the records' median is the stored value
    assert sorted(r[3] for r in rows)[1] == values["value"]


def test_the_product_drill_shows_the_product_median(computed: World, client_for):
    values, rows = page(client_for("eng_a"), "complaint_response_days", site="SA", product="M2")
    # M2 in the week: C2 4, C4 2 days → median (2 + 4) / 2 = 3 of 2
    assert (values["value"], values["numerator"], values["denominator"]) == (3.0, 3.0, 2.0)
    assert sorted(r[3] for r in rows) == [2, 4]


def test_the_site_drill_still_shows_the_site_value(computed: World, client_for):
    values, rows = page(client_for("eng_a"), "complaint_response_days", site="SA")
    # C1 1, C2 4, C3 6, C4 2 → median 3 of 4; every line and product listed as a part
    assert (values["value"], values["denominator"]) == (3.0, 4.0)
    assert sorted(r[3] for r in rows) == [1, 2, 4, 6]
    assert {p["code"] for p in values["parts"]} == {"SA-M01", "SA-M02", "M1", "M2"}


def test_a_line_drill_without_a_stored_value_shows_none(computed: World, client_for):
    # 2 March: only C1 (SA-M01, 1 day) — the site has a value, SA-M02 has no row; its drill
    # shows no value rather than the site's
    day = {"granularity": "day", "period": "2026-03-02"}
    site = client_for("eng_a").get(drill_url("complaint_response_days", site="SA", **day))
    assert site.context["values"]["value"] == 1.0
    response = client_for("eng_a").get(
        drill_url("complaint_response_days", site="SA", line="SA-M02", **day)
    )
    assert response.status_code == 200
    assert response.context["values"]["value"] is None
    assert [row for row, _url in response.context["rows"]] == []
    assert 'data-testid="drill-value"' not in response.content.decode()


def test_the_cpk_line_drill_lists_the_line_charts(computed: World, client_for):
    values, rows = page(client_for("eng_a"), "special_cpk", site="SA", line="SA-M01")
    # SA-M01: (CPK_X + CPK_Y) / 2 = (1.504 + 0.7896) / 2 = 1.1468 of 2 charts
    assert values["value"] == pytest.approx((CPK_X + CPK_Y) / 2)
    assert values["denominator"] == 2.0
    assert sorted(r[0] for r in rows) == ["CC-X SA-M01", "SC-Y SA-M01"]
    assert sorted(r[3] for r in rows) == [round(CPK_Y, 3), round(CPK_X, 3)]
    body = client_for("eng_a").get(
        drill_url("special_cpk", site="SA", line="SA-M01", granularity="week", period=WEEK)
    )
    assert "1.15" in body.content.decode().split('data-testid="drill-value"')[1][:40]


def test_the_cpk_product_drill_has_no_charts(computed: World, client_for):
    values, rows = page(client_for("eng_a"), "special_cpk", site="SA", product="M1")
    assert rows == [] and values["value"] is None  # charts carry no module model


def test_site_a_sees_no_site_b_line_value(computed: World, client_for, api_for):
    eng_a = computed.user("eng_a")
    seen = KpiBreakdown.objects.for_user(eng_a, "view").filter(kpi="special_cpk")
    assert {r.line.code for r in seen} == {"SA-M01", "SA-M02"}
    assert KpiBreakdown.objects.filter(kpi="special_cpk", line__code="SB-M01").exists()
    response = api_for("eng_a").get(
        "/api/v1/cockpit/kpi-breakdowns/",
        {"kpi": "complaint_response_days", "dimension": "line", "granularity": "week"},
    )
    assert response.status_code == 200
    assert {r["site"] for r in response.json()["results"]} == {"SA"}
    # site B's line drill: out of scope → 404; eng_b sees it
    url = drill_url("special_cpk", site="SB", line="SB-M01", granularity="week", period=WEEK)
    assert client_for("eng_a").get(url).status_code == 404
    values, rows = page(client_for("eng_b"), "special_cpk", site="SB", line="SB-M01")
    assert values["value"] == pytest.approx(CPK_X) and len(rows) == 1
    # site B's line named at site A: a 400 naming the line, no value shown
    bad = client_for("eng_a").get(
        drill_url("complaint_response_days", site="SA", line="SB-M01", period=WEEK)
    )
    assert bad.status_code == 400 and bad.context["drill"] is None
