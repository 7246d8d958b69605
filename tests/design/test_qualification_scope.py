"""Scoping of qualification programmes, their rows and certificates: like FMEAs, a site's
records are the site's and records with no site are group-wide; supplier users and
outsiders see nothing."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.design.models import Certificate, QualificationProgramme, QualificationResult
from tests.design.builders import module_model
from tests.design.test_qualification_programmes import (
    add_sample,
    make_certificate,
    make_programme,
)
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db

# eng_a: quality engineer + design engineer at A; eng_b: quality engineer at B (view only on
# design); cqo: group-wide view/add/change; supplier users and outsiders: none
VIEW = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
WRITE = {"eng_a": {"A"}, "cqo": {"A", "B"}}


class TestProgrammeScope(ScopedModelContract):
    model = QualificationProgramme
    api_prefix = "design/qualification-programmes"
    can_view, can_add, can_change = VIEW, WRITE, WRITE
    can_delete = {"eng_a": {"A"}}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_programme(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "title": code,
            "standard": "iec61215:2021",
            "module_model": module_model().pk,
            "bom_variant": "BOM-A",
            "site": world.where(place).pk,
        }

    def created(self, code: str) -> Any:
        return QualificationProgramme.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestCertificateScope(ScopedModelContract):
    model = Certificate
    api_prefix = "design/certificates"
    can_view, can_add, can_change = VIEW, WRITE, WRITE
    can_delete = {"eng_a": {"A"}}
    change = ("bom_variants", "BOM-A, BOM-C")

    def existing(self, world: World, place: str) -> Any:
        return make_certificate(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "body": "TÜV SÜD",
            "number": code,
            "standard": "iec61730:2023",
            "site": world.where(place).pk,
            "module_models": [module_model().pk],
            "issue_date": "2026-01-05",
            "expiry_date": "2031-01-04",
        }

    def created(self, code: str) -> Any:
        return Certificate.objects.filter(number=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_rows_follow_their_programme_and_writes_out_of_scope_change_nothing(
    world: World, api_for, client_for
) -> None:
    sample_b = add_sample(make_programme(world, "B"), "tc200", "SB1", 600.0)
    sample_g = add_sample(make_programme(world, None), "tc200", "SG1", 600.0)
    rows = api_for("eng_a").get("/api/v1/design/qualification-samples/").json()["results"]
    assert {r["serial"] for r in rows} == {"SG1"}
    result_b = QualificationResult.objects.get(sample=sample_b)
    response = api_for("eng_a").patch(
        f"/api/v1/design/qualification-results/{result_b.pk}/", {"pmax_w": 1.0}, format="json"
    )
    assert response.status_code == 404
    result_b.refresh_from_db()
    assert result_b.pmax_w == 600.0
    # adding a result to a sample of site B: the sample is not a choice for eng_a
    response = api_for("eng_a").post(
        "/api/v1/design/qualification-results/",
        {"sample": sample_b.pk, "stage": 1, "pmax_w": 590.0},
        format="json",
    )
    assert response.status_code == 400
    assert not QualificationResult.objects.filter(sample=sample_b, stage=1).exists()
    # the group-wide programme: eng_b may view, not change
    response = api_for("eng_b").patch(
        f"/api/v1/design/qualification-samples/{sample_g.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 403
    for persona in ("supplier_x", "outsider"):
        assert client_for(persona).get(sample_g.programme.get_absolute_url()).status_code in (
            403,
            404,
        )
        listing = api_for(persona).get("/api/v1/design/qualification-programmes/")
        assert listing.status_code in (403, 404) or listing.json()["count"] == 0
