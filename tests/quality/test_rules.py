"""Run rules: crafted series where each rule fires exactly where expected and nowhere else, plus
an equivalence check of the vectorised rules against a naive per-point implementation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qdm.quality import rules as R


def fired(points, center=0.0, sigma=1.0, lcl=None, ucl=None, rule_set="nelson"):
    v = R.evaluate(rule_set, np.asarray(points, dtype=float), center, sigma, lcl, ucl)
    return {(int(r), int(i)) for r, i in zip(v.rule, v.index, strict=True)}


def test_rule1_beyond_limits_strict() -> None:
    # 3.0 lies exactly on the UCL: not beyond.
    assert fired([0, 0.5, -0.5, 3.5, 0, -3.2, 3.0]) == {(1, 3), (1, 5)}


def test_rule2_nine_on_one_side_and_center_line_breaks() -> None:
    assert fired([-0.2] + [0.1] * 9 + [-0.1]) == {(2, 9)}
    assert fired([-0.2] + [0.1] * 10) == {(2, 9), (2, 10)}
    assert fired([-0.1] * 9) == {(2, 8)}
    # A point on the center line is on neither side.
    assert fired([0.1] * 5 + [0.0] + [0.1] * 5) == set()


def test_rule3_six_trending_and_tie_breaks() -> None:
    assert fired([0, 0.1, 0.2, 0.3, 0.4, 0.5]) == {(3, 5)}
    assert fired([0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1]) == {(3, 5), (3, 6)}
    assert fired([0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5]) == set()
    assert fired([0, 0.1, 0.2, 0.3, 0.4]) == set()


def test_rule4_fourteen_alternating() -> None:
    assert fired([0.1, -0.1] * 7) == {(4, 13)}
    assert fired([0.1, -0.1] * 6 + [0.1]) == set()  # 13 points
    tie = [0.1, -0.1, 0.1, -0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1]
    assert fired(tie) == set()


def test_rule5_two_of_three_beyond_2_sigma() -> None:
    assert fired([0, 2.5, 0, 2.1]) == {(5, 3)}
    # The completing point must itself be beyond: no flag at index 2.
    assert fired([0, 2.5, 2.1, 0]) == {(5, 2)}
    # Exactly 2 sigma is not beyond; opposite sides do not combine.
    assert fired([0, 2.5, 0, 2.0]) == set()
    assert fired([0, 2.5, 0, -2.5]) == set()
    # Window incomplete at the second point.
    assert fired([2.5, 2.5]) == set()


def test_rule6_four_of_five_beyond_1_sigma() -> None:
    assert fired([0, 1.5, 1.5, 0.5, 1.5, 1.5]) == {(6, 5)}
    assert fired([0, -1.5, -1.5, -0.5, -1.5, -1.5]) == {(6, 5)}
    assert fired([0, 1.5, 1.5, 0.5, 1.5, 1.0]) == set()  # 1.0 is on the boundary


def test_rule7_fifteen_within_1_sigma() -> None:
    pattern = [0.5, 0.5, -0.5, -0.5] * 3 + [1.0, 0.5, -1.0]  # 15 points, boundaries within
    assert fired(pattern) == {(7, 14)}
    assert fired(pattern[:-1]) == set()


def test_rule8_eight_beyond_1_sigma_either_side() -> None:
    assert fired([1.5, -1.5] * 4) == {(8, 7)}
    assert fired([1.5, -1.5] * 3 + [1.5]) == set()


def test_one_entry_per_rule_completed_by_a_point() -> None:
    got = fired([0, 2.5, 2.6, 3.5])
    assert got == {(5, 2), (5, 3), (1, 3)}


def test_short_and_empty_series_never_error() -> None:
    for n in range(0, 3):
        assert fired([0.5] * n) == set()
        assert fired([0.5] * n, rule_set="we") == set()


def test_per_point_zones_for_varying_limits() -> None:
    sigma = np.array([1.0, 1.0, 0.5, 0.5])
    # 1.6 is beyond 3 sigma only where sigma = 0.5.
    got = fired([0.0, 1.6, 1.6, 0.0], sigma=sigma, lcl=-3 * sigma, ucl=3 * sigma)
    assert (1, 2) in got and (1, 1) not in got


def test_western_electric_numbering() -> None:
    assert fired([0.1] * 8, rule_set="we") == {(4, 7)}
    assert fired([0, 2.5, 0, 2.1], rule_set="we") == {(2, 3)}
    assert fired([0, 1.5, 1.5, 0.5, 1.5, 1.5], rule_set="we") == {(3, 5)}
    assert fired([0, 3.5], rule_set="we") == {(1, 1)}
    assert fired([0, 3.5], rule_set="none") == set()


# ------------------------------------------------------------------------------------------
# Naive reference implementation: one Python loop per point, straight from the definitions.
# ------------------------------------------------------------------------------------------


def naive_nelson(x: list[float], c: float = 0.0, s: float = 1.0) -> set[tuple[int, int]]:
    out = set()
    n = len(x)

    def side(v: float) -> int:
        return 1 if v > c else (-1 if v < c else 0)

    for i in range(n):
        if x[i] > c + 3 * s or x[i] < c - 3 * s:
            out.add((1, i))
        if i >= 8:
            w = [side(v) for v in x[i - 8 : i + 1]]
            if all(v == 1 for v in w) or all(v == -1 for v in w):
                out.add((2, i))
        if i >= 5:
            d = [x[j + 1] - x[j] for j in range(i - 5, i)]
            if all(v > 0 for v in d) or all(v < 0 for v in d):
                out.add((3, i))
        if i >= 13:
            d = [x[j + 1] - x[j] for j in range(i - 13, i)]
            if all(d[j] * d[j + 1] < 0 for j in range(12)):
                out.add((4, i))
        for rule, k, w, z in ((5, 2, 3, 2), (6, 4, 5, 1)):
            if i >= w - 1:
                win = x[i - w + 1 : i + 1]
                hi = sum(v > c + z * s for v in win)
                lo = sum(v < c - z * s for v in win)
                if (x[i] > c + z * s and hi >= k) or (x[i] < c - z * s and lo >= k):
                    out.add((rule, i))
        if i >= 14 and all(c - s <= v <= c + s for v in x[i - 14 : i + 1]):
            out.add((7, i))
        if i >= 7 and all(v > c + s or v < c - s for v in x[i - 7 : i + 1]):
            out.add((8, i))
    return out


# Values on a 0.5 grid make ties, center-line points and exact zone boundaries common.
series = st.lists(st.integers(-7, 7).map(lambda k: k / 2), min_size=0, max_size=80)


@settings(max_examples=300, deadline=None)
@given(series)
def test_vectorised_rules_equal_naive_loop(values: list[float]) -> None:
    assert fired(values) == naive_nelson(values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-4, 4, allow_nan=False), min_size=0, max_size=60))
def test_vectorised_rules_equal_naive_loop_continuous(values: list[float]) -> None:
    assert fired(values) == naive_nelson(values)


def test_violations_to_list_sorted_by_index_then_rule() -> None:
    v = R.nelson(np.array([0, 2.5, 2.6, 3.5]), 0.0, 1.0)
    assert v.to_list() == [
        {"rule": 5, "index": 2},
        {"rule": 1, "index": 3},
        {"rule": 5, "index": 3},
    ]
