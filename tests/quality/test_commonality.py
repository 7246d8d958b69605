"""qdm.quality.commonality: Fisher's exact test per level with Benjamini–Hochberg.

Reference p-values come from ``scipy.stats.fisher_exact(table, alternative="greater")`` on
the same 2×2 tables; the BH values are worked by hand from the definition (Benjamini &
Hochberg 1995: q_(i) = min_{j>=i} p_(j) m / j), which is also what R's
``p.adjust(p, "BH")`` returns.
"""

from __future__ import annotations

import math
from fractions import Fraction

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


# --- the vectorised Fisher test and ranking against references ---------------------------


def exact_upper_tail(a: int, n1: int, b: int, n2: int) -> float:
    """P(X >= a), X ~ Hypergeometric(n1 + n2, a + b, n1), in exact rational arithmetic:
    sum_x C(K, x) C(N - K, n1 - x) / C(N, n1) (the definition of Fisher's one-sided test)."""
    total, good = n1 + n2, a + b
    top = sum(
        math.comb(good, x) * math.comb(total - good, n1 - x) for x in range(a, min(n1, good) + 1)
    )
    return float(Fraction(top, math.comb(total, n1)))


def random_tables(rng: np.random.Generator, n: int) -> np.ndarray:
    """2×2 tables as (a, n1, b, n2): small and large comparison populations (up to 120 000),
    levels from absent to dominant, over- and under-represented."""
    rows = []
    for i in range(n):
        n1 = int(rng.integers(1, 600))
        n2 = int(rng.integers(0, 120_000)) if i % 2 else int(rng.integers(0, 60))
        a = int(rng.integers(0, n1 + 1))
        if rng.random() < 0.5:
            b = int(rng.integers(0, n2 + 1))
        else:
            b = int(rng.integers(0, min(n2, 5 * a + 3) + 1))
        rows.append((a, n1, b, n2))
    return np.asarray(rows, dtype=np.int64).T


def test_vectorised_fisher_matches_exact_arithmetic_to_1e12():
    a, n1, b, n2 = random_tables(np.random.default_rng(11), 300)
    got = com.fisher_greater(a, n1, b, n2)
    checked = 0
    for i in range(a.size):
        expected = exact_upper_tail(int(a[i]), int(n1[i]), int(b[i]), int(n2[i]))
        if expected > 1e-300:  # below, doubles are subnormal: no 12 digits to compare
            assert got[i] == pytest.approx(expected, rel=1e-12, abs=0), (a[i], n1[i], b[i], n2[i])
            checked += 1
    assert checked > 250


def test_vectorised_fisher_matches_scipy_fisher_exact():
    # scipy's hypergeometric survival function (Boost) is itself off by up to ~2e-11 relative
    # on large tables against the exact values above, hence 1e-9 here
    a, n1, b, n2 = random_tables(np.random.default_rng(3), 400)
    got = com.fisher_greater(a, n1, b, n2)
    for i in range(a.size):
        table = [[a[i], n1[i] - a[i]], [b[i], n2[i] - b[i]]]
        expected = stats.fisher_exact(table, alternative="greater").pvalue
        assert got[i] == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_log_tail_orders_underflowing_p_values():
    # 300/300 failing vs 0/99 700: p = 1/C(100 000, 300) underflows; its log does not
    p, log_p = com.fisher_greater_log([300, 290], [300, 300], [0, 0], [99_700, 99_700])
    assert p[0] == 0.0 and np.isfinite(log_p[0])
    # log P(X = 300) with K = n = 300 of N = 100 000 is -log C(100 000, 300), exactly
    expected = -(math.lgamma(100_001) - math.lgamma(301) - math.lgamma(99_701))
    assert log_p[0] == pytest.approx(expected, rel=1e-12)
    assert log_p[0] < log_p[1]


