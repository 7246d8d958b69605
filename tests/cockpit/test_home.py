"""The role home pages: each role lands on its own widgets, a user may choose theirs (UI and
API, bad input refused with a message naming the widget), widgets load alone (HTMX, JSON),
and the factory wall shows one site of the user's scope (404 for another)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qdm.cockpit import widgets
from qdm.cockpit.alerts import scan
from qdm.cockpit.models import KpiValue
from qdm.cockpit.models_home import HomeLayout
from qdm.cockpit.views_home import wall_data
from qdm.manufacturing.models import SpcViolation
from tests.manufacturing.builders import make_chart
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>")

ROLE_USERS = {
    # username: (role, scope key or None, the role's first widgets)
    "cqo2": ("chief_quality_officer", None, ["kpi_tiles", "top_risks", "spc_alerts"]),
    "mgr_a": ("site_quality_manager", "A", ["kpi_tiles", "fpy_today", "spc_alerts"]),
    "qe_a": ("quality_engineer", "A", ["my_capa_actions", "spc_alerts", "fpy_today"]),
    "insp_a": ("inspector", "A", ["my_inspections", "iqc_waiting", "holds"]),
    "sqe": ("supplier_quality_engineer", None, ["supplier_grades", "iqc_waiting"]),
    "cs": ("customer_service_engineer", None, ["complaints_sla", "my_capa_actions"]),
    "sup_x": ("supplier_user", "X", ["supplier_scars", "supplier_iqc_results"]),
}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_for(world: World, username: str):
    role, where, _first = ROLE_USERS[username]
    if where is None:
        return make_user(username, role)
    key = "supplier" if where in ("X", "Y") else "site"
    return make_user(username, role, **{key: world.where(where)})


def shown(response) -> list[str]:
    return re.findall(r'\bid="widget-([a-z_]+)"', response.content.decode())


@pytest.mark.parametrize("username", list(ROLE_USERS))
def test_each_role_lands_on_its_own_widgets(world: World, username: str) -> None:
    user = user_for(world, username)
    response = login(user).get(reverse("cockpit:my_home"))
    assert response.status_code == 200
    codes = shown(response)
    first = ROLE_USERS[username][2]
    assert codes[: len(first)] == first
    assert codes == widgets.default_codes(user)
    body = response.content.decode()
    assert "qdm/cockpit_home.js" in body and not INLINE_SCRIPT.search(body)
    role = ROLE_USERS[username][0]
    assert widgets.home_role(user) == role


def test_internal_users_land_on_their_role_page_at_slash(world: World, client_for) -> None:
    response = client_for("cqo").get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Home page of the Chief quality officer" in body
    assert 'data-testid="kpi-sites">2<' in body  # the scope strip: both sites
    eng = client_for("eng_a").get("/").content.decode()
    assert "Home page of the Quality engineer" in eng and 'data-testid="kpi-sites">1<' in eng


def test_a_supplier_users_home_holds_only_supplier_widgets(world: World) -> None:
    user = world.user("supplier_x")
    assert {w.code for w in widgets.available(user)} == {
        "supplier_scars", "supplier_iqc_results", "supplier_scorecard",
    }  # fmt: skip
    body = login(user).get(reverse("cockpit:my_home")).content.decode()
    assert 'data-testid="kpi-sites"' not in body  # no site strip for external users


def test_the_lazy_risk_widget_loads_by_htmx(world: World, client_for) -> None:
    body = client_for("cqo").get("/").content.decode()
    assert f'hx-get="{reverse("cockpit:home_widget", args=["top_risks"])}"' in body
    fragment = client_for("cqo").get(reverse("cockpit:home_widget", args=["top_risks"]))
    assert fragment.status_code == 200
    assert 'data-widget="top_risks"' in fragment.content.decode()


def test_widget_endpoints_are_scoped(world: World, client_for, api_for) -> None:
    now = timezone.now()
    SpcViolation.objects.create(
        config=make_chart(world, "A"), part="primary", rule=1, point_time=now, value=151.0,
        detected_at=now,
    )  # fmt: skip
    url = reverse("cockpit:home_widget", args=["spc_alerts"])
    assert "LAM-TEMP SA-M01" in client_for("eng_a").get(url).content.decode()
    assert "LAM-TEMP SA-M01" not in client_for("eng_b").get(url).content.decode()
    api = reverse("cockpit:api_home_widget", args=["spc_alerts"])
    assert api_for("eng_a").get(api).json()["count"] == 1
    assert api_for("eng_b").get(api).json()["count"] == 0
    # unknown widget, or one the user may not see: 404
    assert client_for("eng_a").get(reverse("cockpit:home_widget", args=["nope"])).status_code == 404
    assert client_for("supplier_x").get(url).status_code == 404
    assert api_for("supplier_x").get(api).status_code == 404


def test_choose_order_and_reset_widgets(world: World, client_for) -> None:
    client = client_for("eng_a")
    page = client.get(reverse("cockpit:home_layout"))
    assert page.status_code == 200 and 'name="position-holds"' in page.content.decode()
    response = client.post(
        reverse("cockpit:home_layout"),
        {"widget": ["holds", "spc_alerts"], "position-holds": "2", "position-spc_alerts": "1"},
    )
    assert response.status_code == 302
    assert HomeLayout.objects.get(user=world.user("eng_a")).widgets == ["spc_alerts", "holds"]
    assert shown(client.get("/")) == ["spc_alerts", "holds"]
    client.post(reverse("cockpit:home_layout"), {"reset": "1"})
    assert not HomeLayout.objects.filter(user=world.user("eng_a")).exists()
    assert shown(client.get("/")) == widgets.default_codes(world.user("eng_a"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"widget": ["weather"]}, "Unknown widget “weather”."),
        ({"widget": ["holds"], "position-holds": "first"}, "must be a whole number, not “first”"),
        ({}, "Choose at least one widget."),
    ],
)
def test_bad_layouts_are_refused(world: World, client_for, data, message) -> None:
    response = client_for("eng_a").post(reverse("cockpit:home_layout"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HomeLayout.objects.exists()


def test_a_supplier_may_not_choose_internal_widgets(world: World, client_for) -> None:
    response = client_for("supplier_x").post(
        reverse("cockpit:home_layout"), {"widget": ["supplier_scars", "kpi_tiles"]}
    )
    assert response.status_code == 400
    assert "The widget “kpi_tiles” is not available to you." in response.content.decode()
    assert not HomeLayout.objects.exists()


def test_layout_api(world: World, api_for) -> None:
    api = api_for("eng_b")
    url = reverse("cockpit:api_home_layout")
    got = api.get(url).json()
    assert got["role"] == "quality_engineer" and got["widgets"] == got["defaults"]
    assert api.put(url, {"widgets": ["holds"]}, format="json").json() == {"widgets": ["holds"]}
    assert api.get(url).json()["widgets"] == ["holds"]
    bad = api.put(url, {"widgets": ["holds", "holds"]}, format="json")
    assert bad.status_code == 400 and "listed twice" in bad.json()["detail"]
    assert api.put(url, {"widgets": "holds"}, format="json").status_code == 400
    assert api.delete(url).status_code == 204
    assert api.get(url).json()["widgets"] == got["defaults"]


def test_a_widget_no_longer_available_drops_out_of_a_saved_layout(world: World) -> None:
    user = world.user("supplier_x")  # e.g. saved before the user became external
    HomeLayout.objects.create(user=user, widgets=["kpi_tiles", "supplier_scars"])
    assert widgets.layout_codes(user) == ["supplier_scars"]


# --- the factory wall ---------------------------------------------------------------------


def test_the_wall_shows_one_site_of_the_users_scope(world: World, client_for) -> None:
    KpiValue.objects.create(
        kpi="fpy", site=world.site_a, granularity="month", period_start=date(2026, 3, 1),
        value=97.0, numerator=970, denominator=1000,
    )  # fmt: skip
    KpiValue.objects.create(
        kpi="fpy", site=world.site_b, granularity="month", period_start=date(2026, 3, 1),
        value=99.0, numerator=990, denominator=1000,
    )  # fmt: skip
    now = timezone.now()
    SpcViolation.objects.create(
        config=make_chart(world, "A"), part="primary", rule=1, point_time=now, value=151.0,
        detected_at=now,
    )  # fmt: skip
    scan()  # the wall counts the alerts the daily scan stored, as the alerts centre lists them
    manager_a = make_user("mgr_a", "site_quality_manager", site=world.site_a)
    client = Client()
    client.force_login(manager_a)
    page = client.get(reverse("cockpit:wall"), {"site": "SA"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'hx-trigger="every 60s"' in body and "/cockpit/wall/panel/?site=SA" in body
    assert 'data-kpi="fpy">97.00 %' in body and "99.00" not in body
    assert 'data-testid="wall-alert-count">1<' in body and "LAM-TEMP SA-M01" in body
    assert not INLINE_SCRIPT.search(body)
    panel = client.get(reverse("cockpit:wall_panel"), {"site": "SA"})
    assert panel.status_code == 200 and "<html" not in panel.content.decode()
    # site B is not in the scope of a site-A manager: 404, for the panel too
    assert client.get(reverse("cockpit:wall"), {"site": "SB"}).status_code == 404
    assert client.get(reverse("cockpit:wall_panel"), {"site": "SB"}).status_code == 404
    assert client.get(reverse("cockpit:wall"), {"site": "NOPE"}).status_code == 404
    # without a site: choose one of the scope
    chooser = client.get(reverse("cockpit:wall")).content.decode()
    assert "?site=SA" in chooser and "?site=SB" not in chooser
    assert client_for("supplier_x").get(reverse("cockpit:wall"), {"site": "SA"}).status_code == 404


def test_the_walls_fpy_by_line_today(world: World) -> None:
    from tests.manufacturing.test_yield_builders import build_production

    build_production(world)
    # 2026-03-03 at site B (test_yield_builders): B-01 first pass, B-02 scrapped → 50 %
    data = wall_data(world.user("eng_b"), world.site_b, today=date(2026, 3, 3))
    assert [(r["line"], r["started"], r["first_pass"]) for r in data["lines"]] == [("SB-M01", 2, 1)]
    assert data["fpy"]["chart"]["series"][0]["data"] == [pytest.approx(50.0)]
    assert wall_data(world.user("eng_b"), world.site_b, today=date(2026, 3, 5))["lines"] == []


def test_pages_need_a_login(client) -> None:
    for name in ("cockpit:home_layout", "cockpit:wall", "cockpit:my_home"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response.url
