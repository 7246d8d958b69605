"""Builders for the supplier tests: an IQC plan for glass with one ISO 2859-1 attribute
line, the ASL entry, receipts and their judged IQC lots (no tests here)."""

from __future__ import annotations

from typing import Any

from django.test import TestCase

from qdm.core.workflow import transition
from qdm.data.models import Characteristic, Material, MaterialCategory
from qdm.manufacturing.models import InspectionPlan
from qdm.manufacturing.services.inspection import create_plan, record_results, save_plan_line
from qdm.supplier.models import ApprovedMaterial, Receipt, SupplierProfile
from qdm.supplier.services.receipts import receive_material
from tests.personas import PASSWORD, World, make_user

VISUAL = "IQC-GLS-VIS"


def glass(code: str = "GLS-AR-3.2", category: str = "GLASS") -> Material:
    cat, _ = MaterialCategory.objects.get_or_create(
        code=category, defaults={"name": "光伏玻璃", "name_en": "Solar glass"}
    )
    material, _ = Material.objects.get_or_create(
        code=code, defaults={"name": "3.2 镀膜玻璃", "name_en": "3.2 mm AR glass", "category": cat}
    )
    return material


def wafer() -> Material:
    return glass("WAF-N-182", "WAFER")


def visual() -> Characteristic:
    char, _ = Characteristic.objects.get_or_create(
        code=VISUAL,
        defaults={
            "name": "玻璃外观",
            "name_en": "Glass appearance",
            "kind": "product",
            "stage": "module",
            "data_type": "attribute",
        },
    )
    return char


def iqc_plan(world: World, place: str = "A", material: Material | None = None) -> InspectionPlan:
    material = material or glass()
    site = world.site_a if place == "A" else world.site_b
    actor = world.user("cqo")
    plan = create_plan(
        actor=actor,
        code=f"IQC-{material.code}-{place}",
        name=f"IQC {material.name_en}",
        stage="iqc",
        site=site,
        material=material,
    )
    save_plan_line(
        actor=actor,
        plan=plan,
        sequence=10,
        characteristic=visual(),
        method="Visual under 1000 lx",
        sampling="iso2859",
        aql="0.65",
        inspection_level="II",
    )
    transition(plan, "release", actor=actor, password=PASSWORD, reason="reviewed")
    plan.refresh_from_db()
    return plan


def sqe(world: World) -> Any:
    from qdm.core.models import User

    return User.objects.filter(username="sqe").first() or make_user(
        "sqe", "supplier_quality_engineer"
    )


def approve(world: World, supplier: Any, material: Material) -> None:
    SupplierProfile.objects.get_or_create(supplier=supplier)
    ApprovedMaterial.objects.get_or_create(supplier=supplier, material=material)


def setup_iqc(world: World, place: str = "A", material: Material | None = None) -> InspectionPlan:
    material = material or glass()
    approve(world, world.supplier_x, material)
    approve(world, world.supplier_y, material)
    return iqc_plan(world, place, material)


def receive(
    world: World,
    supplier: Any = None,
    quantity: int = 500,
    place: str = "A",
    material: Material | None = None,
    **extra: Any,
) -> Receipt:
    return receive_material(
        actor=world.user("eng_a" if place == "A" else "eng_b"),
        site=world.site_a if place == "A" else world.site_b,
        supplier=supplier or world.supplier_x,
        material=material or glass(),
        supplier_lot=extra.pop("supplier_lot", "XG-2026-11-01"),
        quantity=quantity,
        **extra,
    )


def judge(world: World, receipt: Receipt, bad: int, place: str = "A") -> Receipt:
    """Record the receipt's sample (``bad`` of them failing) and complete the lot."""
    actor = world.user("eng_a" if place == "A" else "eng_b")
    lot = receipt.inspection_lot
    rows = [
        {"characteristic": VISUAL, "sample": i, "result": "fail" if i <= bad else "ok"}
        for i in range(1, receipt.sample_size + 1)
    ]
    record_results(lot, rows, actor=actor)
    # the switching listener runs on commit: run it inside the test's transaction
    with TestCase.captureOnCommitCallbacks(execute=True):
        transition(lot, "complete", actor=actor)
    receipt.refresh_from_db()
    return receipt
