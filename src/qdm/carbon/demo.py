"""Demo carbon data: the group's emission-factor library (pv-reference §6.4/§6.5, CO₂e
life-cycle AR5), the ECS electricity tables (CRE4, PPE2) as a regulator's library, a year of
site energy data for every base (grid, rooftop PV, certificates, natural gas, NF3), a
verified low-carbon polysilicon factor of SUP-POLY1, footprints of every module model at
every module base, and declarations of the latest shipments.

Idempotent: libraries and factors are found by their keys, activity rows updated, and a
footprint or declaration that exists is left alone."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from qdm.carbon.models import (
    ActivityRecord,
    CarbonDeclaration,
    CarbonTarget,
    EmissionFactor,
    FactorLibrary,
    ProductFootprint,
    SupplierFactor,
)
from qdm.carbon.services.declarations import declare
from qdm.carbon.services.footprints import compute_product_footprint
from qdm.data.models import Material, ModuleModel, Unit
from qdm.quality import pcf

GROUP = ("QDM-GROUP", "2026.1")
SRC_GRID = "pv-reference §6.4 (PV_ICE 2022 mix × Ember life-cycle factors)"
SRC_PVICE = "pv-reference §6.5 (PV_ICE baseline_materials_processCO2)"
EST = "group estimate (not in pv-reference; replace with supplier or database data)"

# key, category, country, value, unit, source
ELECTRICITY = [
    ("CN", 0.544, SRC_GRID),
    ("VN", 0.377, SRC_GRID),
    ("MY", 0.544, SRC_GRID),
    # no US life-cycle value in §6.4 (EIA 0.39 is CO2-only combustion: another basis)
    ("US", 0.437, "pv-reference §6.4 World life-cycle 2022 (no US life-cycle value)"),
]
# per-kg factors of the reference chain (qdm.quality.pcf.reference_chain)
CHAIN = [(k, "process", v, "kg CO2e/kg", SRC_PVICE) for k, v in pcf.MATERIAL_FACTORS.items()]
CHAIN[0] = ("silicon process", "process", pcf.MATERIAL_FACTORS["silicon"], "kg CO2e/kg", SRC_PVICE)
# per material unit, for received lots (material codes or category codes)
POLY_KG = round((18.1 + 75.5) * 0.544 + 9.3, 1)  # MG-Si + Siemens energy on CN grid + process
MATERIAL_UNITS = [
    ("POLY", POLY_KG, "kg CO2e/kg", "(18.1 + 75.5) kWh/kg × 0.544 + 9.3, pv-reference §6.4-6.5"),
    ("GLS-AR-3.2", round(2.0 * 3.2 * 2.5 * 0.542, 2), "kg CO2e/pcs", "16 kg pane × 0.542, §6.5"),
    ("GLS-AR-2.0", round(2.0 * 2.0 * 2.5 * 0.542, 2), "kg CO2e/pcs", "10 kg pane × 0.542, §6.5"),
    ("GLS-RR-2.0", round(2.0 * 2.0 * 2.5 * 0.542, 2), "kg CO2e/pcs", "10 kg pane × 0.542, §6.5"),
    ("ENCAP", round(0.45 * 5.24, 2), "kg CO2e/m2", "0.45 kg/m² film × 5.24, §6.5"),
    ("BACKSHEET", round(0.45 * 7.5, 2), "kg CO2e/m2", "0.45 kg/m² × 7.5, §6.5"),
    ("FRAME", round(1.215 * 2.0 * 6.46, 2), "kg CO2e/set", "1.215 kg/m² × 2 m² × 6.46, §6.5"),
    ("JBOX", 1.2, "kg CO2e/pcs", EST),
    ("RIBBON", 4.0, "kg CO2e/kg", EST),
    ("SEALANT", 3.5, "kg CO2e/kg", EST),
    ("PACKAGING", 25.0, "kg CO2e/set", EST),
]
FUELS = [
    ("natural gas", "fuel", 2.2, "kg CO2e/Nm3", EST),
    ("diesel", "fuel", 3.2, "kg CO2e/L", EST),
    ("NF3", "process_gas", 16100.0, "kg CO2e/kg", "IPCC AR5 GWP100 of NF3"),
    ("SF6", "process_gas", 23500.0, "kg CO2e/kg", "IPCC AR5 GWP100 of SF6"),
]
ECS = [
    ("ECS-CRE4", "CRE4", {"CN": 1.155, "FR": 0.112}),
    ("ECS-PPE2", "PPE2", {"CN": 1.024, "FR": 0.052}),
]
#: kWh per kWp made at each stage (pv-reference §6.5 per-step energy × ≈2.2 kg Si/kWp)
STAGE_KWH_PER_KWP = {"wafer": 100.0, "cell": 53.0, "module": 15.0}
ONSITE_SHARE = {"CN": 0.03, "VN": 0.08, "MY": 0.05, "US": 0.06}
CERTIFICATES = {"JX1": ("GEC", 0.20), "MY1": ("I-REC", 0.30), "VN1": ("I-REC", 0.10)}


def _library(code: str, version: str, name: str, kind: str, publisher: str) -> FactorLibrary:
    return FactorLibrary.objects.get_or_create(
        code=code,
        version=version,
        defaults={
            "name": name,
            "kind": kind,
            "publisher": publisher,
            "valid_from": dt.date(2026, 1, 1),
        },
    )[0]


def _factor(library: FactorLibrary, **kw: Any) -> None:
    keys = {k: kw.pop(k, "") for k in ("key", "country", "grid_region", "accounting")}
    obj, created = EmissionFactor.objects.get_or_create(library=library, **keys, defaults=kw)
    if created:
        obj.full_clean()


def libraries() -> FactorLibrary:
    group = _library(*GROUP, "Sunrise PV Group factors", "group", "Sunrise PV Group carbon office")
    for country, value, source in ELECTRICITY:
        for accounting in ("location", "market"):
            _factor(
                group, key="electricity", category="electricity", country=country,
                accounting=accounting, value=value, unit="kg CO2e/kWh", source=source, year=2022,
            )  # fmt: skip
    for key, category, value, unit, source in CHAIN + FUELS:
        _factor(group, key=key, category=category, value=value, unit=unit, source=source)
    materials = {m.code: m for m in Material.objects.all()}
    for key, value, unit, source in MATERIAL_UNITS:
        _factor(
            group, key=key, category="material", material=materials.get(key), value=value,
            unit=unit, source=source,
        )  # fmt: skip
    for code, version, grid in ECS:
        lib = _library(code, version, f"CRE ECS electricity mix {version}", "regulator", "CRE")
        for country, value in grid.items():
            _factor(
                lib, key="electricity", category="electricity", country=country,
                accounting="location", value=value, unit="kg CO2e/kWh",
                source="pv-reference §6.2 (synapsun.com)",
            )  # fmt: skip
    return group


def activity(ctx: Any, today: dt.date) -> int:
    first = dt.date(today.year - 1, today.month, 1)
    months = [
        dt.date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
        for k in range(12)
    ]
    count = 0
    for code, site in ctx.sites.items():
        gw = float(site.capacity_gw or 10)
        kwh_year = sum(STAGE_KWH_PER_KWP[s] for s in site.stages) * gw * 1e6
        for month in months:
            season = 1 + 0.06 * math.sin(2 * math.pi * (month.month - 1) / 12)
            mwh = kwh_year / 12 / 1000 * season
            onsite = mwh * ONSITE_SHARE.get(site.country, 0.03)
            rows: list[tuple[str, str, float, str, str]] = [
                ("grid", "electricity", round(mwh - onsite), "MWh", ""),
                ("onsite_renewable", "electricity", round(onsite), "MWh", ""),
                ("fuel", "natural gas", round(gw * 9_000 * season), "Nm3", ""),
            ]
            if code in CERTIFICATES:
                scheme, share = CERTIFICATES[code]
                rows.append(
                    ("certificates", "electricity", round((mwh - onsite) * share), "MWh", scheme)
                )
            if "cell" in site.stages:
                rows.append(("process_gas", "NF3", round(gw * 18 * season, 1), "kg", ""))
            for kind, key, qty, unit, scheme in rows:
                ActivityRecord.objects.update_or_create(
                    site=site, month=month, kind=kind, key=key,
                    defaults={"quantity": qty, "unit": unit, "certificate_scheme": scheme},
                )  # fmt: skip
                count += 1
    return count


def demo_targets(ctx: Any, year: int) -> int:
    """A target per module base for ``year``: 10 % below the site's own-stage energy per kWp
    (STAGE_KWH_PER_KWP) at the country's grid factor — a demo target, not a published one."""
    grid = {country: value for country, value, _src in ELECTRICITY}
    made = 0
    for site in ctx.sites.values():
        if "module" not in site.stages or site.country not in grid:
            continue
        kwh = sum(STAGE_KWH_PER_KWP.get(s, 0.0) for s in site.stages)
        _obj, created = CarbonTarget.objects.get_or_create(
            site=site,
            year=year,
            defaults={
                "kg_per_kwp": round(0.9 * kwh * grid[site.country], 1),
                "notes": "demo target: −10 % of own-stage energy × grid factor",
            },
        )
        made += created
    return made


