"""Process capability: Cp, Cpk, Pp, Ppk, Cpm with confidence intervals, ppm and normality.

Definitions follow qcc 2.7 ``process.capability`` (R/capability.R), so by default the indices
equal qcc's:

* center = grand mean of all observations; sigma *within* = qcc's chart ``std.dev``: R-bar/d2
  ("UWAVE-R") for subgroups (pooled SD "RMSDF" when a subgroup exceeds 25, as qcc switches),
  MR-bar/d2 for individuals.  Alternatives: S-bar/c4 ("UWAVE-SD") and pooled SD.
* ``Cp = (USL - LSL) / (6 sigma)``, ``Cpu = (USL - mean) / (3 sigma)``,
  ``Cpl = (mean - LSL) / (3 sigma)``, ``Cpk = min(Cpl, Cpu)``,
  ``Cpm = Cp / sqrt(1 + ((mean - T) / sigma)^2)`` with T defaulting to the spec midpoint.
* Confidence intervals (qcc, after Montgomery 7th ed. sec. 8.3.5): Cp by chi-square,
  ``Cp sqrt(chi2_(a/2, n-1) / (n-1))``..; Cpk by Bissell (1990),
  ``Cpk (1 -+ z_(1-a/2) sqrt(1/(9 n Cpk^2) + 1/(2(n-1))))``; Cpl and Cpu with qcc's
  ``z_(confidence)``; Cpm by chi-square with ``df = n (1 + d^2) / (1 + 2 d^2)``,
  ``d = (mean - T)/sigma`` (Boyles 1991).
* Pp, Ppk: the same with the overall sample standard deviation (n - 1 divisor; Minitab).
* Expected ppm from the normal model with sigma within (qcc ``exp.LSL``/``exp.USL`` x 1e4,
  without qcc's display rounding of values below 0.01 % to 0) and with sigma overall.
* Normality: Anderson-Darling A^2 with estimated mean and SD, p-value from the adjusted
  ``A*^2 = A^2 (1 + 0.75/n + 2.25/n^2)`` (D'Agostino & Stephens 1986, table 4.9; the formula
  Minitab and R's nortest::ad.test use).

One-sided specifications: indices needing the missing limit (Cp, Pp, Cpm) are ``None``; Cpk and
Ppk are the one available side (Minitab's convention; qcc returns NA there because R's
``min(NA, x)`` is NA).

Non-normal data: ``boxcox_capability`` (Box & Cox 1964 transformation with maximum-likelihood
lambda, applied to data, limits and target) and ``percentile_capability`` (ISO 22514-2 /
Clements 1989 percentile method, ``Pp = (USL - LSL) / (X_99.865 - X_0.135)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qdm.quality import spc
from qdm.quality.spc import SpcInputError, Subgroups

SIGMA_METHODS: tuple[str, ...] = ("rbar", "sbar", "pooled", "mr")

Interval = tuple[float, float]


@dataclass(frozen=True)
class NormalityTest:
    """Anderson-Darling test for normality (mean and SD estimated)."""

    statistic: float  # A^2
    adjusted: float  # A*^2 = A^2 (1 + 0.75/n + 2.25/n^2)
    p_value: float


@dataclass(frozen=True)
class CapabilityResult:
    """Capability indices; ``None`` where a spec limit needed for the index is missing."""

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    method: str
    lsl: float | None
    usl: float | None
    target: float | None
    confidence: float
    cp: float | None
    cpl: float | None
    cpu: float | None
    cpk: float | None
    cpm: float | None
    pp: float | None
    ppl: float | None
    ppu: float | None
    ppk: float | None
    cp_ci: Interval | None
    cpl_ci: Interval | None
    cpu_ci: Interval | None
    cpk_ci: Interval | None
    cpm_ci: Interval | None
    ppm_below: float | None
    ppm_above: float | None
    ppm_below_overall: float | None
    ppm_above_overall: float | None
    ppm_observed_below: float | None
    ppm_observed_above: float | None
    normality: NormalityTest

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON schema."""
        return {
            "n": self.n,
            "mean": self.mean,
            "sigma_within": self.sigma_within,
            "sigma_overall": self.sigma_overall,
            "cp": self.cp,
            "cpk": self.cpk,
            "pp": self.pp,
            "ppk": self.ppk,
            "cpm": self.cpm,
            "cp_ci": list(self.cp_ci) if self.cp_ci else None,
            "cpk_ci": list(self.cpk_ci) if self.cpk_ci else None,
            "ppm_below": self.ppm_below,
            "ppm_above": self.ppm_above,
            "normality_p": self.normality.p_value,
            "method": self.method,
        }


