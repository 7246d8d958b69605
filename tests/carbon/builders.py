"""Builders for carbon tests: a small library (round numbers for hand computation), master
data and a hand-sized genealogy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from qdm.carbon.models import EmissionFactor, FactorLibrary, SupplierFactor
from qdm.data.models import Material, MaterialCategory, ModuleModel, ProductFamily, Unit, UnitLink

CN_GRID = 0.5  # kg CO2e/kWh
POLY = 60.0  # kg CO2e/kg
GLASS = 8.0  # kg CO2e/pcs


def library(**basis: Any) -> FactorLibrary:
    lib = FactorLibrary.objects.create(code="TEST", version="1", name="Test", kind="group")
    for country, value in (("CN", CN_GRID), ("VN", 0.4)):
        EmissionFactor.objects.create(
            library=lib, category="electricity", key="electricity", country=country,
            accounting="location", value=value, unit="kg CO2e/kWh", **basis,
        )  # fmt: skip
    for key, value, unit in (
        ("POLY", POLY, "kg CO2e/kg"),
        ("GLASS", GLASS, "kg CO2e/pcs"),
        ("silicon process", 9.3, "kg CO2e/kg"),
        ("glass", 0.542, "kg CO2e/kg"),
        ("frame", 6.46, "kg CO2e/kg"),
        ("encapsulant", 5.24, "kg CO2e/kg"),
        ("backsheet", 7.5, "kg CO2e/kg"),
        ("silver", 0.95, "kg CO2e/kg"),
        ("natural gas", 2.0, "kg CO2e/Nm3"),
    ):
        EmissionFactor.objects.create(
            library=lib, category="material", key=key, value=value, unit=unit, **basis
        )
    return lib


def materials() -> dict[str, Material]:
    out = {}
    for cat, code, unit in (
        ("POLY", "POLY-N-DENSE", "kg"),
        ("GLASS", "GLS-AR-3.2", "pcs"),
        ("CELL", "CEL-M10-TOPCON", "pcs"),
    ):
        category, _ = MaterialCategory.objects.get_or_create(
            code=cat, defaults={"name": cat, "name_en": cat}
        )
        out[code] = Material.objects.create(
            code=code, name=code, name_en=code, category=category, unit=unit
        )
    return out


def module_model(code: str = "SRM-N400") -> ModuleModel:
    family, _ = ProductFamily.objects.get_or_create(
        code="TOPCON", defaults={"name": "TOPCon", "name_en": "TOPCon", "technology": "topcon"}
    )
    return ModuleModel.objects.create(
        code=code, name=code, name_en=code, family=family, pmax_w=400.0, voc_v=50, isc_a=10,
        vmp_v=41, imp_a=9.76, efficiency_pct=20.0, temp_coeff_pmax_pct_per_c=-0.3,
        temp_coeff_voc_pct_per_c=-0.25, temp_coeff_isc_pct_per_c=0.04, length_mm=2000,
        width_mm=1000, cell_count=72,
    )  # fmt: skip


@dataclass
class Chain:
    poly: Unit
    glass: Unit
    cell: Unit
    modules: list[Unit]
    pallet: Unit
    shipment: Unit


def genealogy(world: Any, mats: dict[str, Material], model: ModuleModel) -> Chain:
    """poly (1000 kg, supplier X) → ingot (100 kg) → wafer lot (5000) → cell lot (1000) →
    2 modules (+ 1 glass pane each from a 100-pane lot of supplier Y) → pallet → shipment;
    everything at site A (CN) in January 2026."""
    at = timezone.make_aware(dt.datetime(2026, 1, 15, 8))
    a = world.site_a

    def unit(code: str, kind: str, **kw: Any) -> Unit:
        return Unit.objects.create(code=code, kind=kind, produced_at=at, **kw)

    def link(parent: Unit, child: Unit, qty: float) -> None:
        UnitLink.objects.create(parent=parent, child=child, quantity=qty)

    poly = unit("PL-1", "poly_lot", site=a, material=mats["POLY-N-DENSE"],
                supplier=world.supplier_x, quantity=1000)  # fmt: skip
    ingot = unit("IG-1", "ingot", site=a, quantity=100)
    wafer = unit("WL-1", "wafer_lot", site=a, quantity=5000)
    cell = unit("CL-1", "cell_lot", site=a, material=mats["CEL-M10-TOPCON"], quantity=1000)
    glass = unit("ML-GLS-1", "material_lot", site=a, material=mats["GLS-AR-3.2"],
                 supplier=world.supplier_y, quantity=100)  # fmt: skip
    modules = [unit(f"M-{i}", "module", site=a, module_model=model, quantity=1) for i in (1, 2)]
    pallet = unit("PAL-1", "pallet", site=a, module_model=model, quantity=2)
    shipment = unit("CNT-1", "shipment", site=a, customer=world.customer_c, quantity=2)
    link(poly, ingot, 100)
    link(ingot, wafer, 50)
    link(wafer, cell, 1000)
    for m in modules:
        link(cell, m, 500)
        link(glass, m, 1)
        link(m, pallet, 1)
    link(pallet, shipment, 1)
    return Chain(poly, glass, cell, modules, pallet, shipment)


def supplier_factor(world: Any, material: Material, value: float, **kw: Any) -> SupplierFactor:
    fields = {
        "supplier": world.supplier_x, "unit": "kg CO2e/kg", "valid_from": dt.date(2025, 1, 1),
        "verified": True, **kw,
    }  # fmt: skip
    return SupplierFactor.objects.create(material=material, value=value, **fields)
