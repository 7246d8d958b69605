"""Pages of qualification and changes render for an allowed user (lists, forms, details),
the menu names them, and form posts go through the services (errors on the form)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qdm.design.models import QualificationResult, QualificationSample
from tests.design.test_change import make_change
from tests.design.test_qualification_programmes import add_sample, make_certificate, make_programme
from tests.personas import World

pytestmark = pytest.mark.django_db

MODELS = (
    "qualificationprogramme", "qualificationsequence", "qualificationsample",
    "qualificationresult", "certificate", "changerequest", "changeimpact",
)  # fmt: skip


def test_lists_forms_and_details_render(world: World, client_for) -> None:
    programme = make_programme(world)
    sample = add_sample(programme, "tc200", "S001", 600.0, 595.0)
    cert = make_certificate(world, programmes=[programme])
    change = make_change(world)
    client = client_for("eng_a")
    for name in MODELS:
        assert client.get(reverse(f"design:{name}_list")).status_code == 200, name
    for name in MODELS[:-1]:
        assert client.get(reverse(f"design:{name}_add")).status_code == 200, name
    for obj in (programme, sample, sample.sequence, sample.results.first(), cert, change):
        assert client.get(obj.get_absolute_url()).status_code == 200, obj
    home = client.get(reverse("design:index")).content.decode()
    for label in ("Qualification programmes", "Certificates", "Change requests"):
        assert label in home


def test_result_form_posts_through_the_service(world: World, client_for) -> None:
    programme = make_programme(world)
    sample = add_sample(programme, "tc200", "S001", 600.0)
    client = client_for("eng_a")
    data = {"sample": sample.pk, "stage": 0, "measured_on": "2026-03-02", "pmax_w": 601}
    response = client.post(reverse("design:qualificationresult_add"), data)
    assert response.status_code == 400
    assert "already exists" in response.content.decode()  # the unique (sample, stage)
    response = client.post(
        reverse("design:qualificationresult_add"), {**data, "stage": 1, "pmax_w": -1}
    )
    assert response.status_code == 400 and "cannot be negative" in response.content.decode()
    response = client.post(
        reverse("design:qualificationresult_add"), {**data, "stage": 1, "pmax_w": 596}
    )
    assert response.status_code == 302
    assert QualificationResult.objects.filter(sample=sample, stage=1, pmax_w=596).exists()
    response = client.post(
        reverse("design:qualificationsample_add"),
        {"sequence": sample.sequence.pk, "serial": "S001"},
    )
    assert response.status_code == 400 and "already a sample" in response.content.decode()
    assert QualificationSample.objects.filter(serial="S001").count() == 1