def build(ctx: Any) -> dict[str, int]:
    group = libraries()
    admin = ctx.users.get("carbon") or ctx.users.get("admin")
    poly = Material.objects.filter(code="POLY-N-DENSE").first()
    if poly and "SUP-POLY1" in ctx.suppliers:
        SupplierFactor.objects.get_or_create(
            supplier=ctx.suppliers["SUP-POLY1"],
            material=poly,
            defaults={
                "value": 14.5,
                "unit": "kg CO2e/kg",
                "source": "Hydro-powered Siemens plant, Leshan (Sichuan); ISO 14067 study 2025",
                "year": 2025,
                "verifier": "TÜV SÜD",
                "certificate": "TSD-CFP-2025-0412",
                "valid_from": dt.date(2025, 1, 1),
                "valid_until": dt.date(2027, 12, 31),
                "verified": True,
            },
        )
    rows = activity(ctx, dt.date.today())
    footprints = 0
    module_sites = [s for s in ctx.sites.values() if "module" in s.stages]
    for model in ModuleModel.objects.order_by("code"):
        for site in module_sites:
            if not ProductFootprint.objects.filter(
                module_model=model, site=site, library=group
            ).exists():
                compute_product_footprint(model, site, group, actor=admin)
                footprints += 1
    targets = demo_targets(ctx, dt.date.today().year)
    declared = 0
    shipments = Unit.objects.filter(kind="shipment").order_by("-produced_at")[:12]
    for shipment in shipments:
        if not CarbonDeclaration.objects.filter(unit=shipment).exists():
            declare(shipment, group, actor=admin)
            declared += 1
    ctx.log.append(
        f"carbon: {rows} activity rows, {footprints} footprints, {declared} shipment declarations,"
        f" {targets} targets"
    )
    return {
        "activity": rows,
        "footprints": footprints,
        "declarations": declared,
        "targets": targets,
    }
