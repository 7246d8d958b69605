"""Reading a factor library: electricity per country and accounting, material factors per
category (or material), supplier-specific verified factors, and the electricity intensity
of a site in a month from its activity data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from qdm.carbon.choices import ActivityKind, FactorCategory
from qdm.carbon.models import ActivityRecord, EmissionFactor, FactorLibrary, SupplierFactor
from qdm.quality import pcf


class FactorMissing(pcf.PcfError):
    """A footprint needs a factor the library does not have."""


@dataclass
class LibraryView:
    """A library loaded once: lookups without queries, one basis checked for all."""

    library: FactorLibrary
    factors: list[EmissionFactor]
    basis: pcf.Basis = field(init=False)

    def __post_init__(self) -> None:
        self.basis = (
            pcf.check_basis([f.factor(f.key) for f in self.factors])
            if self.factors
            else pcf.Basis()
        )
        self._electricity = {
            (f.country, f.grid_region, f.accounting): f
            for f in self.factors
            if f.category == FactorCategory.ELECTRICITY
        }
        self._by_key = {(f.key, f.country): f for f in self.factors if f.category != "electricity"}
        self._by_material = {f.material_id: f for f in self.factors if f.material_id}

    def electricity(self, country: str, accounting: str = "location", region: str = "") -> float:
        """kg CO2e per kWh for ``country``; market-based falls back to location-based."""
        for key in ((country, region, accounting), (country, "", accounting)):
            if key in self._electricity:
                return self._electricity[key].kg_per("kWh")
        if accounting == "market":
            return self.electricity(country, "location", region)
        raise FactorMissing(
            _("Library %(lib)s has no %(acc)s electricity factor for country %(c)s.")
            % {"lib": self.library, "acc": accounting, "c": country or "—"}
        )

    def flow(self, key: str, unit: str, country: str = "") -> float:
        f = self._by_key.get((key, country)) or self._by_key.get((key, ""))
        if f is None:
            raise FactorMissing(
                _("Library %(lib)s has no factor for %(key)s.") % {"lib": self.library, "key": key}
            )
        return f.kg_per(unit)

    def material(self, material: Any) -> float:
        """kg CO2e per one unit of ``material`` (its own unit): by material, else by its
        category code."""
        f = self._by_material.get(material.pk)
        if f is None:
            f = self._by_key.get((material.category.code, ""))
        if f is None:
            raise FactorMissing(
                _("Library %(lib)s has no factor for material %(m)s (category %(c)s).")
                % {"lib": self.library, "m": material.code, "c": material.category.code}
            )
        return f.kg_per(material.unit)


def load_library(library: FactorLibrary) -> LibraryView:
    return LibraryView(library, list(library.factors.select_related("material")))


def supplier_factors(basis: pcf.Basis, on: dt.date | None = None) -> dict[tuple[int, int], float]:
    """(supplier id, material id) → kg CO2e per material unit, for verified factors valid on
    ``on`` (today) whose basis equals ``basis`` (others are ignored, never mixed)."""
    on = on or dt.date.today()
    out: dict[tuple[int, int], float] = {}
    rows = SupplierFactor.objects.filter(verified=True, valid_from__lte=on).select_related(
        "material"
    )
    for sf in rows.order_by("valid_from"):
        if sf.valid_until and sf.valid_until < on:
            continue
        if sf.basis != basis:
            continue
        out[(sf.supplier_id, sf.material_id)] = sf.kg_per(sf.material.unit)
    return out


def site_month_intensity(
    view: LibraryView, site_countries: dict[int, str], accounting: str = "market"
) -> dict[tuple[int, str], float]:
    """(site id, "YYYY-MM") → kg CO2e per kWh consumed, from the activity data: grid
    electricity net of certificates at the country factor, on-site renewable at zero."""
    grid: dict[tuple[int, str], float] = defaultdict(float)
    onsite: dict[tuple[int, str], float] = defaultdict(float)
    certs: dict[tuple[int, str], float] = defaultdict(float)
    rows = ActivityRecord.objects.filter(
        kind__in=[ActivityKind.GRID, ActivityKind.ONSITE_RENEWABLE, ActivityKind.CERTIFICATES]
    ).values_list("site_id", "month", "kind", "quantity", "unit")
    for site_id, month, kind, qty, unit in rows:
        key = (site_id, f"{month:%Y-%m}")
        kwh = pcf.convert(qty, unit, "kWh")
        {"grid": grid, "onsite_renewable": onsite, "certificates": certs}[kind][key] += kwh
    out = {}
    for key in set(grid) | set(onsite):
        total = grid[key] + onsite[key]
        if total <= 0:
            continue
        country = site_countries.get(key[0], "")
        covered = certs[key] if accounting == "market" else 0.0
        out[key] = max(grid[key] - covered, 0.0) * view.electricity(country, accounting) / total
    return out
