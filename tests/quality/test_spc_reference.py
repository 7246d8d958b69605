"""Reference values for qdm.quality.spc and qdm.quality.constants.

Every expected number is either
* printed output of qcc ("A quick tour of qcc", L. Scrucca, luca-scr/qcc
  docs/articles/qcc_a_quick_tour.html, 19 Feb 2018) -- compared to the printed digits; or
* a published textbook value (Montgomery, *Introduction to Statistical Quality Control*,
  7th ed., 2013) -- compared to the printed digits; or
* recomputed here by the plain textbook/qcc formula with explicit loops and literal table
  constants (independent of the library's vectorised code) -- compared to 1e-9 relative.
"""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from qdm.quality import constants as K
from qdm.quality import spc

DATA = Path(__file__).parent / "data"
REL = 1e-9

# qcc 2.7 R/qcc.R `.qcc.options$exp.R.unscaled` (the published d2 table), n = 2..25.
QCC_D2 = [1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
          3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895,
          3.931]  # fmt: skip
# qcc 2.7 R/qcc.R `.qcc.options$se.R.unscaled` (qcc's d3 table), n = 2..25.
QCC_D3 = [0.8525033, 0.8883697, 0.8798108, 0.8640855, 0.8480442, 0.8332108, 0.8198378,
          0.8078413, 0.7970584, 0.7873230, 0.7784873, 0.7704257, 0.7630330, 0.7562217,
          0.7499188, 0.7440627, 0.7386021, 0.7334929, 0.7286980, 0.7241851, 0.7199267,
          0.7158987, 0.7120802, 0.7084528]  # fmt: skip
# Montgomery 7th ed., Appendix VI "Factors for constructing variables control charts", n = 2..10.
MONTGOMERY_D3 = [0.853, 0.888, 0.880, 0.864, 0.848, 0.833, 0.820, 0.808, 0.797]
# Montgomery 7th ed., Appendix VI, n = 2..10.
MONTGOMERY_APPENDIX_VI = {
    "A2": [1.880, 1.023, 0.729, 0.577, 0.483, 0.419, 0.373, 0.337, 0.308],
    "A3": [2.659, 1.954, 1.628, 1.427, 1.287, 1.182, 1.099, 1.032, 0.975],
    "B3": [0.000, 0.000, 0.000, 0.000, 0.030, 0.118, 0.185, 0.239, 0.284],
    "B4": [3.267, 2.568, 2.266, 2.089, 1.970, 1.882, 1.815, 1.761, 1.716],
    "D3": [0.000, 0.000, 0.000, 0.000, 0.000, 0.076, 0.136, 0.184, 0.223],
    "D4": [3.267, 2.574, 2.282, 2.114, 2.004, 1.924, 1.864, 1.816, 1.777],
    "c4": [0.7979, 0.8862, 0.9213, 0.9400, 0.9515, 0.9594, 0.9650, 0.9693, 0.9727],
}


def close(actual: float, expected: float, rel: float = REL) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-15)


def printed(actual: float, shown: float, digits: int = 7) -> bool:
    """``actual`` rounds to the value R printed with ``digits`` significant digits."""
    if shown == 0:
        return abs(actual) < 1e-12
    return float(f"{actual:.{digits}g}") == pytest.approx(shown, rel=1e-12)


def load_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name) as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


def pistonrings() -> np.ndarray:
    rows = load_csv("pistonrings.csv")
    return np.array([float(r["value"]) for r in rows]).reshape(40, 5)


# qcc quick tour: "viscosity data (Montgomery, pag. 242)".
VISCOSITY = [33.75, 33.05, 34, 33.81, 33.46, 34.02, 33.68, 33.27, 33.49, 33.20, 33.62, 33.00,
             33.54, 33.12, 33.84]  # fmt: skip

# Montgomery 7th ed., section 9.1.2, Table 9.1: 30 observations, mu0 = 10, sigma = 1.
MONTGOMERY_CUSUM = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47,
                    10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29,
                    11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]  # fmt: skip


# ------------------------------------------------------------------------------------------
# Constants
# ------------------------------------------------------------------------------------------


