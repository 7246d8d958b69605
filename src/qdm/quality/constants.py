"""Control-chart constants (d2, d3, c4 and the derived A2, A3, B3, B4, D3, D4).

Sources and conventions
-----------------------
* ``d2(n)`` -- expected range of ``n`` standard normal observations,
  ``d2 = integral of 1 - Phi(x)^n - (1 - Phi(x))^n dx`` (Montgomery, *Introduction to
  Statistical Quality Control*, 7th ed., section 6.2 and Appendix VI).  qcc 2.7 stores it as
  ``qcc.options("exp.R.unscaled")``, the published 3-decimal table.  We compute the integral and
  round it to 3 decimals, which reproduces that table for n = 2..25 (checked in the tests), so
  chart limits equal qcc's.  ``d2_exact(n)`` gives the unrounded integral.
* ``d3(n)`` -- standard deviation of that range, computed exactly by numerical integration of
  ``E[R^2] = 2 * int_0^inf r * P(R > r) dr`` with
  ``P(R <= r) = n * int phi(x) (Phi(x + r) - Phi(x))^(n-1) dx``.
* ``d3_qcc(n)`` -- qcc 2.7's own table ``qcc.options("se.R.unscaled")``.  Those 7-decimal values
  are *not* the exact d3: they are larger by 8e-7 (n = 2) up to 1.2e-5 (n = 25), e.g. exact
  d3(2) = sqrt(2 - 4/pi) = 0.8525025 while qcc stores 0.8525033.  qcc uses them for the R-chart
  limits, so to reproduce qcc's R and MR chart limits to 1e-9 the charts use this table by
  default (``d3_source="qcc"``); ``d3_source="exact"`` switches to the exact value.
* ``c4(n) = sqrt(2/(n-1)) * Gamma(n/2) / Gamma((n-1)/2)`` exact, as qcc's ``.qcc.c4``.
* Derived (Montgomery Appendix VI definitions, never typed in):
  ``A2 = 3/(d2 sqrt n)``, ``A3 = 3/(c4 sqrt n)``, ``D3 = max(0, 1 - 3 d3/d2)``,
  ``D4 = 1 + 3 d3/d2``, ``B3 = max(0, 1 - 3 sqrt(1 - c4^2)/c4)``, ``B4 = 1 + 3 sqrt(1 - c4^2)/c4``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray

#: Largest subgroup size for which range-based constants are provided (qcc's d2 table ends at 25).
MAX_RANGE_SUBGROUP = 25

# qcc 2.7, R/qcc.R, `.qcc.options$se.R.unscaled` (entries for n = 2..25 of the 50-entry table).
# Typed in on purpose: it is qcc's data, not a constant we derive; see the module docstring.
_QCC_SE_R_UNSCALED = (
    0.8525033, 0.8883697, 0.8798108, 0.8640855, 0.8480442, 0.8332108, 0.8198378, 0.8078413,
    0.7970584, 0.7873230, 0.7784873, 0.7704257, 0.7630330, 0.7562217, 0.7499188, 0.7440627,
    0.7386021, 0.7334929, 0.7286980, 0.7241851, 0.7199267, 0.7158987, 0.7120802, 0.7084528,
)  # fmt: skip

D3Source = Literal["qcc", "exact"]


def _check_n(n: int, upper: int | None = MAX_RANGE_SUBGROUP) -> int:
    if int(n) != n or n < 2 or (upper is not None and n > upper):
        bound = f"2..{upper}" if upper is not None else ">= 2"
        raise ValueError(f"subgroup size must be an integer in {bound}, got {n}")
    return int(n)


def _gauss_legendre(
    a: float, b: float, panels: int, order: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Composite Gauss-Legendre nodes and weights on [a, b] (vectorised quadrature grid)."""
    t, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(a, b, panels + 1)
    half = (edges[1:] - edges[:-1]) / 2
    mid = (edges[1:] + edges[:-1]) / 2
    nodes = (mid[:, None] + half[:, None] * t[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


@cache
def _grid_1d() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    from scipy.special import ndtr

    # Outside +-12 the integrand is below 1e-30: the truncation error is nil in double precision.
    x, w = _gauss_legendre(-12.0, 12.0, 60, 20)
    return x, w, ndtr(x)


@cache
def _grid_2d() -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
]:
    from scipy.special import ndtr

    x, wx = _gauss_legendre(-10.0, 10.0, 40, 16)
    r, wr = _gauss_legendre(0.0, 16.0, 40, 16)
    phi = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    # Phi(x + r) - Phi(x): probability mass of one observation inside [x, x + r].
    mass = ndtr(x[:, None] + r[None, :]) - ndtr(x)[:, None]
    return wx * phi, r, wr, mass, x


@cache
def d2_exact(n: int) -> float:
    """Expected range of ``n`` iid N(0, 1) observations by numerical integration.

    ``d2 = int_{-inf}^{inf} [1 - Phi(x)^n - (1 - Phi(x))^n] dx`` (Montgomery 7th ed., sec. 6.2).
    Accurate to about 1e-12 (composite 20-point Gauss-Legendre on [-12, 12]).
    """
    n = _check_n(n, upper=None)
    _, w, big_phi = _grid_1d()
    return float(np.sum(w * (1.0 - big_phi**n - (1.0 - big_phi) ** n)))


def d2(n: int) -> float:
    """The published 3-decimal d2 (qcc's ``exp.R.unscaled``): ``round(d2_exact(n), 3)``."""
    return round(d2_exact(_check_n(n)), 3)


@cache
def d3(n: int) -> float:
    """Exact standard deviation of the range of ``n`` iid N(0, 1) observations.

    ``Var(R) = E[R^2] - d2^2`` with ``E[R^2] = 2 int_0^inf r P(R > r) dr`` and the range
    distribution ``P(R <= r) = n int phi(x) (Phi(x + r) - Phi(x))^(n-1) dx`` (David & Nagaraja,
    *Order Statistics*, 3rd ed., eq. 2.3.3).  Accurate to about 1e-12.
    """
    n = _check_n(n, upper=None)
    wphi, r, wr, mass, _ = _grid_2d()
    cdf = n * (wphi @ mass ** (n - 1))
    second_moment = 2.0 * float(np.sum(wr * r * (1.0 - cdf)))
    mean = d2_exact(n)
    return math.sqrt(second_moment - mean * mean)


def d3_qcc(n: int) -> float:
    """qcc 2.7's tabulated d3 (``qcc.options("se.R.unscaled")``), n = 2..25."""
    return _QCC_SE_R_UNSCALED[_check_n(n) - 2]


def d3_for(n: int, source: D3Source = "qcc") -> float:
    """d3 from the chosen source: ``"qcc"`` (qcc's table, default for qcc parity) or ``"exact"``."""
    if source == "qcc":
        return d3_qcc(n)
    if source == "exact":
        return d3(_check_n(n))
    raise ValueError(f"unknown d3 source {source!r}")


def c4(
    n: int | float | NDArray[np.int64] | NDArray[np.float64],
) -> float | NDArray[np.float64]:
    """Unbiasing constant for the sample standard deviation (exact, via log-gamma).

    ``c4 = sqrt(2/(n-1)) * Gamma(n/2) / Gamma((n-1)/2)``; same expression as qcc's ``.qcc.c4``.
    Accepts arrays (used for unequal subgroup sizes and for the pooled-SD degrees of freedom).
    """
    if isinstance(n, np.ndarray):
        from scipy.special import gammaln

        nn = n.astype(np.float64)
        return np.sqrt(2.0 / (nn - 1.0)) * np.exp(gammaln(nn / 2.0) - gammaln((nn - 1.0) / 2.0))
    if n < 2:
        raise ValueError(f"c4 needs n >= 2, got {n}")
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2.0) - math.lgamma((n - 1) / 2.0))


