"""Linear power-warranty evaluation. Expected numbers from the PV reference §4.4 (n-type:
≤1 % in year 1, ≤0.4 %/y after → 87.4 % at year 30; PERC: ≤2 %, ≤0.55 %/y → 84.8 % at year
25) and hand arithmetic shown next to each assertion."""

from __future__ import annotations

import pytest

from qdm.quality.warranty import (
    ContractTerms,
    LinearWarranty,
    WarrantyInputError,
    evaluate_contract,
    evaluate_power_claim,
)

N_TYPE = LinearWarranty(30, 1.0, 0.4)
PERC = LinearWarranty(25, 2.0, 0.55)


def test_guaranteed_curves_match_the_reference():
    assert N_TYPE.guaranteed_pct(30) == pytest.approx(87.4)  # 100 - 1 - 0.4 * 29
    assert PERC.guaranteed_pct(25) == pytest.approx(84.8)  # 100 - 2 - 0.55 * 24
    assert N_TYPE.guaranteed_pct(0) == 100.0
    assert N_TYPE.guaranteed_pct(0.5) == pytest.approx(99.5)  # linear within year one
    assert N_TYPE.guaranteed_pct(1) == pytest.approx(99.0)
    assert N_TYPE.guaranteed_pct(2) == pytest.approx(98.6)


def test_valid_claim_after_uncertainty():
    # 410 W module at 5 years: guaranteed 410 * (99 - 0.4 * 4) % = 410 * 0.974 = 399.34 W;
    # measured 380 W, +3 % uncertainty = 391.4 W < 399.34 → valid, shortfall 7.94 W
    v = evaluate_power_claim(410, 380, 5, terms=N_TYPE, uncertainty_pct=3.0)
    assert v.guaranteed_w == pytest.approx(399.34)
    assert v.corrected_w == pytest.approx(391.4)
    assert v.valid_claim and v.shortfall_w == pytest.approx(7.94)
    assert v.shortfall_pct == pytest.approx(7.94 / 410 * 100)


def test_uncertainty_can_void_a_claim():
    # measured 390 W: 390 * 1.03 = 401.7 W ≥ 399.34 W → not a claim; without uncertainty it is
    assert not evaluate_power_claim(410, 390, 5, terms=N_TYPE).valid_claim
    assert evaluate_power_claim(410, 390, 5, terms=N_TYPE, uncertainty_pct=0).valid_claim


def test_exactly_at_the_guarantee_is_not_a_claim():
    v = evaluate_power_claim(400, 396, 1, terms=N_TYPE, uncertainty_pct=0)  # 99 % of 400
    assert v.guaranteed_w == pytest.approx(396) and not v.valid_claim and v.shortfall_w == 0


def test_out_of_term_is_not_covered():
    v = evaluate_power_claim(410, 200, 31, terms=N_TYPE)
    assert not v.covered and not v.valid_claim


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nameplate_w": 0, "measured_w": 1, "age_years": 1}, "nameplate power"),
        ({"nameplate_w": 400, "measured_w": -1, "age_years": 1}, "measured power"),
        ({"nameplate_w": 400, "measured_w": 300, "age_years": -1}, "negative module age"),
        (
            {"nameplate_w": 400, "measured_w": 300, "age_years": 1, "uncertainty_pct": -2},
            "uncertainty",
        ),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(WarrantyInputError, match=message):
        evaluate_power_claim(**kwargs)


def test_impossible_terms():
    with pytest.raises(WarrantyInputError, match="fall to zero"):
        LinearWarranty(30, 1.0, 5.0)
    with pytest.raises(WarrantyInputError, match="term must be positive"):
        LinearWarranty(0)


# --- contract terms (product + linear power warranty, contract uncertainty) -----------------
# PERC contract: 2 % in year one, then 0.55 %/y for 25 years; 2 % uncertainty; 12-year product
PERC_CONTRACT = ContractTerms(
    product_years=12, power=LinearWarranty(25, 2.0, 0.55), uncertainty_pct=2.0
)


def test_contract_exactly_on_the_guaranteed_line_is_not_a_claim():
    # year 10: 100 − 2 − 0.55·9 = 93.05 % of 400 W = 372.2 W; measured so that
    # measured · 1.02 = 372.2 exactly → corrected == guaranteed → not a claim
    v = evaluate_contract(PERC_CONTRACT, 400.0, 372.2 / 1.02, 10.0)
    assert v.power.guaranteed_w == pytest.approx(372.2)
    assert v.power.corrected_w == pytest.approx(v.power.guaranteed_w)
    assert not v.power.valid_claim and v.product_covered
    # 0.1 W lower (before the uncertainty) is a claim of 0.1 · 1.02 = 0.102 W
    v = evaluate_contract(PERC_CONTRACT, 400.0, 372.2 / 1.02 - 0.1, 10.0)
    assert v.power.valid_claim and v.power.shortfall_w == pytest.approx(0.102)


def test_contract_uncertainty_band_decides():
    # year 5: 100 − 2 − 0.55·4 = 95.8 % of 400 W = 383.2 W. Measured 377 W:
    # with the contract's 2 %: 384.54 W ≥ 383.2 → no claim; with 1 %: 380.77 < 383.2 → claim
    assert not evaluate_contract(PERC_CONTRACT, 400.0, 377.0, 5.0).power.valid_claim
    tight = ContractTerms(12, LinearWarranty(25, 2.0, 0.55), uncertainty_pct=1.0)
    v = evaluate_contract(tight, 400.0, 377.0, 5.0)
    assert v.power.valid_claim and v.power.shortfall_w == pytest.approx(383.2 - 380.77)


def test_contract_beyond_the_warranty_periods():
    # the product warranty ends at 12 years (inclusive), the power warranty at 25
    assert evaluate_contract(PERC_CONTRACT, 400.0, 300.0, 12.0).product_covered
    v = evaluate_contract(PERC_CONTRACT, 400.0, 300.0, 12.01)
    assert not v.product_covered and v.power.valid_claim
    v = evaluate_contract(PERC_CONTRACT, 400.0, 300.0, 25.5)
    assert not v.power.covered and not v.power.valid_claim and not v.product_covered


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"product_years": 0}, "product warranty term"),
        ({"uncertainty_pct": 100}, "uncertainty"),
        ({"uncertainty_pct": -1}, "uncertainty"),
    ],
)
def test_bad_contract_terms(kwargs, message):
    with pytest.raises(WarrantyInputError, match=message):
        ContractTerms(**kwargs)
    with pytest.raises(WarrantyInputError, match="negative module age"):
        evaluate_contract(PERC_CONTRACT, 400.0, 390.0, -0.1)
