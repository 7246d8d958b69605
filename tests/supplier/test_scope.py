"""Scoped contracts (list/detail/create/edit/delete in UI and API for every persona) of the
supplier master records: a supplier's user sees and changes only its own company's."""

from __future__ import annotations

from typing import Any

from qdm.supplier.models import Certificate, SupplierPlant
from tests.personas import World
from tests.scoping import ScopedModelContract

INTERNAL = {"eng_a": {"X", "Y"}, "eng_b": {"X", "Y"}, "cqo": {"X", "Y"}}


class TestCertificateScope(ScopedModelContract):
    model = Certificate
    api_prefix = "supplier/certificates"
    places = ("X", "Y")
    can_view = {**INTERNAL, "supplier_x": {"X"}}
    # CQO: view/add/change on supplier; the supplier's user uploads its own certificates
    can_add = {"cqo": {"X", "Y"}, "supplier_x": {"X"}}
    can_change = {"cqo": {"X", "Y"}, "supplier_x": {"X"}}
    can_delete: dict[str, set[str]] = {}
    change = ("issuer", "TÜV Rheinland")

    def existing(self, world: World, place: str) -> Any:
        supplier = world.where(place)
        return Certificate.objects.get_or_create(
            supplier=supplier,
            number=f"ISO9001-{supplier.code}",
            defaults={
                "kind": "iso9001",
                "issuer": "CQC",
                "valid_from": "2025-01-01",
                "valid_until": "2028-01-01",
            },
        )[0]

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "supplier": world.where(place).pk,
            "kind": "iso9001",
            "number": code,
            "issuer": "CQC",
            "valid_from": "2025-01-01",
            "valid_until": "2028-01-01",
        }

    def created(self, code: str) -> Any:
        return Certificate.objects.filter(number=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestPlantScope(ScopedModelContract):
    model = SupplierPlant
    api_prefix = "supplier/plants"
    places = ("X", "Y")
    can_view = {**INTERNAL, "supplier_x": {"X"}}
    can_add = {"cqo": {"X", "Y"}}
    can_change = {"cqo": {"X", "Y"}}
    can_delete: dict[str, set[str]] = {}
    change = ("city", "Qujing")

    def existing(self, world: World, place: str) -> Any:
        supplier = world.where(place)
        return SupplierPlant.objects.get_or_create(
            supplier=supplier, name=f"PLANT-{supplier.code}", defaults={"country": "CN"}
        )[0]

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"supplier": world.where(place).pk, "name": code, "country": "CN"}

    def created(self, code: str) -> Any:
        return SupplierPlant.objects.filter(name=code)

    def label(self, obj: Any) -> str:
        return obj.name