def anderson_darling(values: NDArray[np.float64]) -> NormalityTest:
    """Anderson-Darling normality test, composite hypothesis (D'Agostino & Stephens 1986).

    ``A^2 = -n - (1/n) sum (2i - 1) [ln Phi(z_(i)) + ln(1 - Phi(z_(n+1-i)))]`` with
    ``z = (x - mean) / s``; p-value from the piecewise exponential fits to ``A*^2``.
    """
    from scipy.special import log_ndtr

    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n < 3:
        raise SpcInputError(f"too few points for a normality test: {n} (at least 3 needed)")
    s = float(np.std(x, ddof=1))
    if not s > 0:
        raise SpcInputError("constant series: the data show no variation")
    z = (x - float(np.mean(x))) / s
    weights = np.arange(1, 2 * n, 2, dtype=np.float64)
    # log(1 - Phi(z)) = log Phi(-z): exact in the far tail where 1 - Phi underflows.
    terms = log_ndtr(z) + log_ndtr(-z[::-1])
    a2 = float(-n - np.dot(weights, terms) / n)
    adj = a2 * (1.0 + 0.75 / n + 2.25 / (n * n))
    if adj >= 0.6:
        p = math.exp(1.2937 - 5.709 * adj + 0.0186 * adj * adj)
    elif adj >= 0.34:
        p = math.exp(0.9177 - 4.279 * adj - 1.38 * adj * adj)
    elif adj >= 0.2:
        p = 1.0 - math.exp(-8.318 + 42.796 * adj - 59.938 * adj * adj)
    else:
        p = 1.0 - math.exp(-13.436 + 101.14 * adj - 223.73 * adj * adj)
    return NormalityTest(a2, adj, min(1.0, max(0.0, p)))


def _as_data(
    data: Subgroups | Sequence[float] | NDArray[np.float64],
) -> tuple[NDArray[np.float64], Subgroups]:
    if isinstance(data, Subgroups):
        return data.values, data
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 2:
        sg = Subgroups.from_matrix(arr)
        return sg.values, sg
    sg = Subgroups.from_chunks(arr, 1)
    return sg.values, sg


def default_sigma_method(sg: Subgroups) -> str:
    """qcc's choice: MR for individuals, R-bar/d2 for subgroups, pooled above size 25."""
    if bool(np.all(sg.sizes == 1)):
        return "mr"
    if bool(np.any(sg.sizes > 25)):
        return "pooled"
    return "rbar"


def sigma_within(sg: Subgroups, method: str) -> float:
    """Within-subgroup sigma by ``rbar`` (R-bar/d2), ``sbar`` (S-bar/c4), ``pooled`` or ``mr``."""
    if method == "mr":
        return spc.sigma_mr(sg.values)
    if method not in SIGMA_METHODS:
        raise SpcInputError(
            f"unknown sigma method {method!r}; expected one of {', '.join(SIGMA_METHODS)}"
        )
    stats = spc.group_stats(sg)
    if method == "rbar":
        return spc.sigma_rbar(sg, stats)
    if method == "sbar":
        return spc.sigma_sbar(sg, stats)
    return spc.sigma_pooled(sg, stats)


def _check_specs(lsl: float | None, usl: float | None) -> None:
    if lsl is None and usl is None:
        raise SpcInputError("at least one specification limit (LSL or USL) is required")
    for name, v in (("LSL", lsl), ("USL", usl)):
        if v is not None and not math.isfinite(v):
            raise SpcInputError(f"{name} is not a finite number")
    if lsl is not None and usl is not None and lsl >= usl:
        raise SpcInputError(f"LSL ({lsl:g}) must be below USL ({usl:g})")


def _bissell(index: float | None, n: int, z: float) -> Interval | None:
    # Undefined at an index of exactly 0 (the 1/(9 n C^2) term); sorted for negative indices.
    if index is None or index == 0.0:
        return None
    half = z * math.sqrt(1.0 / (9.0 * n * index * index) + 1.0 / (2.0 * (n - 1)))
    lo, hi = index * (1.0 - half), index * (1.0 + half)
    return (min(lo, hi), max(lo, hi))


