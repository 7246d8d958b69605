"""Corporate inventory per site and month (GHG Protocol): Scope 1 (fuels and process gases
× factors), Scope 2 location-based (grid kWh × country factor) and market-based (grid kWh
net of certificates × market factor; on-site renewable at zero), Scope 3 category 1
(purchased goods: received poly and material lots × the supplier's verified factor or the
library factor). Everything one library, one basis."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum
from django.db.models.expressions import RawSQL

from qdm.carbon.choices import ActivityKind
from qdm.carbon.models import ActivityRecord
from qdm.carbon.services.factors import FactorMissing, LibraryView, supplier_factors
from qdm.carbon.services.genealogy import month_sql
from qdm.data.models import Material, Unit
from qdm.quality import pcf


def inventory(user: Any, view: LibraryView, year: int) -> list[dict[str, Any]]:
    """Rows (site, month, scope1, scope2_location, scope2_market, scope3_cat1, mwh,
    missing) in tonnes CO2e, for the sites the user may see."""
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {
            "scope1": 0.0,
            "scope2_location": 0.0,
            "scope2_market": 0.0,
            "scope3_cat1": 0.0,
            "mwh": 0.0,
            "missing": set(),
        }
    )
    records = (
        ActivityRecord.objects.for_user(user, "view")
        .filter(month__year=year)
        .select_related("site")
    )
    grid: dict[tuple[str, str], float] = defaultdict(float)
    certs: dict[tuple[str, str], float] = defaultdict(float)
    country: dict[str, str] = {}
    for r in records:
        key = (r.site.code, f"{r.month:%Y-%m}")
        country[r.site.code] = r.site.country
        row = rows[key]
        if r.kind == ActivityKind.GRID:
            grid[key] += r.kwh
            row["mwh"] += r.kwh / 1000
        elif r.kind == ActivityKind.ONSITE_RENEWABLE:
            row["mwh"] += r.kwh / 1000
        elif r.kind == ActivityKind.CERTIFICATES:
            certs[key] += r.kwh
        else:
            try:
                row["scope1"] += r.quantity * view.flow(r.key, r.unit) / 1000
            except FactorMissing:
                row["missing"].add(r.key)
    for key, kwh in grid.items():
        c = country[key[0]]
        rows[key]["scope2_location"] += kwh * view.electricity(c, "location") / 1000
        net = max(kwh - certs[key], 0.0)
        rows[key]["scope2_market"] += net * view.electricity(c, "market") / 1000
    # Scope 3 category 1: receipts of purchased lots in the year
    supplier = supplier_factors(view.basis)
    materials = {m.pk: m for m in Material.objects.select_related("category")}
    per_unit: dict[int, float] = {}
    lots = (
        Unit.objects.for_user(user, "view")
        .filter(kind__in=["poly_lot", "material_lot"], produced_at__year=year)
        .exclude(material=None)
        .values_list("site__code", "produced_at", "material_id", "supplier_id", "quantity")
    )
    for site_code, at, material_id, supplier_id, qty in lots.iterator():
        key = (site_code, f"{at:%Y-%m}")
        factor = supplier.get((supplier_id, material_id))
        if factor is None:
            if material_id not in per_unit:
                try:
                    per_unit[material_id] = view.material(materials[material_id])
                except pcf.PcfError:
                    per_unit[material_id] = float("nan")
            factor = per_unit[material_id]
        if factor != factor:  # nan: no factor
            rows[key]["missing"].add(materials[material_id].code)
            continue
        rows[key]["scope3_cat1"] += (qty or 0) * factor / 1000
    # carbon intensity: t CO2e (Scope 1 + 2 market-based) per MW of modules produced
    produced = (
        Unit.objects.for_user(user, "view")
        .filter(kind="module", produced_at__year=year)
        # the SQL is built from the model's own table name only, no user input
        .annotate(month=RawSQL(month_sql(f'"{Unit._meta.db_table}"."produced_at"'), []))  # noqa: S611
        .values("site__code", "month")
        .annotate(watts=Sum("module_model__pmax_w"))
        .order_by()
    )
    for p in produced:
        key = (p["site__code"], p["month"])
        if key in rows:
            rows[key]["mw"] = (p["watts"] or 0) / 1e6
    out = []
    for (site, month), row in sorted(rows.items()):
        mw = row.get("mw") or 0.0
        row["mw"] = mw
        row["t_per_mw"] = (row["scope1"] + row["scope2_market"]) / mw if mw else None
        out.append({"site": site, "month": month, **row, "missing": sorted(row["missing"])})
    return out
