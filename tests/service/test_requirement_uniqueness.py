"""One version number per customer, project (or all projects) and module model (or all
models). The database constraint has ``nulls_distinct=False``, which SQLite ignores (Django
check models.W047): the model's validation enforces it on every database, with a message
naming the clash — through the service, the page and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qdm.service.models import CustomerRequirement, Project
from qdm.service.services.requirements import create_requirement, update_requirement
from tests.design.builders import module_model
from tests.personas import World

pytestmark = pytest.mark.django_db
D = datetime.date


def make(world: World, **fields):
    data = {"customer": world.customer_c, "effective_from": D(2026, 1, 1)} | fields
    return create_requirement(actor=world.user("cqo"), **data)


def test_duplicate_customer_wide_version_is_refused(world: World) -> None:
    make(world)  # project and model empty: the NULLs SQLite would treat as distinct
    with pytest.raises(ValidationError) as exc:
        make(world, notes="again")
    message = " ".join(exc.value.message_dict["version"])
    assert "Version 1 of the requirements of CUS-C for all projects and all models" in message
    assert CustomerRequirement.objects.count() == 1


def test_duplicate_with_project_and_model_is_refused(world: World) -> None:
    project = Project.objects.create(
        customer=world.customer_c, name="Solarpark Nord", country="DE", capacity_mwp=20
    )
    model = module_model()
    make(world, project=project, module_model=model, version=2)
    with pytest.raises(ValidationError, match=r"Version 2 .* Solarpark Nord and TC-GG-620"):
        make(world, project=project, module_model=model, version=2)
    # other targets or versions are different records
    make(world, project=project, module_model=model, version=3)
    make(world, project=project, version=2)
    make(world, module_model=model, version=2)
    make(world, version=2)
    assert CustomerRequirement.objects.count() == 5


def test_changing_a_record_into_a_clash_is_refused_but_saving_itself_is_fine(world) -> None:
    make(world)
    second = make(world, version=2)
    update_requirement(second, actor=world.user("cqo"), notes="still version 2")
    with pytest.raises(ValidationError, match="Version 1 "):
        update_requirement(second, actor=world.user("cqo"), version=1)
    second.refresh_from_db()
    assert second.version == 2


def test_page_and_api_name_the_clash(world: World, client_for, api_for) -> None:
    make(world)
    data = {
        "customer": world.customer_c.pk,
        "version": 1,
        "effective_from": "2026-03-01",
        "positive_tolerance_w": "5",
        "max_el_grade": "A",
    }
    page = client_for("cqo").post(reverse("service:customerrequirement_add"), data)
    assert page.status_code == 200 or page.status_code == 400
    assert "already exists: give the next version number" in page.content.decode()
    api = api_for("cqo").post("/api/v1/service/customer-requirements/", data, format="json")
    assert api.status_code == 400
    assert "already exists" in api.content.decode()
    assert CustomerRequirement.objects.count() == 1
