"""Scoping of carbon records: activity data per site; supplier factors per supplier (a
supplier's user sees only its own declared data); libraries and factors are shared master
data that external users do not see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qdm.carbon.models import ActivityRecord, FactorLibrary, SupplierFactor
from qdm.data.models import Material, MaterialCategory
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


def poly() -> Material:
    category, _ = MaterialCategory.objects.get_or_create(
        code="POLY", defaults={"name": "多晶硅", "name_en": "Polysilicon"}
    )
    return Material.objects.get_or_create(
        code="POLY-N-DENSE",
        defaults={"name": "N", "name_en": "N poly", "category": category, "unit": "kg"},
    )[0]


class TestActivityRecordScope(ScopedModelContract):
    model = ActivityRecord
    api_prefix = "carbon/activity-records"
    # eng_a: carbon analyst at A; eng_b: view only (quality engineer); cqo: group-wide VAC;
    # supplier and outsider: no permission
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("quantity", 4321.0)

    def existing(self, world: World, place: str) -> Any:
        return ActivityRecord.objects.create(
            site=world.where(place), month=dt.date(2026, 1, 1), kind="fuel",
            key=f"LPG-{place}", quantity=1000, unit="L",
        )  # fmt: skip

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": world.where(place).pk, "month": "2026-03-01", "kind": "fuel",
            "key": code, "quantity": 12.5, "unit": "m3", "certificate_scheme": "",
            "notes": code,
        }  # fmt: skip

    def created(self, code: str) -> Any:
        return ActivityRecord.objects.filter(key=code)

    def label(self, obj: Any) -> str:
        return obj.key


class TestSupplierFactorScope(ScopedModelContract):
    model = SupplierFactor
    api_prefix = "carbon/supplier-factors"
    places = ("X", "Y")
    can_view = {
        "eng_a": {"X", "Y"},
        "eng_b": {"X", "Y"},
        "cqo": {"X", "Y"},
        "supplier_x": {"X"},
    }
    can_add = {"eng_a": {"X", "Y"}, "cqo": {"X", "Y"}}
    can_change = {"eng_a": {"X", "Y"}, "cqo": {"X", "Y"}}
    can_delete = {"eng_a": {"X", "Y"}}
    change = ("certificate", "CERT-EDITED")

    def existing(self, world: World, place: str) -> Any:
        return SupplierFactor.objects.create(
            supplier=world.where(place), material=poly(), value=14.5, unit="kg CO2e/kg",
            valid_from=dt.date(2025, 1, 1), verified=True, certificate=f"CERT-{place}",
        )  # fmt: skip

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "supplier": world.where(place).pk, "material": poly().pk, "value": 14.5,
            "unit": "kg CO2e/kg", "gas": "CO2e", "boundary": "life-cycle", "gwp": "AR5",
            "source": "", "year": 2025, "verifier": "TÜV", "certificate": code,
            "valid_from": "2025-01-01", "valid_until": "", "verified": True,
        }  # fmt: skip

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = self.form_data(world, place, code)
        data["valid_until"] = None
        return data

    def created(self, code: str) -> Any:
        return SupplierFactor.objects.filter(certificate=code)

    def label(self, obj: Any) -> str:
        return obj.certificate


def test_external_users_do_not_see_libraries(world: World, api_for) -> None:
    FactorLibrary.objects.create(code="G", version="1", name="G", kind="group")
    assert api_for("supplier_x").get("/api/v1/carbon/libraries/").status_code == 403
    rows = api_for("eng_b").get("/api/v1/carbon/libraries/").json()["results"]
    assert [r["code"] for r in rows] == ["G"]


def test_bad_factor_unit_or_basis_is_refused_and_nothing_saved(world: World, api_for) -> None:
    api = api_for("cqo")
    base = {
        "supplier": world.supplier_x.pk, "material": poly().pk, "value": 14.5,
        "valid_from": "2025-01-01", "verified": True, "certificate": "BAD",
    }  # fmt: skip
    r = api.post("/api/v1/carbon/supplier-factors/", {**base, "unit": "kg/kWh"}, format="json")
    assert r.status_code == 400
    assert "unit" in r.json()["error"]["fields"]
    r = api.post(
        "/api/v1/carbon/supplier-factors/",
        {**base, "unit": "kg CO2/kg", "gas": "CO2e"},
        format="json",
    )
    assert r.status_code == 400
    assert "counts CO2 but its basis is CO2e" in str(r.json()["error"])
    r = api.post(
        "/api/v1/carbon/supplier-factors/",
        {**base, "unit": "kg CO2e/kg", "valid_until": "2024-01-01"},
        format="json",
    )
    assert r.status_code == 400
    assert "valid_until" in r.json()["error"]["fields"]
    assert not SupplierFactor.objects.exists()


def test_grid_electricity_in_kg_is_refused(world: World, api_for) -> None:
    r = api_for("eng_a").post(
        "/api/v1/carbon/activity-records/",
        {"site": world.site_a.pk, "month": "2026-01-01", "kind": "grid", "quantity": 5,
         "unit": "kg"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 400
    assert "energy unit" in str(r.json()["error"])
    assert not ActivityRecord.objects.exists()


def test_a_library_holds_one_basis(world: World, api_for) -> None:
    from qdm.carbon.models import EmissionFactor

    lib = FactorLibrary.objects.create(code="G", version="1", name="G", kind="group")
    EmissionFactor.objects.create(
        library=lib, category="electricity", key="electricity", country="CN",
        accounting="location", value=0.544, unit="kg CO2e/kWh",
    )  # fmt: skip
    # China MEE 0.5366 is CO2-only (pv-reference §6.4): refused in a CO2e life-cycle library
    r = api_for("cqo").post(
        "/api/v1/carbon/factors/",
        {"library": lib.pk, "category": "electricity", "key": "electricity", "country": "CN",
         "grid_region": "MEE", "accounting": "location", "value": 0.5366,
         "unit": "kg CO2/kWh", "gas": "CO2", "boundary": "combustion", "gwp": ""},
        format="json",
    )  # fmt: skip
    assert r.status_code == 400
    assert "Bases cannot be mixed" in str(r.json()["error"])
    assert EmissionFactor.objects.count() == 1
