"""Scoping of the CAPA aggregate and its D1–D7 records (UI and API, every persona)."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.core.models import User
from qdm.system.models import CapaAction, EightD, RootCause, TeamMember, Verification
from tests.personas import World
from tests.scoping import ScopedModelContract
from tests.system.builders import add_part, make_capa

pytestmark = pytest.mark.django_db

INTERNAL = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}


class TestEightDScope(ScopedModelContract):
    model = EightD
    api_prefix = "system/capas"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_capa(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"kind": "capa", "site": world.where(place).pk, "title": code}

    def created(self, code: str) -> Any:
        return EightD.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_supplier_user_sees_only_its_own_scars(world: World) -> None:
    own = make_capa(world, "A", kind="scar", supplier=world.supplier_x)
    make_capa(world, "A", kind="scar", supplier=world.supplier_y)
    make_capa(world, "B")
    visible = EightD.objects.for_user(world.user("supplier_x"))
    assert list(visible) == [own]


class PartContract(ScopedModelContract):
    """A D1–D7 record lives in its CAPA's scope."""

    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    text_field = ""

    def capa(self, world: World, place: str) -> EightD:
        cache = world.__dict__.setdefault("_capas", {})
        if place not in cache:
            cache[place] = make_capa(world, place)
        return cache[place]

    def extra(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {}

    def existing(self, world: World, place: str) -> Any:
        data = self.extra(world, place, f"OLD-{place}-{self.model.__name__}")
        return add_part(self.capa(world, place), self.model, **data)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = {"capa": self.capa(world, place).pk, **self.extra(world, place, code)}
        return {k: getattr(v, "pk", v) for k, v in data.items()}

    def created(self, code: str) -> Any:
        return self.model.objects.filter(**{self.text_field: code})

    def label(self, obj: Any) -> str:
        return getattr(obj, self.text_field)


class TestTeamMemberScope(PartContract):
    model = TeamMember
    api_prefix = "system/capa-team-members"
    text_field = "department"
    change = ("department", "Edited department")

    def extra(self, world: World, place: str, code: str) -> dict[str, Any]:
        user, _ = User.objects.get_or_create(username=f"u-{code}".lower()[:30])
        return {"user": user, "role": "member", "department": code}


class TestRootCauseScope(PartContract):
    model = RootCause
    api_prefix = "system/capa-root-causes"
    text_field = "statement"
    change = ("statement", "Edited statement")

    def extra(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"category": "machine", "cause_type": "occurrence", "statement": code}


class TestCapaActionScope(PartContract):
    model = CapaAction
    api_prefix = "system/capa-actions"
    text_field = "description"
    change = ("description", "Edited action")

    def extra(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "discipline": "d3",
            "description": code,
            "owner": world.user("eng_a"),
            "due_date": "2026-03-01",
            "status": "open",
        }


class TestVerificationScope(PartContract):
    model = Verification
    api_prefix = "system/capa-verifications"
    text_field = "method"
    change = ("method", "Edited method")

    def extra(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "method": code,
            "result": "ok",
            "effective": False,
            "verified_by": world.user("eng_a"),
            "verified_on": "2026-03-01",
        }
