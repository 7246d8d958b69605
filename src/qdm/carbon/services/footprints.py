"""Product carbon footprint per module model (ISO 14067 cradle-to-gate, the reference
process chain of ``qdm.quality.pcf`` with the model's area and power), stored with method,
library version, basis and inputs so it can be recomputed exactly; the what-if (another
electricity mix, thinner glass, less silver) computed the same way without saving."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qdm.carbon.choices import FootprintMethod
from qdm.carbon.models import FactorLibrary, ProductFootprint
from qdm.carbon.services.factors import LibraryView, load_library
from qdm.core.services.audit import record_event
from qdm.quality import pcf

METHOD_VERSION = "QDM-PCF-1 (PV_ICE 2024, §6.5)"
#: flows of the reference chain that come from the library by key, in kg
CHAIN_MATERIALS = ("silicon process", *pcf.MODULE_MASS_KG_M2)
SI_SITE_COUNTRY = "CN"  # the group's ingots, wafers and cells are made in China


#: material category → the reference-chain flow a supplier's factor replaces ("poly": the
#: polysilicon is bought instead of made from MG-Si with grid electricity)
CATEGORY_FLOW = {
    "POLY": "poly",
    "GLASS": "glass",
    "FRAME": "frame",
    "ENCAP": "encapsulant",
    "BACKSHEET": "backsheet",
    "PASTE": "silver",
}


def supplier_switch(view: LibraryView, factors: list[Any], on: dt.date | None = None) -> dict:
    """What replacing a material's supplier changes in the chain: the supplier's verified
    factor (valid today, on the library's basis, per a mass unit) as the flow's factor."""
    on = on or dt.date.today()
    out: dict[str, Any] = {"material_factors": {}, "purchased_poly": None, "suppliers": []}
    for sf in factors:
        label = str(sf)
        if not sf.verified:
            raise pcf.PcfError(_("%(f)s is not verified.") % {"f": label})
        if sf.valid_from > on or (sf.valid_until and sf.valid_until < on):
            raise pcf.PcfError(_("%(f)s is not valid today.") % {"f": label})
        if sf.basis != view.basis:
            raise pcf.BasisError(
                _("%(f)s is on the basis %(b)s; library %(lib)s is %(lb)s. Bases are not mixed.")
                % {"f": label, "b": sf.basis, "lib": view.library, "lb": view.basis}
            )
        flow = CATEGORY_FLOW.get(sf.material.category.code)
        if flow is None:
            raise pcf.PcfError(
                _("%(f)s: material category %(c)s is not part of the module chain.")
                % {"f": label, "c": sf.material.category.code}
            )
        if pcf.unit_of(sf.per_unit)[0] != "mass":
            raise pcf.UnitError(
                _("%(f)s is per %(u)s; the module chain counts %(flow)s in kg.")
                % {"f": label, "u": sf.per_unit, "flow": flow}
            )
        value = sf.kg_per("kg")
        if flow == "poly":
            out["purchased_poly"] = value
        else:
            out["material_factors"][flow] = value
        out["suppliers"].append(
            {"id": sf.pk, "supplier": sf.supplier.code, "material": sf.material.code,
             "flow": flow, "kg_co2e_per_kg": value, "certificate": sf.certificate}
        )  # fmt: skip
    return out


def chain_inputs(
    module_model: Any,
    site: Any,
    view: LibraryView,
    *,
    si_country: str = SI_SITE_COUNTRY,
    renewable_share: float = 0.0,
    materials: dict[str, float] | None = None,
    material_factors: dict[str, float] | None = None,
    electricity: dict[str, float] | None = None,
    supplier_factors: list[Any] | None = None,
) -> dict[str, Any]:
    """Everything the calculation reads, as plain JSON (stored with the result).
    ``supplier_factors``: verified supplier factors that replace the chain's material
    factor (or, for polysilicon, the MG-Si and Siemens steps)."""
    if not 0 <= renewable_share <= 1:
        raise pcf.PcfError(_("The renewable share must be between 0 and 1."))
    grid = {
        "electricity si": view.electricity(si_country, "location"),
        "electricity module": view.electricity(site.country, "location"),
    }
    grid.update(electricity or {})
    factors = {key: view.flow(key, "kg") for key in CHAIN_MATERIALS}
    factors.update(material_factors or {})
    switch = supplier_switch(view, list(supplier_factors or []))
    factors.update(switch["material_factors"])
    return {
        "purchased_poly_kg_co2e_per_kg": switch["purchased_poly"],
        "supplier_factors": switch["suppliers"],
        "module_model": module_model.code,
        "site": site.code,
        "area_m2": module_model.length_mm * module_model.width_mm / 1e6,
        "power_kwp": module_model.pmax_w / 1000,
        "si_country": si_country,
        "grid_kg_per_kwh": {k: v * (1 - renewable_share) for k, v in grid.items()},
        "renewable_share": renewable_share,
        "materials_kg_m2": {**pcf.MODULE_MASS_KG_M2, **(materials or {})},
        "material_factors": factors,
        "library": str(view.library),
        "basis": str(view.basis),
    }


def solve(inputs: dict[str, Any], basis: pcf.Basis) -> pcf.Result:
    grids = dict.fromkeys(("mgsi", "poly", "ingot", "wafer", "cell"), "electricity si")
    grids["module"] = "electricity module"
    chain = pcf.reference_chain(
        area_m2=inputs["area_m2"],
        grids=grids,
        sites={**dict.fromkeys(grids, inputs["si_country"]), "module": inputs["site"]},
        materials=inputs["materials_kg_m2"],
        purchased_poly=inputs.get("purchased_poly_kg_co2e_per_kg") is not None,
    )
    factors = {
        flow: pcf.Factor(flow, value, "kg CO2e/kWh", basis)
        for flow, value in inputs["grid_kg_per_kwh"].items()
    }
    factors.update(
        {
            flow: pcf.Factor(flow, value, "kg CO2e/kg", basis)
            for flow, value in inputs["material_factors"].items()
        }
    )
    if inputs.get("purchased_poly_kg_co2e_per_kg") is not None:
        poly = inputs["purchased_poly_kg_co2e_per_kg"]
        factors["polysilicon"] = pcf.Factor("polysilicon", poly, "kg CO2e/kg", basis)
    return chain.solve(
        {"module": (1, "pcs")}, factors, basis=basis, power_kwp=inputs["power_kwp"], modules=1
    )


def breakdown(result: pcf.Result) -> dict[str, Any]:
    return {
        "total_kg": result.total_kg,
        "by_step": result.by_step,
        "by_flow": result.by_flow,
        "by_site": result.by_site,
        "by_material": result.by_material,
        "scaling": result.scaling,
    }


def compute_product_footprint(
    module_model: Any, site: Any, library: FactorLibrary, *, actor: Any, **options: Any
) -> ProductFootprint:
    """Compute and store the footprint of ``module_model`` assembled at ``site``."""
    view = load_library(library)
    inputs = chain_inputs(module_model, site, view, **options)
    result = solve(inputs, view.basis)
    with transaction.atomic():
        footprint = ProductFootprint(
            module_model=module_model,
            site=site,
            method=FootprintMethod.ISO14067,
            method_version=METHOD_VERSION,
            library=library,
            basis=str(view.basis),
            inputs=inputs,
            breakdown=breakdown(result),
            per_module_kg=result.total_kg,
            per_kwp_kg=result.per_kwp or 0.0,
            computed_by=actor,
        )
        footprint.full_clean()
        footprint.save()
        record_event(footprint, "computed", actor=actor, data={"per_kwp": footprint.per_kwp_kg})
    return footprint


def recompute(footprint: ProductFootprint) -> pcf.Result:
    """The stored inputs solved again: equals the stored result (reproducibility)."""
    view = load_library(footprint.library)
    return solve(footprint.inputs, view.basis)


def what_if(module_model: Any, site: Any, library: FactorLibrary, **options: Any) -> dict[str, Any]:
    """Baseline and changed footprint of a model, nothing saved."""
    view = load_library(library)
    base = solve(chain_inputs(module_model, site, view), view.basis)
    new_inputs = chain_inputs(module_model, site, view, **options)
    new = solve(new_inputs, view.basis)
    # the same flows on both sides (a bought polysilicon adds a flow, drops none)
    for a, b in ((base, new), (new, base)):
        for key in ("by_flow", "by_step"):
            for name in getattr(b, key):
                getattr(a, key).setdefault(name, 0.0)
    return {
        "model": module_model.code,
        "site": site.code,
        "library": str(library),
        "basis": str(view.basis),
        "base": {"per_kwp": base.per_kwp, "per_module": base.total_kg, **breakdown(base)},
        "new": {"per_kwp": new.per_kwp, "per_module": new.total_kg, **breakdown(new)},
        "delta_per_kwp": (new.per_kwp or 0) - (base.per_kwp or 0),
        "suppliers": new_inputs["supplier_factors"],
    }
