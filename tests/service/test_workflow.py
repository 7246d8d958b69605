"""Complaint workflow: guards, SLA, the customer 8D in the system platform, locked states."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qdm.core.workflow import TransitionError, transition
from qdm.service.models import Complaint
from qdm.service.services.complaints import open_customer_8d, update_complaint
from qdm.system.models import EightD
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db


def test_number_and_sla(world):
    c = make_complaint(world, severity="critical", received_on=datetime.date(2026, 3, 10))
    assert c.number == "CC-C-2026-00001"  # customer CUS-C, first of the year
    assert c.sla_due == datetime.date(2026, 3, 12)  # critical: 2 days (SLA_DAYS)
    update_complaint(c, actor=world.user("cqo"), severity="minor")
    assert Complaint.objects.get(pk=c.pk).sla_due == datetime.date(2026, 3, 20)


def test_project_of_another_customer_is_refused(world):
    from qdm.service.models import Project

    plant = make_plant(world)
    project = Project.objects.create(
        customer=plant.customer_d, name="P", country="ES", capacity_mwp=10
    )
    with pytest.raises(ValidationError, match="belongs to another customer"):
        make_complaint(world, project=project)
    assert not Complaint.objects.exists()


def test_workflow_guards_and_the_customer_8d(world):
    plant = make_plant(world)
    actor = world.user("cqo")
    c = make_complaint(world)
    with pytest.raises(TransitionError, match="Add the affected serials first"):
        transition(c, "triage", actor=actor)
    with_serials(world, c, plant.shipped_to(world.customer_c)[:4])
    transition(c, "triage", actor=actor)
    with pytest.raises(TransitionError, match="Set the responsibility"):
        transition(c, "investigate", actor=actor)
    update_complaint(c, actor=actor, responsibility="supplier")
    transition(c, "investigate", actor=actor)
    with pytest.raises(TransitionError, match="Open the customer 8D first"):
        transition(c, "escalate", actor=actor)
    capa = open_customer_8d(c, actor=actor)
    assert (capa.kind, capa.customer, capa.site) == ("8d", world.customer_c, world.site_a)
    assert capa.number.startswith("8D-SA-")
    with pytest.raises(ValidationError, match="already has the 8D"):
        open_customer_8d(c, actor=actor)
    c.refresh_from_db()
    transition(c, "escalate", actor=actor)
    update_complaint(c, actor=actor, resolution="Modules replaced.")
    with pytest.raises(TransitionError, match="is not closed yet"):
        transition(c, "close", actor=actor)
    EightD.objects.filter(pk=capa.pk).update(status="closed")
    c.refresh_from_db()
    transition(c, "close", actor=actor)
    c.refresh_from_db()
    assert c.status == "closed" and c.closed_at is not None
    with pytest.raises(ValidationError, match="can no longer be changed"):
        update_complaint(c, actor=actor, title="x")


def test_reject_needs_no_serials_and_locks(world):
    c = make_complaint(world)
    transition(c, "reject", actor=world.user("cqo"))
    with pytest.raises(ValidationError, match="can no longer be changed"):
        update_complaint(c, actor=world.user("cqo"), title="x")


def test_open_8d_page_and_denied_cases(world, client_for):
    plant = make_plant(world)
    c = make_complaint(world)
    url = reverse("service:complaint_open_8d", args=[c.pk])
    # no serials: no site for the 8D: refused, nothing created
    response = client_for("cqo").post(url)
    assert response.status_code == 302 and not EightD.objects.exists()
    with_serials(world, c, plant.shipped_to(world.customer_c)[:2])
    assert client_for("supplier_x").post(url).status_code == 404
    assert client_for("outsider").post(url).status_code == 404
    assert not EightD.objects.exists()
    response = client_for("eng_a").post(url)
    capa = EightD.objects.get()
    assert response.status_code == 302 and response.url == capa.get_absolute_url()
    assert Complaint.objects.get(pk=c.pk).capa == capa
    # eng_b (site B) may not open an 8D at site A, where the modules were built
    c2 = make_complaint(world)
    with_serials(world, c2, plant.shipped_to(world.customer_c)[2:4])
    client_for("eng_b").post(reverse("service:complaint_open_8d", args=[c2.pk]))
    assert EightD.objects.count() == 1 and Complaint.objects.get(pk=c2.pk).capa is None


def test_sla_overdue_shows(world, client_for):
    c = make_complaint(world, received_on=datetime.date(2020, 1, 1))
    page = client_for("cqo").get(c.get_absolute_url()).content.decode()
    assert 'data-testid="sla-overdue"' in page
