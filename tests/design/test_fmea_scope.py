"""FMEA scoping: site-scoped with group-wide rows (site empty) visible to every site."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.design.models import Fmea
from tests.design.builders import make_fmea
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


class TestFmeaScope(ScopedModelContract):
    model = Fmea
    api_prefix = "design/fmeas"
    # eng_a: quality engineer + design engineer at A; eng_b: quality engineer at B (view
    # only on design); cqo: group-wide view/add/change; supplier users and outsiders: none
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_fmea(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"kind": "pfmea", "title": code, "site": world.where(place).pk}

    def created(self, code: str) -> Any:
        return Fmea.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_group_wide_fmea_is_seen_by_every_site_and_numbered_grp(
    world: World, client_for, api_for
) -> None:
    group = make_fmea(world, None, kind="dfmea", title="Module design DFMEA")
    assert group.number.startswith("FMEA-GRP-")
    site_a = make_fmea(world, "A")
    assert site_a.number.startswith("FMEA-SA-")
    for persona in ("eng_a", "eng_b", "cqo"):
        assert client_for(persona).get(group.get_absolute_url()).status_code == 200
        assert api_for(persona).get(f"/api/v1/design/fmeas/{group.pk}/").status_code == 200
    assert client_for("eng_b").get(site_a.get_absolute_url()).status_code == 404
    for persona in ("supplier_x", "outsider"):
        assert api_for(persona).get(f"/api/v1/design/fmeas/{group.pk}/").status_code in (403, 404)
    # eng_b may only view design records: the group-wide FMEA is not editable for them
    response = api_for("eng_b").patch(
        f"/api/v1/design/fmeas/{group.pk}/", {"title": "x"}, format="json"
    )
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.title == "Module design DFMEA"


def test_items_follow_their_fmeas_scope(world: World, api_for) -> None:
    from tests.design.builders import make_item

    item_b = make_item(make_fmea(world, "B"))
    item_group = make_item(make_fmea(world, None))
    rows = api_for("eng_a").get("/api/v1/design/fmea-items/", {"limit": 100}).json()["results"]
    ids = {row["id"] for row in rows}
    assert item_group.pk in ids
    assert item_b.pk not in ids
