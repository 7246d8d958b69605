"""Builders for the inspection, hold, MRB and OQC tests (no tests here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from qdm.core.workflow import transition
from qdm.data.models import (
    Characteristic,
    ElResult,
    FlashTest,
    Material,
    MaterialCategory,
    ModuleModel,
    ProductFamily,
    Specification,
    Unit,
    UnitLink,
)
from qdm.manufacturing.models import BinningRule, InspectionPlan
from qdm.manufacturing.services.binning import release_modules
from qdm.manufacturing.services.inspection import create_plan, save_plan_line
from tests.personas import PASSWORD, World


def site_of(world: World, place: str) -> Any:
    return world.site_a if place == "A" else world.site_b


def glass() -> Material:
    category, _ = MaterialCategory.objects.get_or_create(
        code="GLASS", defaults={"name": "玻璃", "name_en": "Glass"}
    )
    material, _ = Material.objects.get_or_create(
        code="GLS-AR-3.2",
        defaults={"name": "3.2 玻璃", "name_en": "3.2 mm AR glass", "category": category},
    )
    return material


def glass_characteristics() -> tuple[Characteristic, Characteristic]:
    thickness, created = Characteristic.objects.get_or_create(
        code="IQC-GLS-THK",
        defaults={
            "name": "玻璃厚度",
            "name_en": "Glass thickness",
            "kind": "product",
            "stage": "module",
            "unit": "mm",
            "data_type": "variable",
        },
    )
    if created:
        Specification.objects.create(
            characteristic=thickness,
            material=glass(),
            lsl=3.0,
            target=3.2,
            usl=3.4,
            valid_from=timezone.now() - timedelta(days=365),
        )
    visual, _ = Characteristic.objects.get_or_create(
        code="IQC-GLS-VIS",
        defaults={
            "name": "玻璃外观",
            "name_en": "Glass appearance",
            "kind": "product",
            "stage": "module",
            "data_type": "attribute",
        },
    )
    return thickness, visual


def glass_lot(world: World, place: str, code: str = "", quantity: float = 1000) -> Unit:
    site = site_of(world, place)
    return Unit.objects.create(
        code=code or f"GLS-LOT-{place}-{Unit.objects.count() + 1:03d}",
        kind="material_lot",
        site=site,
        material=glass(),
        supplier=world.supplier_x,
        supplier_lot="XG-2026-01",
        quantity=quantity,
    )


def glass_plan(
    world: World, place: str = "A", *, code: str = "", released: bool = True, actor: Any = None
) -> InspectionPlan:
    actor = actor or world.user("cqo")
    thickness, visual = glass_characteristics()
    plan = create_plan(
        actor=actor,
        code=code or f"IQC-GLS-{place}",
        name="IQC front glass",
        stage="iqc",
        site=site_of(world, place),
        material=glass(),
    )
    save_plan_line(
        actor=actor,
        plan=plan,
        sequence=10,
        characteristic=thickness,
        method="Micrometer, 4 corners",
        gauge="MIC-01",
        sampling="fixed",
        sample_size=3,
    )
    save_plan_line(
        actor=actor,
        plan=plan,
        sequence=20,
        characteristic=visual,
        method="Visual under 1000 lx",
        sampling="iso2859",
        aql="0.65",
        inspection_level="II",
        reaction_plan="Hold the lot, notify SQE",
    )
    if released:
        transition(
            plan, "release", actor=world.user("cqo"), password=PASSWORD, reason="Plan reviewed"
        )
        plan.refresh_from_db()
    return plan


# --- modules ---------------------------------------------------------------------------------
def module_model(code: str = "TC-580") -> ModuleModel:
    family, _ = ProductFamily.objects.get_or_create(
        code="TOPCON", defaults={"name": "TOPCon", "name_en": "TOPCon", "technology": "topcon"}
    )
    model, _ = ModuleModel.objects.get_or_create(
        code=code,
        defaults={
            "name": code,
            "name_en": code,
            "family": family,
            "pmax_w": 580,
            "voc_v": 52.3,
            "isc_a": 14.0,
            "vmp_v": 43.5,
            "imp_a": 13.33,
            "efficiency_pct": 22.45,
            "temp_coeff_pmax_pct_per_c": -0.29,
            "temp_coeff_voc_pct_per_c": -0.25,
            "temp_coeff_isc_pct_per_c": 0.045,
            "length_mm": 2278,
            "width_mm": 1134,
            "cell_count": 144,
        },
    )
    return model


def binning_rule(**overrides: Any) -> BinningRule:
    values = {
        "first_class_w": 570,
        "last_class_w": 595,
        "class_width_w": 5,
        "guard_band_w": 0,
        "imp_class_width_a": "0.1",
    }
    values.update(overrides)
    rule, _ = BinningRule.objects.update_or_create(module_model=module_model(), defaults=values)
    return rule


def flashed_module(
    world: World,
    serial: str,
    pmax: float = 582.0,
    imp: float = 13.34,
    defects: list[dict[str, str]] | None = None,
    place: str = "A",
) -> Unit:
    site = site_of(world, place)
    line = world.line_a if place == "A" else world.line_b
    unit = Unit.objects.create(
        code=serial, kind="module", site=site, line=line, module_model=module_model()
    )
    now = timezone.now()
    FlashTest.objects.create(
        site=site,
        line=line,
        serial=serial,
        tested_at=now,
        irradiance_wm2=1000,
        module_temp_c=25,
        pmax_w=pmax,
        voc_v=52.3,
        isc_a=14.0,
        vmp_v=43.6,
        imp_a=imp,
        ff_pct=79.5,
    )
    ElResult.objects.create(
        site=site,
        line=line,
        serial=serial,
        tested_at=now,
        stage="EL2",
        grade="A",
        defects=defects or [],
    )
    return unit


def released_pallet(world: World, code: str, serials: list[str]) -> Unit:
    """A pallet of released modules (made through the services)."""
    from qdm.manufacturing.services.binning import pack_pallet

    binning_rule()
    for serial in serials:
        flashed_module(world, serial)
    release_modules(serials, actor=world.user("eng_a"))
    return pack_pallet(code, serials, actor=world.user("eng_a"))


def modules_of(pallet: Unit) -> list[str]:
    return sorted(UnitLink.objects.filter(child=pallet).values_list("parent__code", flat=True))
