"""Statistical process control charts whose numbers equal those of the R package qcc 2.7.

Charts: X-bar/R, X-bar/S, I-MR (Shewhart, qcc types ``xbar``, ``R``, ``S``, ``xbar.one``), p, np,
c, u (attributes; p and u with per-point limits for variable sample sizes), EWMA and tabular
CUSUM.  Formulas follow qcc 2.7 (L. Scrucca, R/qcc.R, R/ewma.R, R/cusum.R):

* X-bar: points are subgroup means, center ``sum(n_i xbar_i) / sum(n_i)`` (``stats.xbar``),
  sigma ``sum(R_i / d2(n_i)) / m`` (``sd.xbar``, method "UWAVE-R", qcc's default) for X-bar/R and
  ``sum(S_i / c4(n_i)) / m`` ("UWAVE-SD") for X-bar/S; limits ``center +- k sigma / sqrt(n_i)``.
* R: center ``sum(n_i R_i) / sum(n_i)``, limits ``center +- k d3(n_i) sigma``, LCL >= 0
  (``limits.R``).  S: center ``sum(n_i S_i) / sum(n_i)``, limits
  ``center +- k sigma sqrt(1 - c4(n_i)^2)``, LCL >= 0 (``limits.S``).
* Individuals: center = mean, sigma = average moving range of span 2 / d2(2) (``sd.xbar.one``,
  method "MR"); the MR chart is qcc's R chart on consecutive pairs.
* p: center ``sum(D) / sum(n)``, sigma ``sqrt(p(1-p))``, limits ``p +- k sqrt(p(1-p)/n_i)``
  clipped to [0, 1].  np: center ``n_i p``, limits clipped to [0, n_i].  c: center = mean count,
  limits ``c +- k sqrt(c)``, LCL >= 0.  u: center ``sum(c) / sum(n)``, limits
  ``u +- k sqrt(u / n_i)``, LCL >= 0.
* EWMA: ``z_t = lambda x_t + (1 - lambda) z_(t-1)``, ``z_0 = center``, limits
  ``center +- k sigma/sqrt(n_t) sqrt(lambda/(2-lambda) (1 - (1-lambda)^(2t)))`` (qcc ``ewma``;
  Montgomery 7th ed. eq. 9.22-9.23).
* CUSUM: standardized ``z_t = (xbar_t - center) / (sigma / sqrt(n_t))``,
  ``C+_t = max(0, C+_(t-1) + z_t - k)``, ``C-_t = max(0, C-_(t-1) - z_t - k)`` with
  ``k = se_shift / 2``; a signal when ``C+ > h`` or ``C- > h`` (qcc ``cusum``; Montgomery 7th ed.
  sec. 9.1.2).  The recursion is evaluated in closed form (Lindley's identity
  ``S_t = C_t - min(0, min_(j<=t) C_j)`` with ``C`` the cumulative sum).

Phase II: ``center`` and ``sigma`` arguments fix known process parameters instead of estimating
them.  With a known sigma the dispersion chart uses the "standard given" form (Montgomery 7th
ed. sec. 6.2.6): R chart center ``d2 sigma``, limits ``(d2 +- k d3) sigma``; S chart center
``c4 sigma``, limits ``(c4 +- k sqrt(1 - c4^2)) sigma``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qdm.quality import constants as K
from qdm.quality.rules import Violations, beyond_limits, evaluate

#: Fewest plotted points a chart accepts.
MIN_POINTS = 2

Number = float | NDArray[np.float64]


class SpcInputError(ValueError):
    """Bad input for a chart or a capability study (reported by the CLI with exit code 2)."""


# --------------------------------------------------------------------------------------------
# Data containers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subgroups:
    """Variables data split into rational subgroups, stored flat and contiguous."""

    values: NDArray[np.float64]
    sizes: NDArray[np.int64]

    @property
    def count(self) -> int:
        return int(self.sizes.size)

    @property
    def starts(self) -> NDArray[np.int64]:
        starts = np.zeros(self.sizes.size, dtype=np.int64)
        np.cumsum(self.sizes[:-1], out=starts[1:])
        return starts

    @property
    def equal_size(self) -> int | None:
        """The common subgroup size, or ``None`` when sizes differ."""
        if self.sizes.size and bool(np.all(self.sizes == self.sizes[0])):
            return int(self.sizes[0])
        return None

    @classmethod
    def from_chunks(cls, values: Sequence[float] | NDArray[np.float64], size: int) -> Subgroups:
        """Consecutive chunks of ``size`` values; a trailing partial chunk is its own subgroup."""
        x = _finite_1d(values, "value")
        if size < 1:
            raise SpcInputError(f"subgroup size must be at least 1, got {size}")
        full, rest = divmod(x.size, size)
        sizes = np.full(full, size, dtype=np.int64)
        if rest:
            sizes = np.append(sizes, rest)
        return cls(x, sizes)

    @classmethod
    def from_matrix(cls, matrix: Sequence[Sequence[float]] | NDArray[np.float64]) -> Subgroups:
        """Rows are subgroups (as qcc's data matrix); NaN cells are missing observations."""
        m = np.asarray(matrix, dtype=np.float64)
        if m.ndim != 2:
            raise SpcInputError("subgroup data must be a 2-D matrix (one row per subgroup)")
        present = ~np.isnan(m)
        if np.isinf(m).any():
            raise SpcInputError("subgroup data contain an infinite value")
        sizes = present.sum(axis=1).astype(np.int64)
        if (sizes == 0).any():
            raise SpcInputError(f"subgroup {int(np.argmin(sizes)) + 1} is empty")
        return cls(m[present], sizes)

    @classmethod
    def from_labels(
        cls, values: Sequence[float] | NDArray[np.float64], labels: NDArray[Any]
    ) -> Subgroups:
        """Group values by label; subgroups are ordered by first appearance of their label."""
        x = _finite_1d(values, "value")
        lab = np.asarray(labels)
        if lab.shape != x.shape:
            raise SpcInputError("subgroup labels and values differ in length")
        _, first, inverse = np.unique(lab, return_index=True, return_inverse=True)
        rank = np.argsort(np.argsort(first, kind="stable"), kind="stable")[inverse.ravel()]
        order = np.argsort(rank, kind="stable")
        sizes = np.bincount(rank).astype(np.int64)
        return cls(x[order], sizes)


@dataclass(frozen=True)
class GroupStats:
    means: NDArray[np.float64]
    ranges: NDArray[np.float64]
    sds: NDArray[np.float64]  # NaN for subgroups of one


def group_stats(sg: Subgroups) -> GroupStats:
    """Subgroup means, ranges and standard deviations (n - 1 divisor), vectorised."""
    n = sg.equal_size
    if n is not None:
        mat = sg.values.reshape(sg.count, n)
        means = mat.mean(axis=1)
        ranges = mat.max(axis=1) - mat.min(axis=1)
        sds = mat.std(axis=1, ddof=1) if n > 1 else np.full(sg.count, np.nan)
        return GroupStats(means, ranges, sds)
    starts = sg.starts
    means = np.add.reduceat(sg.values, starts) / sg.sizes
    ranges = np.maximum.reduceat(sg.values, starts) - np.minimum.reduceat(sg.values, starts)
    dev = sg.values - np.repeat(means, sg.sizes)
    ss = np.add.reduceat(dev * dev, starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        sds = np.where(sg.sizes > 1, np.sqrt(ss / (sg.sizes - 1)), np.nan)
    return GroupStats(means, ranges, sds)


# --------------------------------------------------------------------------------------------
# Sigma estimators (qcc sd.xbar / sd.xbar.one methods)
# --------------------------------------------------------------------------------------------


def sigma_rbar(sg: Subgroups, stats: GroupStats | None = None) -> float:
    """qcc "UWAVE-R": ``sum(R_i / d2(n_i)) / m`` (= R-bar/d2 for equal sizes)."""
    _require_subgroups(sg, max_size=K.MAX_RANGE_SUBGROUP, what="R-bar/d2")
    st = stats or group_stats(sg)
    return float(np.mean(st.ranges / K.d2_array(sg.sizes)))


def sigma_sbar(sg: Subgroups, stats: GroupStats | None = None) -> float:
    """qcc "UWAVE-SD": ``sum(S_i / c4(n_i)) / m`` (= S-bar/c4 for equal sizes)."""
    _require_subgroups(sg, max_size=None, what="S-bar/c4")
    st = stats or group_stats(sg)
    return float(np.mean(st.sds / K.c4(sg.sizes)))


def sigma_pooled(sg: Subgroups, stats: GroupStats | None = None) -> float:
    """qcc "RMSDF" (Minitab pooled SD): ``sqrt(sum((n_i-1) S_i^2) / sum(n_i-1)) / c4(df + 1)``."""
    _require_subgroups(sg, max_size=None, what="pooled standard deviation")
    st = stats or group_stats(sg)
    w = sg.sizes - 1
    df = int(w.sum())
    return float(math.sqrt(float(np.sum(w * st.sds**2)) / df) / K.c4(df + 1))


def sigma_mr(x: NDArray[np.float64]) -> float:
    """qcc "MR" for individuals: average moving range of span 2 divided by d2(2)."""
    if x.size < 2:
        raise SpcInputError("moving-range sigma needs at least 2 observations")
    return float(np.mean(np.abs(np.diff(x))) / K.d2(2))


def sigma_overall(x: NDArray[np.float64]) -> float:
    """Sample standard deviation of all observations (n - 1 divisor)."""
    return float(np.std(x, ddof=1))


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartResult:
    """One control chart.

    ``center``, ``lcl``, ``ucl``, ``sigma`` and ``se`` are floats, or arrays with one value per
    point when they vary (variable sample sizes, EWMA).  ``sigma`` is the process standard
    deviation as qcc reports it (``std.dev``); ``se`` is the standard error of the plotted
    statistic, the width of one zone for the run rules.
    """

    chart: str
    points: NDArray[np.float64]
    center: Number
    lcl: Number
    ucl: Number
    sigma: Number
    se: Number
    sizes: NDArray[np.int64] | NDArray[np.float64]
    violations: Violations
    secondary: ChartResult | None = None
    lower: NDArray[np.float64] | None = (
        None  # CUSUM: lower cumulative sum, negative as in qcc's plot
    )
    params: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in the CLI's schema (lists for per-point values)."""
        out: dict[str, Any] = {
            "chart": self.chart,
            "center": _jsonable(self.center),
            "lcl": _jsonable(self.lcl),
            "ucl": _jsonable(self.ucl),
            "sigma": _jsonable(self.sigma),
            "points": self.points.tolist(),
            "violations": self.violations.to_list(),
            "secondary": None,
        }
        if self.secondary is not None:
            sec = self.secondary
            out["secondary"] = {
                "chart": sec.chart,
                "center": _jsonable(sec.center),
                "lcl": _jsonable(sec.lcl),
                "ucl": _jsonable(sec.ucl),
                "points": sec.points.tolist(),
            }
        if self.lower is not None:
            out["lower_points"] = self.lower.tolist()
        if self.params:
            out["params"] = dict(self.params)
        return out


def _jsonable(v: Number) -> float | list[float]:
    if isinstance(v, np.ndarray):
        return v.tolist()
    return float(v)


def _collapse(v: NDArray[np.float64]) -> Number:
    """A per-point array that is constant becomes a float (qcc prints one limit then)."""
    if v.size and bool(np.all(v == v[0])):
        return float(v[0])
    return v


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _finite_1d(values: Sequence[float] | NDArray[np.float64], what: str) -> NDArray[np.float64]:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        x = x.ravel()
    bad = ~np.isfinite(x)
    if bad.any():
        raise SpcInputError(f"{what} {int(np.argmax(bad)) + 1} is not a finite number")
    return x


def _require_points(count: int, chart: str) -> None:
    if count < MIN_POINTS:
        raise SpcInputError(
            f"too few points for a {chart} chart: {count} (at least {MIN_POINTS} needed)"
        )


def _require_subgroups(sg: Subgroups, max_size: int | None, what: str) -> None:
    small = np.flatnonzero(sg.sizes < 2)
    if small.size:
        i = int(small[0])
        raise SpcInputError(
            f"{what} needs subgroups of at least 2 observations; "
            f"subgroup {i + 1} has {int(sg.sizes[i])}"
        )
    if max_size is not None:
        big = np.flatnonzero(sg.sizes > max_size)
        if big.size:
            i = int(big[0])
            raise SpcInputError(
                f"{what} supports subgroup sizes up to {max_size}; subgroup {i + 1} has "
                f"{int(sg.sizes[i])} (use the S chart)"
            )


def _require_spread(sigma: float, what: str = "data") -> None:
    if not sigma > 0 or not math.isfinite(sigma):
        raise SpcInputError(
            f"constant series: the {what} show no variation, so sigma is 0 and limits are undefined"
        )


def _check_params(nsigmas: float, sigma: float | None) -> None:
    if not nsigmas > 0:
        raise SpcInputError(f"nsigmas must be positive, got {nsigmas}")
    if sigma is not None and not sigma > 0:
        raise SpcInputError(f"sigma must be positive, got {sigma}")


def _as_subgroups(data: Subgroups | Sequence[Sequence[float]] | NDArray[np.float64]) -> Subgroups:
    return data if isinstance(data, Subgroups) else Subgroups.from_matrix(data)


def _secondary_violations(
    rules: str, points: NDArray[np.float64], lcl: Number, ucl: Number
) -> Violations:
    # Dispersion charts get the beyond-limits test only (Minitab's default for R/S/MR charts).
    if rules == "none":
        return Violations.empty()
    return beyond_limits(points, lcl, ucl)


# --------------------------------------------------------------------------------------------
# Variables charts
# --------------------------------------------------------------------------------------------


def _xbar_primary(
    chart: str,
    sg: Subgroups,
    st: GroupStats,
    center: float | None,
    sigma: float,
    nsigmas: float,
    rules: str,
    secondary: ChartResult,
) -> ChartResult:
    cl = float(np.sum(sg.sizes * st.means) / np.sum(sg.sizes)) if center is None else center
    se = _collapse(sigma / np.sqrt(sg.sizes.astype(np.float64)))
    lcl, ucl = cl - nsigmas * se, cl + nsigmas * se
    viol = evaluate(rules, st.means, cl, se, lcl, ucl, nsigmas)
    return ChartResult(chart, st.means, cl, lcl, ucl, sigma, se, sg.sizes, viol, secondary)


def xbar_r(
    data: Subgroups | Sequence[Sequence[float]] | NDArray[np.float64],
    *,
    center: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
    d3_source: K.D3Source = "qcc",
) -> ChartResult:
    """X-bar chart with its R chart as ``secondary`` (qcc types "xbar" and "R").

    sigma = R-bar/d2 (qcc "UWAVE-R"); R limits use qcc's d3 table unless ``d3_source="exact"``.
    """
    sg = _as_subgroups(data)
    _check_params(nsigmas, sigma)
    _require_points(sg.count, "X-bar/R")
    _require_subgroups(sg, K.MAX_RANGE_SUBGROUP, "an X-bar/R chart")
    st = group_stats(sg)
    s_hat = sigma_rbar(sg, st) if sigma is None else sigma
    _require_spread(s_hat)
    d3 = K.d3_array(sg.sizes, d3_source)
    if sigma is None:
        r_center: Number = float(np.sum(sg.sizes * st.ranges) / np.sum(sg.sizes))
        r_se = _collapse(d3 * s_hat)
        r_lcl, r_ucl = np.maximum(0.0, r_center - nsigmas * r_se), r_center + nsigmas * r_se
    else:
        d2 = K.d2_array(sg.sizes)
        r_center = _collapse(d2 * sigma)
        r_se = _collapse(d3 * sigma)
        r_lcl = np.maximum(0.0, r_center - nsigmas * r_se)
        r_ucl = r_center + nsigmas * r_se
    r_lcl, r_ucl = _scalar_or(r_lcl), _scalar_or(r_ucl)
    r_chart = ChartResult(
        "R", st.ranges, r_center, r_lcl, r_ucl, s_hat, r_se, sg.sizes,
        _secondary_violations(rules, st.ranges, r_lcl, r_ucl),
    )  # fmt: skip
    return _xbar_primary("xbar-r", sg, st, center, s_hat, nsigmas, rules, r_chart)


def xbar_s(
    data: Subgroups | Sequence[Sequence[float]] | NDArray[np.float64],
    *,
    center: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
) -> ChartResult:
    """X-bar chart with its S chart as ``secondary`` (qcc "xbar" with std.dev "UWAVE-SD", "S")."""
    sg = _as_subgroups(data)
    _check_params(nsigmas, sigma)
    _require_points(sg.count, "X-bar/S")
    _require_subgroups(sg, None, "an X-bar/S chart")
    st = group_stats(sg)
    s_hat = sigma_sbar(sg, st) if sigma is None else sigma
    _require_spread(s_hat)
    c4 = np.asarray(K.c4(sg.sizes))
    spread = np.sqrt(1.0 - c4 * c4)
    s_se = _collapse(s_hat * spread)
    if sigma is None:
        s_center: Number = float(np.sum(sg.sizes * st.sds) / np.sum(sg.sizes))
    else:
        s_center = _collapse(c4 * sigma)
    s_lcl = _scalar_or(np.maximum(0.0, s_center - nsigmas * s_se))
    s_ucl = _scalar_or(s_center + nsigmas * s_se)
    s_chart = ChartResult(
        "S", st.sds, s_center, s_lcl, s_ucl, s_hat, s_se, sg.sizes,
        _secondary_violations(rules, st.sds, s_lcl, s_ucl),
    )  # fmt: skip
    return _xbar_primary("xbar-s", sg, st, center, s_hat, nsigmas, rules, s_chart)


def imr(
    values: Sequence[float] | NDArray[np.float64],
    *,
    center: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
    d3_source: K.D3Source = "qcc",
) -> ChartResult:
    """Individuals chart with its moving-range chart as ``secondary`` (qcc "xbar.one").

    ``secondary.points[j]`` is the moving range between observations ``j`` and ``j + 1``.
    """
    x = _finite_1d(values, "value")
    _check_params(nsigmas, sigma)
    _require_points(x.size, "I-MR")
    mr = np.abs(np.diff(x))
    s_hat = float(np.mean(mr) / K.d2(2)) if sigma is None else sigma
    _require_spread(s_hat)
    cl = float(np.mean(x)) if center is None else center
    lcl, ucl = cl - nsigmas * s_hat, cl + nsigmas * s_hat
    d3 = K.d3_for(2, d3_source)
    mr_center = float(np.mean(mr)) if sigma is None else K.d2(2) * sigma
    mr_se = d3 * s_hat
    mr_lcl, mr_ucl = max(0.0, mr_center - nsigmas * mr_se), mr_center + nsigmas * mr_se
    ones = np.ones(x.size, dtype=np.int64)
    mr_chart = ChartResult(
        "MR", mr, mr_center, mr_lcl, mr_ucl, s_hat, mr_se, ones[1:] * 2,
        _secondary_violations(rules, mr, mr_lcl, mr_ucl),
    )  # fmt: skip
    viol = evaluate(rules, x, cl, s_hat, lcl, ucl, nsigmas)
    return ChartResult("imr", x, cl, lcl, ucl, s_hat, s_hat, ones, viol, mr_chart)


def _scalar_or(v: Number) -> Number:
    if isinstance(v, np.ndarray):
        return float(v) if v.ndim == 0 else _collapse(v)
    return float(v)


# --------------------------------------------------------------------------------------------
# Attributes charts
# --------------------------------------------------------------------------------------------


def _counts(counts: Sequence[float] | NDArray[np.float64], what: str) -> NDArray[np.float64]:
    c = _finite_1d(counts, what)
    neg = np.flatnonzero(c < 0)
    if neg.size:
        raise SpcInputError(f"{what} {int(neg[0]) + 1} is negative")
    return c


def _sizes(
    sizes: Sequence[float] | NDArray[np.float64] | float | None, n: int
) -> NDArray[np.float64]:
    if sizes is None:
        return np.ones(n)
    s = np.asarray(sizes, dtype=np.float64)
    s = np.full(n, float(s)) if s.ndim == 0 else _finite_1d(s, "size")
    if s.size != n:
        raise SpcInputError(f"{s.size} sizes given for {n} samples")
    bad = np.flatnonzero(s <= 0)
    if bad.size:
        raise SpcInputError(f"size {int(bad[0]) + 1} is not positive")
    return s


def _proportion(d: NDArray[np.float64], n: NDArray[np.float64], center: float | None) -> float:
    over = np.flatnonzero(d > n)
    if over.size:
        i = int(over[0])
        raise SpcInputError(
            f"sample {i + 1} has more defectives ({d[i]:g}) than its size ({n[i]:g})"
        )
    p = float(np.sum(d) / np.sum(n)) if center is None else center
    if not 0.0 < p < 1.0:
        raise SpcInputError(
            f"constant series: proportion defective is {p:g}, so sigma is 0 and limits are "
            "undefined"
        )
    return p


def p_chart(
    defectives: Sequence[float] | NDArray[np.float64],
    sizes: Sequence[float] | NDArray[np.float64] | float,
    *,
    center: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
) -> ChartResult:
    """Proportion defective (qcc "p"); limits per point when sample sizes vary."""
    _check_params(nsigmas, None)
    d = _counts(defectives, "defectives")
    n = _sizes(sizes, d.size)
    _require_points(d.size, "p")
    p = _proportion(d, n, center)
    sd = math.sqrt(p * (1.0 - p))
    se = _collapse(sd / np.sqrt(n))
    lcl = _scalar_or(np.maximum(0.0, p - nsigmas * se))
    ucl = _scalar_or(np.minimum(1.0, p + nsigmas * se))
    pts = d / n
    viol = evaluate(rules, pts, p, se, lcl, ucl, nsigmas)
    return ChartResult("p", pts, p, lcl, ucl, sd, se, n, viol)


def np_chart(
    defectives: Sequence[float] | NDArray[np.float64],
    sizes: Sequence[float] | NDArray[np.float64] | float,
    *,
    center: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
) -> ChartResult:
    """Number defective (qcc "np"); ``center`` is the known proportion p when given."""
    _check_params(nsigmas, None)
    d = _counts(defectives, "defectives")
    n = _sizes(sizes, d.size)
    _require_points(d.size, "np")
    p = _proportion(d, n, center)
    cl = _collapse(n * p)
    se = _collapse(np.sqrt(n * p * (1.0 - p)))
    lcl = _scalar_or(np.maximum(0.0, cl - nsigmas * se))
    ucl = _scalar_or(np.minimum(n, cl + nsigmas * se))
    viol = evaluate(rules, d, cl, se, lcl, ucl, nsigmas)
    return ChartResult("np", d, cl, lcl, ucl, se, se, n, viol, params={"p": p})


def c_chart(
    defects: Sequence[float] | NDArray[np.float64],
    sizes: Sequence[float] | NDArray[np.float64] | float | None = None,
    *,
    center: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
) -> ChartResult:
    """Count of defects per inspection unit of constant size (qcc "c")."""
    _check_params(nsigmas, None)
    c = _counts(defects, "defects")
    n = _sizes(sizes, c.size)
    _require_points(c.size, "c")
    if not bool(np.all(n == n[0])):
        raise SpcInputError("all sizes must be equal for a c chart (use the u chart)")
    cl = float(np.mean(c)) if center is None else center
    if not cl > 0:
        raise SpcInputError("constant series: no defects at all, so sigma is 0 for a c chart")
    sd = math.sqrt(cl)
    lcl, ucl = max(0.0, cl - nsigmas * sd), cl + nsigmas * sd
    viol = evaluate(rules, c, cl, sd, lcl, ucl, nsigmas)
    return ChartResult("c", c, cl, lcl, ucl, sd, sd, n, viol)


def u_chart(
    defects: Sequence[float] | NDArray[np.float64],
    sizes: Sequence[float] | NDArray[np.float64] | float,
    *,
    center: float | None = None,
    nsigmas: float = 3.0,
    rules: str = "nelson",
) -> ChartResult:
    """Defects per unit (qcc "u"); limits per point when sizes vary."""
    _check_params(nsigmas, None)
    c = _counts(defects, "defects")
    n = _sizes(sizes, c.size)
    _require_points(c.size, "u")
    u = float(np.sum(c) / np.sum(n)) if center is None else center
    if not u > 0:
        raise SpcInputError("constant series: no defects at all, so sigma is 0 for a u chart")
    sd = math.sqrt(u)
    se = _collapse(np.sqrt(u / n))
    lcl = _scalar_or(np.maximum(0.0, u - nsigmas * se))
    ucl = _scalar_or(u + nsigmas * se)
    pts = c / n
    viol = evaluate(rules, pts, u, se, lcl, ucl, nsigmas)
    return ChartResult("u", pts, u, lcl, ucl, sd, se, n, viol)


# --------------------------------------------------------------------------------------------
# Time-weighted charts
# --------------------------------------------------------------------------------------------


def _statistics_for_timeweighted(
    data: Subgroups | Sequence[float] | NDArray[np.float64], sigma: float | None
) -> tuple[NDArray[np.float64], NDArray[np.int64], float, float]:
    """Group statistics, sizes, center and sigma exactly as qcc's ewma()/cusum() derive them."""
    if isinstance(data, Subgroups):
        sg = data
    else:
        arr = np.asarray(data, dtype=np.float64)
        sg = (
            Subgroups.from_matrix(arr)
            if arr.ndim == 2
            else Subgroups(_finite_1d(arr, "value"), np.ones(arr.size, np.int64))
        )
    _require_points(sg.count, "time-weighted")
    if bool(np.all(sg.sizes == 1)):
        x = sg.values
        s_hat = sigma_mr(x) if sigma is None else sigma
        stats, center = x, float(np.mean(x))
    else:
        st = group_stats(sg)
        if sigma is not None:
            s_hat = sigma
        elif bool(np.any(sg.sizes > K.MAX_RANGE_SUBGROUP)):
            s_hat = sigma_pooled(sg, st)  # qcc switches to "RMSDF" above 25
        else:
            s_hat = sigma_rbar(sg, st)
        stats = st.means
        center = float(np.sum(sg.sizes * st.means) / np.sum(sg.sizes))
    _require_spread(s_hat)
    return stats, sg.sizes, center, s_hat


def ewma(
    data: Subgroups | Sequence[float] | NDArray[np.float64],
    *,
    lambda_: float = 0.2,
    nsigmas: float = 3.0,
    center: float | None = None,
    sigma: float | None = None,
    rules: str = "nelson",
) -> ChartResult:
    """EWMA chart (qcc ``ewma``; defaults lambda 0.2, nsigmas 3).

    Points are the smoothed values; limits vary per point.  Signals (EWMA beyond its limits)
    are reported as rule 1; run rules do not apply to the autocorrelated EWMA statistic.
    """
    from scipy.signal import lfilter

    if not 0.0 < lambda_ <= 1.0:
        raise SpcInputError(f"lambda must be in (0, 1], got {lambda_}")
    _check_params(nsigmas, sigma)
    stats, sizes, c_hat, s_hat = _statistics_for_timeweighted(data, sigma)
    cl = c_hat if center is None else center
    keep = 1.0 - lambda_
    # z_t = lambda x_t + (1 - lambda) z_(t-1) with z_0 = center, as a first-order IIR filter.
    z = lfilter([lambda_], [1.0, -keep], stats, zi=[keep * cl])[0]
    t = np.arange(1, stats.size + 1, dtype=np.float64)
    se = s_hat / np.sqrt(sizes) * np.sqrt(lambda_ / (2.0 - lambda_) * (1.0 - keep ** (2.0 * t)))
    lcl, ucl = cl - nsigmas * se, cl + nsigmas * se
    viol = Violations.empty() if rules == "none" else beyond_limits(z, lcl, ucl)
    return ChartResult(
        "ewma", z, cl, lcl, ucl, s_hat, se, sizes, viol,
        params={"lambda": lambda_, "nsigmas": nsigmas},
    )  # fmt: skip


def _lindley(steps: NDArray[np.float64]) -> NDArray[np.float64]:
    """``S_t = max(0, S_(t-1) + y_t)``, ``S_0 = 0``, without a loop: ``C_t - min(0, min C_j)``."""
    csum = np.cumsum(steps)
    floor = np.minimum.accumulate(csum)
    np.minimum(floor, 0.0, out=floor)
    out = csum - floor
    # Cancellation can leave -1e-16 where the exact value is 0.
    np.maximum(out, 0.0, out=out)
    return out


def cusum(
    data: Subgroups | Sequence[float] | NDArray[np.float64],
    *,
    decision_interval: float = 5.0,
    se_shift: float = 1.0,
    center: float | None = None,
    sigma: float | None = None,
    rules: str = "nelson",
) -> ChartResult:
    """Tabular CUSUM in standard-error units (qcc ``cusum``; defaults h = 5, se.shift = 1).

    ``k = se_shift / 2``.  ``points`` is the upper sum C+, ``lower`` the lower sum as a negative
    number (qcc's ``neg``); ``lcl``/``ucl`` are ``-h``/``h``.  A point where C+ > h or
    C- > h is reported once as rule 1.
    """
    if not decision_interval > 0:
        raise SpcInputError(f"decision interval must be positive, got {decision_interval}")
    if not se_shift >= 0:
        raise SpcInputError(f"shift must not be negative, got {se_shift}")
    _check_params(1.0, sigma)
    stats, sizes, c_hat, s_hat = _statistics_for_timeweighted(data, sigma)
    cl = c_hat if center is None else center
    z = (stats - cl) / (s_hat / np.sqrt(sizes))
    k = se_shift / 2.0
    upper = _lindley(z - k)
    lower = 0.0 - _lindley(-z - k)  # "0.0 -" turns -0.0 into 0.0 for clean output
    h = float(decision_interval)
    if rules == "none":
        viol = Violations.empty()
    else:
        viol = Violations.from_flags({1: (upper > h) | (lower < -h)})
    return ChartResult(
        "cusum", upper, 0.0, -h, h, s_hat, 1.0, sizes, viol, lower=lower,
        params={"target": cl, "decision_interval": h, "se_shift": se_shift, "k": k},
    )  # fmt: skip


CHARTS: tuple[str, ...] = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum")
