"""Assigning a complaint to another customer-service or quality engineer in scope: the
assignee becomes the owner, is notified through the kernel's notifications and sees it
under "assigned to me"; the change is audited; out-of-scope users are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from qdm.core.models import Customer, DomainEvent, Notification
from qdm.service.models import Complaint
from qdm.service.services.assignment import assign_complaint, assignable_users
from tests.personas import World, make_user
from tests.service.builders import make_complaint

pytestmark = pytest.mark.django_db


def _people(world: World) -> dict:
    other = Customer.objects.create(code="CUS-D", name="D客户", name_en="Customer D", country="ES")
    return {
        "cse": make_user("cse", "customer_service_engineer"),
        "cse_d": make_user("cse_d", "customer_service_engineer", customer=other),
        "viewer": make_user("viewer", "viewer"),
        "portal": make_user("portal", "customer_user", customer=world.customer_c),
        "other": other,
    }


def _api(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_assignment_notifies_audits_and_sets_owner(world: World) -> None:
    p = _people(world)
    complaint = make_complaint(world)
    assign_complaint(complaint, p["cse"], actor=world.user("cqo"), note="Please call the EPC.")
    complaint.refresh_from_db()
    assert complaint.owner == p["cse"]
    note = Notification.objects.get(recipient=p["cse"])
    assert complaint.number in note.title
    assert "Please call the EPC." in note.body
    assert note.link == complaint.get_absolute_url()
    event = DomainEvent.objects.filter(verb="assigned", object_id=str(complaint.pk)).get()
    assert (event.data["from"], event.data["to"]) == ("cqo", "cse")  # creator owned it
    assert event.actor == world.user("cqo")
    # reassign to a quality engineer: the previous owner is in the audit trail
    assign_complaint(complaint, world.user("eng_a"), actor=p["cse"])
    event = DomainEvent.objects.filter(verb="assigned").latest("pk")
    assert (event.data["from"], event.data["to"]) == ("cse", "eng_a")


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("cse_d", "may not handle complaints of customer CUS-C"),  # customer D only
        ("viewer", "is not a customer-service or quality engineer"),
        ("portal", "is not a customer-service or quality engineer"),
    ],
)
def test_assignee_out_of_scope_or_role_is_refused(world: World, who: str, message: str) -> None:
    p = _people(world)
    complaint = make_complaint(world)
    with pytest.raises(ValidationError, match=message):
        assign_complaint(complaint, p[who], actor=world.user("cqo"))
    complaint.refresh_from_db()
    assert complaint.owner == world.user("cqo")  # unchanged: the creator
    assert not Notification.objects.exists()
    assert not DomainEvent.objects.filter(verb="assigned").exists()


def test_assignable_users_are_the_engineers_in_scope(world: World) -> None:
    p = _people(world)
    complaint_c = make_complaint(world)
    complaint_d = make_complaint(world, customer=p["other"])
    names_c = {u.username for u in assignable_users(complaint_c)}
    names_d = {u.username for u in assignable_users(complaint_d)}
    assert names_c == {"cse", "eng_a", "eng_b"}
    assert names_d == {"cse", "cse_d", "eng_a", "eng_b"}


def test_closed_complaint_and_same_owner_are_refused(world: World) -> None:
    p = _people(world)
    complaint = make_complaint(world)
    assign_complaint(complaint, p["cse"], actor=world.user("cqo"))
    with pytest.raises(ValidationError, match="already assigned to cse"):
        assign_complaint(complaint, p["cse"], actor=world.user("cqo"))
    Complaint.objects.filter(pk=complaint.pk).update(status="rejected")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        assign_complaint(complaint, world.user("eng_a"), actor=world.user("cqo"))


def test_customer_user_cannot_assign(world: World) -> None:
    p = _people(world)
    complaint = make_complaint(world)
    with pytest.raises(ValidationError, match="Only customer-service staff"):
        assign_complaint(complaint, p["cse"], actor=p["portal"])


def test_page_assign_and_assigned_to_me_filter(world: World, client_for) -> None:
    p = _people(world)
    mine = make_complaint(world, title="Hot spots in row 7")
    other = make_complaint(world, title="Broken glass")
    client = client_for("cqo")
    page = client.get(mine.get_absolute_url()).content.decode()
    assert 'data-testid="assign-form"' in page and "cse_d" not in page.split("assign-form")[1]
    response = client.post(
        f"/service/complaints/{mine.pk}/assign/", {"assignee": p["cse"].pk, "note": "yours"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.owner == p["cse"]
    cse = Client()
    cse.force_login(p["cse"])
    listing = cse.get(reverse("service:complaint_list"), {"mine": "true"}).content.decode()
    assert mine.number in listing and other.number not in listing
    # out-of-scope assignee through the page: a clear message, nothing changed
    refused = client.post(
        f"/service/complaints/{other.pk}/assign/", {"assignee": p["cse_d"].pk}, follow=True
    )
    assert "may not handle complaints of customer CUS-C" in refused.content.decode()
    other.refresh_from_db()
    assert other.owner == world.user("cqo")


def test_page_of_an_out_of_scope_complaint_is_404(world: World) -> None:
    p = _people(world)
    complaint_c = make_complaint(world)
    client = Client()
    client.force_login(p["cse_d"])
    response = client.post(
        f"/service/complaints/{complaint_c.pk}/assign/", {"assignee": p["cse_d"].pk}
    )
    assert response.status_code == 404
    complaint_c.refresh_from_db()
    assert complaint_c.owner == world.user("cqo")


def test_api_assign(world: World, api_for) -> None:
    p = _people(world)
    complaint = make_complaint(world)
    api = api_for("cqo")
    url = f"/api/v1/service/complaints/{complaint.pk}/assign/"
    ok = api.post(url, {"assignee": "cse", "note": "n"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["owner"] == "cse"
    bad = api.post(url, {"assignee": p["cse_d"].pk}, format="json")
    assert bad.status_code == 400
    assert "may not handle complaints of customer CUS-C" in bad.content.decode()
    unknown = api.post(url, {"assignee": "nobody"}, format="json")
    assert unknown.status_code == 400 and "No active user nobody" in unknown.content.decode()
    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400
    # a user outside the complaint's scope does not find it
    outside = _api(p["cse_d"]).post(url, {"assignee": "cse_d"}, format="json")
    assert outside.status_code == 404
    complaint.refresh_from_db()
    assert complaint.owner == p["cse"]
    mine = _api(p["cse"]).get("/api/v1/service/complaints/", {"mine": "true"})
    assert [r["number"] for r in mine.json()["results"]] == [complaint.number]
