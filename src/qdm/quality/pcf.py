"""Product carbon footprint (ISO 14067, cradle-to-gate) as a linear system, the way LCA
engines such as Brightway solve it.

A supply chain is a set of process *steps*; each makes one reference product (a flow in a
declared unit) and consumes, per unit of **good** output, other steps' products
(technosphere inputs) and background flows (electricity of a grid, fuels, purchased
materials) whose footprint comes from emission factors. A step's yield ``y`` (good output /
processed) divides every input of the step, so losses propagate upstream: a wafer step at
80 % yield needs 1/0.8 of the ingot, electricity and consumables per good wafer.

Matrices (n steps, m background flows):

* ``A`` (n x n) technosphere: ``A[j, j] = 1`` (each step makes one unit of its product),
  ``A[i, j] = -q_ij / y_j`` for product i consumed by step j;
* ``f`` (n) final demand; ``s = A⁻¹ f`` the scaling vector (how much each step runs);
* ``B`` (m x n) background inventory per unit of step output (``b_kj / y_j``);
  ``g = B s`` the inventory of the demand;
* ``C`` (m) characterisation (kg CO₂e per unit of flow); impact ``h = C · g``.

Contributions: by step ``C_k B_kj s_j`` summed over k; by flow ``C_k g_k``; by site the step
contributions summed by the step's site.

Units are checked: every amount names its unit; amounts of the same dimension are converted
exactly (1 MWh = 1 000 kWh, 1 g = 0.001 kg) and amounts of different dimensions (kWh given
for a flow declared in kg) raise :class:`UnitError` naming the flow and both units.

Bases are never mixed: every factor carries a :class:`Basis` (CO₂ only or CO₂e; combustion
or life-cycle; GWP set AR5/AR6). One result uses one basis; any other factor raises
:class:`BasisError` naming both factors and their bases (pv-reference §6.4).

:func:`propagate_genealogy` is the same algebra on a real genealogy (lot → … → shipment):
``x = e + W x`` with ``W`` nilpotent (a DAG), so the Neumann series ends after depth + 1
terms and is exact; it is vectorised with ``np.bincount``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


class PcfError(ValueError):
    """A footprint input is wrong; the message names the problem."""


class UnitError(PcfError):
    """An amount's unit does not fit the flow or factor it is used with."""


class BasisError(PcfError):
    """Factors of different bases would be mixed in one result."""


# --- units ------------------------------------------------------------------------------------
#: unit → (dimension, size in the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "mg": ("mass", 1e-6),
    "g": ("mass", 1e-3),
    "kg": ("mass", 1.0),
    "t": ("mass", 1e3),
    "Wh": ("energy", 1e-3),
    "kWh": ("energy", 1.0),
    "MWh": ("energy", 1e3),
    "GWh": ("energy", 1e6),
    "MJ": ("energy", 1 / 3.6),
    "GJ": ("energy", 1e3 / 3.6),
    "cm2": ("area", 1e-4),
    "m2": ("area", 1.0),
    "pcs": ("count", 1.0),
    "set": ("set", 1.0),
    "L": ("volume", 1e-3),
    "m3": ("volume", 1.0),
    "Nm3": ("gas volume", 1.0),
    "tkm": ("transport", 1.0),
    "Wp": ("power", 1e-3),
    "kWp": ("power", 1.0),
    "MWp": ("power", 1e3),
}
_ALIASES = {"m²": "m2", "cm²": "cm2", "piece": "pcs", "pieces": "pcs", "Nm³": "Nm3", "m³": "m3"}


def unit_of(name: str) -> tuple[str, float]:
    """(dimension, size) of a unit; an unknown unit is an error naming it."""
    key = _ALIASES.get(name.strip(), name.strip())
    try:
        return UNITS[key]
    except KeyError:
        raise UnitError(
            f"Unknown unit {name!r}; known units: {', '.join(sorted(UNITS))}."
        ) from None


