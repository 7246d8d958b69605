"""Commonality analysis: which factor levels are over-represented among failing units (pure).

Given the failing units and a comparison population (disjoint: "the rest of the same
shipment or production window"), for every dimension (cell lot, material lot, supplier, line,
station, shift, day, binned process parameter …) and every level of it, the 2×2 table

    =============  ==================  ==================
                   has the level       does not
    failing        a                   n1 - a
    comparison     b                   n2 - b
    =============  ==================  ==================

is tested with Fisher's exact test, one-sided (the level is *more* frequent among the failing
units): ``p = P(X >= a)`` for ``X ~ Hypergeometric(N = n1 + n2, K = a + b, n = n1)`` — the
same number as ``scipy.stats.fisher_exact(table, alternative="greater")``, computed for all
levels at once in numpy (``fisher_greater``: within ~1e-13 of exact rational arithmetic,
where scipy's per-table Boost routine is within ~1e-11 and costs about a millisecond per
table of 10^5 units). The p-values of every tested level, across all dimensions, are
corrected with Benjamini–Hochberg (false discovery rate); a level is flagged at
``q < alpha``.

A dimension is given either as one value per unit (an array; ``None``, ``""`` and NaN mean
unknown, and such units are left out of that dimension's totals) or, for links where a unit
has several values (a module has two cell lots and a lot of every material), as a pair
``(unit_keys, values)`` of equal length, counted once per distinct unit and level, or as a
triple ``(unit_keys, codes, labels)`` meaning the values ``labels[codes]`` (integer-coded:
the cheap form for 10^6 links to a few thousand lots). Values are integer-coded once
(``pandas.factorize``, a hash table) and counted with ``bincount``; the unknown test and the
conversion to text run once per distinct value.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special


class CommonalityInputError(ValueError):
    """Inputs that cannot be analysed; the message names the problem."""


@dataclass(frozen=True)
class LevelResult:
    dimension: str
    level: str
    failing: int  # a: failing units with this level
    failing_total: int  # n1: failing units with a known value in this dimension
    comparison: int  # b
    comparison_total: int  # n2
    failing_rate: float  # a / n1
    comparison_rate: float  # b / n2
    ratio: float | None  # failing_rate / comparison_rate (None when b = 0)
    p_value: float
    q_value: float
    significant: bool
    rank: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _known(values: NDArray[Any]) -> NDArray[np.bool_]:
    if values.dtype.kind == "f":
        return ~np.isnan(values)
    if values.dtype.kind == "O":
        # elementwise in C: None and "" are unknown, and NaN (the one value unequal to itself)
        known = (values != None) & (values != "") & (values == values)  # noqa: E711
        return np.asarray(known, dtype=bool)
    if values.dtype.kind in "US":
        return values != values.dtype.type("")
    return np.ones(values.shape, bool)


@dataclass(frozen=True)
class _Side:
    """One side of a dimension, integer-coded: unit ``keys`` (linked only) and ``codes`` into
    the sorted distinct labels ``labels`` (only units with a known value are kept)."""

    keys: NDArray[Any] | None
    codes: NDArray[np.int64]
    labels: NDArray[np.str_]
    units: int


def _factorize(
    values: NDArray[Any], labels: NDArray[Any] | None
) -> tuple[NDArray[np.int64], NDArray[np.str_]]:
    """``(codes, sorted distinct labels)`` of the known values (code -1: unknown). Distinct
    raw values are found by hashing (``pandas.factorize``), so the unknown test and the text
    conversion run once per distinct value, not once per unit."""
    raw_codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = np.asarray(uniques)
    if labels is not None:  # (keys, codes, labels): the values are indices into labels
        uniques = np.asarray(labels, dtype=object)[uniques.astype(np.int64)]
    else:
        uniques = uniques.astype(object)
    known = _known(uniques)
    text, inverse = np.unique(uniques[known].astype(str), return_inverse=True)
    remap = np.full(uniques.size + 1, -1, dtype=np.int64)
    remap[np.flatnonzero(known)] = inverse.ravel()
    codes = remap[np.asarray(raw_codes, dtype=np.int64)]  # -1 (missing) maps to remap[-1]
    return codes, text


def _side(spec: Any, name: str, side: str) -> _Side:
    """Integer-code one side of a dimension: an array of one value per unit, a pair
    ``(unit_keys, values)`` or a triple ``(unit_keys, codes, labels)`` (values
    ``labels[codes]``, the cheap form for many units sharing few values)."""
    linked = isinstance(spec, tuple)
    labels = None
    if linked:
        if len(spec) not in (2, 3):
            raise CommonalityInputError(f"{name}: give (unit_keys, values) for linked values")
        keys = np.asarray(spec[0]).ravel()
        values = np.asarray(spec[1]).ravel()
        if len(spec) == 3:
            labels = np.asarray(spec[2], dtype=object).ravel()
            values = values.astype(np.int64)
            if values.size and (values.min() < 0 or values.max() >= labels.size):
                raise CommonalityInputError(
                    f"{name} ({side}): codes must index the {labels.size} labels"
                )
        elif values.dtype.kind not in "fiub":
            values = values.astype(object)
        if keys.shape != values.shape:
            raise CommonalityInputError(
                f"{name} ({side}): {keys.size} unit keys but {values.size} values"
            )
    else:
        values = np.asarray(spec).ravel()
        if values.dtype.kind not in "fiub":
            values = values.astype(object)
    codes, text = _factorize(values, labels)
    ok = codes >= 0
    if not linked:
        return _Side(None, codes[ok], text, int(np.count_nonzero(ok)))
    keys = keys[ok]
    return _Side(keys, codes[ok], text, int(pd.unique(keys).size))


def _count(side: _Side, level_of_code: NDArray[np.int64], n_levels: int) -> NDArray[np.int64]:
    """Units per level: ``level_of_code`` maps the side's codes to the tested levels (-1: not
    tested); a linked unit counts once per level."""
    if n_levels == 0 or side.codes.size == 0:
        return np.zeros(n_levels, dtype=np.int64)
    pos = level_of_code[side.codes]
    hit = pos >= 0
    pos = pos[hit]
    if side.keys is not None and pos.size:
        unit = pd.factorize(side.keys[hit])[0].astype(np.int64)
        pos = pd.unique(unit * n_levels + pos) % n_levels
    return np.bincount(pos, minlength=n_levels).astype(np.int64)


def benjamini_hochberg(p: Sequence[float] | NDArray[np.float64]) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (q-values), same as R's ``p.adjust(p, "BH")``."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


# --- one-sided Fisher exact test, vectorised ------------------------------------------------
# P(X >= a), X ~ Hypergeometric(N, K, n): the probability mass where the tail starts by
# Loader's saddle-point method (as R's dhyper: binomial densities from the Stirling-series
# error and the deviance bd0, accurate to a few ulp where differences of lgamma lose digits),
# times the sum of the term ratios pmf(x±1)/pmf(x), multiplied up with cumprod for all
# tables at once, in blocks until every row has converged.
_LN_2PI = float(np.log(2 * np.pi))
_S = (1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188)


def _stirlerr(n: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(n!) - log(sqrt(2 pi n) (n/e)^n) for integers n >= 0 (Loader 2000)."""
    n = np.asarray(n, dtype=float)
    out = np.zeros(n.shape)
    small = n <= 15
    if small.any():
        m = n[small]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = special.gammaln(m + 1) - (m + 0.5) * np.log(m) + m - 0.5 * _LN_2PI
        out[small] = np.where(m == 0, 0.0, v)  # unused at 0: x = 0 and x = n are separate
    big = ~small
    if big.any():
        m = n[big]
        nn = m * m
        s0, s1, s2, s3, s4 = _S
        out[big] = np.select(
            [m > 500, m > 80, m > 35],
            [
                (s0 - s1 / nn) / m,
                (s0 - (s1 - s2 / nn) / nn) / m,
                (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / m,
            ],
            (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / m,
        )
    return out


def _bd0(x: NDArray[np.float64], mu: NDArray[np.float64]) -> NDArray[np.float64]:
    """Deviance term x log(x/mu) + mu - x without cancellation (Loader 2000)."""
    x, mu = np.broadcast_arrays(np.asarray(x, float), np.asarray(mu, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(x / mu) + mu - x
        near = np.abs(x - mu) < 0.1 * (x + mu)
        if near.any():
            xs, ms = x[near], mu[near]
            v = (xs - ms) / (xs + ms)
            s = (xs - ms) * v
            ej = 2 * xs * v
            v = v * v
            for j in range(1, 40):  # v < 0.01: a term shrinks a hundredfold per step
                ej = ej * v
                s_next = s + ej / (2 * j + 1)
                if np.array_equal(s_next, s):
                    break
                s = s_next
            out[near] = s
    return np.where(x == 0, mu, out)


def _log_dbinom(
    x: NDArray[np.float64], n: NDArray[np.float64], p: NDArray[np.float64], q: NDArray[np.float64]
) -> NDArray[np.float64]:
    """log of the binomial probability of x in n (q = 1 - p), Loader's form (R's dbinom_raw)."""
    x, n, p, q = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, n, p, q)))
    with np.errstate(divide="ignore", invalid="ignore"):
        lc = _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, n * p) - _bd0(n - x, n * q)
        lf = _LN_2PI + np.log(x) + np.log1p(-x / n)
        inner = lc - 0.5 * lf
        at_0 = np.where(p < 0.1, -_bd0(n, n * q) - n * p, n * np.log(q))
        at_n = np.where(q < 0.1, -_bd0(n, n * p) - n * q, n * np.log(p))
    out = np.where(x == 0, at_0, np.where(x == n, at_n, inner))
    out = np.where(n == 0, np.where(x == 0, 0.0, -np.inf), out)
    return np.where((x < 0) | (x > n), -np.inf, out)


