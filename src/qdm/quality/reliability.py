"""Field reliability: the 2-parameter Weibull with right censoring (pure numpy/scipy, no Django).

The conventions are those of the Python package ``reliability`` (Matthew Reid, 0.9), so its
``Fit_Weibull_2P`` is the reference the tests compare against:

* ``F(t) = 1 - exp(-(t/eta)^beta)``; ``eta`` is the scale (``alpha`` there), ``beta`` the shape.
* **MLE** maximises ``sum_f log f(t) + sum_c log R(t)`` exactly: the profile equation in
  ``beta`` is solved by a bracketed root finder to machine precision (``reliability`` reaches
  the same optimum with a numerical optimiser).
* **Rank regression** ("rr") is rank regression on X (RRX: ``ln t`` regressed on
  ``ln(-ln(1-F))``) through Benard's median ranks ``(r - 0.3)/(n + 0.4)`` of Johnson's
  adjusted ranks for the censored units: ``r_k = r_{k-1} + (n + 1 - r_{k-1})/(1 + R_k)`` with
  ``R_k`` the reverse rank of the k-th failure — vectorised as
  ``n + 1 - r_k = (n + 1) * prod_{j<=k} R_j/(1 + R_j)``.
* **Confidence bounds** (Fisher matrix) for either method: the inverse of the Hessian of the
  negative log-likelihood at the estimates (analytic here) gives the standard errors; the
  bounds are ``p * exp(+-z * SE/p)`` (log-normal approximation), 95 % by default.
* Ties between a failure and a censored unit sort the failure first.

Times may be in any unit (hours, days, months in the field); B-lives and forecasts come back
in the same unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

METHODS = ("mle", "rr")


class ReliabilityInputError(ValueError):
    """The data cannot be fitted; the message names the problem (one line)."""


@dataclass(frozen=True)
class WeibullFit:
    """A fitted 2-parameter Weibull with its Fisher-matrix bounds."""

    method: str
    beta: float
    eta: float
    beta_se: float
    eta_se: float
    cov_eta_beta: float
    beta_ci: tuple[float, float]
    eta_ci: tuple[float, float]
    confidence: float
    n_failures: int
    n_censored: int
    loglik: float

    def cdf(self, t: Any) -> NDArray[np.float64]:
        return weibull_cdf(t, self.beta, self.eta)

    def b_life(self, fraction: float = 0.10) -> float:
        """The time by which ``fraction`` of the population has failed (B10 for 0.10)."""
        return b_life(self.beta, self.eta, fraction)

    @property
    def b10(self) -> float:
        return self.b_life(0.10)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "beta": self.beta,
            "eta": self.eta,
            "b10": self.b10,
            "n_failures": self.n_failures,
            "n_censored": self.n_censored,
            "beta_ci": list(self.beta_ci),
            "eta_ci": list(self.eta_ci),
        }


# --------------------------------------------------------------------------------------------
# distribution helpers
# --------------------------------------------------------------------------------------------


def weibull_cdf(t: Any, beta: float, eta: float) -> NDArray[np.float64]:
    t = np.asarray(t, dtype=float)
    return -np.expm1(-np.power(np.maximum(t, 0.0) / eta, beta))


def weibull_sf(t: Any, beta: float, eta: float) -> NDArray[np.float64]:
    t = np.asarray(t, dtype=float)
    return np.exp(-np.power(np.maximum(t, 0.0) / eta, beta))


def b_life(beta: float, eta: float, fraction: float = 0.10) -> float:
    if not 0.0 < fraction < 1.0:
        raise ReliabilityInputError(f"fraction must be between 0 and 1, got {fraction}")
    return float(eta * (-math.log1p(-fraction)) ** (1.0 / beta))


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


def split(times: Any, censored: Any = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate ``times`` and the 0/1 ``censored`` flags (1 = still running) and return the
    failure and the censored times as float arrays."""
    t = np.asarray(times, dtype=float).ravel()
    if censored is None:
        c = np.zeros(t.shape, dtype=bool)
    else:
        raw = np.asarray(censored, dtype=float).ravel()
        if raw.shape != t.shape:
            raise ReliabilityInputError(
                f"{t.size} times but {raw.size} censoring flags: they must pair up"
            )
        if not np.all((raw == 0) | (raw == 1)):
            bad = raw[~((raw == 0) | (raw == 1))][0]
            raise ReliabilityInputError(
                f"censored must be 1 (still running) or 0 (failure), got {bad:g}"
            )
        c = raw == 1
    if not np.all(np.isfinite(t)):
        raise ReliabilityInputError("times must be finite numbers")
    if np.any(t < 0):
        raise ReliabilityInputError(f"negative time {t[t < 0][0]:g}: times must be positive")
    failures, suspended = t[~c], t[c]
    if np.any(failures == 0):
        raise ReliabilityInputError("a failure at time 0: failure times must be positive")
    if failures.size == 0:
        raise ReliabilityInputError("no failures: a Weibull fit needs at least two failures")
    if failures.size < 2:
        raise ReliabilityInputError("only one failure: a Weibull fit needs at least two")
    if np.unique(failures).size < 2:
        raise ReliabilityInputError("all failure times are equal: the shape cannot be estimated")
    return failures, suspended