def test_d2_integration_rounded_reproduces_qcc_table() -> None:
    for n, table in zip(range(2, 26), QCC_D2, strict=True):
        assert K.d2(n) == table, n
        assert abs(K.d2_exact(n) - table) < 5e-4


def test_d2_exact_matches_closed_forms() -> None:
    # n = 2: E|X1 - X2| = 2/sqrt(pi); n = 3: 3/sqrt(pi) (David & Nagaraja, Order Statistics).
    assert close(K.d2_exact(2), 2 / math.sqrt(math.pi), 1e-12)
    assert close(K.d2_exact(3), 3 / math.sqrt(math.pi), 1e-12)


def test_d3_exact() -> None:
    # n = 2: Var|X1 - X2| = 2 - 4/pi.
    assert close(K.d3(2), math.sqrt(2 - 4 / math.pi), 1e-11)
    for n, published in zip(range(2, 11), MONTGOMERY_D3, strict=True):
        assert round(K.d3(n), 3) == published, n
    # Exact d3 decreases with n (to 25) and stays within 1.3e-5 of qcc's table (next test).
    values = [K.d3(n) for n in range(2, 26)]
    assert all(a > b for a, b in itertools.pairwise(values[1:]))


def test_qcc_d3_table_differs_from_exact_by_less_than_1_3e_5() -> None:
    # Documents why R charts default to qcc's own table (see constants module docstring).
    for n, table in zip(range(2, 26), QCC_D3, strict=True):
        assert K.d3_qcc(n) == table
        assert 5e-7 < table - K.d3(n) < 1.3e-5


def test_c4_exact() -> None:
    for n in range(2, 60):
        expected = math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)
        assert close(float(K.c4(n)), expected, 1e-13)
    arr = K.c4(np.array([2, 5, 10]))
    assert np.allclose(arr, [K.c4(2), K.c4(5), K.c4(10)], rtol=1e-15)


@pytest.mark.parametrize("name", sorted(MONTGOMERY_APPENDIX_VI))
def test_derived_constants_match_montgomery_appendix_vi(name: str) -> None:
    digits = 4 if name == "c4" else 3
    for n, published in zip(range(2, 11), MONTGOMERY_APPENDIX_VI[name], strict=True):
        value = getattr(K.constants(n), name)
        if (name, n) == ("A2", 2):
            # The book derives A2 from the unrounded d2 (1.128379): 1.880; from the table d2
            # 1.128 that qcc's limits use, 3/(1.128 sqrt 2) = 1.8806.
            assert round(3 / (K.d2_exact(2) * math.sqrt(2)), 3) == published
            assert round(value, 4) == 1.8806
            continue
        assert round(value, digits) == pytest.approx(published, abs=1e-12), (name, n, value)


def test_constants_reject_out_of_range() -> None:
    with pytest.raises(ValueError):
        K.d2(1)
    with pytest.raises(ValueError):
        K.d2(26)


# ------------------------------------------------------------------------------------------
# X-bar / R / S (pistonrings)
# ------------------------------------------------------------------------------------------


def test_xbar_r_pistonrings_equals_qcc() -> None:
    x = pistonrings()[:25]
    res = spc.xbar_r(x)
    # Hand formula, qcc sd.xbar "UWAVE-R" with the literal table d2(5) = 2.326.
    means = [sum(row) / 5 for row in x.tolist()]
    ranges = [max(row) - min(row) for row in x.tolist()]
    center = sum(means) / 25
    sigma = sum(r / 2.326 for r in ranges) / 25
    assert close(res.center, center)
    assert close(res.sigma, sigma)
    assert close(res.lcl, center - 3 * sigma / math.sqrt(5))
    assert close(res.ucl, center + 3 * sigma / math.sqrt(5))
    rbar = sum(ranges) / 25
    assert close(res.secondary.center, rbar)
    assert close(res.secondary.ucl, rbar + 3 * 0.8640855 * sigma)
    assert res.secondary.lcl == 0.0
    # qcc quick tour, `qcc(diameter[1:25,], type="xbar")` and `type="R"` printed summaries.
    assert printed(res.center, 74.00118)
    assert printed(res.sigma, 0.009785039)
    assert printed(res.lcl, 73.98805)
    assert printed(res.ucl, 74.0143, 6)
    assert printed(res.secondary.center, 0.02276, 4)
    assert printed(res.secondary.ucl, 0.04812533)
    # Montgomery 7th ed. Example 6.1 (piston rings): UCL 74.014, LCL 73.988, R chart UCL 0.049.
    assert round(res.ucl, 3) == 74.014 and round(res.lcl, 3) == 73.988
    assert round(res.secondary.ucl, 3) == 0.048 or round(res.secondary.ucl, 2) == 0.05
    # No point of the phase I data is out of control (Montgomery Example 6.1).
    assert res.violations.indices(1).size == 0