def hypergeom_logpmf(x: Any, total: Any, good: Any, draws: Any) -> NDArray[np.float64]:
    """log P(X = x) for X ~ Hypergeometric(total, good, draws), elementwise (R's dhyper)."""
    x, total, good, draws = (np.asarray(v, dtype=float) for v in (x, total, good, draws))
    bad = total - good
    with np.errstate(divide="ignore", invalid="ignore"):
        p = draws / total
        q = (total - draws) / total
        out = (
            _log_dbinom(x, good, p, q)
            + _log_dbinom(draws - x, bad, p, q)
            - _log_dbinom(draws, total, p, q)
        )
    out = np.where(draws == 0, np.where(x == 0, 0.0, -np.inf), out)
    out = np.where(draws == total, np.where(x == good, 0.0, -np.inf), out)
    impossible = (x < 0) | (x > good) | (x > draws) | (draws - x > bad)
    return np.where(impossible, -np.inf, out)


def _ratio_sums(
    first: NDArray[np.int64],
    total: NDArray[np.int64],
    good: NDArray[np.int64],
    draws: NDArray[np.int64],
    step: int,
) -> NDArray[np.float64]:
    """sum_j pmf(first + step*j) / pmf(first) over the support (step +1: upper tail, -1:
    lower tail), the ratios pmf(x ± 1)/pmf(x) multiplied up in blocks; a row stops once the
    rest of its (falling) terms is below 1e-17 of its sum."""
    x0 = first.astype(float)
    k_, n_, m_ = good.astype(float), draws.astype(float), total.astype(float)
    sums = np.ones(x0.size)
    last = np.ones(x0.size)
    active = np.arange(x0.size)
    offset, width = 0, 64
    while active.size:
        j = offset + np.arange(width, dtype=float)
        x = x0[active, None] + step * j[None, :]  # term x gives the next one
        kk, nn, mm = k_[active, None], n_[active, None], m_[active, None]
        if step > 0:
            num = (kk - x) * (nn - x)
            den = (x + 1) * (mm - kk - nn + x + 1)
        else:
            num = x * (mm - kk - nn + x)
            den = (kk - x + 1) * (nn - x + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where((num > 0) & (den > 0), num / den, 0.0)
        terms = last[active, None] * np.cumprod(ratio, axis=1)
        sums[active] += terms.sum(axis=1)
        last[active] = terms[:, -1]
        r_next = ratio[:, -1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            rest = np.where(r_next < 1, terms[:, -1] * r_next / (1 - r_next), np.inf)
        done = (terms[:, -1] == 0) | (rest <= 1e-17 * sums[active])
        active = active[~done]
        offset += width
        width = min(width * 2, 4096)
    return sums


def fisher_greater_log(
    a: Any, n1: Any, b: Any, n2: Any
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(p, log p)`` of the one-sided Fisher exact test for arrays of 2×2 tables
    ``[[a, n1-a], [b, n2-b]]`` (alternative: the level is more frequent among the failing
    units), i.e. ``P(X >= a)`` for ``X ~ Hypergeometric(n1 + n2, a + b, n1)``; ``log p``
    stays finite where ``p`` underflows, so tiny p-values still order."""
    a, n1, b, n2 = np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (a, n1, b, n2)))
    shape = a.shape
    a, n1, b, n2 = (np.atleast_1d(x).ravel() for x in (a, n1, b, n2))
    total, good, draws = n1 + n2, a + b, n1
    lo = np.maximum(0, draws - (total - good))
    mean = draws * good / np.maximum(total, 1)
    p = np.ones(a.shape)
    log_p = np.zeros(a.shape)
    upper = (a > lo) & (a > mean)  # above the mean: the tail summed upwards from a
    lower = (a > lo) & ~upper  # at or below it: 1 - P(X <= a - 1), summed downwards
    if upper.any():
        i = np.flatnonzero(upper)
        lp = hypergeom_logpmf(a[i], total[i], good[i], draws[i])
        s = _ratio_sums(a[i], total[i], good[i], draws[i], +1)
        p[i] = np.exp(lp) * s
        log_p[i] = lp + np.log(s)
    if lower.any():
        i = np.flatnonzero(lower)
        first = a[i] - 1
        lp = hypergeom_logpmf(first, total[i], good[i], draws[i])
        s = _ratio_sums(first, total[i], good[i], draws[i], -1)
        p[i] = 1.0 - np.exp(lp) * s
        log_p[i] = np.log(np.clip(p[i], 1e-300, None))
    return np.clip(p, 0.0, 1.0).reshape(shape), log_p.reshape(shape)


def fisher_greater(a: Any, n1: Any, b: Any, n2: Any) -> NDArray[np.float64]:
    """One-sided Fisher exact p-values for arrays of 2×2 tables ``[[a, n1-a], [b, n2-b]]``
    (alternative: the level is more frequent among the failing units), the same numbers as
    ``scipy.stats.fisher_exact(table, alternative="greater")`` (to ~1e-13 relative)."""
    return fisher_greater_log(a, n1, b, n2)[0]


def bin_numeric(
    failing: Any, comparison: Any, bins: int = 5, unit: str = ""
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Labels of quantile bins (edges from both sides together) for a process parameter,
    e.g. ``"148.2–151.0 °C"``; NaN stays unknown (``None``)."""
    f = np.asarray(failing, dtype=float)
    c = np.asarray(comparison, dtype=float)
    both = np.concatenate([f, c])
    both = both[~np.isnan(both)]
    if both.size == 0:
        return np.full(f.shape, None, object), np.full(c.shape, None, object)
    edges = np.unique(np.quantile(both, np.linspace(0, 1, bins + 1)))
    suffix = f" {unit}" if unit else ""
    labels = [f"{lo:.4g}–{hi:.4g}{suffix}" for lo, hi in itertools.pairwise(edges)]
    labels = labels or [f"{edges[0]:.4g}{suffix}"]

    def label(x: NDArray[np.float64]) -> NDArray[np.object_]:
        idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(labels) - 1)
        out = np.asarray(labels, dtype=object)[idx]
        out[np.isnan(x)] = None
        return out

    return label(f), label(c)


def rank_levels(
    failing: Mapping[str, Any],
    comparison: Mapping[str, Any],
    *,
    alpha: float = 0.05,
    min_failing: int = 2,
) -> list[LevelResult]:
    """Every level seen at least ``min_failing`` times among the failing units, tested and
    ranked: significant first, then by p-value (log scale, so tiny values still order), then
    by ratio."""
    if set(failing) != set(comparison):
        missing = sorted(set(failing) ^ set(comparison))
        raise CommonalityInputError(f"dimensions differ between the two sides: {missing}")
    if not 0 < alpha < 1:
        raise CommonalityInputError(f"alpha must be between 0 and 1, got {alpha}")
    rows: list[tuple[str, NDArray[np.str_], NDArray[np.int64], int, NDArray[np.int64], int]] = []
    for name in failing:
        fail = _side(failing[name], name, "failing")
        comp = _side(comparison[name], name, "comparison")
        if fail.units == 0:
            continue
        a = _count(fail, np.arange(fail.labels.size), fail.labels.size)
        keep = np.flatnonzero(a >= max(1, min_failing))
        levels, a = fail.labels[keep], a[keep]
        # the comparison's labels located among the tested levels (both sorted and few)
        if levels.size:
            pos = np.clip(np.searchsorted(levels, comp.labels), 0, levels.size - 1)
            level_of_code = np.where(levels[pos] == comp.labels, pos, -1)
        else:
            level_of_code = np.full(comp.labels.size, -1)
        b = _count(comp, level_of_code, levels.size)
        rows.append((name, levels, a, fail.units, b, comp.units))
    if not rows:
        return []
    dims = np.concatenate([np.full(r[1].size, r[0], dtype=object) for r in rows])
    levels = np.concatenate([r[1] for r in rows])
    a = np.concatenate([r[2] for r in rows]).astype(np.int64)
    n1 = np.concatenate([np.full(r[1].size, r[3]) for r in rows]).astype(np.int64)
    b = np.concatenate([r[4] for r in rows]).astype(np.int64)
    n2 = np.concatenate([np.full(r[1].size, r[5]) for r in rows]).astype(np.int64)
    if a.size == 0:
        return []
    p, log_tail = fisher_greater_log(a, n1, b, n2)
    log_p = np.log(p, out=np.full(p.size, -np.inf), where=p > 0)
    tiny = p <= 1e-300  # underflow: order these by the log of the tail
    log_p[tiny] = log_tail[tiny]
    q = benjamini_hochberg(p)
    f_rate = a / n1
    c_rate = np.divide(b, n2, out=np.zeros(b.size), where=n2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(c_rate > 0, f_rate / np.where(c_rate > 0, c_rate, 1), np.inf)
    significant = q < alpha
    order = np.lexsort(
        (levels.astype(str), -np.nan_to_num(ratio, posinf=1e300), log_p, ~significant)
    )
    out = []
    for rank, i in enumerate(order.tolist(), start=1):
        out.append(
            LevelResult(
                dimension=str(dims[i]),
                level=str(levels[i]),
                failing=int(a[i]),
                failing_total=int(n1[i]),
                comparison=int(b[i]),
                comparison_total=int(n2[i]),
                failing_rate=float(f_rate[i]),
                comparison_rate=float(c_rate[i]),
                ratio=None if not np.isfinite(ratio[i]) else float(ratio[i]),
                p_value=float(p[i]),
                q_value=float(q[i]),
                significant=bool(significant[i]),
                rank=rank,
            )
        )
    return out
