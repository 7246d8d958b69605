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
levels at once with ``scipy.stats.hypergeom.sf``. The p-values of every tested level, across
all dimensions, are corrected with Benjamini–Hochberg (false discovery rate); a level is
flagged at ``q < alpha``.

A dimension is given either as one value per unit (an array; ``None``, ``""`` and NaN mean
unknown, and such units are left out of that dimension's totals) or, for links where a unit
has several values (a module has two cell lots and a lot of every material), as a pair
``(unit_keys, values)`` of equal length, counted once per distinct unit and level.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats


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


def _known(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return ~np.isnan(values)
    if values.dtype.kind == "O":
        # elementwise in C: None and "" are unknown, and NaN (the one value unequal to itself)
        known = (values != None) & (values != "") & (values == values)  # noqa: E711
        return np.asarray(known, dtype=bool)
    if values.dtype.kind in "US":
        return values != values.dtype.type("")
    return np.ones(values.shape, bool)


def _pairs(spec: Any, name: str, side: str) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """``(unit_keys, level_labels, units_with_a_value, linked)`` for one side of a dimension
    (linked pairs are not yet de-duplicated: see ``_count``)."""
    linked = isinstance(spec, tuple)
    if linked:
        if len(spec) != 2:
            raise CommonalityInputError(f"{name}: give (unit_keys, values) for linked values")
        keys = np.asarray(spec[0]).ravel()
        values = np.asarray(spec[1], dtype=object).ravel()
        if keys.shape != values.shape:
            raise CommonalityInputError(
                f"{name} ({side}): {keys.size} unit keys but {values.size} values"
            )
    else:
        values = np.asarray(spec, dtype=object).ravel()
        keys = np.arange(values.size)
    ok = _known(values)
    keys, values = keys[ok], values[ok].astype(str)
    units = int(np.unique(keys).size) if linked else int(keys.size)
    return keys, values, units, linked


def _count(keys: np.ndarray, values: np.ndarray, levels: np.ndarray, linked: bool) -> np.ndarray:
    """Units per level of the sorted ``levels`` (values of other levels are ignored; a
    linked unit counts once per level). Values are located by binary search in the few
    levels instead of sorting every value."""
    if levels.size == 0 or values.size == 0:
        return np.zeros(levels.size, dtype=np.int64)
    pos = np.clip(np.searchsorted(levels, values), 0, levels.size - 1)
    hit = levels[pos] == values
    pos, keys = pos[hit], keys[hit]
    if linked and pos.size:
        _uk, k_code = np.unique(keys, return_inverse=True)
        pos = np.unique(k_code.astype(np.int64) * levels.size + pos) % levels.size
    return np.bincount(pos, minlength=levels.size).astype(np.int64)


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
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


def fisher_greater(a: Any, n1: Any, b: Any, n2: Any) -> np.ndarray:
    """One-sided Fisher exact p-values for arrays of 2×2 tables ``[[a, n1-a], [b, n2-b]]``
    (alternative: the level is more frequent among the failing units)."""
    a, n1, b, n2 = (np.asarray(x, dtype=np.int64) for x in (a, n1, b, n2))
    return np.clip(stats.hypergeom.sf(a - 1, n1 + n2, a + b, n1), 0.0, 1.0)


def bin_numeric(
    failing: Any, comparison: Any, bins: int = 5, unit: str = ""
) -> tuple[np.ndarray, np.ndarray]:
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

    def label(x: np.ndarray) -> np.ndarray:
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
    rows: list[tuple[str, np.ndarray, np.ndarray, int, np.ndarray, int]] = []
    for name in failing:
        fk, fv, n1, f_linked = _pairs(failing[name], name, "failing")
        ck, cv, n2, c_linked = _pairs(comparison[name], name, "comparison")
        if n1 == 0:
            continue
        levels = np.unique(fv)
        a = _count(fk, fv, levels, f_linked)
        keep = a >= max(1, min_failing)
        levels, a = levels[keep], a[keep]
        b = _count(ck, cv, levels, c_linked)
        rows.append((name, levels, a, n1, b, n2))
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
    p = fisher_greater(a, n1, b, n2)
    log_p = np.log(p, out=np.full(p.size, -np.inf), where=p > 0)
    tiny = p <= 1e-300  # underflow: order these by the log-survival function
    if tiny.any():
        log_p[tiny] = stats.hypergeom.logsf(a[tiny] - 1, (n1 + n2)[tiny], (a + b)[tiny], n1[tiny])
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
