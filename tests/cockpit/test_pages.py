"""The cockpit pages: cross-site view, alerts centre and the landing tiles, each scoped
(a site-B manager sees no site-A numbers or alerts)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.cockpit.alerts import scan
from qdm.cockpit.models import KpiValue
from qdm.cockpit.selectors import alert_count, alerts, cross_site, group_tiles
from qdm.manufacturing.models import SpcViolation
from qdm.system.models import Certificate
from tests.manufacturing.builders import make_chart
from tests.personas import World, make_user
from tests.system.builders import action, make_capa
from tests.system.builders_ims import system

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _management_systems(db) -> None:
    """The standards registry (seeded by a data migration) for runs without migrations."""
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    if not ManagementSystem.objects.filter(code="ISO9001").exists():
        load_catalog(ManagementSystem, Clause)


MARCH = date(2026, 3, 1)


def kpi(code: str, site, month: date, num: float, den: float | None, value: float) -> None:
    for granularity in ("day", "month"):
        KpiValue.objects.create(
            kpi=code, site=site, granularity=granularity, period_start=month,
            value=value, numerator=num, denominator=den,
        )  # fmt: skip


@pytest.fixture
def kpis(world: World) -> World:
    # FPY: A 970 of 1000 = 97.0 %, B 990 of 1000 = 99.0 %; complaints A 3, B 1
    kpi("fpy", world.site_a, MARCH, 970, 1000, 97.0)
    kpi("fpy", world.site_b, MARCH, 990, 1000, 99.0)
    kpi("fpy", world.site_a, date(2026, 2, 1), 950, 1000, 95.0)
    kpi("complaints", world.site_a, MARCH, 3, None, 3.0)
    kpi("complaints", world.site_b, MARCH, 1, None, 1.0)
    return world


def manager_b(world: World):
    return make_user("mgr_b", "site_quality_manager", site=world.site_b)


def test_cross_site_ranks_by_direction_with_trend(kpis: World) -> None:
    data = cross_site(kpis.user("cqo"), MARCH)
    by_code = {k["code"]: k for k in data["kpis"]}
    fpy = by_code["fpy"]["sites"]
    # higher is better: B (99.0) first, A (97.0) second
    assert [(s["site"], s["rank"], s["value"]) for s in fpy] == [("SB", 1, 99.0), ("SA", 2, 97.0)]
    assert fpy[1]["trend"][-2:] == [95.0, 97.0]  # February, March of A
    # lower is better: B (1 complaint) first
    assert [s["site"] for s in by_code["complaints"]["sites"]] == ["SB", "SA"]
    assert data["months"][-1] == "2026-03" and len(data["months"]) == 12


def test_group_tiles_recompute_ratios_from_the_sums(kpis: World) -> None:
    tiles = {t["code"]: t["value"] for t in group_tiles(kpis.user("cqo"), MARCH)}
    assert tiles["fpy"] == pytest.approx(98.0)  # (970 + 990) / 2000
    assert tiles["complaints"] == 4.0  # 3 + 1
    assert tiles["scrap_rate"] is None  # nothing materialised
    # a site-B manager's group is site B only
    only_b = {t["code"]: t["value"] for t in group_tiles(manager_b(kpis), MARCH)}
    assert only_b["fpy"] == pytest.approx(99.0) and only_b["complaints"] == 1.0


def test_site_b_manager_sees_no_site_a_numbers(kpis: World, client) -> None:
    client.force_login(manager_b(kpis))
    response = client.get(reverse("cockpit:cross_site"), {"month": "2026-03"})
    assert response.status_code == 200
    data = response.context["data"]
    sites = {s["site"] for k in data["kpis"] if not k["company_wide"] for s in k["sites"]}
    assert sites == {"SB"}
    body = response.content.decode()
    assert "97.00" not in body and "99.00" in body
    assert 'data-site="SA"' not in body
    home = client.get(reverse("cockpit:home")).content.decode()
    assert 'data-kpi="fpy">99.00 %' in home


def test_the_cross_site_page_for_the_group_and_a_bad_month(kpis: World, client_for) -> None:
    client = client_for("cqo")
    body = client.get(reverse("cockpit:cross_site"), {"month": "2026-03"}).content.decode()
    assert "97.00 %" in body and "99.00 %" in body
    assert 'id="cockpit-cross-site-data"' in body and "qdm/cockpit.js" in body
    bad = client.get(reverse("cockpit:cross_site"), {"month": "2026-13"})
    assert bad.status_code == 200
    assert "“2026-13” is not a month (YYYY-MM)." in bad.content.decode()
    # the latest month is the default
    assert client.get(reverse("cockpit:cross_site")).context["month"] == "2026-03"
    home = client.get(reverse("cockpit:home")).content.decode()
    assert 'data-kpi="fpy">98.00 %' in home  # (970 + 990) / 2000
    assert 'data-kpi="complaints">4<' in home  # 3 + 1, a count: no decimals


@pytest.fixture
def open_alerts_a(world: World) -> World:
    now = timezone.now()
    config = make_chart(world, "A")
    SpcViolation.objects.create(
        config=config, part="primary", rule=1, point_time=now, value=151.0, detected_at=now
    )
    capa = make_capa(world, "A")
    action(capa, "d3", capa.champion, due_date=timezone.localdate() - timedelta(days=2))
    action(capa, "d5", capa.champion, due_date=timezone.localdate() + timedelta(days=5))
    Certificate.objects.create(
        site=world.site_a, system=system("ISO9001"), number="CN-9001-SA", body="TÜV SÜD",
        issued_on=date(2023, 5, 1), expires_on=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    Certificate.objects.create(
        site=world.site_a, system=system("ISO9001"), number="CN-9001-LATER", body="TÜV SÜD",
        issued_on=date(2025, 5, 1), expires_on=timezone.localdate() + timedelta(days=400),
    )  # fmt: skip
    scan()  # the alerts centre lists the alerts materialised by ``qdm alerts scan``
    return world


def test_alerts_of_site_a(open_alerts_a: World, client_for) -> None:
    found = alerts(open_alerts_a.user("eng_a"))
    # one open violation, one overdue action (the other is due in 5 days), one certificate
    # within 90 days (the other expires in 400)
    assert [len(found[k]) for k in ("spc", "capa", "certificate")] == [1, 1, 1]
    assert found["certificate"][0].title.startswith("CN-9001-SA")
    assert alert_count(open_alerts_a.user("eng_a")) == 3
    body = client_for("eng_a").get(reverse("cockpit:alerts")).content.decode()
    assert "CN-9001-SA" in body and "/acknowledge/" in body


def test_a_site_b_user_sees_no_site_a_alert(open_alerts_a: World, client_for) -> None:
    found = alerts(open_alerts_a.user("eng_b"))
    assert [len(found[k]) for k in ("spc", "capa", "certificate")] == [0, 0, 0]
    assert alert_count(open_alerts_a.user("eng_b")) == 0
    body = client_for("eng_b").get(reverse("cockpit:alerts")).content.decode()
    assert "CN-9001-SA" not in body and "/acknowledge/" not in body


def test_pages_need_a_login(client) -> None:
    for name in ("cockpit:cross_site", "cockpit:alerts"):
        assert client.get(reverse(name)).status_code == 302


def test_kpi_values_are_scoped_by_site(kpis: World) -> None:
    def seen(persona: str) -> set[str]:
        rows = KpiValue.objects.for_user(kpis.user(persona), "view")
        return set(rows.values_list("site__code", flat=True))

    assert seen("eng_a") == {"SA"}
    assert seen("eng_b") == {"SB"}
    assert seen("cqo") == {"SA", "SB"}
    assert seen("supplier_x") == set()
    assert seen("outsider") == set()
    assert {s["site"] for k in cross_site(kpis.user("supplier_x"), MARCH)["kpis"]
            for s in k["sites"]} == set()  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("eng_a", {"SA"}), ("eng_b", {"SB"}), ("cqo", {"SA", "SB"}), ("outsider", set())],
)
def test_the_api_lists_the_scope_and_is_read_only(kpis: World, api_for, persona, expected):
    api = api_for(persona)
    response = api.get("/api/v1/cockpit/kpi-values/", {"kpi": "fpy", "granularity": "month"})
    if not expected:
        assert response.status_code in (403, 200)
        if response.status_code == 200:
            assert response.json()["results"] == []
        return
    rows = response.json()["results"]
    assert {r["site"] for r in rows} == expected
    march = {r["site"]: r["value"] for r in rows if r["period_start"] == "2026-03-01"}
    assert march == {s: {"SA": 97.0, "SB": 99.0}[s] for s in expected}
    row_a = KpiValue.objects.filter(site=kpis.site_a).first()
    status = api.get(f"/api/v1/cockpit/kpi-values/{row_a.pk}/").status_code
    assert status == (200 if "SA" in expected else 404)
    before = KpiValue.objects.count()
    assert api.post("/api/v1/cockpit/kpi-values/", {"kpi": "fpy"}).status_code in (403, 405)
    assert api.delete(f"/api/v1/cockpit/kpi-values/{row_a.pk}/").status_code in (403, 404, 405)
    assert KpiValue.objects.count() == before


def test_filters_by_country_and_business_unit(kpis: World, client_for) -> None:
    client = client_for("cqo")
    # site A is in CN, site B in VN; both in business unit BU
    response = client.get(reverse("cockpit:cross_site"), {"month": "2026-03", "country": "VN"})
    sites = {
        s["site"]
        for k in response.context["data"]["kpis"]
        if not k["company_wide"]
        for s in k["sites"]
    }
    assert sites == {"SB"}
    response = client.get(reverse("cockpit:cross_site"), {"business_unit": "BU"})
    sites = {
        s["site"]
        for k in response.context["data"]["kpis"]
        if not k["company_wide"]
        for s in k["sites"]
    }
    assert sites == {"SA", "SB"}
    bad = client.get(reverse("cockpit:cross_site"), {"country": "FR", "business_unit": "BU"})
    assert "Unknown country FR." in bad.content.decode()
    assert {s["site"] for s in bad.context["data"]["kpis"][0]["sites"]} == {"SA", "SB"}
    # a site-B manager is offered only its own country
    choices = client_for("eng_b").get(reverse("cockpit:cross_site")).context["choices"]
    assert choices["countries"] == [("VN", "VN")]


def test_values_link_to_the_records_behind_them(kpis: World, client_for) -> None:
    data = cross_site(kpis.user("cqo"), MARCH)
    cells = {(k["code"], s["site"]): s["url"] for k in data["kpis"] for s in k["sites"]}
    # every value links to its drill-down page (the records behind it), for its site and month
    assert cells[("fpy", "SA")] == "/cockpit/kpis/fpy/?period=2026-03-01&granularity=month&site=SA"
    assert cells[("iqc_acceptance", "SB")] == (
        "/cockpit/kpis/iqc_acceptance/?period=2026-03-01&granularity=month&site=SB"
    )
    assert cells[("supplier_grade_a", "")] == (
        "/cockpit/kpis/supplier_grade_a/?period=2026-03-01&granularity=month"
    )
    client = client_for("cqo")
    for url in {cells[(code, "SA")] for code, site in cells if site == "SA"}:
        assert client.get(url).status_code == 200, url