def convert(value: float, from_unit: str, to_unit: str, *, what: str = "amount") -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``; different dimensions are an
    error naming ``what`` and both units (kWh is never read as kg, nor MWh as kWh)."""
    dim_a, size_a = unit_of(from_unit)
    dim_b, size_b = unit_of(to_unit)
    if dim_a != dim_b:
        raise UnitError(
            f"{what}: unit {from_unit!r} ({dim_a}) cannot be used where {to_unit!r} "
            f"({dim_b}) is expected."
        )
    return value * size_a / size_b


# --- bases and factors --------------------------------------------------------------------------
GASES = ("CO2e", "CO2")
BOUNDARIES = ("life-cycle", "combustion")
GWP_SETS = ("AR4", "AR5", "AR6")


@dataclass(frozen=True)
class Basis:
    """What a factor counts: ``gas`` CO2e or CO2 (only), ``boundary`` life-cycle (upstream
    included) or combustion (direct only), ``gwp`` the IPCC GWP100 set (CO2e only)."""

    gas: str = "CO2e"
    boundary: str = "life-cycle"
    gwp: str = "AR5"

    def __post_init__(self) -> None:
        if self.gas not in GASES:
            raise BasisError(f"Unknown gas basis {self.gas!r}; expected one of {GASES}.")
        if self.boundary not in BOUNDARIES:
            raise BasisError(f"Unknown boundary {self.boundary!r}; expected one of {BOUNDARIES}.")
        if self.gas == "CO2e" and self.gwp not in GWP_SETS:
            raise BasisError(f"A CO2e factor needs a GWP set {GWP_SETS}, not {self.gwp!r}.")
        if self.gas == "CO2" and self.gwp:
            object.__setattr__(self, "gwp", "")  # a GWP set means nothing for CO2 only

    def __str__(self) -> str:
        gwp = f", {self.gwp}" if self.gwp else ""
        return f"{self.gas}, {self.boundary}{gwp}"


_FACTOR_UNIT = re.compile(r"^\s*(mg|g|kg|t)\s*(CO2e|CO2)\s*/\s*(\S+)\s*$")


def parse_factor_unit(text: str) -> tuple[float, str, str]:
    """``"g CO2e/kWh"`` → (0.001 kg, "CO2e", "kWh")."""
    match = _FACTOR_UNIT.match(text.replace("₂", "2"))
    if not match:
        raise UnitError(
            f"Factor unit {text!r} is not of the form '<kg|g|t> <CO2e|CO2>/<unit>', "
            "e.g. 'kg CO2e/kWh'."
        )
    mass, gas, per = match.groups()
    unit_of(per)
    return UNITS[mass][1], gas, _ALIASES.get(per, per)


@dataclass(frozen=True)
class Factor:
    """An emission factor: ``value`` in ``unit`` (e.g. ``"kg CO2e/kWh"``) on a ``basis``."""

    flow: str
    value: float
    unit: str
    basis: Basis = field(default_factory=Basis)
    source: str = ""

    def __post_init__(self) -> None:
        _scale, gas, _per = parse_factor_unit(self.unit)
        if gas != self.basis.gas:
            raise BasisError(
                f"Factor {self.flow!r}: unit {self.unit!r} counts {gas} but its basis is "
                f"{self.basis.gas}."
            )
        if not math.isfinite(self.value) or self.value < 0:
            raise PcfError(f"Factor {self.flow!r}: value {self.value!r} must be ≥ 0.")

    def kg_per(self, unit: str) -> float:
        """kg of gas per one ``unit`` of the flow (converted, checked)."""
        scale, _gas, per = parse_factor_unit(self.unit)
        # one `unit` is convert(1, unit, per) of the factor's own unit: 1 g = 0.001 kg
        return self.value * scale * convert(1.0, unit, per, what=f"factor {self.flow!r}")


def check_basis(factors: Sequence[Factor], basis: Basis | None = None) -> Basis:
    """The one basis shared by ``factors`` (or ``basis``); any other is a BasisError."""
    if not factors and basis is None:
        raise PcfError("No emission factors given.")
    reference = basis or factors[0].basis
    first = None if basis else factors[0]
    for factor in factors:
        if factor.basis != reference:
            against = f"factor {first.flow!r} ({first.basis})" if first else f"{reference}"
            raise BasisError(
                f"Bases cannot be mixed in one result: factor {factor.flow!r} is "
                f"{factor.basis} but {against} is the basis of this calculation."
            )
    return reference


# --- the supply chain ----------------------------------------------------------------------------
Amount = tuple[float, str]


@dataclass(frozen=True)
class Step:
    """A process step making one ``unit`` of ``product`` from ``inputs`` (other steps'
    products) and ``flows`` (background flows), both per unit *processed*; ``yield_`` is
    good output / processed (0 < y ≤ 1)."""

    name: str
    product: str
    unit: str
    inputs: Mapping[str, Amount] = field(default_factory=dict)
    flows: Mapping[str, Amount] = field(default_factory=dict)
    yield_: float = 1.0
    site: str = ""
    material: str = ""


@dataclass
class Result:
    """A solved footprint (kg of gas on ``basis``) with its breakdowns."""

    basis: Basis
    total_kg: float
    scaling: dict[str, float]
    inventory: dict[str, float]
    by_step: dict[str, float]
    by_flow: dict[str, float]
    by_site: dict[str, float]
    by_material: dict[str, float]
    per_kwp: float | None = None
    modules: float | None = None

    @property
    def per_module(self) -> float | None:
        return self.total_kg / self.modules if self.modules else None


class SupplyChain:
    """Steps and background flows (with their declared units), assembled into A and B."""

    def __init__(self, steps: Sequence[Step], flow_units: Mapping[str, str]) -> None:
        names = [s.product for s in steps]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise PcfError(f"Products made by more than one step: {sorted(duplicates)}.")
        self.steps = list(steps)
        self.index = {s.product: i for i, s in enumerate(steps)}
        self.flow_units = dict(flow_units)
        self.flows = sorted(self.flow_units)
        self.flow_index = {f: k for k, f in enumerate(self.flows)}
        for unit in self.flow_units.values():
            unit_of(unit)
        n, m = len(self.steps), len(self.flows)
        self.A = np.eye(n)
        self.B = np.zeros((m, n))
        for j, step in enumerate(self.steps):
            unit_of(step.unit)
            if not (0 < step.yield_ <= 1):
                raise PcfError(f"Step {step.name!r}: yield {step.yield_!r} must be in (0, 1].")
            for product, (qty, unit) in step.inputs.items():
                if product not in self.index:
                    raise PcfError(f"Step {step.name!r}: input {product!r} is made by no step.")
                i = self.index[product]
                declared = self.steps[i].unit
                q = convert(qty, unit, declared, what=f"step {step.name!r} input {product!r}")
                self.A[i, j] -= q / step.yield_
            for flow, (qty, unit) in step.flows.items():
                if flow not in self.flow_index:
                    raise PcfError(f"Step {step.name!r}: flow {flow!r} has no declared unit.")
                declared = self.flow_units[flow]
                q = convert(qty, unit, declared, what=f"step {step.name!r} flow {flow!r}")
                self.B[self.flow_index[flow], j] += q / step.yield_

    def characterisation(
        self, factors: Mapping[str, Factor], basis: Basis | None
    ) -> NDArray[np.float64]:
        missing = [f for f in self.flows if f not in factors and self.B[self.flow_index[f]].any()]
        if missing:
            raise PcfError(f"No emission factor for flow(s): {', '.join(missing)}.")
        used = [factors[f] for f in self.flows if f in factors]
        check_basis(used, basis)
        return np.array(
            [factors[f].kg_per(self.flow_units[f]) if f in factors else 0.0 for f in self.flows]
        )

    def solve(
        self,
        demand: Mapping[str, Amount],
        factors: Mapping[str, Factor],
        *,
        basis: Basis | None = None,
        power_kwp: float | None = None,
        modules: float | None = None,
    ) -> Result:
        """Footprint of ``demand`` (product → amount); ``power_kwp`` of the demand gives the
        per-kWp value, ``modules`` the per-module value."""
        f = np.zeros(len(self.steps))
        for product, (qty, unit) in demand.items():
            if product not in self.index:
                raise PcfError(f"Demand for {product!r}, which no step makes.")
            f[self.index[product]] += convert(
                qty, unit, self.steps[self.index[product]].unit, what=f"demand {product!r}"
            )
        C = self.characterisation(factors, basis)
        try:
            s = np.linalg.solve(self.A, f)
        except np.linalg.LinAlgError:
            raise PcfError("The supply chain is singular (a step consumes all it makes).") from None
        g = self.B @ s
        per_step = (C @ self.B) * s
        per_flow = C * g
        by_site: dict[str, float] = {}
        by_material: dict[str, float] = {}
        for j, step in enumerate(self.steps):
            by_site[step.site or "—"] = by_site.get(step.site or "—", 0.0) + float(per_step[j])
            key = step.material or step.name
            by_material[key] = by_material.get(key, 0.0) + float(per_step[j])
        total = float(C @ g)
        used_basis = basis or next((factors[f].basis for f in self.flows if f in factors), Basis())
        if power_kwp is not None and power_kwp <= 0:
            raise PcfError(f"Power {power_kwp!r} kWp must be > 0.")
        return Result(
            basis=used_basis,
            total_kg=total,
            scaling={st.product: float(s[j]) for j, st in enumerate(self.steps)},
            inventory={fl: float(g[k]) for k, fl in enumerate(self.flows)},
            by_step={st.name: float(per_step[j]) for j, st in enumerate(self.steps)},
            by_flow={fl: float(per_flow[k]) for k, fl in enumerate(self.flows)},
            by_site=by_site,
            by_material=by_material,
            per_kwp=total / power_kwp if power_kwp else None,
            modules=modules,
        )


# --- the reference c-Si module chain (pv-reference §6.5) -----------------------------------------
#: PV_ICE 2024 per-step energy, kWh per kg Si, and fuel (non-electric) share [§6.5]
SI_STEPS = {
    "mgsi": (18.1, 0.35),
    "poly": (75.5, 0.31),
    "ingot": (36.1, 0.0),
    "wafer": (8.3, 0.15),
    "cell": (31.1, 0.10),
}
#: per m² of module, kg (PV_ICE world average 2024) [§6.5]
MODULE_MASS_KG_M2 = {
    "glass": 9.977,
    "frame": 1.215,
    "encapsulant": 0.756,
    "backsheet": 0.382,
    "silver": 0.00269,
}
#: PV_ICE non-energy process factors, kg CO2e per kg material [§6.5]
MATERIAL_FACTORS = {
    "silicon": 9.3,
    "glass": 0.542,
    "frame": 6.46,
    "encapsulant": 5.24,
    "backsheet": 7.5,
    "silver": 0.95,
}
SI_G_PER_M2 = 366.0  # silicon in the module [§6.5]
ASSEMBLY_KWH_M2 = 3.32  # module assembly [§6.5]
#: per-step Si yields whose product is PV_ICE's 68.8 % Si manufacturing yield [§6.5]
SI_YIELDS = {"mgsi": 1.0, "poly": 1.0, "ingot": 0.92, "wafer": 0.78, "cell": 0.9586}
MODULE_YIELD = 0.97  # [§6.5]


def reference_chain(
    *,
    area_m2: float,
    grids: Mapping[str, str] | None = None,
    sites: Mapping[str, str] | None = None,
    materials: Mapping[str, float] | None = None,
    si_g_per_m2: float = SI_G_PER_M2,
    yields: Mapping[str, float] | None = None,
    module_yield: float = MODULE_YIELD,
    energy: Mapping[str, float] | None = None,
    purchased_poly: bool = False,
) -> SupplyChain:
    """A c-Si module chain MG-Si → poly → ingot → wafer → cell → module with the
    intensities of pv-reference §6.5. ``grids`` maps a step (mgsi … module) to the
    electricity flow it uses (default ``"electricity"``); the non-electric share is counted
    at the same grid intensity (conservative screening, as the reference's worked example
    counts the whole ≈400 kWh/kWp Si-chain energy). ``materials`` overrides kg per m²
    (thinner glass, less silver); ``energy`` overrides kWh per kg Si of a step.
    Product units: Si steps in kg of Si, the module in pieces. ``purchased_poly``: the
    polysilicon is bought with a supplier's cradle-to-gate factor (flow ``polysilicon``,
    kg) instead of being made from MG-Si with grid electricity; the poly step then has no
    input and its only flow is 1 kg of ``polysilicon`` per kg (losses downstream still
    propagate to it)."""
    grids = dict(grids or {})
    sites = dict(sites or {})
    masses = {**MODULE_MASS_KG_M2, **(materials or {})}
    ys = {**SI_YIELDS, **(yields or {})}
    kwh = {k: v for k, (v, _share) in SI_STEPS.items()}
    kwh.update(energy or {})
    flows: dict[str, str] = {"silicon process": "kg"}
    for name in masses:
        flows[name] = "kg"

    def elec(step: str) -> str:
        flow = grids.get(step, "electricity")
        flows[flow] = "kWh"
        return flow

    si_module_kg = si_g_per_m2 / 1000 * area_m2
    order = ["mgsi", "poly", "ingot", "wafer", "cell"]
    steps = []
    for k, name in enumerate(order):
        inputs = {order[k - 1]: (1.0, "kg")} if k else {}
        step_flows: dict[str, Amount] = {elec(name): (kwh[name], "kWh")}
        if name == "mgsi":
            step_flows["silicon process"] = (1.0, "kg")
        if name == "poly" and purchased_poly:
            flows["polysilicon"] = "kg"
            inputs, step_flows = {}, {"polysilicon": (1.0, "kg")}
        steps.append(
            Step(
                name=name,
                product=name,
                unit="kg",
                inputs=inputs,
                flows=step_flows,
                yield_=ys[name],
                site=sites.get(name, ""),
                material="silicon",
            )
        )
    module_flows: dict[str, Amount] = {
        elec("module"): (ASSEMBLY_KWH_M2 * area_m2, "kWh"),
        **{name: (mass * area_m2, "kg") for name, mass in masses.items()},
    }
    steps.append(
        Step(
            name="module",
            product="module",
            unit="pcs",
            inputs={"cell": (si_module_kg, "kg")},
            flows=module_flows,
            yield_=module_yield,
            site=sites.get("module", ""),
            material="module assembly",
        )
    )
    return SupplyChain(steps, flows)


def reference_factors(
    grid: Mapping[str, float],
    basis: Basis | None = None,
    *,
    overrides: Mapping[str, float] | None = None,
) -> dict[str, Factor]:
    """Factors for :func:`reference_chain`: electricity flows (kg CO2e/kWh) from ``grid``,
    materials from PV_ICE (§6.5) or ``overrides``."""
    basis = basis or Basis()
    out = {
        flow: Factor(flow, value, "kg CO2e/kWh", basis, "pv-reference §6.4")
        for flow, value in grid.items()
    }
    values = {**MATERIAL_FACTORS, **(overrides or {})}
    out["silicon process"] = Factor(
        "silicon process", values["silicon"], "kg CO2e/kg", basis, "PV_ICE §6.5"
    )
    for name in MODULE_MASS_KG_M2:
        out[name] = Factor(name, values[name], "kg CO2e/kg", basis, "PV_ICE §6.5")
    return out


# --- footprint along a genealogy -----------------------------------------------------------------
def propagate_genealogy(
    own: NDArray[np.float64],
    parent: NDArray[np.int64],
    child: NDArray[np.int64],
    share: NDArray[np.float64],
    *,
    max_depth: int = 20,
) -> NDArray[np.float64]:
    """Footprint of every unit: its ``own`` emissions plus ``share`` × footprint of each
    parent it consumed (``parent[k]`` went into ``child[k]``; indices into ``own``).
    Solves ``x = e + W x`` for a DAG by the exact finite Neumann series; a cycle (W not
    nilpotent within ``max_depth``) is an error."""
    own = np.asarray(own, dtype=float)
    parent = np.asarray(parent, dtype=np.int64)
    child = np.asarray(child, dtype=np.int64)
    share = np.asarray(share, dtype=float)
    if not (len(parent) == len(child) == len(share)):
        raise PcfError("parent, child and share must have the same length.")
    if len(share) and (share < 0).any():
        raise PcfError("A genealogy share is negative.")
    n = len(own)
    total = own.copy()
    term = own
    for _depth in range(max_depth + 1):
        # numpy's stub types bincount as NDArray[intp] even with weights (float64 at runtime).
        term = np.bincount(child, weights=share * term[parent], minlength=n)  # type: ignore[assignment]
        if not term.any():
            return total
        total += term
    raise PcfError(f"The genealogy has a cycle or is deeper than {max_depth} links.")


# --- French simplified carbon evaluation (ECS, CRE tenders; pv-reference §6.2) -------------------
ROUNDING_MODES = ("none", "nearest", "up")


@dataclass(frozen=True)
class EcsTable:
    """One version of the ECS method: per component the quantity unit, per (component,
    country) the GWP coefficient (kg CO2eq per unit), loss coefficients (CRE4 onwards),
    the rounding rule and the thresholds (score must be *below* each)."""

    version: str
    units: Mapping[str, str]
    gwp: Mapping[tuple[str, str], float]
    losses: Mapping[str, float] = field(default_factory=dict)
    rounding_step: float = 0.0
    rounding_mode: str = "none"
    thresholds: Mapping[str, float] = field(default_factory=dict)
    official: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        if self.rounding_mode not in ROUNDING_MODES:
            raise PcfError(
                f"ECS {self.version}: rounding mode {self.rounding_mode!r} must be one of "
                f"{ROUNDING_MODES}."
            )
        if self.rounding_mode != "none" and self.rounding_step <= 0:
            raise PcfError(f"ECS {self.version}: a rounding step > 0 is needed.")
        for component, unit in self.units.items():
            unit_of(unit)
            if self.losses.get(component, 1.0) < 1.0:
                raise PcfError(f"ECS {self.version}: loss coefficient of {component} < 1.")
        for (component, _country), value in self.gwp.items():
            if component not in self.units:
                raise PcfError(f"ECS {self.version}: GWP for unknown component {component!r}.")
            if value < 0:
                raise PcfError(f"ECS {self.version}: negative GWP for {component!r}.")


@dataclass
class EcsResult:
    version: str
    exact: float  # kg CO2eq/kWc before rounding
    score: float  # after the version's rounding
    by_component: dict[str, float]
    thresholds: dict[str, tuple[float, bool]]  # name → (threshold, passed)
    official: bool


def ecs_round(value: float, step: float, mode: str) -> float:
    if mode == "none":
        return value
    ratio = value / step
    # nearest: half rounds up (450 for 425), as the published PPE2 scores are multiples of 50
    n = math.floor(ratio + 0.5) if mode == "nearest" else math.ceil(ratio - 1e-12)
    return n * step


def ecs_score(
    table: EcsTable,
    quantities: Mapping[str, Amount],
    origins: Mapping[str, Mapping[str, float]],
) -> EcsResult:
    """G = Σ_i Σ_j GWP_ij · X_ij · Q_i · loss_i in kg CO2eq per kWc. ``quantities`` per
    component per kWc (Q_i, with unit), ``origins`` the country shares X_ij (sum 1)."""
    by_component: dict[str, float] = {}
    for component, (qty, unit) in quantities.items():
        if component not in table.units:
            raise PcfError(f"ECS {table.version} has no component {component!r}.")
        q = convert(qty, unit, table.units[component], what=f"ECS quantity of {component}")
        shares = origins.get(component)
        if not shares:
            raise PcfError(f"ECS: no country of origin given for {component!r}.")
        if abs(sum(shares.values()) - 1.0) > 1e-6:
            raise PcfError(
                f"ECS: country shares of {component!r} add up to {sum(shares.values()):g}, not 1."
            )
        g = 0.0
        for country, share in shares.items():
            # a country the table does not list takes its "any other country" column (*)
            key = (component, country) if (component, country) in table.gwp else (component, "*")
            if key not in table.gwp:
                raise PcfError(
                    f"ECS {table.version} has no coefficient for {component!r} made in {country!r}."
                )
            g += table.gwp[key] * share
        by_component[component] = g * q * table.losses.get(component, 1.0)
    missing = sorted(set(table.units) - set(quantities))
    if missing:
        raise PcfError(f"ECS {table.version}: quantities missing for {', '.join(missing)}.")
    exact = sum(by_component.values())
    score = ecs_round(exact, table.rounding_step, table.rounding_mode)
    return EcsResult(
        version=table.version,
        exact=exact,
        score=score,
        by_component=by_component,
        thresholds={name: (limit, score < limit) for name, limit in table.thresholds.items()},
        official=table.official,
    )
