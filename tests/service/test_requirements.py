"""Customer-specific requirements: validation, the version in force (selector), the check
of a packed pallet/shipment, read-only for customer users, and scoping."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qdm.core.models import Customer
from qdm.data.models import ElResult, FlashTest, Unit
from qdm.service.models import CustomerRequirement, Project
from qdm.service.selectors import requirements_for
from qdm.service.services.requirements import (
    RequirementCheckError,
    check_unit,
    class_window_ok,
    create_requirement,
)
from tests.design.builders import module_model
from tests.personas import World, make_user
from tests.scoping import ScopedModelContract
from tests.service.builders import make_plant

pytestmark = pytest.mark.django_db

D = datetime.date


def req(world: World, customer: Customer | None = None, **fields: Any) -> CustomerRequirement:
    data = {
        "customer": customer or world.customer_c,
        "effective_from": D(2026, 1, 1),
        "allowed_classes_w": "590, 595",
        "positive_tolerance_w": Decimal("5"),
        "max_el_grade": "B",
        "refused_defect_codes": "crk-b",
        "imp_sorting_required": True,
        "imp_bin_width_a": Decimal("0.100"),
        "modules_per_pallet": 36,
    } | fields
    return create_requirement(actor=world.user("cqo"), **data)


# --- validation -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"allowed_classes_w": "590 W; 595"}, "allowed_classes_w"),
        ({"refused_defect_codes": "CRK-B, crack!"}, "refused_defect_codes"),
        ({"imp_bin_width_a": None}, "imp_bin_width_a"),
        ({"effective_to": D(2025, 12, 31)}, "effective_to"),
        ({"modules_per_pallet": 0}, "modules_per_pallet"),
    ],
)
def test_bad_values_are_refused_and_nothing_saved(world, fields, error_field):
    with pytest.raises(ValidationError) as exc:
        req(world, **fields)
    assert error_field in exc.value.message_dict
    assert not CustomerRequirement.objects.exists()


def test_project_of_another_customer_is_refused(world):
    other = Customer.objects.create(code="CUS-D", name="D", name_en="D", country="ES")
    project = Project.objects.create(
        customer=other, name="PV Almería", country="ES", capacity_mwp=50
    )
    with pytest.raises(ValidationError) as exc:
        req(world, project=project)
    assert "project" in exc.value.message_dict


def test_parsed_values(world):
    r = req(world, allowed_classes_w="595,590 , 590", deliver_el_images=True)
    assert r.allowed_classes == [590, 595]
    assert r.refused_codes == ["CRK-B"]
    assert r.documents == ["flash_list", "el_images", "coc"]


# --- the version in force ---------------------------------------------------------------
def test_requirements_for_picks_dates_version_and_most_specific(world):
    model = module_model("TC-GG-620")
    project = Project.objects.create(
        customer=world.customer_c, name="Solarpark Test 10 MW", country="DE", capacity_mwp=10
    )
    v1 = req(world, version=1, effective_to=D(2026, 3, 31))
    v2 = req(world, version=2, effective_from=D(2026, 4, 1))
    by_model = req(world, version=1, module_model=model, effective_from=D(2026, 2, 1))
    by_project = req(world, version=1, project=project, effective_from=D(2026, 5, 1))
    c = world.customer_c
    assert requirements_for(c, on_date=D(2025, 12, 31)) is None  # before the first version
    assert requirements_for(c, on_date=D(2026, 1, 15)) == v1
    assert requirements_for(c, on_date=D(2026, 3, 31)) == v1  # last day inclusive
    assert requirements_for(c, on_date=D(2026, 4, 1)) == v2
    # the model-specific one beats the customer-wide one, from its start date
    assert requirements_for(c, module_model=model, on_date=D(2026, 1, 15)) == v1
    assert requirements_for(c, module_model=model, on_date=D(2026, 2, 1)) == by_model
    # project beats module model; the project may be given by its shipment name
    assert requirements_for(c, model, D(2026, 5, 1), "Solarpark Test 10 MW") == by_project
    assert requirements_for(c, model, D(2026, 5, 1), project) == by_project
    assert requirements_for(c, model, D(2026, 4, 30), project) == by_model
    # a requirement for another model does not apply
    other = module_model("TC-GG-580")
    assert requirements_for(c, other, D(2026, 2, 1)) == v1


# --- the check ----------------------------------------------------------------------------
def test_class_window_edges():
    tol = Decimal("5")
    assert class_window_ok(590.0, [590, 595], tol)  # exactly on the class
    assert class_window_ok(600.0, [590, 595], tol)  # exactly class + tolerance
    assert not class_window_ok(589.99, [590, 595], tol)
    assert not class_window_ok(600.01, [590, 595], tol)
    assert class_window_ok(700.0, [590], Decimal("0"))  # no upper bound without tolerance
    assert not class_window_ok(589.9, [590], Decimal("0"))


def _facts(world: World, serial: str, pmax: float, imp: float, grade: str | None, defects=()):
    now = timezone.now()
    FlashTest.objects.create(
        serial=serial, tested_at=now, site=world.site_a, irradiance_wm2=1000, module_temp_c=25,
        pmax_w=pmax, voc_v=52.3, isc_a=14.6, vmp_v=43.1, imp_a=imp, ff_pct=80.2,
    )  # fmt: skip
    if grade:
        ElResult.objects.create(
            serial=serial, tested_at=now, site=world.site_a, line=world.line_a, stage="EL2",
            grade=grade, defects=[{"code": c, "cell": "C12"} for c in defects],
        )  # fmt: skip


def packed_pallet(world: World):
    """Pallet PAL-SA-0000 (36 modules, shipment CNT-SA-0000 to customer C) with planted
    violations: two out-of-class modules, three EL findings and one Imp outlier."""
    plant = make_plant(world)
    pallet = plant.pallets[0]
    mods = plant.modules[:36]
    special = {
        3: (589.4, 13.80, "A", ()),  # below the lowest class 590
        5: (601.0, 13.80, "A", ()),  # above 595 + 5
        7: (592.0, 13.80, "C", ()),  # EL grade worse than B
        8: (592.0, 13.80, "B", ("CRK-B",)),  # refused defect code
        9: (592.0, 13.80, None, ()),  # no EL2 result
        10: (592.0, 13.95, "A", ()),  # Imp spread 13.95 − 13.80 = 0.15 A > 0.10 A
        11: (600.0, 13.80, "A", ()),  # exactly class 595 + tolerance: fine
        12: (590.0, 13.80, "A", ()),  # exactly on class 590: fine
    }
    for i, m in enumerate(mods):
        _facts(world, m.code, *special.get(i, (593.5, 13.82, "A", ())))
    return plant, pallet


def test_check_lists_every_planted_violation(world):
    plant, pallet = packed_pallet(world)
    req(world)
    result = check_unit(pallet)
    assert result.customer == world.customer_c
    assert result.module_count == 36
    found = {(v.serial, v.rule) for v in result.violations}
    mods = plant.modules
    assert found == {
        (mods[3].code, "power class"),
        (mods[5].code, "power class"),
        (mods[7].code, "EL"),
        (mods[8].code, "EL"),
        (mods[9].code, "EL"),
        ("", "Imp sorting"),
    }
    assert not result.passed
    imp = next(v for v in result.violations if v.rule == "Imp sorting")
    assert "0.15" in imp.detail


def test_check_of_a_shipment_covers_its_pallets_and_pallet_count(world):
    plant, _ = packed_pallet(world)
    req(world, modules_per_pallet=30, allowed_classes_w="", imp_sorting_required=False,
        imp_bin_width_a=None, max_el_grade="D", refused_defect_codes="")  # fmt: skip
    result = check_unit(plant.shipments[0])
    # 3 pallets of 36; only the first has flash/EL data
    assert result.module_count == 108
    count_findings = [v for v in result.violations if v.rule == "modules per pallet"]
    assert len(count_findings) == 3
    assert sum(v.detail == "no flash test" for v in result.violations) == 72
    assert sum(v.detail == "no EL result after lamination" for v in result.violations) == 73


def test_clean_pallet_passes_and_no_requirement_is_reported(world):
    plant = make_plant(world)
    for m in plant.modules[:36]:
        _facts(world, m.code, 593.5, 13.82, "A")
    result = check_unit(plant.pallets[0])
    assert result.requirement is None and not result.passed
    req(world)
    assert check_unit(plant.pallets[0]).passed


def test_check_refuses_a_module_and_an_unshipped_pallet(world):
    plant = make_plant(world)
    with pytest.raises(RequirementCheckError, match="choose a pallet or a shipment"):
        check_unit(plant.modules[0])
    loose = Unit.objects.create(code="PAL-SA-9999", kind="pallet", site=world.site_a)
    with pytest.raises(RequirementCheckError, match="not shipped to a customer"):
        check_unit(loose)
    assert check_unit(loose, customer=world.customer_c).module_count == 0


def test_check_page(world, client_for):
    packed_pallet(world)
    req(world)
    client = client_for("cqo")
    page = client.get("/service/requirements/check/", {"code": "PAL-SA-0000"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "SAM01-2603-000003" in body and "6 violations" in body
    missing = client.get("/service/requirements/check/", {"code": "PAL-NOPE"})
    assert (
        missing.status_code == 404 and "No pallet or shipment PAL-NOPE" in missing.content.decode()
    )
    module = client.get("/service/requirements/check/", {"code": "SAM01-2603-000001"})
    assert module.status_code == 400


# --- read-only for customers ----------------------------------------------------------------
def test_customer_user_sees_own_requirements_read_only(world, client):
    own = req(world)
    other_customer = Customer.objects.create(code="CUS-D", name="D", name_en="D", country="ES")
    other = req(world, other_customer)
    user = make_user("lucia", "customer_user", customer=world.customer_c)
    with pytest.raises(PermissionDenied):
        create_requirement(actor=user, customer=world.customer_c, effective_from=D(2026, 6, 1))
    client.force_login(user)
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    listing = client.get("/service/customerrequirement/").content.decode()
    before = CustomerRequirement.objects.count()
    post = client.post(
        own.get_absolute_url() + "edit/",
        {"customer": world.customer_c.pk, "effective_from": "2026-01-01", "version": 1,
         "max_el_grade": "D", "positive_tolerance_w": "5"},
    )  # fmt: skip
    assert post.status_code in (403, 404)
    api = client.post(
        "/api/v1/service/customer-requirements/",
        {"customer": world.customer_c.pk, "effective_from": "2026-06-01", "version": 3,
         "max_el_grade": "D"},
        content_type="application/json",
    )  # fmt: skip
    assert api.status_code == 403
    own.refresh_from_db()
    assert own.max_el_grade == "B" and CustomerRequirement.objects.count() == before
    assert "CUS-D" not in listing


INTERNAL = {"eng_a": {"C", "D"}, "eng_b": {"C", "D"}, "cqo": {"C", "D"}}


def customer(world: World, place: str) -> Customer:
    if place == "C":
        return world.customer_c
    return Customer.objects.get_or_create(
        code="CUS-D", defaults={"name": "D客户", "name_en": "Customer D", "country": "ES"}
    )[0]


class TestCustomerRequirementScope(ScopedModelContract):
    model = CustomerRequirement
    api_prefix = "service/customer-requirements"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("notes", "Edited by QA")

    def existing(self, world: World, place: str) -> Any:
        return CustomerRequirement.objects.create(
            customer=customer(world, place), effective_from=D(2026, 1, 1), notes=f"OLD-{place}"
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "customer": customer(world, place).pk,
            "version": 7,
            "effective_from": "2026-02-01",
            "positive_tolerance_w": "5",
            "max_el_grade": "A",
            "notes": code,
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        # the page created version 7 already: the API adds the next version
        return self.form_data(world, place, code) | {"version": 8}

    def created(self, code: str) -> Any:
        return CustomerRequirement.objects.filter(notes=code)

    def label(self, obj: Any) -> str:
        return str(obj.customer)  # the linked first column of the table