def test_xbar_r_exact_d3_option() -> None:
    res = spc.xbar_r(pistonrings()[:25], d3_source="exact")
    assert close(res.secondary.ucl, 0.02276 + 3 * K.d3(5) * res.sigma, 1e-12)


def test_xbar_s_pistonrings_equals_qcc() -> None:
    x = pistonrings()[:25]
    res = spc.xbar_s(x)
    c4 = math.sqrt(2 / 4) * math.gamma(2.5) / math.gamma(2.0)
    sds = [float(np.std(row, ddof=1)) for row in x]
    sbar = sum(sds) / 25
    sigma = sum(s / c4 for s in sds) / 25
    assert close(res.sigma, sigma)
    assert close(res.secondary.center, sbar)
    assert close(res.secondary.ucl, sbar + 3 * sigma * math.sqrt(1 - c4 * c4))
    assert close(res.ucl, res.center + 3 * sigma / math.sqrt(5))
    # qcc quick tour, `qcc(diameter[1:25,], type="S")`.
    assert printed(res.secondary.center, 0.009240037)
    assert printed(res.sigma, 0.009829977)
    assert printed(res.secondary.ucl, 0.01930242)


def variable_pistonrings() -> spc.Subgroups:
    # qcc quick tour "Variable control limits": out <- c(9, 10, 30, 35, 45, 64, 65, 74, 75,
    # 85, 99, 100); diameter2 <- qcc.groups(diameter[-out], sample[-out]); first 25 rows.
    out = {9, 10, 30, 35, 45, 64, 65, 74, 75, 85, 99, 100}
    rows = load_csv("pistonrings.csv")
    keep = [(r["subgroup"], float(r["value"])) for i, r in enumerate(rows, start=1)]
    keep = [(g, v) for i, (g, v) in enumerate(keep, start=1) if i not in out and int(g) <= 25]
    return spc.Subgroups.from_labels(np.array([v for _, v in keep]), np.array([g for g, _ in keep]))


def test_xbar_r_variable_sizes_equals_qcc() -> None:
    sg = variable_pistonrings()
    assert sorted(np.bincount(sg.sizes).tolist()[3:]) == [4, 4, 17]
    res = spc.xbar_r(sg)
    # Hand formula (qcc stats.xbar, sd.xbar UWAVE-R, limits.xbar / limits.R per point).
    d2 = {3: 1.693, 4: 2.059, 5: 2.326}
    d3 = {3: 0.8883697, 4: 0.8798108, 5: 0.8640855}
    groups, start = [], 0
    for size in sg.sizes.tolist():
        groups.append(sg.values[start : start + size].tolist())
        start += size
    sizes = [len(g) for g in groups]
    means = [sum(g) / len(g) for g in groups]
    ranges = [max(g) - min(g) for g in groups]
    center = sum(n * m for n, m in zip(sizes, means, strict=True)) / sum(sizes)
    sigma = sum(r / d2[n] for r, n in zip(ranges, sizes, strict=True)) / len(groups)
    rcenter = sum(n * r for n, r in zip(sizes, ranges, strict=True)) / sum(sizes)
    assert close(res.center, center) and close(res.sigma, sigma)
    for i, n in enumerate(sizes):
        assert close(res.lcl[i], center - 3 * sigma / math.sqrt(n))
        assert close(res.ucl[i], center + 3 * sigma / math.sqrt(n))
        assert close(res.secondary.ucl[i], rcenter + 3 * d3[n] * sigma)
    # qcc quick tour printed summary for diameter2[1:25,].
    assert printed(res.center, 74.00075)
    assert printed(res.sigma, 0.009856701)
    assert printed(res.lcl[0], 73.98753) and printed(res.ucl[0], 74.01398)
    assert printed(res.lcl[1], 73.98368) and printed(res.ucl[1], 74.01782)
    assert printed(res.secondary.center, 0.02230088)
    assert printed(res.secondary.ucl[0], 0.04785198)
    assert printed(res.secondary.ucl[1], 0.04857007)