def capability(
    data: Subgroups | Sequence[float] | NDArray[np.float64],
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    sigma_method: str | None = None,
    confidence: float = 0.95,
    nsigmas: float = 3.0,
) -> CapabilityResult:
    """Capability study (normal model), numbers equal to qcc's ``process.capability``.

    ``data`` is a 1-D array of individuals, a 2-D matrix (rows = subgroups) or ``Subgroups``.
    """
    from scipy.stats import chi2, norm

    _check_specs(lsl, usl)
    if not 0.0 < confidence < 1.0:
        raise SpcInputError(f"confidence must be in (0, 1), got {confidence}")
    x, sg = _as_data(data)
    n = int(x.size)
    if n < 3:
        raise SpcInputError(f"too few points for a capability study: {n} (at least 3 needed)")
    method = sigma_method or default_sigma_method(sg)
    if method != "mr" and bool(np.all(sg.sizes == 1)):
        raise SpcInputError(
            f"sigma method {method!r} needs subgroups; individual values use 'mr' "
            "(give a subgroup column or --subgroup-size)"
        )
    sw = sigma_within(sg, method)
    mean = float(np.mean(x))
    so = float(np.std(x, ddof=1))
    if not (sw > 0 and so > 0):
        raise SpcInputError("constant series: the data show no variation, so sigma is 0")

    alpha = 1.0 - confidence
    z2 = float(norm.ppf(1.0 - alpha / 2.0))
    z1 = float(norm.ppf(confidence))

    def side_indices(sigma: float) -> tuple[float | None, float | None, float | None]:
        lo = (mean - lsl) / (nsigmas * sigma) if lsl is not None else None
        hi = (usl - mean) / (nsigmas * sigma) if usl is not None else None
        both = (
            (usl - lsl) / (2.0 * nsigmas * sigma) if lsl is not None and usl is not None else None
        )
        return both, lo, hi

    cp, cpl, cpu = side_indices(sw)
    pp, ppl, ppu = side_indices(so)
    cpk = min(v for v in (cpl, cpu) if v is not None)
    ppk = min(v for v in (ppl, ppu) if v is not None)

    chi_lo, chi_hi = (float(q) for q in chi2.ppf([alpha / 2.0, 1.0 - alpha / 2.0], n - 1))
    cp_ci = None
    if cp is not None:
        cp_ci = (cp * math.sqrt(chi_lo / (n - 1)), cp * math.sqrt(chi_hi / (n - 1)))
    cpl_ci, cpu_ci, cpk_ci = _bissell(cpl, n, z1), _bissell(cpu, n, z1), _bissell(cpk, n, z2)

    tgt = target
    if tgt is None and lsl is not None and usl is not None:
        tgt = (lsl + usl) / 2.0
    cpm = cpm_ci = None
    if cp is not None and tgt is not None:
        d = (mean - tgt) / sw
        cpm = cp / math.sqrt(1.0 + d * d)
        df = n * (1.0 + d * d) / (1.0 + 2.0 * d * d)
        q_lo, q_hi = (float(q) for q in chi2.ppf([alpha / 2.0, 1.0 - alpha / 2.0], df))
        cpm_ci = (cpm * math.sqrt(q_lo / df), cpm * math.sqrt(q_hi / df))

    def ppm(limit: float | None, sigma: float, upper: bool) -> float | None:
        if limit is None:
            return None
        zz = (limit - mean) / sigma
        return float((norm.sf(zz) if upper else norm.cdf(zz)) * 1e6)

    return CapabilityResult(
        n=n, mean=mean, sigma_within=sw, sigma_overall=so, method=method,
        lsl=lsl, usl=usl, target=tgt, confidence=confidence,
        cp=cp, cpl=cpl, cpu=cpu, cpk=cpk, cpm=cpm, pp=pp, ppl=ppl, ppu=ppu, ppk=ppk,
        cp_ci=cp_ci, cpl_ci=cpl_ci, cpu_ci=cpu_ci, cpk_ci=cpk_ci, cpm_ci=cpm_ci,
        ppm_below=ppm(lsl, sw, upper=False), ppm_above=ppm(usl, sw, upper=True),
        ppm_below_overall=ppm(lsl, so, upper=False), ppm_above_overall=ppm(usl, so, upper=True),
        ppm_observed_below=None if lsl is None else float(np.count_nonzero(x < lsl)) / n * 1e6,
        ppm_observed_above=None if usl is None else float(np.count_nonzero(x > usl)) / n * 1e6,
        normality=anderson_darling(x),
    )  # fmt: skip


