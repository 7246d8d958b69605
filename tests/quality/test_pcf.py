"""Product carbon footprint solver (qdm.quality.pcf): a hand-computed chain, units, bases,
the reference TOPCon module against the published band, genealogy propagation and the ECS
mechanism."""

from __future__ import annotations

import numpy as np
import pytest

from qdm.quality.pcf import (
    Basis,
    BasisError,
    EcsTable,
    Factor,
    PcfError,
    Step,
    SupplyChain,
    UnitError,
    convert,
    ecs_round,
    ecs_score,
    propagate_genealogy,
    reference_chain,
    reference_factors,
)

LC = Basis("CO2e", "life-cycle", "AR5")


def three_step(poly_kwh: tuple[float, str] = (60.0, "kWh")) -> SupplyChain:
    return SupplyChain(
        [
            Step("poly", "poly", "kg", flows={"electricity": poly_kwh}, site="QH1"),
            Step(
                "wafer",
                "wafer",
                "pcs",
                inputs={"poly": (16.0, "g")},  # 0.016 kg, given in g on purpose
                flows={"electricity": (0.4, "kWh")},
                yield_=0.8,
                site="QH1",
            ),
            Step(
                "module",
                "module",
                "pcs",
                inputs={"wafer": (100.0, "pcs")},
                flows={"electricity": (10.0, "kWh"), "glass": (20.0, "kg")},
                yield_=0.8,
                site="JX1",
            ),
        ],
        {"electricity": "kWh", "glass": "kg"},
    )


FACTORS = {
    # 500 g = 0.5 kg CO2e/kWh, given in g on purpose
    "electricity": Factor("electricity", 500.0, "g CO2e/kWh", LC),
    "glass": Factor("glass", 1.2, "kg CO2e/kg", LC),
}


def test_solver_equals_hand_computed_three_step_chain() -> None:
    # Hand computation, per good module (demand f = 1 module):
    #   module step yield 0.8 → runs s_M = 1; per good module it takes 100/0.8 = 125 wafers,
    #     10/0.8 = 12.5 kWh and 20/0.8 = 25 kg glass;
    #   wafer step yield 0.8 → s_W = 125; per good wafer 0.016/0.8 = 0.02 kg poly and
    #     0.4/0.8 = 0.5 kWh → 2.5 kg poly and 62.5 kWh;
    #   poly step yield 1 → s_P = 2.5 kg; 2.5 × 60 = 150 kWh.
    #   electricity g = 150 + 62.5 + 12.5 = 225 kWh → 225 × 0.5 = 112.5 kg CO2e
    #   glass g = 25 kg → 25 × 1.2 = 30 kg CO2e;  total h = 142.5 kg CO2e
    #   by step: poly 75, wafer 31.25, module 6.25 + 30 = 36.25; per kWp (0.5 kWp) 285.
    result = three_step().solve({"module": (1, "pcs")}, FACTORS, power_kwp=0.5, modules=1)
    assert result.scaling == pytest.approx({"poly": 2.5, "wafer": 125.0, "module": 1.0})
    assert result.inventory == pytest.approx({"electricity": 225.0, "glass": 25.0})
    assert result.total_kg == pytest.approx(142.5)
    assert result.by_step == pytest.approx({"poly": 75.0, "wafer": 31.25, "module": 36.25})
    assert result.by_flow == pytest.approx({"electricity": 112.5, "glass": 30.0})
    assert result.by_site == pytest.approx({"QH1": 106.25, "JX1": 36.25})
    assert result.per_kwp == pytest.approx(285.0)
    assert result.per_module == pytest.approx(142.5)
    assert result.basis == LC