# ------------------------------------------------------------------------------------------
# Individuals
# ------------------------------------------------------------------------------------------


def test_imr_viscosity_equals_qcc() -> None:
    res = spc.imr(VISCOSITY)
    mr = [abs(b - a) for a, b in itertools.pairwise(VISCOSITY)]
    sigma = sum(mr) / len(mr) / 1.128
    center = sum(VISCOSITY) / len(VISCOSITY)
    assert close(res.sigma, sigma) and close(res.center, center)
    assert close(res.ucl, center + 3 * sigma) and close(res.lcl, center - 3 * sigma)
    mrbar = sum(mr) / len(mr)
    assert close(res.secondary.center, mrbar)
    assert close(res.secondary.ucl, mrbar + 3 * 0.8525033 * sigma)
    assert res.secondary.points.size == len(VISCOSITY) - 1
    # qcc quick tour, `qcc(x, type="xbar.one")`.
    assert printed(res.center, 33.52333)
    assert printed(res.sigma, 0.4261651)
    assert printed(res.lcl, 32.24484) and printed(res.ucl, 34.80183)


# ------------------------------------------------------------------------------------------
# Attributes
# ------------------------------------------------------------------------------------------


def orangejuice() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = load_csv("orangejuice.csv")
    d = np.array([float(r["defectives"]) for r in rows])
    n = np.array([float(r["size"]) for r in rows])
    trial = np.array([r["trial"] == "TRUE" for r in rows])
    return d, n, trial


def test_p_chart_orangejuice_equals_qcc() -> None:
    d, n, trial = orangejuice()
    res = spc.p_chart(d[trial], n[trial])
    p = d[trial].sum() / n[trial].sum()
    assert close(res.center, p)
    assert close(res.sigma, math.sqrt(p * (1 - p)))
    assert close(res.ucl, p + 3 * math.sqrt(p * (1 - p) / 50))
    assert close(res.lcl, p - 3 * math.sqrt(p * (1 - p) / 50))
    # qcc quick tour, `qcc(D[trial], sizes=size[trial], type="p")`.
    assert printed(res.center, 0.2313333)
    assert printed(res.sigma, 0.421685, 6)
    assert printed(res.lcl, 0.05242755) and printed(res.ucl, 0.4102391)
    # Montgomery 7th ed. Example 7.1: samples 15 and 23 beyond the UCL.
    assert res.violations.indices(1).tolist() == [14, 22]
    # Revised limits without samples 15 and 23 (qcc quick tour): 0.215, 0.04070284, 0.3892972.
    inc = np.flatnonzero(trial)
    inc = inc[~np.isin(inc, [14, 22])]
    rev = spc.p_chart(d[inc], n[inc])
    assert printed(rev.center, 0.215, 3)
    assert printed(rev.lcl, 0.04070284) and printed(rev.ucl, 0.3892972)


def test_np_chart_orangejuice_equals_qcc() -> None:
    d, n, trial = orangejuice()
    res = spc.np_chart(d[trial], n[trial])
    p = d[trial].sum() / n[trial].sum()
    assert close(res.center, 50 * p)
    assert close(res.ucl, 50 * p + 3 * math.sqrt(50 * p * (1 - p)))
    # qcc quick tour, `type="np"`.
    assert printed(res.center, 11.56667)
    assert printed(res.sigma, 2.981763)
    assert printed(res.lcl, 2.621377) and printed(res.ucl, 20.51196)


def test_p_chart_variable_sizes_per_point_limits() -> None:
    d = np.array([3, 8, 2, 12, 5, 0, 7])
    n = np.array([50, 120, 40, 200, 80, 30, 150])
    res = spc.p_chart(d, n)
    p = d.sum() / n.sum()
    for i in range(d.size):
        half = 3 * math.sqrt(p * (1 - p) / n[i])
        assert close(res.lcl[i], max(0.0, p - half)) if p - half > 0 else res.lcl[i] == 0.0
        assert close(res.ucl[i], p + half)


