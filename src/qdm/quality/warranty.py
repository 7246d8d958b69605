"""Linear power-warranty evaluation of a returned or field-measured module (pure).

A linear performance warranty guarantees, of the nameplate power P0: ``100 - first`` % at the
end of year one, then ``annual`` % less each further year, for ``years`` years (n-type
modules typically 1 % then 0.4 %/y for 30 years → 87.4 % at year 30; PERC 2 % then 0.55 %/y
for 25 years → 84.8 %; PV reference §4.4). Within year one the guarantee falls linearly from
100 % to ``100 - first`` %.

A claim is valid only if the measured power, **raised by the measurement uncertainty** (the
benefit of the doubt goes to the measurement: ``P_meas * (1 + u/100)``), is still below the
guaranteed power. A measurement exactly at the guarantee is not a claim.
"""

from __future__ import annotations

from dataclasses import dataclass


class WarrantyInputError(ValueError):
    """Impossible warranty terms or measurement; the message names the problem."""


@dataclass(frozen=True)
class LinearWarranty:
    years: float = 30.0
    first_year_loss_pct: float = 1.0
    annual_loss_pct: float = 0.4

    def __post_init__(self) -> None:
        if self.years <= 0:
            raise WarrantyInputError("the warranty term must be positive")
        if not 0 <= self.first_year_loss_pct < 100 or not 0 <= self.annual_loss_pct < 100:
            raise WarrantyInputError("the warranted losses must be between 0 and 100 %")
        if self.guaranteed_pct(self.years) <= 0:
            raise WarrantyInputError("the warranted power would fall to zero within the term")

    def guaranteed_pct(self, age_years: float) -> float:
        """Guaranteed share of nameplate power (%) at ``age_years``."""
        if age_years < 0:
            raise WarrantyInputError(f"negative module age {age_years:g} years")
        if age_years <= 1:
            return 100.0 - self.first_year_loss_pct * age_years
        return 100.0 - self.first_year_loss_pct - self.annual_loss_pct * (age_years - 1)


@dataclass(frozen=True)
class WarrantyVerdict:
    covered: bool  # within the warranty term
    guaranteed_w: float
    measured_w: float
    corrected_w: float  # measured power raised by the measurement uncertainty
    valid_claim: bool
    shortfall_w: float  # guaranteed - corrected, when the claim is valid (else 0)
    shortfall_pct: float  # of nameplate


def evaluate_power_claim(
    nameplate_w: float,
    measured_w: float,
    age_years: float,
    *,
    terms: LinearWarranty | None = None,
    uncertainty_pct: float = 3.0,
) -> WarrantyVerdict:
    """Evaluate a power-warranty claim for one module (STC-corrected measured power)."""
    terms = terms or LinearWarranty()
    if nameplate_w <= 0:
        raise WarrantyInputError("the nameplate power must be positive")
    if measured_w < 0:
        raise WarrantyInputError("the measured power cannot be negative")
    if not 0 <= uncertainty_pct < 100:
        raise WarrantyInputError("the measurement uncertainty must be between 0 and 100 %")
    covered = age_years <= terms.years
    guaranteed = nameplate_w * terms.guaranteed_pct(min(age_years, terms.years)) / 100.0
    corrected = measured_w * (1.0 + uncertainty_pct / 100.0)
    valid = covered and corrected < guaranteed
    shortfall = guaranteed - corrected if valid else 0.0
    return WarrantyVerdict(
        covered=covered,
        guaranteed_w=guaranteed,
        measured_w=measured_w,
        corrected_w=corrected,
        valid_claim=valid,
        shortfall_w=shortfall,
        shortfall_pct=100.0 * shortfall / nameplate_w,
    )


@dataclass(frozen=True)
class ContractTerms:
    """The warranty terms of one contract: the product (materials and workmanship) warranty
    and the linear power warranty with the measurement uncertainty granted to the buyer."""

    product_years: float = 12.0
    power: LinearWarranty = LinearWarranty()
    uncertainty_pct: float = 3.0

    def __post_init__(self) -> None:
        if self.product_years <= 0:
            raise WarrantyInputError("the product warranty term must be positive")
        if not 0 <= self.uncertainty_pct < 100:
            raise WarrantyInputError("the measurement uncertainty must be between 0 and 100 %")


@dataclass(frozen=True)
class ContractVerdict:
    product_covered: bool  # a defect claim is within the product warranty term
    power: WarrantyVerdict


def evaluate_contract(
    terms: ContractTerms, nameplate_w: float, measured_w: float, age_years: float
) -> ContractVerdict:
    """Both warranties of one module under one contract. The product warranty covers a
    module up to and including ``product_years`` of age; the power claim uses the contract's
    linear warranty and uncertainty (see ``evaluate_power_claim``)."""
    if age_years < 0:
        raise WarrantyInputError(f"negative module age {age_years:g} years")
    power = evaluate_power_claim(
        nameplate_w,
        measured_w,
        age_years,
        terms=terms.power,
        uncertainty_pct=terms.uncertainty_pct,
    )
    return ContractVerdict(product_covered=age_years <= terms.product_years, power=power)