# --------------------------------------------------------------------------------------------
# plotting positions (Johnson's adjusted ranks, Benard's median ranks)
# --------------------------------------------------------------------------------------------


def plotting_positions(
    failures: Any, censored: Any = (), a: float = 0.3
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The failure times, sorted, and their median-rank estimate of F: ``(r - a)/(n + 1 - 2a)``
    with ``r`` Johnson's adjusted rank (``a = 0.3``: Benard)."""
    f = np.asarray(failures, dtype=float).ravel()
    c = np.asarray(censored, dtype=float).ravel()
    n = f.size + c.size
    times = np.concatenate([f, c])
    is_failure = np.concatenate([np.ones(f.size, bool), np.zeros(c.size, bool)])
    order = np.argsort(times, kind="stable")  # a tie puts the failure (listed first) first
    reverse_rank = (n - np.arange(n))[is_failure[order]].astype(float)
    # n + 1 - r_k = (n + 1) * prod R_j/(1 + R_j), in logs for 10^5 factors
    remaining = (n + 1) * np.exp(np.cumsum(np.log(reverse_rank) - np.log1p(reverse_rank)))
    ranks = (n + 1) - remaining
    return times[order][is_failure[order]], (ranks - a) / (n + 1 - 2 * a)


def probability_plot(
    times: Any, censored: Any = None, fit: WeibullFit | None = None, points: int = 400
) -> dict[str, Any]:
    """Points for a Weibull probability plot (at most ``points`` evenly thinned, always the
    first and last) and, with ``fit``, the fitted line, in plain numbers: x = time,
    y = F in % (plot on log x and ``ln(-ln(1-F))`` y)."""
    failures, suspended = split(times, censored)
    x, y = plotting_positions(failures, suspended)
    if x.size > points:
        keep = np.unique(np.linspace(0, x.size - 1, points).round().astype(int))
        x, y = x[keep], y[keep]
    out: dict[str, Any] = {
        "points": [[float(a), float(b * 100)] for a, b in zip(x, y, strict=True)],
    }
    if fit is not None:
        lo = min(float(x[0]), fit.b_life(0.001)) if x.size else fit.b_life(0.001)
        hi = max(float(x[-1]), fit.b_life(0.999)) if x.size else fit.b_life(0.999)
        grid = np.geomspace(lo, hi, 60)
        out["line"] = [[float(a), float(b * 100)] for a, b in zip(grid, fit.cdf(grid), strict=True)]
    return out


# --------------------------------------------------------------------------------------------
# likelihood, Fisher matrix
# --------------------------------------------------------------------------------------------


def neg_log_likelihood(beta: float, eta: float, failures: Any, censored: Any = ()) -> float:
    """``-(sum_f log f(t) + sum_c log R(t))`` — the ``LL`` of ``reliability``."""
    f = np.asarray(failures, dtype=float)
    c = np.asarray(censored, dtype=float)
    zf = f / eta
    ll = np.sum((beta - 1) * np.log(zf) + math.log(beta / eta) - zf**beta)
    ll -= np.sum((c / eta) ** beta)
    return float(-ll)


def covariance(
    beta: float, eta: float, failures: Any, censored: Any = ()
) -> tuple[float, float, float]:
    """``(var eta, var beta, cov)`` from the inverse of the analytic Hessian of the negative
    log-likelihood at ``(eta, beta)``."""
    f = np.asarray(failures, dtype=float)
    t = np.concatenate([f, np.asarray(censored, dtype=float)])
    r = f.size
    log_z = np.log(t / eta)
    z_b = np.exp(beta * log_z)  # (t/eta)^beta
    s0 = z_b.sum()
    s1 = (z_b * log_z).sum()
    s2 = (z_b * log_z * log_z).sum()
    # negative log-likelihood L = -r ln b + r b ln eta - (b-1) sum_f ln t + sum (t/eta)^b
    h_ee = (-r * beta + beta * (beta + 1) * s0) / eta**2
    h_bb = r / beta**2 + s2
    h_eb = (r - s0 - beta * s1) / eta
    hessian = np.array([[h_ee, h_eb], [h_eb, h_bb]])
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:  # pragma: no cover - singular only for degenerate data
        raise ReliabilityInputError("the Fisher matrix is singular: no confidence bounds") from None
    return float(abs(cov[0, 0])), float(abs(cov[1, 1])), float(cov[0, 1])


# --------------------------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------------------------


def _mle(failures: NDArray[np.float64], censored: NDArray[np.float64]) -> tuple[float, float]:
    """Exact MLE: ``g(beta) = sum t^b ln t / sum t^b - 1/b - mean_f ln t = 0`` (monotone
    increasing in ``beta``), then ``eta = (sum t^b / r)^(1/b)``. Times are scaled by their
    maximum so that ``t^b`` never overflows."""
    t = np.concatenate([failures, censored])
    scale = float(t.max())
    log_t = np.log(t / scale)
    mean_log_f = float(np.log(failures / scale).mean())
    r = failures.size

    def g(b: float) -> float:
        w = np.exp(b * log_t)
        return float((w * log_t).sum() / w.sum() - 1.0 / b - mean_log_f)

    lo, hi = 0.5, 2.0
    while g(lo) > 0:
        lo /= 2.0
        if lo < 1e-6:  # pragma: no cover - degenerate data
            raise ReliabilityInputError("the likelihood has no maximum for these data")
    while g(hi) < 0:
        hi *= 2.0
        if hi > 1e6:  # pragma: no cover - degenerate data
            raise ReliabilityInputError("the likelihood has no maximum for these data")
    beta = optimize.brentq(g, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)
    s0 = float(np.exp(beta * log_t).sum())
    eta = scale * (s0 / r) ** (1.0 / beta)
    return float(beta), float(eta)


def _rank_regression(
    failures: NDArray[np.float64], censored: NDArray[np.float64]
) -> tuple[float, float]:
    """RRX: least squares of ``ln t`` on ``ln(-ln(1 - F))``: ``ln t = y/beta + ln eta``."""
    x, f = plotting_positions(failures, censored)
    ln_t = np.log(x)
    y = np.log(-np.log1p(-f))
    y_mean, t_mean = y.mean(), ln_t.mean()
    dy = y - y_mean
    slope = float((dy * (ln_t - t_mean)).sum() / (dy * dy).sum())
    if slope <= 0:
        raise ReliabilityInputError("rank regression gives a non-positive shape for these data")
    intercept = float(t_mean - slope * y_mean)
    return 1.0 / slope, math.exp(intercept)


def fit_weibull(
    times: Any, censored: Any = None, *, method: str = "mle", confidence: float = 0.95
) -> WeibullFit:
    """Fit a 2-parameter Weibull to ``times`` with the 0/1 ``censored`` flags (1 = a unit
    still running at that age, 0 = a failure)."""
    method = (method or "").lower()
    if method not in METHODS:
        raise ReliabilityInputError(f"unknown method {method!r}: use mle or rr")
    if not 0.0 < confidence < 1.0:
        raise ReliabilityInputError(f"confidence must be between 0 and 1, got {confidence}")
    failures, suspended = split(times, censored)
    if method == "mle":
        beta, eta = _mle(failures, suspended)
    else:
        beta, eta = _rank_regression(failures, suspended)
    var_eta, var_beta, cov = covariance(beta, eta, failures, suspended)
    se_eta, se_beta = math.sqrt(var_eta), math.sqrt(var_beta)
    z = float(-stats.norm.ppf((1 - confidence) / 2))
    return WeibullFit(
        method=method,
        beta=beta,
        eta=eta,
        beta_se=se_beta,
        eta_se=se_eta,
        cov_eta_beta=cov,
        beta_ci=(beta * math.exp(-z * se_beta / beta), beta * math.exp(z * se_beta / beta)),
        eta_ci=(eta * math.exp(-z * se_eta / eta), eta * math.exp(z * se_eta / eta)),
        confidence=confidence,
        n_failures=int(failures.size),
        n_censored=int(suspended.size),
        loglik=-neg_log_likelihood(beta, eta, failures, suspended),
    )


# --------------------------------------------------------------------------------------------
# forecast of returns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortForecast:
    """Expected returns of one cohort per future period (and their cost)."""

    cohort: str
    units: int
    expected: list[float]
    total: float
    cost: float | None = None
    by_period_cost: list[float] = field(default_factory=list)


def forecast_returns(
    beta: float,
    eta: float,
    cohorts: Mapping[str, Any],
    *,
    periods: int = 12,
    period_length: float = 1.0,
    unit_cost: float | None = None,
) -> list[CohortForecast]:
    """Expected returns over the next ``periods`` periods (12 months by default) for each
    cohort, from units still in the field.

    ``cohorts`` maps a cohort label to either the ages of its surviving units (an array) or
    ``(units, age)`` for a cohort whose units share one age. Ages and ``period_length`` are
    in the time unit of the fit. A unit of age ``a`` fails in period ``k`` (``a + (k-1)L`` to
    ``a + kL``) with the conditional probability ``(R(a + (k-1)L) - R(a + kL))/R(a)``.
    """
    if beta <= 0 or eta <= 0:
        raise ReliabilityInputError("beta and eta must be positive")
    if periods < 1 or period_length <= 0:
        raise ReliabilityInputError("periods and period_length must be positive")
    result = []
    steps = np.arange(periods + 1) * period_length
    for label, spec in cohorts.items():
        if isinstance(spec, tuple) and len(spec) == 2:
            count, age = int(spec[0]), float(spec[1])
            ages, weights = np.array([age]), np.array([float(count)])
        else:
            ages = np.asarray(spec, dtype=float).ravel()
            ages, counts = np.unique(ages, return_counts=True)
            weights = counts.astype(float)
        if np.any(ages < 0) or np.any(weights < 0):
            raise ReliabilityInputError(f"cohort {label}: ages and unit counts must be >= 0")
        # log R(a + s) - log R(a) for every age and step: conditional survival
        cond = np.exp(
            -np.power((ages[:, None] + steps[None, :]) / eta, beta)
            + np.power(ages[:, None] / eta, beta)
        )
        per_period = (cond[:, :-1] - cond[:, 1:]) * weights[:, None]
        expected = per_period.sum(axis=0)
        total = float(expected.sum())
        result.append(
            CohortForecast(
                cohort=str(label),
                units=int(weights.sum()),
                expected=[float(v) for v in expected],
                total=total,
                cost=None if unit_cost is None else total * unit_cost,
                by_period_cost=[]
                if unit_cost is None
                else [float(v * unit_cost) for v in expected],
            )
        )
    return result


def fit_cohorts(
    groups: Mapping[str, tuple[Sequence[float], Sequence[int]]], *, method: str = "mle"
) -> dict[str, WeibullFit | str]:
    """Fit each cohort; a cohort that cannot be fitted maps to the reason (a string)."""
    out: dict[str, WeibullFit | str] = {}
    for label, (times, censored) in groups.items():
        try:
            out[label] = fit_weibull(times, censored, method=method)
        except ReliabilityInputError as exc:
            out[label] = str(exc)
    return out