@dataclass(frozen=True)
class BoxCoxCapability:
    """Capability computed on Box-Cox transformed data, limits and target."""

    lambda_: float
    transformed: CapabilityResult


def boxcox_capability(
    data: Subgroups | Sequence[float] | NDArray[np.float64],
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    lambda_: float | None = None,
    sigma_method: str | None = None,
    confidence: float = 0.95,
) -> BoxCoxCapability:
    """Box-Cox capability: ``y = (x^lambda - 1)/lambda`` (``ln x`` at 0) on data and limits.

    The transformation is increasing for every lambda, so LSL stays the lower limit.  Lambda is
    the maximum-likelihood estimate (Box & Cox 1964) unless given.  Data and limits must be > 0.
    """
    from scipy.special import boxcox
    from scipy.stats import boxcox_normmax

    _check_specs(lsl, usl)
    x, sg = _as_data(data)
    if bool(np.any(x <= 0)):
        raise SpcInputError("Box-Cox transformation needs all values > 0")
    for name, v in (("LSL", lsl), ("USL", usl), ("target", target)):
        if v is not None and v <= 0:
            raise SpcInputError(f"Box-Cox transformation needs {name} > 0, got {v:g}")
    if bool(np.all(x == x[0])):
        raise SpcInputError("constant series: the data show no variation")
    lam = float(boxcox_normmax(x, method="mle")) if lambda_ is None else float(lambda_)

    def tr(v: float | None) -> float | None:
        return None if v is None else float(boxcox(v, lam))

    moved = Subgroups(np.asarray(boxcox(sg.values, lam), dtype=np.float64), sg.sizes)
    result = capability(
        moved, lsl=tr(lsl), usl=tr(usl), target=tr(target),
        sigma_method=sigma_method, confidence=confidence,
    )  # fmt: skip
    return BoxCoxCapability(lam, result)


@dataclass(frozen=True)
class PercentileCapability:
    """Percentile (ISO 22514-2 / Clements) performance indices from empirical quantiles."""

    n: int
    median: float
    p_low: float  # 0.135 % quantile
    p_high: float  # 99.865 % quantile
    pp: float | None
    ppl: float | None
    ppu: float | None
    ppk: float | None
    ppm_observed_below: float | None
    ppm_observed_above: float | None


def percentile_capability(
    data: Subgroups | Sequence[float] | NDArray[np.float64],
    *,
    lsl: float | None = None,
    usl: float | None = None,
) -> PercentileCapability:
    """Percentile method: ``Pp = (USL - LSL)/(X_0.99865 - X_0.00135)``,
    ``Ppu = (USL - X_0.5)/(X_0.99865 - X_0.5)``, ``Ppl = (X_0.5 - LSL)/(X_0.5 - X_0.00135)``.

    Quantiles are empirical (numpy's linear interpolation, Hyndman & Fan type 7); with fewer
    than about 1000 points the extreme quantiles are little more than the sample extremes, and
    Clements' Pearson-curve fit (not implemented) would be preferable.
    """
    _check_specs(lsl, usl)
    x, _ = _as_data(data)
    n = int(x.size)
    if n < 3:
        raise SpcInputError(f"too few points for a capability study: {n} (at least 3 needed)")
    q_lo, med, q_hi = (float(q) for q in np.quantile(x, [0.00135, 0.5, 0.99865]))
    if not (q_hi > med > q_lo):
        raise SpcInputError("constant series: the percentile spread is 0")
    pp = (usl - lsl) / (q_hi - q_lo) if lsl is not None and usl is not None else None
    ppl = (med - lsl) / (med - q_lo) if lsl is not None else None
    ppu = (usl - med) / (q_hi - med) if usl is not None else None
    ppk = min(v for v in (ppl, ppu) if v is not None)
    return PercentileCapability(
        n=n, median=med, p_low=q_lo, p_high=q_hi, pp=pp, ppl=ppl, ppu=ppu, ppk=ppk,
        ppm_observed_below=None if lsl is None else float(np.count_nonzero(x < lsl)) / n * 1e6,
        ppm_observed_above=None if usl is None else float(np.count_nonzero(x > usl)) / n * 1e6,
    )  # fmt: skip
