"""Warranty contracts per customer/project: validation, choice by ship date, and the RMA
evaluation using the contract's terms instead of the defaults; read-only for customers;
scoping."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qdm.core.models import Customer
from qdm.data.models import Unit
from qdm.service.models import Project, WarrantyContract
from qdm.service.selectors import warranty_contract_for
from qdm.service.services.requirements import create_contract
from qdm.service.services.returns import create_return, update_return
from tests.personas import World, make_user
from tests.scoping import ScopedModelContract
from tests.service.builders import make_plant
from tests.service.test_returns import give_model_and_flash, triaged_item

pytestmark = pytest.mark.django_db
D = datetime.date

#: PERC terms (PV reference §4.4): 2 % in year one, 0.55 %/y to 25 years; 2 % uncertainty
PERC = {
    "product_years": Decimal("12"),
    "power_years": Decimal("25"),
    "first_year_loss_pct": Decimal("2"),
    "annual_loss_pct": Decimal("0.55"),
    "uncertainty_pct": Decimal("2"),
}


def contract(world: World, customer: Customer | None = None, **fields: Any) -> WarrantyContract:
    data = (
        {
            "customer": customer or world.customer_c,
            "reference": "WC-2024-017",
            "effective_from": D(2024, 1, 1),
        }
        | PERC
        | fields
    )
    return create_contract(actor=world.user("cqo"), **data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_year_loss_pct": Decimal("100")}, "between 0 and 100"),
        ({"power_years": Decimal("0")}, "term must be positive"),
        ({"product_years": Decimal("0")}, "product warranty term"),
        ({"annual_loss_pct": Decimal("5"), "power_years": Decimal("30")}, "fall to zero"),
        ({"uncertainty_pct": Decimal("100")}, "uncertainty"),
        ({"effective_to": D(2023, 1, 1)}, "end date"),
    ],
)
def test_impossible_terms_are_refused(world, fields, message):
    with pytest.raises(ValidationError, match=message):
        contract(world, **fields)
    assert not WarrantyContract.objects.exists()


def test_contract_by_ship_date_and_project(world):
    base = contract(world, effective_to=D(2024, 12, 31))
    later = contract(world, reference="WC-2025-003", effective_from=D(2025, 1, 1))
    project = Project.objects.create(
        customer=world.customer_c, name="Solarpark Test 10 MW", country="DE", capacity_mwp=10
    )
    special = contract(
        world, reference="WC-2025-PRJ", project=project, effective_from=D(2025, 1, 1)
    )
    c = world.customer_c
    assert warranty_contract_for(c, on_date=D(2023, 12, 31)) is None
    assert warranty_contract_for(c, on_date=D(2024, 12, 31)) == base
    assert warranty_contract_for(c, on_date=D(2025, 1, 1)) == later
    assert warranty_contract_for(c, None, D(2025, 6, 1), project) == special


def rma_shipped(world: World, shipped: datetime.datetime):
    plant = make_plant(world)
    item = triaged_item(world, plant)
    give_model_and_flash(item.unit, world.site_a)  # nameplate 410 W
    Unit.objects.filter(code="CNT-SA-0000").update(produced_at=shipped)
    return create_return(actor=world.user("cqo"), item=item)


def test_rma_uses_the_contract_terms_on_the_guaranteed_line(world):
    c = contract(world)
    rma = rma_shipped(world, timezone.make_aware(datetime.datetime(2024, 3, 1, 8)))
    # received 730 days later: age a = 730/365.25; PERC guarantee 98 − 0.55·(a − 1) % of 410 W
    age = 730 / 365.25
    guaranteed = 410 * (98 - 0.55 * (age - 1)) / 100
    # measured exactly so that measured · 1.02 = guaranteed → not a claim
    update_return(
        rma, actor=world.user("cqo"), received_on=D(2026, 3, 1), retest_pmax_w=guaranteed / 1.02
    )
    rma.refresh_from_db()
    assert rma.warranty_contract == c and rma.uncertainty_pct == 2.0
    assert rma.guaranteed_w == pytest.approx(guaranteed)
    assert rma.warranty_valid is False and rma.product_covered is True
    # 1 W lower: a valid claim of 1.02 W (the default terms would have given 1 %/0.4 % → other)
    update_return(rma, actor=world.user("cqo"), retest_pmax_w=guaranteed / 1.02 - 1)
    rma.refresh_from_db()
    assert rma.warranty_valid is True and rma.shortfall_w == pytest.approx(1.02)


def test_rma_beyond_the_product_warranty(world):
    contract(world, product_years=Decimal("1"))
    rma = rma_shipped(world, timezone.make_aware(datetime.datetime(2024, 3, 1, 8)))
    update_return(rma, actor=world.user("cqo"), received_on=D(2026, 3, 1), retest_pmax_w=300.0)
    rma.refresh_from_db()
    # 2 years old: outside the 1-year product warranty, still inside the 25-year power one
    assert rma.product_covered is False and rma.warranty_valid is True


def test_rma_without_a_contract_keeps_the_defaults(world):
    contract(world, effective_from=D(2025, 1, 1))  # the module left before this contract
    rma = rma_shipped(world, timezone.make_aware(datetime.datetime(2024, 3, 1, 8)))
    update_return(rma, actor=world.user("cqo"), received_on=D(2026, 3, 1), retest_pmax_w=370.0)
    rma.refresh_from_db()
    age = 730 / 365.25
    assert rma.warranty_contract is None and rma.uncertainty_pct == 3.0
    assert rma.guaranteed_w == pytest.approx(410 * (99 - 0.4 * (age - 1)) / 100)


def test_customer_user_cannot_write_contracts(world, client):
    own = contract(world)
    user = make_user("lucia", "customer_user", customer=world.customer_c)
    with pytest.raises(PermissionDenied):
        create_contract(
            actor=user, customer=world.customer_c, reference="X", effective_from=D(2026, 1, 1)
        )
    client.force_login(user)
    assert client.get(own.get_absolute_url()).status_code == 200
    api = client.post(
        "/api/v1/service/warranty-contracts/",
        {"customer": world.customer_c.pk, "reference": "MINE", "effective_from": "2026-01-01"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert WarrantyContract.objects.count() == 1


INTERNAL = {"eng_a": {"C", "D"}, "eng_b": {"C", "D"}, "cqo": {"C", "D"}}


def customer(world: World, place: str) -> Customer:
    if place == "C":
        return world.customer_c
    return Customer.objects.get_or_create(
        code="CUS-D", defaults={"name": "D客户", "name_en": "Customer D", "country": "ES"}
    )[0]


class TestWarrantyContractScope(ScopedModelContract):
    model = WarrantyContract
    api_prefix = "service/warranty-contracts"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("effective_to", D(2030, 12, 31))

    def existing(self, world: World, place: str) -> Any:
        return WarrantyContract.objects.create(
            customer=customer(world, place),
            reference=f"WC-OLD-{place}",
            effective_from=D(2024, 1, 1),
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "customer": customer(world, place).pk,
            "reference": code,
            "version": 1,
            "effective_from": "2025-01-01",
            "product_years": "12",
            "power_years": "30",
            "first_year_loss_pct": "1",
            "annual_loss_pct": "0.4",
            "uncertainty_pct": "3",
        }

    def created(self, code: str) -> Any:
        return WarrantyContract.objects.filter(reference=code)

    def label(self, obj: Any) -> str:
        return obj.reference
