"""Returned modules (RMA): authorisation, re-test against the factory flash test, the
power-warranty verdict, decision; scoping of the returns."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qdm.core.workflow import TransitionError, transition
from qdm.data.models import FlashTest, ModuleModel, ProductFamily, Unit
from qdm.service.models import ReturnedModule
from qdm.service.services.complaints import update_complaint
from qdm.service.services.returns import create_return, update_return
from tests.personas import World
from tests.scoping import ScopedModelContract
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db


def triaged_item(world: World, plant, customer=None, index: int = 0):
    customer = customer or world.customer_c
    complaint = make_complaint(world, customer)
    module = plant.shipped_to(customer)[index]
    [item] = with_serials(world, complaint, [module])
    transition(complaint, "triage", actor=world.user("cqo"))
    return item


def give_model_and_flash(module: Unit, site) -> None:
    family = ProductFamily.objects.create(
        code="TOPCON", name="TOPCon", name_en="TOPCon", technology="topcon"
    )
    model = ModuleModel.objects.create(
        code="SRM-N410-72",
        name="SRM-N410-72",
        name_en="SRM-N410-72",
        family=family,
        pmax_w=410,
        voc_v=50.1,
        isc_a=10.4,
        vmp_v=41.9,
        imp_a=9.79,
        efficiency_pct=21.0,
        temp_coeff_pmax_pct_per_c=-0.3,
        temp_coeff_voc_pct_per_c=-0.25,
        temp_coeff_isc_pct_per_c=0.046,
        length_mm=2278,
        width_mm=1134,
        cell_count=144,
    )
    Unit.objects.filter(pk=module.pk).update(module_model=model)
    FlashTest.objects.create(
        serial=module.code,
        tested_at=timezone.now(),
        site=site,
        irradiance_wm2=1000,
        module_temp_c=25,
        pmax_w=413.2,
        voc_v=50.2,
        isc_a=10.41,
        vmp_v=42.0,
        imp_a=9.84,
        ff_pct=79.1,
    )


def test_retest_against_factory_and_warranty_verdict(world):
    plant = make_plant(world)
    item = triaged_item(world, plant)
    give_model_and_flash(item.unit, world.site_a)
    # the builder's shipments have no date: give this one a ship date two years back
    shipment = Unit.objects.get(code="CNT-SA-0000")
    shipped = timezone.make_aware(datetime.datetime(2024, 3, 1, 8, 0))
    Unit.objects.filter(pk=shipment.pk).update(produced_at=shipped)
    actor = world.user("cqo")
    rma = create_return(actor=actor, item=item)
    assert rma.number == f"RMA-C-{timezone.now().year}-00001"
    assert rma.factory_pmax_w == 413.2 and rma.nameplate_w == 410
    with pytest.raises(TransitionError, match="date of receipt"):
        transition(rma, "receive", actor=actor)
    received = datetime.date(2026, 3, 1)  # 730 days → 730 / 365.25 = 1.9986 years
    update_return(rma, actor=actor, received_on=received, retest_pmax_w=370.0)
    rma.refresh_from_db()
    age = 730 / 365.25
    guaranteed = 410 * (99 - 0.4 * (age - 1)) / 100  # n-type default terms
    assert rma.age_years == pytest.approx(age)
    assert rma.guaranteed_w == pytest.approx(guaranteed)
    # 370 W * 1.03 = 381.1 W < 404.3 W → valid claim
    assert rma.warranty_valid is True
    assert rma.shortfall_w == pytest.approx(guaranteed - 381.1)
    assert rma.pmax_change_pct == pytest.approx(100 * (370 - 413.2) / 413.2)
    transition(rma, "receive", actor=actor)
    transition(rma, "retest", actor=actor)
    with pytest.raises(TransitionError, match="Choose the decision"):
        transition(rma, "decide", actor=actor)
    update_return(rma, actor=actor, decision="replace", cost=Decimal("145.00"))
    transition(rma, "decide", actor=actor)
    with pytest.raises(ValidationError, match="decided return can no longer"):
        update_return(rma, actor=actor, cost=Decimal("1"))
    # a re-test close to the factory value is no claim
    update_return_allowed = ReturnedModule.objects.get(pk=rma.pk)
    assert update_return_allowed.cost == Decimal("145.00")


def test_untriaged_complaint_cannot_return(world):
    plant = make_plant(world)
    complaint = make_complaint(world)
    [item] = with_serials(world, complaint, plant.shipped_to(world.customer_c)[:1])
    with pytest.raises(ValidationError, match="Triage the complaint"):
        create_return(actor=world.user("cqo"), item=item)
    assert not ReturnedModule.objects.exists()


def test_serial_cannot_change(world):
    plant = make_plant(world)
    a = triaged_item(world, plant, index=0)
    b = triaged_item(world, plant, index=1)
    rma = create_return(actor=world.user("cqo"), item=a)
    with pytest.raises(ValidationError, match="cannot change"):
        update_return(rma, actor=world.user("cqo"), item=b)
    update_complaint(a.complaint, actor=world.user("cqo"), title="still editable")


INTERNAL = {"eng_a": {"C", "D"}, "eng_b": {"C", "D"}, "cqo": {"C", "D"}}


class TestReturnedModuleScope(ScopedModelContract):
    model = ReturnedModule
    api_prefix = "service/returned-modules"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("visual_findings", "Edited findings")

    def plant(self, world: World):
        if "_plant" not in world.__dict__:
            world.__dict__["_plant"] = make_plant(world)
            world.__dict__["_next"] = {"C": 0, "D": 0}
        return world.__dict__["_plant"]

    def customer(self, world: World, place: str):
        plant = self.plant(world)
        return world.customer_c if place == "C" else plant.customer_d

    def new_item(self, world: World, place: str):
        plant = self.plant(world)
        index = world.__dict__["_next"][place]
        world.__dict__["_next"][place] += 1
        return triaged_item(world, plant, self.customer(world, place), index)

    def existing(self, world: World, place: str) -> Any:
        return create_return(
            actor=world.user("cqo"),
            item=self.new_item(world, place),
            visual_findings=f"OLD-{place}",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        existing = ReturnedModule.objects.filter(visual_findings=code).first()
        item = existing.item if existing else self.new_item(world, place)
        return {"item": item.pk, "visual_findings": code, "uncertainty_pct": "3.0"}

    def created(self, code: str) -> Any:
        return ReturnedModule.objects.filter(visual_findings=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_customer_user_cannot_authorise_a_return(world):
    from tests.personas import make_user

    plant = make_plant(world)
    item = triaged_item(world, plant)
    user = make_user("lucia", "customer_user", customer=world.customer_c)
    with pytest.raises(ValidationError, match="Only customer service"):
        create_return(actor=user, item=item)
    assert not ReturnedModule.objects.exists()
