"""Master data and the characteristic catalog: shared definitions, versioned specifications,
site and customer overrides shown beside the group value."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qdm.core.models import DomainEvent
from qdm.data.models import Characteristic, Material, Specification
from qdm.data.services.specifications import (
    publish_specification,
    specification_in_force,
    specifications_side_by_side,
)
from tests.data.factories import characteristic, spec
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


class TestCharacteristicScope(ScopedModelContract):
    """Catalog definitions are one body: every internal user reads them; engineers with the
    data permissions maintain them; supplier users and outsiders see nothing."""

    model = Characteristic
    api_prefix = "data/characteristics"
    can_view = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("unit", "kW")

    def existing(self, world: World, place: str) -> Any:
        code = f"CHR-{place}"
        found = Characteristic.objects.filter(code=code).first()
        return found or characteristic(code)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "凝胶含量",
            "name_en": "Gel content",
            "kind": "product",
            "stage": "module",
            "unit": "%",
            "data_type": "variable",
            "special_class": "SC",
        }


def test_versions_are_numbered_and_kept(world: World) -> None:
    char = characteristic()
    first = publish_specification(
        actor=world.user("cqo"), characteristic=char, lsl=575, target=580, usl=585
    )
    second = publish_specification(
        actor=world.user("cqo"),
        characteristic=char,
        lsl=576,
        target=580,
        usl=585,
        reason="tighter lower limit",
    )
    assert (first.version, second.version) == (1, 2)
    assert Specification.objects.filter(characteristic=char).count() == 2
    assert DomainEvent.objects.filter(verb="specification_published").count() == 2


def test_a_specification_without_characteristic_is_refused_naming_it(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        publish_specification(actor=world.user("cqo"), lsl=575, target=580, usl=585)
    assert "characteristic" in exc.value.message_dict
    assert not Specification.objects.exists()
    assert not DomainEvent.objects.filter(verb="specification_published").exists()


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"lsl": 10.0, "usl": 5.0}, "usl"),
        ({"lsl": 1.0, "target": 9.0, "usl": 5.0}, "target"),
        ({}, "__all__"),
    ],
)
def test_bad_limits_are_refused_with_the_field_named(
    world: World, limits: dict, field: str
) -> None:
    from django.core.exceptions import ValidationError

    char = characteristic()
    with pytest.raises(ValidationError) as exc:
        publish_specification(actor=world.user("cqo"), characteristic=char, **limits)
    assert field in exc.value.message_dict
    assert not Specification.objects.exists()


def test_site_and_customer_overrides_are_shown_beside_the_group_value(world: World) -> None:
    char = characteristic("LAM-TEMP", kind="process", unit="°C", special_class="")
    spec(char, lsl=140, target=145, usl=150)
    spec(char, site=world.site_a, lsl=142, target=146, usl=150, reason="POE encapsulant")
    spec(char, site=world.site_b, lsl=140, target=145, usl=150)
    spec(char, customer=world.customer_c, lsl=143, usl=150)
    rows = specifications_side_by_side(char, world.user("cqo"))
    levels = [(r.current.level, r.current.site_id, r.differs) for r in rows]
    assert levels == [
        ("group", None, False),
        ("site", world.site_a.pk, True),  # differs from the group: highlighted
        ("site", world.site_b.pk, False),  # same as the group
        ("customer", None, True),
    ]
    assert all(r.group is not None and r.group.site_id is None for r in rows)
    # site A's engineer sees the group value and site A's override, not site B's
    rows_a = specifications_side_by_side(char, world.user("eng_a"))
    assert {r.current.site_id for r in rows_a} == {None, world.site_a.pk}


def test_the_most_specific_specification_is_in_force(world: World) -> None:
    char = characteristic()
    group = spec(char, lsl=575, usl=590)
    site_a = spec(char, site=world.site_a, lsl=577, usl=590)
    customer = spec(char, customer=world.customer_c, lsl=580, usl=590)
    future = spec(
        char,
        site=world.site_a,
        version=2,
        lsl=578,
        usl=590,
        valid_from=timezone.now() + timedelta(days=3),
    )
    assert specification_in_force(char, site=world.site_b) == group
    assert specification_in_force(char, site=world.site_a) == site_a
    assert specification_in_force(char, site=world.site_a, customer=world.customer_c) == customer
    assert (
        specification_in_force(char, site=world.site_a, at=timezone.now() + timedelta(days=4))
        == future
    )


def test_characteristic_page_shows_side_by_side(world: World, client_for) -> None:
    char = characteristic()
    spec(char, lsl=575, target=580, usl=590)
    spec(char, site=world.site_a, lsl=577, target=580, usl=590)
    content = client_for("eng_a").get(char.get_absolute_url()).content.decode()
    assert 'data-testid="spec-side-by-side"' in content
    assert "Site override" in content and "577" in content
    assert "SB" not in content.split('data-testid="spec-side-by-side"')[1].split("</table>")[0]


def test_spec_api_publishes_versions_and_refuses_other_sites(world: World, api_for) -> None:
    char = characteristic()
    created = api_for("eng_a").post(
        "/api/v1/data/specifications/",
        {"characteristic": char.pk, "site": world.site_a.pk, "lsl": 575, "usl": 590},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == 1
    assert created.json()["level"] == "site"
    changed = api_for("eng_a").patch(
        f"/api/v1/data/specifications/{created.json()['id']}/", {"lsl": 577}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    assert Specification.objects.get(pk=created.json()["id"]).lsl == 575  # history kept
    before = Specification.objects.count()
    refused = api_for("eng_a").post(
        "/api/v1/data/specifications/",
        {"characteristic": char.pk, "site": world.site_b.pk, "lsl": 575, "usl": 590},
        format="json",
    )
    assert refused.status_code == 400
    assert "site" in refused.json()["error"]["fields"]
    bad = api_for("eng_a").post(
        "/api/v1/data/specifications/",
        {"characteristic": char.pk, "site": world.site_a.pk, "lsl": 600, "usl": 590},
        format="json",
    )
    assert bad.status_code == 400
    assert "usl" in bad.json()["error"]["fields"]
    assert Specification.objects.count() == before


def test_module_model_page_lists_its_bill_of_materials(world: World, client_for) -> None:
    from decimal import Decimal

    from qdm.data.models import BomLine, Material, MaterialCategory, ModuleModel, ProductFamily

    family = ProductFamily.objects.create(
        code="TOPCON", name="TOPCon", name_en="TOPCon", technology="topcon"
    )
    model = ModuleModel.objects.create(
        code="TC-580",
        name="580W",
        name_en="580 W",
        family=family,
        pmax_w=580,
        voc_v=52.3,
        isc_a=14.0,
        vmp_v=43.5,
        imp_a=13.33,
        efficiency_pct=22.45,
        temp_coeff_pmax_pct_per_c=-0.29,
        temp_coeff_voc_pct_per_c=-0.25,
        temp_coeff_isc_pct_per_c=0.045,
        length_mm=2278,
        width_mm=1134,
        cell_count=144,
    )
    glass = MaterialCategory.objects.create(code="GLASS", name="玻璃", name_en="Glass")
    front = Material.objects.create(
        code="GL-32AR", name="3.2 镀膜玻璃", name_en="3.2 mm AR glass", category=glass, unit="pcs"
    )
    BomLine.objects.create(module_model=model, material=front, quantity=Decimal("1"))
    content = client_for("eng_a").get(model.get_absolute_url()).content.decode()
    table = content.split('data-testid="bom"')[1].split("</table>")[0]
    assert "GL-32AR" in table
    assert "Glass" in table


class TestMaterialScope(ScopedModelContract):
    """Materials are shared master data like the catalog."""

    model = Material

    api_prefix = "data/materials"
    can_view = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("unit", "m2")

    def category(self) -> Any:
        from qdm.data.models import MaterialCategory

        return MaterialCategory.objects.get_or_create(
            code="ENCAP", defaults={"name": "封装胶膜", "name_en": "Encapsulant"}
        )[0]

    def existing(self, world: World, place: str) -> Any:
        from qdm.data.models import Material

        return Material.objects.get_or_create(
            code=f"POE-{place}",
            defaults={
                "name": "POE 胶膜",
                "name_en": "POE film",
                "category": self.category(),
                "unit": "m2",
            },
        )[0]

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "EVA 胶膜",
            "name_en": "EVA film",
            "category": self.category().pk,
            "unit": "m2",
            "specification": "gel ≥ 75 %",
        }
