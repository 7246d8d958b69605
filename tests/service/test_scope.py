"""Scoping of the service models: the contract for every persona, and customer users who
see only their own company's complaints (404 for anyone else's)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from qdm.core.models import Customer
from qdm.service.models import Complaint, ComplaintItem, CustomerProfile, Project
from tests.personas import World, make_user
from tests.scoping import ScopedModelContract
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db

INTERNAL = {"eng_a": {"C", "D"}, "eng_b": {"C", "D"}, "cqo": {"C", "D"}}


def customer(world: World, place: str) -> Customer:
    if place == "C":
        return world.customer_c
    return Customer.objects.get_or_create(
        code="CUS-D", defaults={"name": "D客户", "name_en": "Customer D", "country": "ES"}
    )[0]


class TestComplaintScope(ScopedModelContract):
    model = Complaint
    api_prefix = "service/complaints"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_complaint(world, customer(world, place), title=f"OLD-{place}")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "customer": customer(world, place).pk,
            "title": code,
            "received_on": "2026-03-10",
            "severity": "major",
            "responsibility": "unknown",
        }

    def created(self, code: str) -> Any:
        return Complaint.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestProjectScope(ScopedModelContract):
    model = Project
    api_prefix = "service/projects"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("location", "Cottbus")

    def existing(self, world: World, place: str) -> Any:
        return Project.objects.create(
            customer=customer(world, place), name=f"PRJ-{place}", country="DE", capacity_mwp=40
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "customer": customer(world, place).pk,
            "name": code,
            "country": "de",
            "capacity_mwp": "12.50",
        }

    def created(self, code: str) -> Any:
        return Project.objects.filter(name=code)

    def label(self, obj: Any) -> str:
        return obj.name


class TestCustomerProfileScope(ScopedModelContract):
    model = CustomerProfile
    api_prefix = "service/customer-profiles"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("region", "EMEA")

    def existing(self, world: World, place: str) -> Any:
        return CustomerProfile.objects.get_or_create(customer=customer(world, place))[0]

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        target = Customer.objects.get_or_create(
            code=code, defaults={"name": code, "name_en": code, "country": "DE"}
        )[0]
        return {"customer": target.pk, "segment": "utility", "language": "en"}

    def created(self, code: str) -> Any:
        return CustomerProfile.objects.filter(customer__code=code)

    def label(self, obj: Any) -> str:
        return obj.customer.code


def test_project_bad_input_changes_nothing(world, client_for):
    before = Project.objects.count()
    data = {
        "customer": world.customer_c.pk,
        "name": "P",
        "country": "Germany",
        "capacity_mwp": "-1",
    }
    response = client_for("cqo").post(reverse("service:project_add"), data)
    assert response.status_code == 400
    assert "two-letter ISO country code" in response.content.decode()
    assert Project.objects.count() == before


# --- customer users ------------------------------------------------------------------------


@pytest.fixture
def customer_world(world):
    plant = make_plant(world)
    own = make_complaint(world, world.customer_c, title="Own complaint")
    other = make_complaint(world, plant.customer_d, title="Other complaint")
    with_serials(world, own, plant.shipped_to(world.customer_c)[:3])
    with_serials(world, other, plant.shipped_to(plant.customer_d)[:2])
    user = make_user("lucia", "customer_user", customer=world.customer_c)
    return plant, own, other, user


def test_customer_user_sees_only_own_complaints(customer_world, client):
    _plant, own, other, user = customer_world
    client.force_login(user)
    page = client.get(reverse("service:complaint_list")).content.decode()
    assert own.number in page and other.number not in page
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    items = client.get(reverse("service:complaintitem_list")).content.decode()
    assert own.items.first().serial in items
    assert other.items.first().serial not in items
    other_item = other.items.first()
    assert client.get(other_item.get_absolute_url()).status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    listed = {r["id"] for r in api.get("/api/v1/service/complaints/").json()["results"]}
    assert listed == {own.pk}
    assert api.get(f"/api/v1/service/complaints/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/service/complaint-items/{other_item.pk}/").status_code == 404


def test_customer_user_cannot_touch_other_complaints(customer_world, client):
    plant, own, other, user = customer_world
    client.force_login(user)
    serial = plant.shipped_to(plant.customer_d)[5].code
    intake = reverse("service:complaint_intake", args=[other.pk])
    assert client.post(intake, {"serials": f"{serial}\tDELAM"}).status_code == 404
    assert other.items.count() == 2
    assert client.get(reverse("service:complaint_analysis", args=[other.pk])).status_code == 404
    assert client.post(reverse("service:complaint_open_8d", args=[other.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(
        f"/api/v1/service/complaints/{other.pk}/items/",
        {"rows": [{"serial": serial, "symptom": "DELAM"}]},
        format="json",
    )
    assert response.status_code == 404
    assert other.items.count() == 2
    # nor move a complaint to another customer, nor take workflow steps (no change right)
    assert (
        client.post(
            reverse("service:complaint_edit", args=[own.pk]),
            {"customer": plant.customer_d.pk, "title": "x"},
        ).status_code
        == 403
    )
    assert Complaint.objects.get(pk=own.pk).customer_id == own.customer_id


def test_customer_user_can_file_own_complaint_and_add_serials(customer_world, client):
    plant, own, _other, user = customer_world
    client.force_login(user)
    response = client.post(
        reverse("service:complaint_add"),
        {
            "customer": world_customer(plant, own).pk,
            "title": "Broken glass",
            "received_on": "2026-03-20",
            "severity": "major",
            "responsibility": "unknown",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(title="Broken glass")
    assert complaint.customer_id == own.customer_id
    serial = plant.shipped_to(own.customer)[10].code
    response = client.post(
        reverse("service:complaint_intake", args=[complaint.pk]), {"serials": f"{serial}\tGLASS"}
    )
    assert response.status_code == 302
    assert ComplaintItem.objects.filter(complaint=complaint).count() == 1
    # a complaint filed for another customer falls outside the user's scope: refused
    before = Complaint.objects.count()
    response = client.post(
        reverse("service:complaint_add"),
        {
            "customer": plant.customer_d.pk,
            "title": "Not mine",
            "received_on": "2026-03-20",
            "severity": "major",
            "responsibility": "unknown",
        },
    )
    assert response.status_code == 400
    assert Complaint.objects.count() == before


def world_customer(plant, complaint):
    return complaint.customer


@pytest.mark.parametrize(
    ("persona", "status"),
    [("eng_a", 200), ("eng_b", 200), ("cqo", 200), ("supplier_x", 403), ("outsider", 403)],
)
def test_complaint_items_by_persona(world, client_for, api_for, persona, status):
    plant = make_plant(world)
    complaint = make_complaint(world)
    with_serials(world, complaint, plant.shipped_to(world.customer_c)[:2])
    item = complaint.items.first()
    assert client_for(persona).get(reverse("service:complaintitem_list")).status_code == status
    detail = client_for(persona).get(item.get_absolute_url()).status_code
    assert detail == (200 if status == 200 else 404)
    api = api_for(persona)
    assert api.get(f"/api/v1/service/complaint-items/{item.pk}/").status_code in (
        (200,) if status == 200 else (403, 404)
    )
    # read-only through the API, for everyone: serials are added by the intake
    before = ComplaintItem.objects.count()
    response = api.post("/api/v1/service/complaint-items/", {"serial": "X"}, format="json")
    assert response.status_code in (403, 405)
    assert api.delete(f"/api/v1/service/complaint-items/{item.pk}/").status_code in (403, 404, 405)
    assert ComplaintItem.objects.count() == before
