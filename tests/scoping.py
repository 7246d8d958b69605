"""A reusable scoped-test contract: list / detail / create / edit / delete through the UI and
the API, for every persona, on one scoped model. Denied cases assert that nothing changed.

A model's test subclasses ``ScopedModelContract`` and declares where objects live ("A"/"B"
for sites, "X"/"Y" for suppliers) and what each persona may do where.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.personas import PERSONAS, World


def snapshot(obj: Any) -> dict[str, Any]:
    obj.refresh_from_db()
    return model_to_dict(obj)


class ScopedModelContract:
    model: ClassVar[type]
    api_prefix: ClassVar[str]  # e.g. "core/workshops"
    places: ClassVar[tuple[str, str]] = ("A", "B")
    #: persona → places where it may view / add / change / delete; a persona missing from
    #: ``can_view`` has no view permission at all (403 on lists), one mapped to an empty set
    #: has the permission but none of these objects in scope (an empty list)
    can_view: ClassVar[dict[str, set[str]]]
    can_add: ClassVar[dict[str, set[str]]]
    can_change: ClassVar[dict[str, set[str]]]
    can_delete: ClassVar[dict[str, set[str]]]
    change: ClassVar[tuple[str, Any]]  # (field, new value) for edits

    # --- to implement --------------------------------------------------------------
    def existing(self, world: World, place: str) -> Any:
        raise NotImplementedError

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        raise NotImplementedError

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return self.form_data(world, place, code)

    def created(self, code: str) -> Any:
        return self.model.objects.filter(code=code)

    def label(self, obj: Any) -> str:
        """Text that identifies ``obj`` in a list page."""
        return str(obj.code)

    # --- helpers ---------------------------------------------------------------------
    def url(self, view: str, *args: Any) -> str:
        opts = self.model._meta
        return reverse(f"{opts.app_label}:{opts.model_name}_{view}", args=args)

    def api(self, pk: Any = None) -> str:
        return f"/api/v1/{self.api_prefix}/" + (f"{pk}/" if pk is not None else "")

    def may(self, table: dict[str, set[str]], persona: str, place: str) -> bool:
        return place in table.get(persona, set())

    # --- the contract ------------------------------------------------------------------
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_list_shows_exactly_the_scope(
        self, world: World, client_for, api_for, persona: str
    ) -> None:
        objects = {place: self.existing(world, place) for place in self.places}
        visible = self.can_view.get(persona, set())
        response = client_for(persona).get(self.url("list"))
        api_response = api_for(persona).get(self.api(), {"limit": 1000})
        if persona not in self.can_view:  # no view permission at all
            assert response.status_code == 403
            assert api_response.status_code == 403
            assert api_response.json()["error"]["code"] == "permission_denied"
            return
        assert response.status_code == 200
        api_ids = {row["id"] for row in api_response.json()["results"]}
        # look in the table only, for the label as a whole word: a short code such as "SB"
        # can occur by chance in a CSRF token elsewhere on the page
        table = response.content.decode().split('id="object-table"', 1)[1]
        for place, obj in objects.items():
            shown = place in visible
            pattern = rf"(?<![\w-]){re.escape(self.label(obj))}(?![\w-])"
            assert bool(re.search(pattern, table)) is shown, (persona, place)
            assert (obj.pk in api_ids) is shown, (persona, place)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_detail_out_of_scope_is_404(
        self, world: World, client_for, api_for, persona: str
    ) -> None:
        for place in self.places:
            obj = self.existing(world, place)
            expected = 200 if self.may(self.can_view, persona, place) else 404
            assert client_for(persona).get(self.url("detail", obj.pk)).status_code == expected
            api_status = api_for(persona).get(self.api(obj.pk)).status_code
            if expected == 404 and persona not in self.can_view:
                assert api_status in (403, 404)  # no view permission at all
            else:
                assert api_status == expected

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_create(self, world: World, client_for, api_for, persona: str) -> None:
        for place in self.places:
            before = self.model.objects.count()
            code = f"NEW-{place}-{persona[:3].upper()}"
            response = client_for(persona).post(self.url("add"), self.form_data(world, place, code))
            if self.may(self.can_add, persona, place):
                assert response.status_code == 302, response.content.decode()[:2000]
                assert self.created(code).count() == 1
            else:
                assert response.status_code in (400, 403, 404)
                assert self.model.objects.count() == before
                assert not self.created(code).exists()
            before = self.model.objects.count()
            api_code = f"API-{place}-{persona[:3].upper()}"
            api_response = api_for(persona).post(
                self.api(), self.api_data(world, place, api_code), format="json"
            )
            if self.may(self.can_add, persona, place):
                assert api_response.status_code == 201, api_response.json()
                assert self.created(api_code).count() == 1
            else:
                assert api_response.status_code in (400, 403, 404)
                assert "error" in api_response.json()
                assert self.model.objects.count() == before

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_edit(self, world: World, client_for, api_for, persona: str) -> None:
        field, value = self.change
        for place in self.places:
            obj = self.existing(world, place)
            before = snapshot(obj)
            data = {**self.form_data(world, place, self.label(obj)), field: value}
            response = client_for(persona).post(self.url("edit", obj.pk), data)
            if self.may(self.can_change, persona, place):
                assert response.status_code == 302, response.content.decode()[:2000]
                assert str(snapshot(obj)[field]) == str(value)
                # put it back for the API half
                type(obj).objects.filter(pk=obj.pk).update(**{field: before[field]})
            else:
                assert response.status_code in (403, 404)
                assert snapshot(obj) == before
            api_response = api_for(persona).patch(self.api(obj.pk), {field: value}, format="json")
            if self.may(self.can_change, persona, place):
                assert api_response.status_code == 200, api_response.json()
                assert str(snapshot(obj)[field]) == str(value)
            else:
                assert api_response.status_code in (403, 404)
                assert snapshot(obj) == before

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_delete(self, world: World, client_for, api_for, persona: str) -> None:
        for place in self.places:
            obj = self.existing(world, place)
            response = client_for(persona).post(self.url("delete", obj.pk))
            allowed = self.may(self.can_delete, persona, place)
            if allowed:
                assert response.status_code == 302
            else:
                assert response.status_code in (403, 404)
                assert self.model.objects.filter(pk=obj.pk).exists()
            api_response = api_for(persona).delete(self.api(obj.pk))
            if not allowed:
                assert api_response.status_code in (403, 404)
                assert self.model.objects.filter(pk=obj.pk).exists()
