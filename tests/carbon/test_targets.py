"""Carbon targets per site and year, the intensity selectors the cockpit reads (kg CO₂e per
kWp = t CO₂e per MW, Scope 1 + 2 market-based, hand-computed), the trend page, the API and
scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qdm.carbon import selectors
from qdm.carbon.models import ActivityRecord, CarbonTarget
from qdm.data.models import Unit
from tests.carbon import builders as b
from tests.personas import World

pytestmark = pytest.mark.django_db


def data(world: World) -> None:
    """Site A (CN, 0.5 kg/kWh), January 2026: 10 MWh grid, 2 MWh certificates, 100 Nm³ gas
    (2 kg/Nm³), and 25 modules of 400 W produced (10 kWp)."""
    b.library()
    model = b.module_model()
    month = dt.date(2026, 1, 1)
    for kind, key, qty, unit, scheme in (
        ("grid", "electricity", 10, "MWh", ""),
        ("certificates", "electricity", 2, "MWh", "GEC"),
        ("fuel", "natural gas", 100, "Nm3", ""),
    ):
        ActivityRecord.objects.create(
            site=world.site_a, month=month, kind=kind, key=key, quantity=qty, unit=unit,
            certificate_scheme=scheme,
        )  # fmt: skip
    at = timezone.make_aware(dt.datetime(2026, 1, 20, 8))
    for i in range(25):
        Unit.objects.create(code=f"MOD-{i}", kind="module", site=world.site_a, module_model=model,
                            produced_at=at, quantity=1)  # fmt: skip


def test_intensity_per_kwp_and_per_mw_by_hand(world: World) -> None:
    data(world)
    rows = selectors.intensity_by_site_month(world.user("cqo"), 2026)
    # Scope 1: 100 × 2 = 200 kg; Scope 2 market: (10 000 − 2 000) kWh × 0.5 = 4 000 kg
    # → 4.2 t over 10 kWp = 0.01 MW → 420 t/MW = 420 kg/kWp
    (row,) = rows
    assert row["site"] == world.site_a.code and row["month"] == "2026-01"
    assert row["t_co2e"] == pytest.approx(4.2)
    assert row["kg_per_kwp"] == pytest.approx(420.0)
    assert row["t_per_mw"] == row["kg_per_kwp"]
    assert selectors.site_month_intensity(world.user("cqo"), world.site_a.code, "2026-01") == row
    assert selectors.site_month_intensity(world.user("cqo"), world.site_a.code, "2026-02") is None
    assert selectors.intensity_by_site_month(world.user("eng_b"), 2026) == []  # site B only


def test_targets_status_and_trend_page(world: World, client_for) -> None:
    data(world)
    CarbonTarget.objects.create(site=world.site_a, year=2026, kg_per_kwp=400)
    CarbonTarget.objects.create(site=world.site_b, year=2026, kg_per_kwp=300)
    status = selectors.target_status(world.user("cqo"), 2026)
    a = next(s for s in status if s["site"] == world.site_a.code)
    assert a == {"site": world.site_a.code, "ytd_kg_per_kwp": pytest.approx(420.0),
                 "target": 400, "on_track": False}  # fmt: skip
    assert selectors.targets(world.user("eng_a"), 2026) == {world.site_a.code: 400}
    page = client_for("cqo").get("/carbon/targets/trend/?year=2026").content.decode()
    assert "above target" in page and f'data-target="{world.site_a.code}"' in page
    assert "<polyline" in page
    assert client_for("cqo").get("/carbon/targets/trend/?year=x").status_code == 404


def test_target_api_validation_and_scope(world: World, api_for) -> None:
    api = api_for("eng_a")  # carbon analyst at site A
    bad = api.post("/api/v1/carbon/targets/", {"site": world.site_a.pk, "year": 2026,
                                               "kg_per_kwp": 0}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "kg_per_kwp" in bad.json()["error"]["fields"]
    assert not CarbonTarget.objects.exists()
    out = api.post("/api/v1/carbon/targets/", {"site": world.site_b.pk, "year": 2026,
                                               "kg_per_kwp": 350}, format="json")  # fmt: skip
    assert out.status_code in (400, 403, 404)
    assert not CarbonTarget.objects.exists()
    ok = api.post("/api/v1/carbon/targets/", {"site": world.site_a.pk, "year": 2026,
                                              "kg_per_kwp": 350}, format="json")  # fmt: skip
    assert ok.status_code == 201
    other = CarbonTarget.objects.create(site=world.site_b, year=2026, kg_per_kwp=300)
    assert api.get(f"/api/v1/carbon/targets/{other.pk}/").status_code == 404
    assert api.patch(f"/api/v1/carbon/targets/{other.pk}/", {"kg_per_kwp": 1},
                     format="json").status_code == 404  # fmt: skip
    other.refresh_from_db()
    assert other.kg_per_kwp == 300
