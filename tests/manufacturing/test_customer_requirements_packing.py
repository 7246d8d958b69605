"""OQC against customer-specific requirements (issue 7 §1): packing for a customer refuses a
pallet that breaches the requirement in force, naming the requirement, the rule and the
serials; judging for a customer adds the module-level rules to the decision. The
requirement is read through ``qdm.service.selectors`` (the only service module
manufacturing may import)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from qdm.core.models import DomainEvent
from qdm.data.models import Unit
from qdm.manufacturing.models import ModuleRelease
from qdm.manufacturing.services.binning import (
    BinningError,
    customer_requirement,
    pack_pallet,
    release_modules,
)
from qdm.service.services.requirements import create_requirement
from tests.design.builders import module_model
from tests.manufacturing.test_inspection_builders import binning_rule, flashed_module, modules_of
from tests.personas import World

pytestmark = pytest.mark.django_db


def requirement(world: World, **fields: Any):
    data = {
        "customer": world.customer_c,
        "effective_from": datetime.date(2026, 1, 1),
        "allowed_classes_w": "580, 585",
        "positive_tolerance_w": Decimal("5"),
        "max_el_grade": "A",
        "refused_defect_codes": "CRK-B",
        "imp_sorting_required": True,
        "imp_bin_width_a": Decimal("0.100"),
        "modules_per_pallet": 3,
    } | fields
    return create_requirement(actor=world.user("cqo"), **data)


def released(world: World, *specs: tuple[str, dict[str, Any]]) -> list[str]:
    for serial, kw in specs:
        flashed_module(world, serial, **kw)
    codes = [s for s, _kw in specs]
    release_modules(codes, actor=world.user("eng_a"))
    assert set(
        ModuleRelease.objects.filter(unit__code__in=codes).values_list("status", flat=True)
    ) == {"released"}
    return codes


def test_complying_pallet_is_packed_and_the_requirement_is_audited(world: World) -> None:
    binning_rule()
    req = requirement(world)
    codes = released(
        world, ("C-1", {"imp": 13.34}), ("C-2", {"imp": 13.38}), ("C-3", {"imp": 13.30})
    )
    pallet = pack_pallet("PAL-C1", codes, actor=world.user("eng_a"), customer=world.customer_c)
    assert modules_of(pallet) == codes
    event = DomainEvent.objects.filter(verb="packed").latest("pk")
    assert event.data["customer_requirement"] == req.pk
    assert event.data["requirement_version"] == 1


def test_power_class_breach_names_requirement_and_serials(world: World) -> None:
    binning_rule()
    requirement(world, allowed_classes_w="585")  # modules at 582 W are 580 W modules
    codes = released(world, ("P-1", {}), ("P-2", {}), ("P-3", {}))
    with pytest.raises(BinningError) as exc:
        pack_pallet("PAL-P", codes, actor=world.user("eng_a"), customer=world.customer_c)
    message = str(exc.value)
    assert "Customer requirement" in message and "v1" in message and "CUS-C" in message
    assert "power class" in message
    for serial in codes:
        assert f"{serial}: Pmax 582.00 W fits no allowed class (585 W, 0/+5 W)" in message
    assert not Unit.objects.filter(code="PAL-P").exists()
    # the same modules, packed with no customer, are a valid pallet (no requirement applies)
    assert modules_of(pack_pallet("PAL-P", codes, actor=world.user("eng_a"))) == codes


def test_el_grade_and_refused_defect_breach(world: World) -> None:
    binning_rule()
    requirement(world)
    defects = [{"code": "CRK-B", "cell": "C7"}]  # graded B by the binning rule, released
    codes = released(world, *((f"E-{i}", {"defects": defects}) for i in (1, 2, 3)))
    with pytest.raises(BinningError) as exc:
        pack_pallet("PAL-E", codes, actor=world.user("eng_a"), customer=world.customer_c)
    message = str(exc.value)
    for serial in codes:
        assert f"{serial}: grade B, worst accepted A" in message
        assert f"{serial}: refused defect CRK-B" in message
    assert not Unit.objects.filter(code="PAL-E").exists()


def test_imp_spread_and_packaging_count_breach(world: World) -> None:
    binning_rule(imp_class_width_a=None)
    requirement(world)
    codes = released(
        world, ("I-1", {"imp": 13.30}), ("I-2", {"imp": 13.35}), ("I-3", {"imp": 13.42})
    )
    with pytest.raises(
        BinningError, match=r"Imp sorting — Imp spread 0\.12 A exceeds the bin width 0\.1 A"
    ):
        pack_pallet("PAL-I", codes, actor=world.user("eng_a"), customer=world.customer_c)
    with pytest.raises(BinningError, match="modules per pallet — 2 modules, required 3"):
        pack_pallet("PAL-I", codes[:2], actor=world.user("eng_a"), customer=world.customer_c)
    assert not Unit.objects.filter(code="PAL-I").exists()


def test_nameplate_class_must_be_an_allowed_class(world: World) -> None:
    # guard band 0.5 W: 580.3 W is labelled 575 W although it fits the 580 W window 0/+5
    binning_rule(guard_band_w=Decimal("0.5"))
    requirement(world, modules_per_pallet=None, imp_sorting_required=False, imp_bin_width_a=None)
    codes = released(world, ("N-1", {"pmax": 580.3}))
    with pytest.raises(BinningError, match="N-1: nameplate class 575 W is not an allowed class"):
        pack_pallet("PAL-N", codes, actor=world.user("eng_a"), customer=world.customer_c)


def test_customer_without_requirement_in_force_is_not_checked(world: World) -> None:
    binning_rule()
    requirement(world, effective_to=datetime.date(2026, 1, 31))  # expired
    codes = released(world, ("X-1", {}), ("X-2", {}))
    assert customer_requirement(world.customer_c) is None
    pallet = pack_pallet("PAL-X", codes, actor=world.user("eng_a"), customer=world.customer_c)
    assert modules_of(pallet) == codes


def test_requirement_of_another_module_model_does_not_apply(world: World) -> None:
    binning_rule()
    other = module_model(code="JX-OTHER")
    requirement(world, module_model=other, allowed_classes_w="595")
    codes = released(world, ("M-1", {}), ("M-2", {}), ("M-3", {}))
    pallet = pack_pallet("PAL-M", codes, actor=world.user("eng_a"), customer=world.customer_c)
    assert modules_of(pallet) == codes


def test_release_for_a_customer_adds_its_module_rules(world: World) -> None:
    binning_rule()
    requirement(world)
    flashed_module(world, "R-B", defects=[{"code": "CRK-B"}])
    flashed_module(world, "R-OK")
    release_modules(["R-B", "R-OK"], actor=world.user("eng_a"), customer=world.customer_c)
    got = {r.unit.code: r for r in ModuleRelease.objects.select_related("unit")}
    assert got["R-OK"].status == "released"
    assert got["R-B"].status == "rejected"
    assert "customer requirement" in got["R-B"].reasons
    assert "EL — grade B, worst accepted A" in got["R-B"].reasons
    assert "refused defect CRK-B" in got["R-B"].reasons
    # judged with no customer, the same module is released (grade B is released by the rule)
    release_modules(["R-B"], actor=world.user("eng_a"))
    assert ModuleRelease.objects.get(unit__code="R-B").status == "released"


def test_oqc_desk_shows_the_requirements_in_force(world: World, client_for) -> None:
    from django.urls import reverse

    requirement(world, version=1, effective_to=datetime.date(2026, 1, 31))  # superseded
    requirement(world, version=2, effective_from=datetime.date(2026, 2, 1), allowed_classes_w="600")
    page = client_for("eng_a").get(reverse("manufacturing:oqc_desk")).content.decode()
    assert 'data-testid="requirements-in-force"' in page
    card = page.split('data-testid="requirements-in-force"')[1].split("</table>")[0]
    assert "CUS-C" in card and "v2" in card and "600" in card
    assert "v1" not in card  # only the version in force


def test_api_pack_for_a_customer_applies_its_requirement(world: World, api_for) -> None:
    binning_rule()
    requirement(world, allowed_classes_w="585")  # the modules are 580 W modules
    codes = released(world, ("Q-1", {}), ("Q-2", {}), ("Q-3", {}))
    api = api_for("eng_a")
    url = "/api/v1/manufacturing/module-releases/pack/"
    body = {"pallet": "PAL-Q", "modules": codes, "customer": world.customer_c.pk}
    response = api.post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "CUS-C" in response.json()["error"]["message"]
    assert not Unit.objects.filter(code="PAL-Q").exists()
    # an unknown customer id is a field error naming the field; nothing is packed
    response = api.post(url, body | {"customer": 999999}, format="json")
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]
    assert not Unit.objects.filter(code="PAL-Q").exists()
    # without a customer the same pallet is valid
    response = api.post(url, body | {"customer": None}, format="json")
    assert response.status_code == 201 and response.json()["modules"] == 3