def test_losses_propagate_upstream() -> None:
    # a worse module yield (0.8 → 0.5) raises every upstream step by 0.8/0.5 = 1.6
    chain = three_step()
    base = chain.solve({"module": (1, "pcs")}, FACTORS)
    worse = SupplyChain(
        [*chain.steps[:2], Step(**{**chain.steps[2].__dict__, "yield_": 0.5})],
        chain.flow_units,
    ).solve({"module": (1, "pcs")}, FACTORS)
    assert worse.scaling["poly"] == pytest.approx(base.scaling["poly"] * 1.6)
    assert worse.by_step["poly"] == pytest.approx(base.by_step["poly"] * 1.6)


def test_units_convert_within_a_dimension() -> None:
    # 0.06 MWh/kg is 60 kWh/kg: the same 142.5 kg CO2e, never 1 000 times off
    result = three_step((0.06, "MWh")).solve({"module": (1, "pcs")}, FACTORS)
    assert result.total_kg == pytest.approx(142.5)
    assert convert(1.0, "MWh", "kWh") == 1000.0
    assert convert(250.0, "g", "kg") == 0.25
    # a factor per kg applied to a flow counted in g: 4 kg CO2e/kg = 0.004 kg CO2e per g;
    # per MWh applied to kWh: 544 kg CO2e/MWh = 0.544 kg CO2e per kWh
    assert Factor("ribbon", 4.0, "kg CO2e/kg", LC).kg_per("g") == pytest.approx(0.004)
    assert Factor("grid", 544.0, "kg CO2e/MWh", LC).kg_per("kWh") == pytest.approx(0.544)
    assert Factor("grid", 0.544, "t CO2e/MWh", LC).kg_per("kWh") == pytest.approx(0.544)
    chain = SupplyChain([Step("m", "m", "pcs", flows={"ribbon": (20.0, "g")})], {"ribbon": "g"})
    result = chain.solve({"m": (1, "pcs")}, {"ribbon": Factor("ribbon", 4.0, "kg CO2e/kg", LC)})
    assert result.total_kg == pytest.approx(0.08)  # 20 g × 0.004 kg CO2e/g


def test_unit_mismatch_is_a_clear_error() -> None:
    with pytest.raises(UnitError, match=r"flow 'glass'.*'kWh' \(energy\).*'kg' \(mass\)"):
        SupplyChain([Step("m", "m", "pcs", flows={"glass": (20.0, "kWh")})], {"glass": "kg"})
    # a factor per kg used for a flow declared in kWh
    with pytest.raises(UnitError, match="factor 'electricity'"):
        three_step().solve(
            {"module": (1, "pcs")},
            {**FACTORS, "electricity": Factor("electricity", 0.5, "kg CO2e/kg", LC)},
        )
    with pytest.raises(UnitError, match="Unknown unit 'kwh'"):
        convert(1.0, "kwh", "kWh")
    with pytest.raises(UnitError, match="not of the form"):
        Factor("x", 1.0, "kg/kWh", LC)


def test_mixing_bases_is_refused() -> None:
    co2_combustion = Basis("CO2", "combustion", "")
    with pytest.raises(BasisError, match=r"factor 'glass'.*CO2, combustion.*'electricity'"):
        three_step().solve(
            {"module": (1, "pcs")},
            {**FACTORS, "glass": Factor("glass", 1.2, "kg CO2/kg", co2_combustion)},
        )
    ar6 = Basis("CO2e", "life-cycle", "AR6")
    with pytest.raises(BasisError, match="AR6"):
        three_step().solve(
            {"module": (1, "pcs")}, {**FACTORS, "glass": Factor("glass", 1.2, "kg CO2e/kg", ar6)}
        )
    lc_vs_combustion = Basis("CO2e", "combustion", "AR5")
    with pytest.raises(BasisError, match="combustion"):
        three_step().solve(
            {"module": (1, "pcs")},
            {**FACTORS, "glass": Factor("glass", 1.2, "kg CO2e/kg", lc_vs_combustion)},
        )
    # an explicit basis for the result refuses a factor of another one
    with pytest.raises(BasisError):
        three_step().solve({"module": (1, "pcs")}, FACTORS, basis=ar6)
    # the unit's gas must match the basis
    with pytest.raises(BasisError, match="counts CO2 but its basis is CO2e"):
        Factor("electricity", 0.54, "kg CO2/kWh", LC)


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(PcfError, match=r"yield 1\.2"):
        SupplyChain([Step("m", "m", "pcs", yield_=1.2)], {})
    with pytest.raises(PcfError, match="input 'cell' is made by no step"):
        SupplyChain([Step("m", "m", "pcs", inputs={"cell": (1, "pcs")})], {})
    with pytest.raises(PcfError, match="No emission factor for flow"):
        three_step().solve({"module": (1, "pcs")}, {"electricity": FACTORS["electricity"]})
    with pytest.raises(PcfError, match="Demand for 'cell'"):
        three_step().solve({"cell": (1, "pcs")}, FACTORS)


