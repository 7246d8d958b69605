"""Reading a French simplified carbon evaluation (ECS) table from rows (CSV or the first
sheet of an XLSX), and the default ECS quantities of a module from its reference chain.

The official per-country GWP default table is in the annex "Méthodologie de l'évaluation
carbone simplifiée" of the CRE tender specifications (cahier des charges) and in the annexes
6 to 6 quater of the arrêté of 6 October 2021 (as modified on 8 February 2023); it is
not in pv-reference (§6.2 "Gap"). It is loaded as a versioned table with
``qdm carbon ecs-table load FILE --version V``; nothing official is built in.

File format (one header row, one row per component and country of manufacture)::

    component,unit,country,gwp,loss
    polysilicon,kg,CN,<kg CO2eq per kg>,<loss coefficient ≥ 1>
    polysilicon,kg,*,<value for every other country>,<same loss>
    wafer,m2,CN,…

* ``component``: the step or component (free text, lower-cased, e.g. ``polysilicon``);
* ``unit``: the unit in which the table counts the component's quantity per kWc (``kg``,
  ``m2``, ``pcs`` …; the same on every row of a component);
* ``country``: ISO 3166 alpha-2 of the manufacturing country, or ``*`` for "any other
  country" (the table's default column);
* ``gwp``: kg CO2eq per one ``unit`` of the component (≥ 0);
* ``loss``: the loss and breakage coefficient (≥ 1, blank = 1; the same on every row of a
  component; CRE4 onwards).

Rounding and thresholds are parameters of the version (``--rounding-step``,
``--rounding-mode``, ``--threshold NAME=VALUE``), not rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from qdm.quality.pcf import MODULE_MASS_KG_M2, SI_G_PER_M2, EcsTable, PcfError, unit_of

COLUMNS = ("component", "unit", "country", "gwp", "loss")
REQUIRED = ("component", "unit", "country", "gwp")
_COUNTRY = re.compile(r"^([A-Z]{2}|\*)$")


class EcsTableError(PcfError):
    """An ECS table file is wrong; ``errors`` lists every problem with its row."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def _number(raw: Any) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    return float(str(raw).strip().replace(",", "."))


