"""Read functions of the carbon platform for other platforms (the cockpit): carbon
intensity per site and month and the carbon targets, always within the user's scope.

Intensity = (Scope 1 + Scope 2 market-based) / power of the modules produced, from the
corporate inventory (``services.inventory``) with the newest group factor library.
``kg CO₂e per kWp`` and ``t CO₂e per MW`` are the same number (1 t / 1 MW = 1 kg / 1 kW).

Functions:

* :func:`intensity_by_site_month` (user, year, site=None) → rows per site and month;
* :func:`site_month_intensity` (user, site_code, month "YYYY-MM") → one row or ``None``;
* :func:`targets` (user, year) → site code → target kg CO₂e/kWp;
* :func:`target_status` (user, year) → per site: year-to-date intensity, target, on track.
"""

from __future__ import annotations

from typing import Any

from qdm.carbon.models import CarbonTarget, FactorLibrary
from qdm.carbon.services.factors import load_library
from qdm.carbon.services.inventory import inventory


def _library(user: Any) -> FactorLibrary | None:
    return (
        FactorLibrary.objects.for_user(user, "view")
        .filter(kind="group")
        .order_by("-version")
        .first()
    )


def intensity_by_site_month(user: Any, year: int, site: str | None = None) -> list[dict]:
    """Per site code and month ("YYYY-MM"): ``t_co2e`` (Scope 1 + 2 market-based),
    ``mw`` produced, ``kg_per_kwp`` (= ``t_per_mw``; ``None`` when nothing was produced),
    ``scope1``, ``scope2_market``. Empty without a group library or activity data."""
    library = _library(user)
    if library is None:
        return []
    out = []
    for r in inventory(user, load_library(library), year):
        if site and r["site"] != site:
            continue
        t = r["scope1"] + r["scope2_market"]
        per = t / r["mw"] if r["mw"] else None
        out.append(
            {"site": r["site"], "month": r["month"], "t_co2e": t, "mw": r["mw"],
             "kg_per_kwp": per, "t_per_mw": per, "scope1": r["scope1"],
             "scope2_market": r["scope2_market"], "library": str(library)}
        )  # fmt: skip
    return out


def site_month_intensity(user: Any, site: str, month: str) -> dict | None:
    """The row of :func:`intensity_by_site_month` for one site code and "YYYY-MM"."""
    try:
        year = int(month[:4])
    except ValueError:
        return None
    rows = intensity_by_site_month(user, year, site)
    return next((r for r in rows if r["month"] == month), None)


def targets(user: Any, year: int) -> dict[str, float]:
    """Site code → target kg CO₂e per kWp for ``year``, for the sites the user may see."""
    rows = CarbonTarget.objects.for_user(user, "view").filter(year=year).select_related("site")
    return {t.site.code: t.kg_per_kwp for t in rows}


def target_status(user: Any, year: int) -> list[dict]:
    """Per site with a target or data: year-to-date intensity (Σ t / Σ MW), the target and
    whether the intensity is at or below it (``None`` when either is missing)."""
    goal = targets(user, year)
    totals: dict[str, list[float]] = {}
    for r in intensity_by_site_month(user, year):
        acc = totals.setdefault(r["site"], [0.0, 0.0])
        acc[0] += r["t_co2e"]
        acc[1] += r["mw"]
    out = []
    for site in sorted(set(goal) | set(totals)):
        t, mw = totals.get(site, [0.0, 0.0])
        ytd = t / mw if mw else None
        target = goal.get(site)
        on_track = None if ytd is None or target is None else ytd <= target
        out.append({"site": site, "ytd_kg_per_kwp": ytd, "target": target, "on_track": on_track})
    return out