@dataclass(frozen=True)
class ChartConstants:
    """All Shewhart constants for one subgroup size (Montgomery 7th ed., Appendix VI)."""

    n: int
    d2: float
    d3: float
    c4: float
    A2: float
    A3: float
    B3: float
    B4: float
    D3: float
    D4: float


def constants(n: int, d3_source: D3Source = "exact") -> ChartConstants:
    """Constants for subgroup size ``n`` (2..25), derived from d2, d3 and c4 only."""
    n = _check_n(n)
    dd2, dd3, cc4 = d2(n), d3_for(n, d3_source), float(c4(n))
    root_n = math.sqrt(n)
    s_ratio = 3.0 * math.sqrt(1.0 - cc4 * cc4) / cc4
    r_ratio = 3.0 * dd3 / dd2
    return ChartConstants(
        n=n,
        d2=dd2,
        d3=dd3,
        c4=cc4,
        A2=3.0 / (dd2 * root_n),
        A3=3.0 / (cc4 * root_n),
        B3=max(0.0, 1.0 - s_ratio),
        B4=1.0 + s_ratio,
        D3=max(0.0, 1.0 - r_ratio),
        D4=1.0 + r_ratio,
    )


def d2_array(sizes: NDArray[np.int64]) -> NDArray[np.float64]:
    """Vector of table d2 values for an array of subgroup sizes (each 2..25)."""
    table = np.array([np.nan, np.nan] + [d2(k) for k in range(2, MAX_RANGE_SUBGROUP + 1)])
    return table[sizes]


def d3_array(sizes: NDArray[np.int64], source: D3Source = "qcc") -> NDArray[np.float64]:
    """Vector of d3 values for an array of subgroup sizes (each 2..25)."""
    uniq = np.unique(sizes)
    table = np.full(MAX_RANGE_SUBGROUP + 1, np.nan)
    for k in uniq.tolist():
        table[k] = d3_for(int(k), source)
    return table[sizes]