def parse_rows(
    rows: Iterable[Sequence[Any]],
    *,
    version: str,
    rounding_step: float = 0.0,
    rounding_mode: str = "none",
    thresholds: Mapping[str, float] | None = None,
    official: bool = False,
    source: str = "",
) -> EcsTable:
    """An :class:`EcsTable` from a header row and data rows; every error names its row
    (counting the header as row 1) and column, and nothing is returned if any is wrong."""
    if not version.strip():
        raise EcsTableError(["The table needs a version (e.g. 'PPE2-V2 2024-09')."])
    it = iter(rows)
    try:
        header = [str(h or "").strip().lower() for h in next(it)]
    except StopIteration:
        raise EcsTableError(["The file is empty."]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise EcsTableError(
            [f"Row 1: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}."]
        )
    col = {name: header.index(name) for name in COLUMNS if name in header}
    errors: list[str] = []
    units: dict[str, str] = {}
    losses: dict[str, float] = {}
    gwp: dict[tuple[str, str], float] = {}
    for n, row in enumerate(it, start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        if all(c is None or not str(c).strip() for c in cells):
            continue

        def cell(name: str, cells: list[Any] = cells) -> Any:
            return cells[col[name]] if name in col else None

        component = str(cell("component") or "").strip().lower()
        unit = str(cell("unit") or "").strip()
        country = str(cell("country") or "").strip().upper()
        if not component:
            errors.append(f"Row {n}, component: empty.")
            continue
        try:
            unit_of(unit)
        except PcfError as exc:
            errors.append(f"Row {n}, unit: {exc}")
            continue
        if units.setdefault(component, unit) != unit:
            errors.append(
                f"Row {n}, unit: {component!r} is counted in {units[component]!r} on an "
                f"earlier row, not {unit!r}."
            )
        if not _COUNTRY.match(country):
            errors.append(
                f"Row {n}, country: {country or '(empty)'!r} is not an ISO 3166 alpha-2 code "
                "or '*'."
            )
            continue
        try:
            value = _number(cell("gwp"))
        except ValueError:
            errors.append(f"Row {n}, gwp: {cell('gwp')!r} is not a number.")
            continue
        if value is None or not math.isfinite(value) or value < 0:
            errors.append(f"Row {n}, gwp: a value ≥ 0 is needed, not {cell('gwp')!r}.")
            continue
        if (component, country) in gwp:
            errors.append(f"Row {n}: {component!r} made in {country!r} appears twice.")
            continue
        gwp[(component, country)] = value
        try:
            loss = _number(cell("loss"))
        except ValueError:
            errors.append(f"Row {n}, loss: {cell('loss')!r} is not a number.")
            continue
        loss = 1.0 if loss is None else loss
        if loss < 1:
            errors.append(f"Row {n}, loss: the loss coefficient {loss:g} must be ≥ 1.")
        elif losses.setdefault(component, loss) != loss:
            errors.append(
                f"Row {n}, loss: {component!r} has the loss coefficient "
                f"{losses[component]:g} on an earlier row, not {loss:g}."
            )
    if not gwp and not errors:
        errors.append("The file has no data rows.")
    if errors:
        raise EcsTableError(errors)
    for name, limit in (thresholds or {}).items():
        if not name.strip() or not math.isfinite(limit) or limit <= 0:
            raise EcsTableError([f"Threshold {name!r}={limit!r}: a name and a value > 0."])
    return EcsTable(
        version=version.strip(),
        units=units,
        gwp=gwp,
        losses=losses,
        rounding_step=rounding_step,
        rounding_mode=rounding_mode,
        thresholds=dict(thresholds or {}),
        official=official,
        source=source,
    )


def table_to_json(table: EcsTable) -> dict[str, Any]:
    """Plain JSON of a table (stored with its version; :func:`table_from_json` inverts)."""
    return {
        "version": table.version,
        "units": dict(table.units),
        "gwp": [[c, k, v] for (c, k), v in sorted(table.gwp.items())],
        "losses": dict(table.losses),
        "rounding_step": table.rounding_step,
        "rounding_mode": table.rounding_mode,
        "thresholds": dict(table.thresholds),
        "official": table.official,
        "source": table.source,
    }


def table_from_json(data: Mapping[str, Any]) -> EcsTable:
    return EcsTable(
        version=data["version"],
        units=data["units"],
        gwp={(c, k): float(v) for c, k, v in data["gwp"]},
        losses=data.get("losses", {}),
        rounding_step=float(data.get("rounding_step", 0.0)),
        rounding_mode=data.get("rounding_mode", "none"),
        thresholds=data.get("thresholds", {}),
        official=bool(data.get("official")),
        source=data.get("source", ""),
    )


#: components whose default quantity is the silicon in the module, in mass units
SI_COMPONENTS = {
    "metallurgical silicon",
    "mgsi",
    "polysilicon",
    "poly",
    "ingot",
    "brick",
    "bricks",
}
#: components counted per module area (m²) or per module (pcs)
MODULE_COMPONENTS = {"module", "modules", "assembly"}
CELL_COMPONENTS = {"cell", "cells", "wafer", "wafers"}


def default_quantities(
    table: EcsTable,
    *,
    area_m2: float,
    power_kwp: float,
    cell_count: int,
    si_g_per_m2: float = SI_G_PER_M2,
    masses_kg_m2: Mapping[str, float] | None = None,
) -> dict[str, tuple[float, str]]:
    """Q_i per kWc for the components of ``table`` that can be derived from a module: the
    net quantity in one kWc of modules (the table's loss coefficients add the losses):
    silicon mass for the silicon steps, cells (or wafers) in pieces, module area or
    pieces, and the masses of §6.5 materials (glass, frame …) in a mass unit. A component
    that cannot be derived (e.g. wafers counted in m²) is left out and must be given."""
    if power_kwp <= 0:
        raise PcfError(f"Power {power_kwp!r} kWp must be > 0.")
    masses = {**MODULE_MASS_KG_M2, **(masses_kg_m2 or {})}
    modules_per_kwp = 1 / power_kwp
    out: dict[str, tuple[float, str]] = {}
    for component, unit in table.units.items():
        dim, _size = unit_of(unit)
        name = component.lower()
        if dim == "mass" and name in SI_COMPONENTS:
            out[component] = (si_g_per_m2 / 1000 * area_m2 * modules_per_kwp, "kg")
        elif dim == "mass" and name in masses:
            out[component] = (masses[name] * area_m2 * modules_per_kwp, "kg")
        elif dim == "count" and name in CELL_COMPONENTS:
            out[component] = (cell_count * modules_per_kwp, "pcs")
        elif dim == "count" and name in MODULE_COMPONENTS:
            out[component] = (modules_per_kwp, "pcs")
        elif dim == "area" and (name in MODULE_COMPONENTS or name == "glass"):
            out[component] = (area_m2 * modules_per_kwp, "m2")
    return out