def test_hypergeom_logpmf_matches_scipy():
    rng = np.random.default_rng(5)
    total = rng.integers(10, 200_000, 500)
    good = (rng.random(500) * total).astype(np.int64)
    draws = (rng.random(500) * total).astype(np.int64)
    lo, hi = np.maximum(0, draws - (total - good)), np.minimum(draws, good)
    x = lo + (rng.random(500) * (hi - lo + 1)).astype(np.int64)
    got = com.hypergeom_logpmf(x, total, good, draws)
    expected = stats.hypergeom.logpmf(x, total, good, draws)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def reference_rank(failing, comparison, alpha=0.05, min_failing=2):
    """The definition, written plainly: per dimension and level, units (distinct per linked
    unit) with the level on each side, scipy's fisher_exact, BH over everything."""

    def pairs(spec):
        if isinstance(spec, tuple):
            keys, values = spec[0], spec[1] if len(spec) == 2 else np.asarray(spec[2])[spec[1]]
            return list(zip(keys.tolist(), values.tolist(), strict=True))
        return list(enumerate(np.asarray(spec, dtype=object).tolist()))

    def known(v):
        return v is not None and v != "" and not (isinstance(v, float) and math.isnan(v))

    rows = []
    for name in failing:
        sides = []
        for spec in (failing[name], comparison[name]):
            ok = {(k, str(v)) for k, v in pairs(spec) if known(v)}
            units = len({k for k, _v in ok})
            count: dict[str, int] = {}
            for _k, v in ok:
                count[v] = count.get(v, 0) + 1
            sides.append((units, count))
        (n1, fa), (n2, cb) = sides
        for level, a in fa.items():
            if a >= min_failing:
                rows.append((name, level, a, n1, cb.get(level, 0), n2))
    p = [
        stats.fisher_exact([[a, n1 - a], [b, n2 - b]], alternative="greater").pvalue
        for _d, _l, a, n1, b, n2 in rows
    ]
    q = com.benjamini_hochberg(p)
    return {(r[0], r[1]): (r[2:], p[i], q[i]) for i, r in enumerate(rows)}


def test_rank_levels_matches_the_plain_definition_on_random_data():
    rng = np.random.default_rng(2027)
    pop = population(rng, 6_000)
    # unknown values of every kind: None, "", NaN
    pop["line"][rng.choice(6_000, 40, replace=False)] = None
    pop["shift"][rng.choice(6_000, 40, replace=False)] = ""
    pop["lamination_temp"][rng.choice(6_000, 40, replace=False)] = np.nan
    bad = np.flatnonzero(pop["material_lot"] == "ML-ENC-0002")
    failing_idx = np.unique(np.concatenate([bad[:25], rng.choice(6_000, 60, replace=False)]))
    fail, rest = split(pop, failing_idx)
    # a linked dimension given as (unit keys, codes, labels), with a unit twice on a level
    labels = np.asarray(["WL-A", "WL-B", "WL-C", None], dtype=object)
    for side, idx in ((fail, failing_idx), (rest, np.setdiff1d(np.arange(6_000), failing_idx))):
        keys = np.repeat(idx, 2)
        codes = np.stack([idx % 3, np.where(idx % 7 == 0, idx % 3, 3)], axis=1).ravel()
        side["wafer_lot"] = (keys, codes, labels)
    result = com.rank_levels(fail, rest)
    expected = reference_rank(fail, rest)
    assert {(r.dimension, r.level) for r in result} == set(expected)
    for r in result:
        counts, p, q = expected[(r.dimension, r.level)]
        assert (r.failing, r.failing_total, r.comparison, r.comparison_total) == counts
        assert r.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
        assert r.q_value == pytest.approx(q, rel=1e-9, abs=1e-300)
    # the order: significant first, then by p-value, then by ratio
    keys = [(not r.significant, r.p_value, -(r.ratio or math.inf)) for r in result]
    assert keys == sorted(keys)
    assert [r.rank for r in result] == list(range(1, len(result) + 1))


def test_coded_and_plain_linked_values_give_the_same_rows():
    keys = np.array([0, 0, 1, 2, 2, 3])
    labels = np.array(["X", "Y", "Z"], dtype=object)
    codes = np.array([0, 1, 0, 0, 2, 1])
    comp_keys, comp_codes = np.arange(10, 20), np.arange(10) % 3
    coded = com.rank_levels(
        {"lot": (keys, codes, labels)}, {"lot": (comp_keys, comp_codes, labels)}, min_failing=1
    )
    plain = com.rank_levels(
        {"lot": (keys, labels[codes])}, {"lot": (comp_keys, labels[comp_codes])}, min_failing=1
    )
    assert [r.as_dict() for r in coded] == [r.as_dict() for r in plain]
    # unit 0 has X and Y, 1 X, 2 X and Z, 3 Y
    assert sorted((r.level, r.failing, r.failing_total) for r in coded) == [
        ("X", 3, 4),
        ("Y", 2, 4),
        ("Z", 1, 4),
    ]


def test_codes_outside_the_labels_are_refused():
    with pytest.raises(com.CommonalityInputError, match="codes must index the 2 labels"):
        com.rank_levels(
            {"lot": (np.array([0, 1]), np.array([0, 2]), np.array(["a", "b"]))},
            {"lot": (np.array([5]), np.array([0]), np.array(["a", "b"]))},
        )