def test_topcon_module_on_the_chinese_grid_lands_in_the_published_band() -> None:
    # SRM-N410-72 (TOPCon, master data seeded from the CEC entry LG410N2W-A5: 2.0 m²,
    # Vmp 41.4 V × Imp 9.91 A = 410.3 W). Intensities: pv-reference §6.5 (PV_ICE 2024 per-step
    # energy, module assembly 3.32 kWh/m², masses per m², non-energy process factors, Si yield
    # 68.8 %, module yield 97 %); electricity: China life-cycle 0.544 kg CO2e/kWh (§6.4).
    # Published band for a Chinese-grid TOPCon module, cradle-to-gate: ≈350–450 kg CO2e/kWp
    # (§6.3: Jinko 448/450, Trina 400, Li et al. 2025 310–390).
    chain = reference_chain(area_m2=2.0)
    result = chain.solve(
        {"module": (1, "pcs")},
        reference_factors({"electricity": 0.544}, LC),
        power_kwp=41.4 * 9.91 / 1000,
        modules=1,
    )
    assert 350 <= result.per_kwp <= 450
    # Si input per good module: 0.366 kg/m² × 2.0 m² / (0.688 × 0.97) ≈ 1.097 kg (§6.5)
    assert result.scaling["mgsi"] == pytest.approx(0.366 * 2.0 / (0.688 * 0.97), rel=0.01)
    # electricity dominates, then the module's materials (Li et al. 2025 and §6.5)
    assert max(result.by_flow, key=result.by_flow.get) == "electricity"
    # the same module on a much cleaner grid (Vietnam life-cycle 0.377, §6.4) is lower
    cleaner = chain.solve(
        {"module": (1, "pcs")},
        reference_factors({"electricity": 0.377}, LC),
        power_kwp=0.4103,
    )
    assert cleaner.per_kwp < result.per_kwp


def test_what_if_thinner_glass_lowers_only_the_glass_share() -> None:
    base = reference_chain(area_m2=2.0).solve(
        {"module": (1, "pcs")}, reference_factors({"electricity": 0.544}, LC)
    )
    thin = reference_chain(area_m2=2.0, materials={"glass": 9.977 * 2.0 / 3.2}).solve(
        {"module": (1, "pcs")}, reference_factors({"electricity": 0.544}, LC)
    )
    assert base.by_flow["glass"] - thin.by_flow["glass"] == pytest.approx(
        base.total_kg - thin.total_kg
    )
    assert thin.by_flow["glass"] == pytest.approx(base.by_flow["glass"] * 2.0 / 3.2)


