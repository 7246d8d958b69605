"""Nonconformities: numbering, the workflow with e-signatures, notifications, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from qdm.core.models import DomainEvent, ElectronicSignature, Notification
from qdm.core.signatures import record_hash, signature_is_intact
from qdm.core.workflow import TransitionError, available_transitions, transition
from qdm.system.models import Nonconformity
from qdm.system.services.nonconformity import raise_nonconformity
from tests.personas import PASSWORD, World, make_user
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


def make_nc(world: World, place: str = "A", **extra: Any) -> Nonconformity:
    site = world.where(place)
    fields = {
        "site": site,
        "source": "iqc",
        "severity": "major",
        "title": f"Glass thickness low at {site.code}",
        "description": "2.94 mm against 3.2 ± 0.2 mm",
        **extra,
    }
    return raise_nonconformity(actor=world.user("eng_a" if place == "A" else "eng_b"), **fields)


class TestNonconformityScope(ScopedModelContract):
    model = Nonconformity
    api_prefix = "system/nonconformities"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}, "supplier_x": set()}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_nc(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": world.where(place).pk,
            "source": "ipqa",
            "severity": "minor",
            "title": code,
            "description": "EVA gel content 72 %",
        }

    def created(self, code: str) -> Any:
        return Nonconformity.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_supplier_user_sees_only_its_own_company_ncs(world: World, client_for) -> None:
    own = make_nc(world, "A", supplier=world.supplier_x)
    other = make_nc(world, "A", supplier=world.supplier_y)
    internal = make_nc(world, "A")
    # supplier users hold view on system models through their role
    visible = set(
        Nonconformity.objects.for_user(world.user("supplier_x")).values_list("pk", flat=True)
    )
    assert visible == {own.pk}
    client = client_for("supplier_x")
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(internal.get_absolute_url()).status_code == 404


def test_numbers_run_per_site_and_year(world: World) -> None:
    year = timezone.now().year
    first, second = make_nc(world, "A"), make_nc(world, "A")
    other_site = make_nc(world, "B")
    assert first.number == f"NCR-SA-{year}-00001"
    assert second.number == f"NCR-SA-{year}-00002"
    assert other_site.number == f"NCR-SB-{year}-00001"


def test_raising_notifies_the_site_quality_managers(
    world: World, django_capture_on_commit_callbacks
) -> None:
    manager_a = make_user("sqm_a", "site_quality_manager", site=world.site_a)
    manager_b = make_user("sqm_b", "site_quality_manager", site=world.site_b)
    with django_capture_on_commit_callbacks(execute=True):
        nc = make_nc(world, "A")
    assert Notification.objects.filter(recipient=manager_a, title__contains=nc.number).exists()
    assert not Notification.objects.filter(recipient=manager_b).exists()
    assert DomainEvent.objects.filter(verb="raised", object_id=str(nc.pk)).exists()


def test_full_workflow_with_signatures(world: World) -> None:
    nc = make_nc(world, "A")
    engineer = world.user("eng_a")
    assert [t.action for t in available_transitions(nc, engineer)] == ["cancel"]
    with pytest.raises(TransitionError) as exc:
        transition(nc, "contain", actor=engineer)
    assert exc.value.code == "guard_failed"
    Nonconformity.objects.filter(pk=nc.pk).update(containment="Quarantined 1200 sheets")
    nc.refresh_from_db()
    transition(nc, "contain", actor=engineer, comment="hold tags applied")
    nc.refresh_from_db()
    assert nc.status == "contained"
    Nonconformity.objects.filter(pk=nc.pk).update(disposition="Return to supplier")
    nc.refresh_from_db()
    content_hash = record_hash(nc)
    transition(nc, "disposition", actor=engineer, password=PASSWORD, reason="MRB agreed")
    signature = ElectronicSignature.objects.get(object_id=str(nc.pk), action="disposition")
    assert signature.meaning == "approved"
    assert signature.reason == "MRB agreed"
    assert signature.record_hash == content_hash
    assert signature_is_intact(signature)
    nc.refresh_from_db()
    transition(nc, "close", actor=engineer, password=PASSWORD, reason="verified")
    nc.refresh_from_db()
    assert nc.status == "closed"
    assert nc.closed_at is not None
    verbs = list(
        DomainEvent.objects.filter(object_id=str(nc.pk))
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == ["raised", "transition:contain", "transition:disposition", "transition:close"]


@pytest.mark.parametrize(
    ("password", "reason", "code"),
    [
        ("wrong password", "MRB agreed", "signature_password"),
        ("", "MRB agreed", "signature_password"),
        (PASSWORD, "   ", "signature_reason"),
    ],
)
def test_bad_signature_changes_nothing(world: World, password: str, reason: str, code: str) -> None:
    nc = make_nc(world, "A", containment="held", disposition="scrap")
    Nonconformity.objects.filter(pk=nc.pk).update(status="contained")
    nc.refresh_from_db()
    events_before = DomainEvent.objects.count()
    with pytest.raises(TransitionError) as exc:
        transition(nc, "disposition", actor=world.user("eng_a"), password=password, reason=reason)
    assert exc.value.code == code
    nc.refresh_from_db()
    assert nc.status == "contained"
    assert not ElectronicSignature.objects.exists()
    assert DomainEvent.objects.count() == events_before


def test_wrong_state_and_out_of_scope_user_are_refused(world: World) -> None:
    nc = make_nc(world, "A")
    with pytest.raises(TransitionError) as exc:
        transition(nc, "close", actor=world.user("eng_a"), password=PASSWORD, reason="x")
    assert exc.value.code == "transition_not_allowed"
    with pytest.raises(TransitionError) as exc:
        transition(nc, "cancel", actor=world.user("eng_b"), password=PASSWORD, reason="x")
    assert exc.value.code == "permission_denied"
    nc.refresh_from_db()
    assert nc.status == "open"


def test_transition_through_api_and_ui(world: World, api_for, client_for) -> None:
    nc = make_nc(world, "A", containment="held")
    response = api_for("eng_a").post(
        f"/api/v1/system/nonconformities/{nc.pk}/transition/", {"action": "contain"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "contained"
    refused = api_for("eng_a").post(
        f"/api/v1/system/nonconformities/{nc.pk}/transition/",
        {"action": "close", "password": PASSWORD, "reason": "x"},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "transition_not_allowed"
    hidden = api_for("eng_b").post(
        f"/api/v1/system/nonconformities/{nc.pk}/transition/", {"action": "cancel"}, format="json"
    )
    assert hidden.status_code == 404
    Nonconformity.objects.filter(pk=nc.pk).update(disposition="scrap")
    page = client_for("eng_a").post(
        f"/kernel/workflow/system/nonconformity/{nc.pk}/disposition/",
        {"password": PASSWORD, "reason": "MRB"},
    )
    assert page.status_code == 302
    nc.refresh_from_db()
    assert nc.status == "dispositioned"
    detail = client_for("eng_a").get(nc.get_absolute_url()).content.decode()
    assert "Close" in detail  # the next button, from the same transition table
