"""Run rules (Nelson with Minitab's parameters, Western Electric), vectorised with numpy.

Nelson rules (L. S. Nelson, "The Shewhart control chart -- tests for special causes",
*J. Quality Technology* 16(4), 1984; parameters as in Minitab's "Tests for special causes"):

1. one point more than 3 sigma from the center line (beyond the control limits);
2. nine points in a row on the same side of the center line;
3. six points in a row, all increasing or all decreasing;
4. fourteen points in a row, alternating up and down;
5. two out of three points more than 2 sigma from the center line, same side;
6. four out of five points more than 1 sigma from the center line, same side;
7. fifteen points in a row within 1 sigma of the center line (either side);
8. eight points in a row more than 1 sigma from the center line (either side).

Western Electric rules (*Statistical Quality Control Handbook*, Western Electric, 1956, p. 25-28),
numbered 1..4 in that order (as qcc 3's ``rules = 1:4``):

1. one point beyond 3 sigma; 2. two of three beyond 2 sigma, same side; 3. four of five beyond
1 sigma, same side; 4. eight in a row on the same side of the center line.

Conventions (shared by every rule):

* a violation is reported at the point that completes the pattern, one entry per rule that the
  point completes (a run of 10 on one side flags rule 2 at its 9th and 10th points);
* "beyond" is strict: a point exactly on a limit or zone boundary is not beyond it (and is
  "within" for rule 7);
* a point exactly on the center line is on neither side, so it breaks a same-side run;
* a tie (equal consecutive points) breaks a trend and an alternation;
* the k-of-(k+1) rules (5, 6; WE 2, 3) fire only when the current point is itself beyond the
  zone on that side;
* a series shorter than a rule's window gives no flag, never an error;
* center and sigma may vary per point (p and u charts with variable sample sizes): zones are
  computed per point.

Everything is done with whole-array numpy operations ("k in a row" by log-doubling ANDs of
shifted boolean arrays, "k of the last w" by sums of shifted int8 views): there is no Python loop
per point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

RuleSet = Literal["nelson", "we", "none"]
RULE_SETS: tuple[str, ...] = ("nelson", "we", "none")

NELSON_DESCRIPTIONS = {
    1: "one point beyond 3 sigma",
    2: "nine points in a row on one side of the center line",
    3: "six points in a row steadily increasing or decreasing",
    4: "fourteen points in a row alternating up and down",
    5: "two of three points beyond 2 sigma on the same side",
    6: "four of five points beyond 1 sigma on the same side",
    7: "fifteen points in a row within 1 sigma",
    8: "eight points in a row beyond 1 sigma on either side",
}
WE_DESCRIPTIONS = {
    1: "one point beyond 3 sigma",
    2: "two of three points beyond 2 sigma on the same side",
    3: "four of five points beyond 1 sigma on the same side",
    4: "eight points in a row on one side of the center line",
}


@dataclass(frozen=True)
class Violations:
    """Rule violations as two parallel integer arrays, sorted by (index, rule).

    ``index`` is 0-based over the plotted points.
    """

    rule: NDArray[np.int64]
    index: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.index.size)

    def to_list(self) -> list[dict[str, int]]:
        """JSON-friendly ``[{"rule": k, "index": i}, ...]``."""
        return [
            {"rule": r, "index": i}
            for r, i in zip(self.rule.tolist(), self.index.tolist(), strict=True)
        ]

    def indices(self, rule: int) -> NDArray[np.int64]:
        """Indices of the points flagged by one rule."""
        return self.index[self.rule == rule]

    @staticmethod
    def empty() -> Violations:
        return Violations(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))

    @staticmethod
    def from_flags(flags: dict[int, NDArray[np.bool_]]) -> Violations:
        """Build from ``{rule: boolean array over points}``."""
        rules, idx = [], []
        for rule, flag in flags.items():
            hit = np.flatnonzero(flag)
            idx.append(hit)
            rules.append(np.full(hit.size, rule, dtype=np.int64))
        if not idx:
            return Violations.empty()
        index = np.concatenate(idx).astype(np.int64)
        rule_arr = np.concatenate(rules)
        order = np.lexsort((rule_arr, index))
        return Violations(rule_arr[order], index[order])


def _runs_at_least(flag: NDArray[np.bool_], k: int) -> NDArray[np.bool_]:
    """``True`` where the last ``k`` flags (ending here) are all ``True``.

    Log-doubling on boolean arrays: after the loop ``cur[i]`` says the last ``have`` flags are
    set; one more AND with a shifted copy extends the window to ``k`` (``have >= k - have``).
    Byte-wide boolean ops make this several times faster than a run-length computation.
    """
    n = flag.size
    if n < k:
        return np.zeros(n, dtype=bool)
    cur = flag.copy()
    have = 1
    while have * 2 <= k:
        cur[have:] &= cur[:-have].copy()
        cur[:have] = False
        have *= 2
    rest = k - have
    if rest:
        out = np.zeros(n, dtype=bool)
        np.logical_and(cur[rest:], cur[:-rest], out=out[rest:])
        return out
    return cur


def _k_of_window(beyond: NDArray[np.bool_], k: int, window: int) -> NDArray[np.bool_]:
    """Current point beyond, and at least ``k`` of the last ``window`` points beyond."""
    n = beyond.size
    out = np.zeros(n, dtype=bool)
    if n < window:
        return out
    # Sum of shifted int8 copies: cheaper than a cumulative sum for windows of 3 and 5.
    b = beyond.view(np.int8)
    count = b[window - 1 :].copy()
    for lag in range(1, window):
        count += b[window - 1 - lag : n - lag]
    # The current point must itself be beyond the zone (it completes the pattern).
    np.logical_and(beyond[window - 1 :], count >= k, out=out[window - 1 :])
    return out


def _trend(points: NDArray[np.float64], length: int) -> NDArray[np.bool_]:
    """``length`` points in a row strictly increasing or strictly decreasing."""
    flag = np.zeros(points.size, dtype=bool)
    if points.size < length:
        return flag
    step = np.diff(points)
    need = length - 1
    flag[1:] = _runs_at_least(step > 0, need) | _runs_at_least(step < 0, need)
    return flag


def _alternating(points: NDArray[np.float64], length: int) -> NDArray[np.bool_]:
    """``length`` points in a row alternating up and down (ties break the pattern)."""
    flag = np.zeros(points.size, dtype=bool)
    if points.size < length:
        return flag
    step = np.diff(points)
    up, down = step > 0, step < 0
    # alt[j]: the steps j and j + 1 (points j .. j + 2) go in opposite, non-zero directions.
    alt = (up[:-1] & down[1:]) | (down[:-1] & up[1:])
    flag[2:] = _runs_at_least(alt, length - 2)
    return flag


@dataclass(frozen=True)
class _Zones:
    above: NDArray[np.bool_]  # strictly above the center line
    below: NDArray[np.bool_]
    beyond1_hi: NDArray[np.bool_]
    beyond1_lo: NDArray[np.bool_]
    beyond2_hi: NDArray[np.bool_]
    beyond2_lo: NDArray[np.bool_]
    beyond_ucl: NDArray[np.bool_]
    beyond_lcl: NDArray[np.bool_]


def _zones(
    points: NDArray[np.float64],
    center: float | NDArray[np.float64],
    sigma: float | NDArray[np.float64],
    lcl: float | NDArray[np.float64] | None,
    ucl: float | NDArray[np.float64] | None,
    nsigmas: float,
) -> _Zones:
    x = points
    c = np.asarray(center, dtype=np.float64)
    s = np.asarray(sigma, dtype=np.float64)
    upper = c + nsigmas * s if ucl is None else np.asarray(ucl, dtype=np.float64)
    lower = c - nsigmas * s if lcl is None else np.asarray(lcl, dtype=np.float64)
    return _Zones(
        above=x > c,
        below=x < c,
        beyond1_hi=x > c + s,
        beyond1_lo=x < c - s,
        beyond2_hi=x > c + 2.0 * s,
        beyond2_lo=x < c - 2.0 * s,
        beyond_ucl=x > upper,
        beyond_lcl=x < lower,
    )


def _as_points(points: NDArray[np.float64]) -> NDArray[np.float64]:
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("points must be a 1-D array")
    return x


def nelson(
    points: NDArray[np.float64],
    center: float | NDArray[np.float64],
    sigma: float | NDArray[np.float64],
    lcl: float | NDArray[np.float64] | None = None,
    ucl: float | NDArray[np.float64] | None = None,
    nsigmas: float = 3.0,
    only: tuple[int, ...] | None = None,
) -> Violations:
    """Evaluate Nelson's eight rules (Minitab parameters) on a plotted series.

    ``sigma`` is the standard error of the plotted statistic (per point or scalar); zones are
    ``center +- 1 sigma`` and ``+- 2 sigma``.  Rule 1 uses ``lcl``/``ucl`` when given (so clipped
    limits such as a p chart's LCL at 0 are honoured), else ``center +- nsigmas * sigma``.
    ``only`` restricts evaluation to some rule numbers.
    """
    x = _as_points(points)
    z = _zones(x, center, sigma, lcl, ucl, nsigmas)
    wanted = set(range(1, 9) if only is None else only)
    flags: dict[int, NDArray[np.bool_]] = {}
    if 1 in wanted:
        flags[1] = z.beyond_ucl | z.beyond_lcl
    if 2 in wanted:
        flags[2] = _runs_at_least(z.above, 9) | _runs_at_least(z.below, 9)
    if 3 in wanted:
        flags[3] = _trend(x, 6)
    if 4 in wanted:
        flags[4] = _alternating(x, 14)
    if 5 in wanted:
        flags[5] = _k_of_window(z.beyond2_hi, 2, 3) | _k_of_window(z.beyond2_lo, 2, 3)
    if 6 in wanted:
        flags[6] = _k_of_window(z.beyond1_hi, 4, 5) | _k_of_window(z.beyond1_lo, 4, 5)
    if 7 in wanted:
        within = ~(z.beyond1_hi | z.beyond1_lo)
        flags[7] = _runs_at_least(within, 15)
    if 8 in wanted:
        flags[8] = _runs_at_least(z.beyond1_hi | z.beyond1_lo, 8)
    return Violations.from_flags(flags)


def western_electric(
    points: NDArray[np.float64],
    center: float | NDArray[np.float64],
    sigma: float | NDArray[np.float64],
    lcl: float | NDArray[np.float64] | None = None,
    ucl: float | NDArray[np.float64] | None = None,
    nsigmas: float = 3.0,
) -> Violations:
    """Evaluate the four Western Electric rules (numbered 1..4, see the module docstring)."""
    x = _as_points(points)
    z = _zones(x, center, sigma, lcl, ucl, nsigmas)
    flags = {
        1: z.beyond_ucl | z.beyond_lcl,
        2: _k_of_window(z.beyond2_hi, 2, 3) | _k_of_window(z.beyond2_lo, 2, 3),
        3: _k_of_window(z.beyond1_hi, 4, 5) | _k_of_window(z.beyond1_lo, 4, 5),
        4: _runs_at_least(z.above, 8) | _runs_at_least(z.below, 8),
    }
    return Violations.from_flags(flags)


def beyond_limits(
    points: NDArray[np.float64], lcl: float | NDArray[np.float64], ucl: float | NDArray[np.float64]
) -> Violations:
    """Rule 1 only: points strictly above ``ucl`` or strictly below ``lcl``."""
    x = _as_points(points)
    return Violations.from_flags({1: (x > ucl) | (x < lcl)})


def evaluate(
    rules: str,
    points: NDArray[np.float64],
    center: float | NDArray[np.float64],
    sigma: float | NDArray[np.float64],
    lcl: float | NDArray[np.float64] | None = None,
    ucl: float | NDArray[np.float64] | None = None,
    nsigmas: float = 3.0,
) -> Violations:
    """Evaluate a named rule set: ``"nelson"``, ``"we"`` or ``"none"``."""
    if rules == "nelson":
        return nelson(points, center, sigma, lcl, ucl, nsigmas)
    if rules == "we":
        return western_electric(points, center, sigma, lcl, ucl, nsigmas)
    if rules == "none":
        return Violations.empty()
    raise ValueError(f"unknown rule set {rules!r}; expected one of {', '.join(RULE_SETS)}")