def circuit() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = load_csv("circuit.csv")
    c = np.array([float(r["defects"]) for r in rows])
    n = np.array([float(r["size"]) for r in rows])
    trial = np.array([r["trial"] == "TRUE" for r in rows])
    return c, n, trial


def test_c_chart_circuit_equals_qcc() -> None:
    c, n, trial = circuit()
    res = spc.c_chart(c[trial], n[trial])
    cbar = c[trial].mean()
    assert close(res.center, cbar)
    assert close(res.ucl, cbar + 3 * math.sqrt(cbar))
    assert close(res.lcl, cbar - 3 * math.sqrt(cbar))
    # qcc quick tour, `qcc(x[trial], sizes=size[trial], type="c")`.
    assert printed(res.center, 19.84615)
    assert printed(res.sigma, 4.454902)
    assert printed(res.lcl, 6.481447) and printed(res.ucl, 33.21086)
    # qcc help(circuit) / Montgomery: samples 6 and 20 are outside the control limits.
    assert res.violations.indices(1).tolist() == [5, 19]
    inc = np.flatnonzero(trial)
    inc = inc[~np.isin(inc, [5, 19])]
    rev = spc.c_chart(c[inc], n[inc])
    assert printed(rev.center, 19.66667)
    assert printed(rev.lcl, 6.362532) and printed(rev.ucl, 32.9708, 6)
    # Same data as a u chart per board (qcc quick tour): 0.1966667, 0.06362532, 0.329708.
    u = spc.u_chart(c[inc], n[inc])
    assert printed(u.center, 0.1966667)
    assert printed(u.sigma, 0.4434712)
    assert printed(u.lcl, 0.06362532) and printed(u.ucl, 0.329708, 6)


def test_u_chart_pcmanufact_equals_qcc() -> None:
    rows = load_csv("pcmanufact.csv")
    c = np.array([float(r["defects"]) for r in rows])
    n = np.array([float(r["size"]) for r in rows])
    res = spc.u_chart(c, n)
    u = c.sum() / n.sum()
    assert close(res.center, u) and close(res.ucl, u + 3 * math.sqrt(u / 5))
    # qcc quick tour, `qcc(x, sizes=size, type="u")` for pcmanufact.
    assert printed(res.center, 1.93, 3)
    assert printed(res.sigma, 1.389244)
    assert printed(res.lcl, 0.06613305) and printed(res.ucl, 3.793867)


def test_u_chart_dyedcloth_variable_sizes() -> None:
    rows = load_csv("dyedcloth.csv")
    c = np.array([float(r["defects"]) for r in rows])
    n = np.array([float(r["size"]) for r in rows])
    res = spc.u_chart(c, n)
    # Montgomery 7th ed., dyed cloth example: u-bar = 153 / 107.5 = 1.42.
    assert close(res.center, 153 / 107.5) and round(res.center, 2) == 1.42
    for i in range(c.size):
        half = 3 * math.sqrt((153 / 107.5) / n[i])
        assert close(res.lcl[i], 153 / 107.5 - half)
        assert close(res.ucl[i], 153 / 107.5 + half)
    assert len(res.violations) == 0


# ------------------------------------------------------------------------------------------
# EWMA and CUSUM
# ------------------------------------------------------------------------------------------


def hand_ewma(x: list[float], center: float, sigma: float, lam: float, k: float, n: float = 1):
    z, prev, lcl, ucl = [], center, [], []
    for t, v in enumerate(x, start=1):
        prev = lam * v + (1 - lam) * prev
        z.append(prev)
        s = sigma / math.sqrt(n) * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        lcl.append(center - k * s)
        ucl.append(center + k * s)
    return z, lcl, ucl


