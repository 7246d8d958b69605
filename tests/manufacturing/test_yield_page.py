"""The yield page, its XLSX export and ``GET /api/v1/manufacturing/yield/``: the same
figures as the service (worked out in ``test_yield_builders``), scope (site engineers see
their site only; supplier users and outsiders are refused), and bad input."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qdm.manufacturing.services.yields import local_today
from tests.manufacturing.test_yield_builders import build_production
from tests.personas import World

pytestmark = pytest.mark.django_db

URL = "/manufacturing/yield/"
API = "/api/v1/manufacturing/yield/"
PERIOD = {"date_from": "2026-03-02", "date_to": "2026-03-04"}
DATA_BLOCK = re.compile(r'<script id="yield-data" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def production(world: World) -> World:
    build_production(world)
    return world


def page_data(response: Any) -> dict[str, Any]:
    match = DATA_BLOCK.search(response.content.decode())
    assert match, "no JSON data block on the page"
    return json.loads(match.group(1))


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def test_the_url_is_named_and_in_the_menu(production: World, client_for) -> None:
    assert reverse("manufacturing:yield") == URL
    assert f'href="{URL}"' in client_for("eng_a").get("/manufacturing/").content.decode()


def test_the_page_shows_the_chart_data_and_the_tables(production: World, client_for) -> None:
    response = client_for("eng_a").get(URL, PERIOD)
    assert response.status_code == 200
    data = page_data(response)
    # per day (started, first pass): (5, 1), (5, 1), (2, 2) → FPY 20 %, 20 %, 100 %
    assert data["periods"] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert data["started"] == [5, 5, 2]
    assert data["fpy"] == [20.0, 20.0, 100.0]
    assert [line["name"] for line in data["lines"]] == ["SA-M01", "SA-M02"]
    assert data["lines"][0]["fpy"] == [20.0, None, 100.0]  # SA-M01: 1 of 5, none, 2 of 2
    assert data["pareto"]["codes"][:3] == ["CRK-A", "CRK-B", "MOD-VIS-APP"]
    assert data["pareto"]["cumulative"][-1] == 100.0
    html = response.content.decode()
    assert 'src="/static/qdm/yield.js"' in html
    assert "33.33 %" in html  # FPY 4 / 12
    assert "8.33 %" in html  # scrap 1 / 12
    assert "16.67 %" in html  # downgrade 2 / 12
    assert "SB-M01" not in html and "BRK" not in html
    # defects by line, codes in Pareto order (see EXPECTED_PARETO and the modules' lines)
    matrix = response.context["pareto_lines"]
    assert matrix["codes"] == ["CRK-A", "CRK-B", "MOD-VIS-APP", "CRK-C", "HIPOT", "PWR-LOW", "SOLD"]
    assert [(r["line"], r["cells"], r["total"]) for r in matrix["rows"]] == [
        ("SA-M01", [1, 2, 0, 1, 0, 1, 1], 6),  # A1-06; A1-03; A1-05; A1-04; A1-05
        ("SA-M02", [3, 0, 2, 0, 1, 0, 0], 6),  # A2-02; IPQA on A2-03; A2-01
    ]


def test_the_export_carries_the_period_by_line_table(production: World, client_for) -> None:
    response = client_for("eng_a").get(URL, {**PERIOD, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="yield-2026-03-02-2026-03-04.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Period", "Site", "Line", "Started", "First-pass good", "FPY %")
    # SA-M01 on the 2nd: A1-01…05 started, A1-01 first pass, A1-05 scrapped, A1-03 downgraded
    assert rows[1] == ("2026-03-02", "SA", "SA-M01", 5, 1, 20.0, 1, 20.0, 1, 20.0)
    assert rows[2] == ("2026-03-03", "SA", "SA-M02", 5, 1, 20.0, 0, 0.0, 1, 20.0)
    assert rows[3] == ("2026-03-04", "SA", "SA-M01", 2, 2, 100.0, 0, 0.0, 0, 0.0)
    assert len(rows) == 4


def test_the_default_period_is_the_last_30_days(production: World, client_for) -> None:
    response = client_for("eng_a").get(URL)
    assert response.status_code == 200
    today = local_today([production.site_a])  # Shanghai's date
    shown = f"{today - timedelta(days=29):%Y-%m-%d} – {today:%Y-%m-%d}"
    html = response.content.decode()
    assert shown in html
    assert f'name="date_to" value="{today:%Y-%m-%d}"' in html
    assert page_data(response)["periods"] == []  # the hand-built data are from March 2026


def test_site_b_engineer_sees_site_b_only(production: World, client_for, api_for) -> None:
    data = page_data(client_for("eng_b").get(URL, PERIOD))
    assert data["started"] == [2] and data["fpy"] == [50.0]  # B-01 good, B-02 grade C
    body = api_for("eng_b").get(API, PERIOD).json()
    assert body["sites"] == ["SB"] and body["totals"]["started"] == 2
    assert [p["code"] for p in body["pareto"]] == ["BRK"]


@pytest.mark.parametrize("persona", ["supplier_x", "outsider"])
def test_supplier_users_and_outsiders_are_refused(
    production: World, persona: str, client_for, api_for
) -> None:
    assert client_for(persona).get(URL, PERIOD).status_code == 403
    response = api_for(persona).get(API, PERIOD)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert 'href="/manufacturing/yield/"' not in client_for(persona).get("/").content.decode()


def test_anonymous_users_go_to_the_login(client) -> None:
    assert client.get(URL).status_code == 302
    assert client.get(API).status_code in (401, 403)


def test_the_api_gives_the_service_figures(production: World, api_for) -> None:
    response = api_for("eng_a").get(API, {**PERIOD, "granularity": "week", "line": "SA-M02"})
    assert response.status_code == 200
    body = response.json()
    assert body["filters"]["line"] == "SA-M02" and body["filters"]["granularity"] == "week"
    # line 2: A2-01…05 started, A2-03 first pass, A2-05 downgraded
    assert body["totals"]["started"] == 5 and body["totals"]["first_pass"] == 1
    assert body["totals"]["fpy"] == pytest.approx(0.2)
    assert body["totals"]["downgrade_rate"] == pytest.approx(0.2)
    assert [p["period"] for p in body["periods"]] == ["2026-W10"]
    assert [(p["code"], p["count"]) for p in body["pareto"]] == [
        ("CRK-A", 3),
        ("MOD-VIS-APP", 2),
        ("HIPOT", 1),
    ]
    product = api_for("cqo").get(API, {**PERIOD, "module_model": "TC-585"}).json()
    assert product["totals"]["started"] == 1  # A2-03


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "Enter a valid date."),
        (
            {"date_from": "2026-03-05", "date_to": "2026-03-01"},
            "date_to",
            "The start date is after",
        ),
        ({"date_from": "2025-01-01", "date_to": "2026-03-04"}, "date_to", "at most 366 days"),
        ({"line": "SB-M01"}, "line", "Select a valid choice."),  # site B's line, for eng_a
        ({"line": "NO-SUCH-LINE"}, "line", "Select a valid choice."),
        ({"site": "SB"}, "site", "Select a valid choice."),
        ({"granularity": "hour"}, "granularity", "Select a valid choice."),
        ({"module_model": "XX-1"}, "module_model", "Select a valid choice."),
    ],
)
def test_bad_input_is_a_form_error_and_a_400(
    production: World, client_for, api_for, params: dict, field: str, text: str
) -> None:
    page = client_for("eng_a").get(URL, params)
    assert page.status_code == 400
    assert text in page.content.decode()
    assert not DATA_BLOCK.search(page.content.decode())
    response = api_for("eng_a").get(API, params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["message"]
    assert text in " ".join(error["fields"][field])


def test_a_line_outside_the_chosen_site_is_refused(production: World, client_for, api_for) -> None:
    params = {**PERIOD, "site": "SA", "line": "SB-M01"}
    page = client_for("cqo").get(URL, params)
    assert page.status_code == 400
    assert "Line SB-M01 is not at site SA." in page.content.decode()
    error = error_of(api_for("cqo").get(API, params))
    assert error["fields"] == {"line": ["Line SB-M01 is not at site SA."]}


def test_unknown_api_parameters_are_named(production: World, api_for) -> None:
    response = api_for("eng_a").get(API, {"from": "2026-03-02", "date_to": "2026-03-04"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "unknown_field" and "from" in error["message"]
