"""Product carbon footprint per module model (ISO 14067 cradle-to-gate, the reference
process chain of ``qdm.quality.pcf`` with the model's area and power), stored with method,
library version, basis and inputs so it can be recomputed exactly; the what-if (another
electricity mix, thinner glass, less silver) computed the same way without saving."""

from __future__ import annotations

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
) -> dict[str, Any]:
    """Everything the calculation reads, as plain JSON (stored with the result)."""
    if not 0 <= renewable_share <= 1:
        raise pcf.PcfError(_("The renewable share must be between 0 and 1."))
    grid = {
        "electricity si": view.electricity(si_country, "location"),
        "electricity module": view.electricity(site.country, "location"),
    }
    grid.update(electricity or {})
    factors = {key: view.flow(key, "kg") for key in CHAIN_MATERIALS}
    factors.update(material_factors or {})
    return {
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
    new = solve(chain_inputs(module_model, site, view, **options), view.basis)
    return {
        "model": module_model.code,
        "site": site.code,
        "library": str(library),
        "basis": str(view.basis),
        "base": {"per_kwp": base.per_kwp, "per_module": base.total_kg, **breakdown(base)},
        "new": {"per_kwp": new.per_kwp, "per_module": new.total_kg, **breakdown(new)},
        "delta_per_kwp": (new.per_kwp or 0) - (base.per_kwp or 0),
    }