def test_propagate_genealogy_hand_computed() -> None:
    # units: 0 poly lot (own 1000 kg CO2e, 100 kg), 1 wafer lot (own 20), 2 cell lot (own 30),
    # 3 glass lot (own 600, 100 panes), 4 module (own 5), 5 shipment (own 0)
    # links: poly→wafer share 0.5 (50 of 100 kg), wafer→cell 1, cell→module 0.25,
    #        glass→module 0.01 (1 of 100 panes), module→shipment 1
    # wafer = 20 + 0.5 × 1000 = 520; cell = 30 + 520 = 550;
    # module = 5 + 0.25 × 550 + 0.01 × 600 = 5 + 137.5 + 6 = 148.5; shipment = 148.5
    own = np.array([1000.0, 20.0, 30.0, 600.0, 5.0, 0.0])
    parent = np.array([0, 1, 2, 3, 4])
    child = np.array([1, 2, 4, 4, 5])
    share = np.array([0.5, 1.0, 0.25, 0.01, 1.0])
    x = propagate_genealogy(own, parent, child, share)
    assert x.tolist() == pytest.approx([1000.0, 520.0, 550.0, 600.0, 148.5, 148.5])
    with pytest.raises(PcfError, match="cycle"):
        propagate_genealogy(np.ones(2), np.array([0, 1]), np.array([1, 0]), np.ones(2))
    with pytest.raises(PcfError, match="negative"):
        propagate_genealogy(np.ones(2), np.array([0]), np.array([1]), np.array([-1.0]))


# An ILLUSTRATIVE table to test the mechanism only: the official per-country ECS default
# coefficients are not public (pv-reference §6.2 "Gap"). Thresholds and rounding follow
# §6.2 (PPE2: nearest 50; < 550 CRE, < 450 Soren).
TABLE = EcsTable(
    version="TEST-PPE2",
    units={"wafer": "m2", "glass": "kg"},
    gwp={("wafer", "CN"): 60.0, ("wafer", "FR"): 20.0, ("glass", "CN"): 1.5},
    losses={"wafer": 1.05},
    rounding_step=50,
    rounding_mode="nearest",
    thresholds={"CRE": 550, "Soren": 450},
)


def test_ecs_score_mechanism() -> None:
    # wafer: (60 × 0.75 + 20 × 0.25) × 5 m² × 1.05 = 50 × 5.25 = 262.5
    # glass: 1.5 × 100 kg = 150 → exact 412.5 → nearest 50 → 400; passes 550 and 450
    r = ecs_score(
        TABLE,
        {"wafer": (5.0, "m2"), "glass": (0.1, "t")},
        {"wafer": {"CN": 0.75, "FR": 0.25}, "glass": {"CN": 1.0}},
    )
    assert r.by_component == pytest.approx({"wafer": 262.5, "glass": 150.0})
    assert r.exact == pytest.approx(412.5)
    assert r.score == 400
    assert r.thresholds == {"CRE": (550, True), "Soren": (450, True)}
    assert not r.official
    assert ecs_round(425.0, 50, "nearest") == 450
    assert ecs_round(424.9, 50, "nearest") == 400
    assert ecs_round(401.0, 50, "up") == 450
    assert ecs_round(400.0, 50, "up") == 400


def test_ecs_bad_inputs() -> None:
    good = {"wafer": {"CN": 1.0}, "glass": {"CN": 1.0}}
    with pytest.raises(PcfError, match=r"add up to 0\.9"):
        ecs_score(TABLE, {"wafer": (5, "m2"), "glass": (1, "kg")}, {**good, "wafer": {"CN": 0.9}})
    with pytest.raises(PcfError, match="no coefficient for 'glass' made in 'VN'"):
        ecs_score(TABLE, {"wafer": (5, "m2"), "glass": (1, "kg")}, {**good, "glass": {"VN": 1}})
    with pytest.raises(UnitError, match="ECS quantity of wafer"):
        ecs_score(TABLE, {"wafer": (5, "kg"), "glass": (1, "kg")}, good)
    with pytest.raises(PcfError, match="quantities missing for glass"):
        ecs_score(TABLE, {"wafer": (5, "m2")}, good)
    with pytest.raises(PcfError, match="rounding mode"):
        EcsTable("X", {}, {}, rounding_mode="banker")
