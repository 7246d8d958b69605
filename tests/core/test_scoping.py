"""Every kernel model that users see, through the scoped contract."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.core.models import Line, Site, Supplier, Workshop
from qdm.core.querysets import scope_filter
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db

BOTH = {"A", "B"}


class TestWorkshopScope(ScopedModelContract):
    model = Workshop
    api_prefix = "core/workshops"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": BOTH}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Renamed workshop")

    def existing(self, world: World, place: str) -> Any:
        return world.workshop_a if place == "A" else world.workshop_b

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "新车间",
            "name_en": "New workshop",
            "site": world.where(place).pk,
            "stage": "module",
        }


class TestLineScope(ScopedModelContract):
    model = Line
    api_prefix = "core/lines"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": BOTH}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("capacity_per_day", 6000)

    def existing(self, world: World, place: str) -> Any:
        return world.line_a if place == "A" else world.line_b

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        workshop = world.workshop_a if place == "A" else world.workshop_b
        return {
            "code": code,
            "name": "新线",
            "name_en": "New line",
            "workshop": workshop.pk,
            "capacity_per_day": 5500,
            "active": True,
        }


class TestSiteScope(ScopedModelContract):
    """Sites: engineers see their own; nobody but administrators creates or edits them."""

    model = Site
    api_prefix = "core/sites"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": BOTH}
    can_add: dict[str, set[str]] = {}
    can_change: dict[str, set[str]] = {}
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Renamed site")

    def existing(self, world: World, place: str) -> Any:
        return world.where(place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "新基地",
            "name_en": "New site",
            "business_unit": world.site_a.business_unit_id,
            "country": "CN",
            "timezone": "Asia/Shanghai",
            "stages": ["module"],
            "active": True,
        }


class TestSupplierScope(ScopedModelContract):
    """Suppliers: internal users see all; a supplier's user sees only its own company."""

    model = Supplier
    api_prefix = "core/suppliers"
    places = ("X", "Y")
    can_view = {"eng_a": {"X", "Y"}, "eng_b": {"X", "Y"}, "cqo": {"X", "Y"}, "supplier_x": {"X"}}
    can_add: dict[str, set[str]] = {}
    can_change: dict[str, set[str]] = {}
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Renamed supplier")

    def existing(self, world: World, place: str) -> Any:
        return world.where(place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "新供应商",
            "name_en": "New supplier",
            "country": "CN",
            "active": True,
        }


def test_unknown_action_is_an_error(world: World) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        scope_filter(Site, world.user("eng_a"), "approve")


def test_inactive_user_sees_nothing(world: World) -> None:
    user = world.user("cqo")
    user.is_active = False
    user.save()
    assert Site.objects.for_user(user).count() == 0


def test_superuser_sees_everything(world: World) -> None:
    from qdm.core.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "x" * 12)
    assert Site.objects.for_user(admin, "delete").count() == 2
