"""qdm.quality.commonality: Fisher's exact test per level with Benjamini–Hochberg.

Reference p-values come from ``scipy.stats.fisher_exact(table, alternative="greater")`` on
the same 2×2 tables; the BH values are worked by hand from the definition (Benjamini &
Hochberg 1995: q_(i) = min_{j>=i} p_(j) m / j), which is also what R's
``p.adjust(p, "BH")`` returns.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from qdm.quality import commonality as com


def population(rng: np.random.Generator, n: int = 20_000) -> dict[str, np.ndarray]:
    """Modules in production order: encapsulant lots of 1 000, 4 lines, 30 days, 3 shifts,
    suppliers per lot, two cell lots (pairs of 50 modules) per module."""
    idx = np.arange(n)
    lot = idx // 1000
    return {
        "material_lot": np.array([f"ML-ENC-{k:04d}" for k in lot], dtype=object),
        "supplier": np.array([("SUP-EVA1", "SUP-POE1")[k % 2] for k in lot], dtype=object),
        "line": np.array([f"JX1-M0{k}" for k in rng.integers(1, 5, n)], dtype=object),
        "day": np.array([f"2026-03-{1 + k:02d}" for k in idx * 30 // n], dtype=object),
        "shift": np.array([("A", "B", "C")[k] for k in rng.integers(0, 3, n)], dtype=object),
        "cell_lot": idx // 50,
        "lamination_temp": rng.normal(150.0, 2.0, n),
    }


def split(pop: dict[str, np.ndarray], failing_idx: np.ndarray):
    mask = np.zeros(len(pop["line"]), bool)
    mask[failing_idx] = True
    fail, rest = {}, {}
    for name, values in pop.items():
        if name == "cell_lot":  # linked: two cell lots per module
            keys = np.repeat(np.arange(len(values)), 2)
            lots = np.stack([values * 2, values * 2 + 1], axis=1).ravel()
            lots = np.array([f"CL-{v:05d}" for v in lots], dtype=object)
            pick = mask[keys]
            fail[name], rest[name] = (keys[pick], lots[pick]), (keys[~pick], lots[~pick])
        elif name == "lamination_temp":
            fail[name], rest[name] = com.bin_numeric(values[mask], values[~mask], 5, "°C")
        else:
            fail[name], rest[name] = values[mask], values[~mask]
    return fail, rest


def test_planted_cluster_is_found_and_ranked_first():
    rng = np.random.default_rng(7)
    pop = population(rng)
    bad = np.flatnonzero(pop["material_lot"] == "ML-ENC-0007")
    failing_idx = np.concatenate(
        [rng.choice(bad, 45, replace=False), rng.choice(20_000, 15, replace=False)]
    )
    failing_idx = np.unique(failing_idx)
    result = com.rank_levels(*split(pop, failing_idx))
    top = result[0]
    assert (top.dimension, top.level) == ("material_lot", "ML-ENC-0007")
    assert top.significant and top.q_value < 1e-20 and top.rank == 1
    assert top.failing >= 45 and top.failing_total == len(failing_idx)
    assert top.ratio is not None and top.ratio > 10
    # the lot's supplier is over-represented too but ranks below the lot itself
    supplier = next(r for r in result if r.dimension == "supplier" and r.level == "SUP-POE1")
    assert supplier.rank > 1


def test_random_sample_finds_nothing_significant():
    rng = np.random.default_rng(2026)
    pop = population(rng)
    failing_idx = rng.choice(20_000, 500, replace=False)
    result = com.rank_levels(*split(pop, failing_idx))
    assert result, "levels were tested"
    assert not [r for r in result if r.q_value < 0.05]


def test_p_values_match_scipy_fisher_exact():
    rng = np.random.default_rng(7)
    pop = population(rng)
    bad = np.flatnonzero(pop["material_lot"] == "ML-ENC-0003")
    failing_idx = np.unique(np.concatenate([bad[:12], rng.choice(20_000, 30, replace=False)]))
    result = com.rank_levels(*split(pop, failing_idx))
    checked = 0
    for r in result[:3] + result[-3:] + [r for r in result if r.dimension == "cell_lot"][:2]:
        table = [
            [r.failing, r.failing_total - r.failing],
            [r.comparison, r.comparison_total - r.comparison],
        ]
        expected = stats.fisher_exact(table, alternative="greater").pvalue
        assert r.p_value == pytest.approx(expected, rel=1e-9, abs=1e-300)
        checked += 1
    assert checked == 8


def test_fisher_exact_hand_table():
    # [[8, 2], [1, 5]]: P(X >= 8), X ~ Hypergeom(N=16, K=9, n=10)
    # = (C(9,8) C(7,2) + C(9,9) C(7,1)) / C(16,10) = (189 + 7) / 8008 (by hand)
    p = com.fisher_greater([8], [10], [1], [6])[0]
    assert p == pytest.approx(stats.fisher_exact([[8, 2], [1, 5]], "greater").pvalue, rel=1e-12)
    assert p == pytest.approx(196 / 8008, rel=1e-12)


def test_benjamini_hochberg_worked_example():
    # p = (0.01, 0.04, 0.03, 0.005), m = 4: sorted 0.005, 0.01, 0.03, 0.04 times 4/i =
    # 0.02, 0.02, 0.04, 0.04 (already monotone) → back in input order:
    q = com.benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    # monotonicity step: p = (0.01, 0.011) → 0.02, 0.011 → min from the right = 0.011, 0.011
    np.testing.assert_allclose(com.benjamini_hochberg([0.01, 0.011]), [0.011, 0.011])


def test_counts_rates_ratio_and_unknown_values():
    failing = {"line": np.array(["L1", "L1", "L1", None], dtype=object)}
    comparison = {"line": np.array(["L1", "L2", "L2", "L2", "", "L2"], dtype=object)}
    [row] = com.rank_levels(failing, comparison, min_failing=2)
    assert (row.level, row.failing, row.failing_total) == ("L1", 3, 3)
    assert (row.comparison, row.comparison_total) == (1, 5)
    assert row.failing_rate == 1.0 and row.comparison_rate == pytest.approx(0.2)
    assert row.ratio == pytest.approx(5.0)


def test_linked_values_count_each_unit_once():
    # unit 0 has lot X twice (two cell lots from the same lot record): counted once
    failing = {"lot": (np.array([0, 0, 1]), np.array(["X", "X", "X"], dtype=object))}
    comparison = {"lot": (np.array([5, 6]), np.array(["Y", "X"], dtype=object))}
    [row] = com.rank_levels(failing, comparison)
    assert (row.failing, row.failing_total, row.comparison, row.comparison_total) == (2, 2, 1, 2)


def test_bad_input():
    with pytest.raises(com.CommonalityInputError, match="dimensions differ"):
        com.rank_levels({"line": ["a"]}, {"shift": ["b"]})
    with pytest.raises(com.CommonalityInputError, match="unit keys but"):
        com.rank_levels({"lot": (np.array([1, 2]), np.array(["a"]))}, {"lot": ["a"]})


def test_bin_numeric_shares_edges():
    f, c = com.bin_numeric([1.0, 9.0, np.nan], [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0], 3)
    assert f[2] is None
    assert f[0] == c[0] and f[1] == c[-2] == c[-1]
    assert len(set(c)) == 3