def test_ewma_pistonrings_equals_qcc() -> None:
    x = pistonrings()[:25]
    res = spc.ewma(x)
    means = x.mean(axis=1).tolist()
    z, lcl, ucl = hand_ewma(means, res.center, res.sigma, 0.2, 3.0, 5)
    assert np.allclose(res.points, z, rtol=REL, atol=0)
    assert np.allclose(res.lcl, lcl, rtol=REL, atol=0)
    assert np.allclose(res.ucl, ucl, rtol=REL, atol=0)
    # qcc quick tour, `ewma(diameter[1:25,], lambda=0.2, nsigmas=3)` summary rows 1, 2, 25.
    for i, lo, hi in ((0, 73.99855, 74.00380), (1, 73.99781, 74.00454), (24, 73.99680, 74.00555)):
        assert printed(res.lcl[i], lo) and printed(res.ucl[i], hi)


def test_ewma_viscosity_equals_qcc() -> None:
    res = spc.ewma(VISCOSITY, nsigmas=2.7)
    z, _, ucl = hand_ewma(VISCOSITY, res.center, res.sigma, 0.2, 2.7)
    assert np.allclose(res.points, z, rtol=REL, atol=0)
    assert np.allclose(res.ucl, ucl, rtol=REL, atol=0)
    # qcc quick tour, `ewma(x, lambda=0.2, nsigmas=2.7)`: rows 1, 2 and 15.
    for i, lo, hi in ((0, 33.29320, 33.75346), (1, 33.22862, 33.81804), (14, 33.14002, 33.90664)):
        assert printed(res.lcl[i], lo) and printed(res.ucl[i], hi)


def test_ewma_montgomery_example() -> None:
    # Montgomery 7th ed. Example 9.2 (Table 9.1 data, lambda = 0.1, L = 2.7): z1 = 9.945.
    res = spc.ewma(MONTGOMERY_CUSUM, lambda_=0.1, nsigmas=2.7, center=10.0, sigma=1.0)
    z, lcl, ucl = hand_ewma(MONTGOMERY_CUSUM, 10.0, 1.0, 0.1, 2.7)
    assert np.allclose(res.points, z, rtol=REL, atol=0)
    assert round(res.points[0], 3) == 9.945
    flagged = [i for i in range(30) if z[i] > ucl[i] or z[i] < lcl[i]]
    assert res.violations.indices(1).tolist() == flagged


def hand_cusum(z: list[float], k: float) -> tuple[list[float], list[float]]:
    hi, lo, up, down = 0.0, 0.0, [], []
    for v in z:
        hi = max(0.0, hi + v - k)
        lo = max(0.0, lo - v - k)
        up.append(hi)
        down.append(-lo)
    return up, down


def test_cusum_montgomery_table_9_2() -> None:
    res = spc.cusum(MONTGOMERY_CUSUM, center=10.0, sigma=1.0)
    up, down = hand_cusum([v - 10.0 for v in MONTGOMERY_CUSUM], 0.5)
    assert np.allclose(res.points, up, rtol=REL, atol=1e-12)
    assert np.allclose(res.lower, down, rtol=REL, atol=1e-12)
    # Montgomery 7th ed. Table 9.2: C+_29 = 5.28 is the first value above H = 5 (C+_30 = 5.30).
    assert round(res.points[28], 2) == 5.28 and round(res.points[29], 2) == 5.30
    assert res.violations.to_list() == [{"rule": 1, "index": 28}, {"rule": 1, "index": 29}]


def test_cusum_pistonrings_equals_qcc_formula() -> None:
    x = pistonrings()
    res = spc.cusum(x[:25], decision_interval=4)
    assert printed(res.sigma, 0.009785039)  # qcc quick tour cusum summary "Standard deviation"
    z = [(m - res.params["target"]) / (res.sigma / math.sqrt(5)) for m in x[:25].mean(axis=1)]
    up, down = hand_cusum(z, 0.5)
    assert np.allclose(res.points, up, rtol=REL, atol=1e-12)
    assert np.allclose(res.lower, down, rtol=REL, atol=1e-12)
    flagged = [i for i in range(25) if up[i] > 4 or down[i] < -4]
    assert res.violations.indices(1).tolist() == flagged


def test_cusum_lindley_is_precise_on_long_series() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(-0.3, 1.0, 20000)
    res = spc.cusum(z, center=0.0, sigma=1.0)
    up, down = hand_cusum(z.tolist(), 0.5)
    assert np.allclose(res.points, up, rtol=1e-9, atol=1e-9)
    assert np.allclose(res.lower, down, rtol=1e-9, atol=1e-9)
