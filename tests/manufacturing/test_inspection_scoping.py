"""Who may see and change inspection plans, inspection lots, holds, MRB dispositions,
binning rules and module releases where (the scoped-model contract).

Choice: these records are site-scoped. Holds and inspection lots also carry the supplier of
the held / inspected material (``scope.supplier``), but the ``supplier_user`` role has no
manufacturing permission, so supplier users see none of them (403); they learn about a
rejected lot through the system nonconformity, which they may view.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from qdm.data.models import Unit
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    InspectionPlan,
    ModuleRelease,
    MrbDisposition,
)
from qdm.manufacturing.services.binning import release_modules
from qdm.manufacturing.services.holds import place_hold, propose_disposition
from qdm.manufacturing.services.inspection import open_inspection_lot
from tests.manufacturing.test_inspection_builders import (
    binning_rule,
    flashed_module,
    glass,
    glass_lot,
    glass_plan,
    module_model,
    site_of,
)
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db

SITE_VIEW = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
NO_DELETE: dict[str, set[str]] = {}


def unit_at(world: World, place: str, code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    return unit or glass_lot(world, place, code=code)


def released_plan(world: World, place: str) -> InspectionPlan:
    plan = InspectionPlan.objects.filter(code=f"IQC-GLS-{place}").first()
    return plan or glass_plan(world, place)


class TestInspectionPlanScope(ScopedModelContract):
    model = InspectionPlan
    api_prefix = "manufacturing/inspection-plans"
    can_view = can_add = can_change = SITE_VIEW
    can_delete = NO_DELETE
    change = ("name", "Edited plan")

    def existing(self, world: World, place: str) -> Any:
        return glass_plan(world, place, code=f"PLAN-{place}", released=False)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "IQC glass",
            "stage": "iqc",
            "site": site_of(world, place).pk,
            "material": glass().pk,
        }


class TestInspectionLotScope(ScopedModelContract):
    model = InspectionLot
    api_prefix = "manufacturing/inspection-lots"
    can_view = can_add = can_change = SITE_VIEW
    can_delete = NO_DELETE
    change = ("reference", "REF-EDITED")

    def existing(self, world: World, place: str) -> Any:
        return open_inspection_lot(
            actor=world.user("cqo"),
            plan=released_plan(world, place),
            unit=unit_at(world, place, f"LOT-{place}"),
            quantity=10,
        )

    def _unit_code(self, world: World, place: str, code: str) -> str:
        lot = InspectionLot.objects.filter(number=code).first()
        return lot.unit.code if lot else unit_at(world, place, f"U-{code}").code

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "plan": released_plan(world, place).pk,
            "unit_code": self._unit_code(world, place, code),
            "quantity": "10",
            "reference": code,
            "inspected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = self.form_data(world, place, code)
        data["inspected_at"] = timezone.now().isoformat()
        return data

    def created(self, code: str) -> Any:
        return InspectionLot.objects.filter(reference=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestHoldScope(ScopedModelContract):
    model = Hold
    api_prefix = "manufacturing/holds"
    can_view = can_add = can_change = SITE_VIEW
    can_delete = NO_DELETE
    change = ("reason", "Edited reason")

    def existing(self, world: World, place: str) -> Any:
        return place_hold(
            actor=world.user("cqo"),
            site=site_of(world, place),
            reason=f"Hold at {place}",
            quantity=1000,
            units=[unit_at(world, place, f"HELD-{place}")],
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": site_of(world, place).pk,
            "unit_codes": unit_at(world, place, f"HELD-{place}").code,
            "quantity": "5",
            "reason": code,
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = self.form_data(world, place, code)
        data["unit_codes"] = [data["unit_codes"]]
        return data

    def created(self, code: str) -> Any:
        return Hold.objects.filter(reason=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestMrbDispositionScope(ScopedModelContract):
    model = MrbDisposition
    api_prefix = "manufacturing/mrb-dispositions"
    can_view = can_add = can_change = SITE_VIEW
    can_delete = NO_DELETE
    change = ("note", "Edited note")

    def hold(self, world: World, place: str) -> Hold:
        hold = Hold.objects.filter(reason=f"MRB hold {place}").first()
        return hold or place_hold(
            actor=world.user("cqo"),
            site=site_of(world, place),
            reason=f"MRB hold {place}",
            quantity=1000,
            units=[unit_at(world, place, f"MRB-{place}")],
        )

    def existing(self, world: World, place: str) -> Any:
        return propose_disposition(
            self.hold(world, place),
            actor=world.user("cqo"),
            decision="return",
            quantity=10,
            note=f"Disposition at {place}",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "hold": self.hold(world, place).pk,
            "decision": "rework",
            "quantity": "1",
            "note": code,
        }

    def created(self, code: str) -> Any:
        return MrbDisposition.objects.filter(note=code)

    def label(self, obj: Any) -> str:
        return obj.hold.number


class TestBinningRuleScope(ScopedModelContract):
    """Group master data: every internal user with the permission sees every rule."""

    model = BinningRule
    api_prefix = "manufacturing/binning-rules"
    can_view = can_add = can_change = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_delete = NO_DELETE
    change = ("released_grades", "A")

    def existing(self, world: World, place: str) -> Any:
        return BinningRule.objects.create(
            module_model=module_model(f"MM-{place}"), first_class_w=570, last_class_w=595
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "module_model": module_model(code).pk,
            "first_class_w": 570,
            "last_class_w": 590,
            "class_width_w": 5,
            "guard_band_w": "0.5",
            "el_rules": "CRK-C C\nCRK-B B",
            "released_grades": "AB",
        }

    def created(self, code: str) -> Any:
        return BinningRule.objects.filter(module_model__code=code)

    def label(self, obj: Any) -> str:
        return obj.module_model.code


@pytest.mark.parametrize("persona", ["eng_a", "eng_b", "cqo", "supplier_x", "outsider"])
def test_module_releases_are_site_scoped(world: World, client_for, api_for, persona: str) -> None:
    binning_rule()
    flashed_module(world, "REL-A", place="A")
    flashed_module(world, "REL-B", place="B")
    release_modules(["REL-A", "REL-B"], actor=world.user("cqo"))
    visible = {"eng_a": {"REL-A"}, "eng_b": {"REL-B"}, "cqo": {"REL-A", "REL-B"}}
    response = api_for(persona).get("/api/v1/manufacturing/module-releases/")
    if persona not in visible:
        assert response.status_code == 403
        return
    assert {r["unit"] for r in response.json()["results"]} == visible[persona]
    for release in ModuleRelease.objects.select_related("unit"):
        expected = 200 if release.unit.code in visible[persona] else 404
        assert client_for(persona).get(release.get_absolute_url()).status_code == expected
