"""Scoping of change requests and their impact rows (like FMEAs: site rows for the site,
rows without a site group-wide; supplier users and outsiders see nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.design.models import ChangeImpact, ChangeRequest
from tests.design.test_change import make_change
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


class TestChangeRequestScope(ScopedModelContract):
    model = ChangeRequest
    api_prefix = "design/change-requests"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_change(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "kind": "process",
            "title": code,
            "description": "Stringer flux change",
            "site": world.where(place).pk,
        }

    def created(self, code: str) -> Any:
        return ChangeRequest.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_out_of_scope_assessment_and_impact_edits_are_404_and_change_nothing(
    world: World, client_for, api_for
) -> None:
    change_b = make_change(world, "B")
    impact = ChangeImpact.objects.create(change=change_b, area="customer", reference="CUS-C")
    response = client_for("eng_a").post(f"/design/change-requests/{change_b.pk}/assess/")
    assert response.status_code == 404
    assert (
        api_for("eng_a").post(f"/api/v1/design/change-requests/{change_b.pk}/assess/").status_code
        == 404
    )
    change_b.refresh_from_db()
    assert change_b.assessed_at is None and change_b.impacts.count() == 1
    response = api_for("eng_a").patch(
        f"/api/v1/design/change-impacts/{impact.pk}/", {"done": True, "note": "x"}, format="json"
    )
    assert response.status_code == 404
    impact.refresh_from_db()
    assert impact.done is False
    group = make_change(world, None)
    assert client_for("eng_b").get(group.get_absolute_url()).status_code == 200
    for persona in ("supplier_x", "outsider"):
        assert client_for(persona).get(group.get_absolute_url()).status_code in (403, 404)
        listing = api_for(persona).get("/api/v1/design/change-impacts/")
        assert listing.status_code in (403, 404) or listing.json()["count"] == 0
