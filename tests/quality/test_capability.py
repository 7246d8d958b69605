"""Capability: qcc process.capability reference output, hand formulas, one-sided specs,
normality test, Box-Cox and percentile methods."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from qdm.quality import spc
from qdm.quality.capability import (
    anderson_darling,
    boxcox_capability,
    capability,
    percentile_capability,
    sigma_within,
)
from qdm.quality.spc import SpcInputError

DATA = Path(__file__).parent / "data"


def pistonrings() -> np.ndarray:
    """qcc's pistonrings data (tests/quality/data/pistonrings.csv) as a 40 x 5 matrix."""
    with open(DATA / "pistonrings.csv") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return np.array([float(r["value"]) for r in rows]).reshape(40, 5)


REL = 1e-9


def r4(v: float) -> float:
    """R's print(digits = 4): four significant digits."""
    return float(f"{v:.4g}")


def test_pistonrings_equals_qcc_process_capability() -> None:
    # qcc quick tour: q1 <- qcc(diameter[1:25,], type="xbar", nsigmas=3);
    # process.capability(q1, spec.limits=c(73.95,74.05)).
    res = capability(pistonrings()[:25], lsl=73.95, usl=74.05)
    assert res.method == "rbar" and res.n == 125
    assert (r4(res.cp), r4(res.cp_ci[0]), r4(res.cp_ci[1])) == (1.703, 1.491, 1.915)
    assert (r4(res.cpl), r4(res.cpl_ci[0]), r4(res.cpl_ci[1])) == (1.743, 1.555, 1.932)
    assert (r4(res.cpu), r4(res.cpu_ci[0]), r4(res.cpu_ci[1])) == (1.663, 1.483, 1.844)
    assert (r4(res.cpk), r4(res.cpk_ci[0]), r4(res.cpk_ci[1])) == (1.663, 1.448, 1.878)
    assert (r4(res.cpm), r4(res.cpm_ci[0]), r4(res.cpm_ci[1])) == (1.691, 1.480, 1.902)


def test_pistonrings_with_target_equals_qcc() -> None:
    # process.capability(q1, spec.limits=c(73.95,74.05), target=74.02) printed to 5 digits.
    res = capability(pistonrings()[:25], lsl=73.95, usl=74.05, target=74.02)
    assert [round(v, 4) for v in (res.cpm, *res.cpm_ci)] == [0.7856, 0.6556, 0.9154]
    assert [round(v, 4) for v in (res.cp, *res.cp_ci)] == [1.7033, 1.4914, 1.9148]
    assert [round(v, 4) for v in (res.cpk, *res.cpk_ci)] == [1.6632, 1.4481, 1.8783]


def test_pistonrings_narrow_spec_equals_qcc() -> None:
    # process.capability(q1, spec.limits=c(73.99,74.01)): indices, and "Exp<LSL 0.13%",
    # "Exp>USL 0.18%" -- the quick tour (qcc 3.0 build) prints the expected *fraction* (0.13 =
    # 12.7 %) with a % sign; qcc 2.7's code prints 100 x that.  2 significant digits.
    res = capability(pistonrings()[:25], lsl=73.99, usl=74.01)
    assert [round(v, 4) for v in (res.cp, *res.cp_ci)] == [0.3407, 0.2983, 0.3830]
    assert [round(v, 4) for v in (res.cpl, *res.cpl_ci)] == [0.3807, 0.3176, 0.4439]
    assert [round(v, 4) for v in (res.cpu, *res.cpu_ci)] == [0.3006, 0.2424, 0.3588]
    assert [round(v, 4) for v in (res.cpk, *res.cpk_ci)] == [0.3006, 0.2312, 0.3700]
    assert [round(v, 4) for v in (res.cpm, *res.cpm_ci)] == [0.3382, 0.2960, 0.3804]
    assert float(f"{res.ppm_below / 1e6:.2g}") == 0.13
    assert float(f"{res.ppm_above / 1e6:.2g}") == 0.18


def test_hand_formulas_to_1e_9() -> None:
    x = pistonrings()
    lsl, usl, target = 73.96, 74.05, 74.0
    res = capability(x, lsl=lsl, usl=usl, target=target)
    flat = x.ravel()
    n = flat.size
    mean = float(flat.sum() / n)
    sw = float(np.mean((x.max(axis=1) - x.min(axis=1)) / 2.326))
    so = math.sqrt(sum((v - mean) ** 2 for v in flat) / (n - 1))
    cp = (usl - lsl) / (6 * sw)
    cpl, cpu = (mean - lsl) / (3 * sw), (usl - mean) / (3 * sw)
    cpk = min(cpl, cpu)
    z = stats.norm.ppf(0.975)
    half = z * math.sqrt(1 / (9 * n * cpk**2) + 1 / (2 * (n - 1)))
    d = (mean - target) / sw
    df = n * (1 + d * d) / (1 + 2 * d * d)
    cpm = cp / math.sqrt(1 + d * d)
    expected = {
        "mean": mean,
        "sigma_within": sw,
        "sigma_overall": so,
        "cp": cp,
        "cpk": cpk,
        "pp": (usl - lsl) / (6 * so),
        "ppk": min((mean - lsl) / (3 * so), (usl - mean) / (3 * so)),
        "cpm": cpm,
        "ppm_below": stats.norm.cdf((lsl - mean) / sw) * 1e6,
        "ppm_above": stats.norm.sf((usl - mean) / sw) * 1e6,
    }
    for name, value in expected.items():
        assert math.isclose(getattr(res, name), value, rel_tol=REL), name
    lo, hi = stats.chi2.ppf([0.025, 0.975], n - 1)
    assert np.allclose(res.cp_ci, [cp * math.sqrt(lo / (n - 1)), cp * math.sqrt(hi / (n - 1))],
                       rtol=REL)  # fmt: skip
    assert np.allclose(res.cpk_ci, [cpk * (1 - half), cpk * (1 + half)], rtol=REL)
    q = stats.chi2.ppf([0.025, 0.975], df)
    assert np.allclose(res.cpm_ci, cpm * np.sqrt(q / df), rtol=REL)


def test_one_sided_specs() -> None:
    x = pistonrings()[:25]
    upper = capability(x, usl=74.05)
    assert upper.cp is None and upper.pp is None and upper.cpm is None and upper.cp_ci is None
    assert upper.cpk == upper.cpu and upper.ppk == upper.ppu
    assert upper.ppm_below is None and upper.ppm_above is not None
    lower = capability(x, lsl=73.95)
    assert lower.cpk == lower.cpl and lower.ppm_above is None
    d = lower.to_dict()
    assert d["cp"] is None and d["cpm"] is None and d["cpk"] == lower.cpl


def test_bad_specs() -> None:
    x = pistonrings()[:25]
    with pytest.raises(SpcInputError, match="LSL"):
        capability(x, lsl=74.1, usl=74.0)
    with pytest.raises(SpcInputError, match="LSL"):
        capability(x, lsl=74.0, usl=74.0)
    with pytest.raises(SpcInputError, match="at least one specification"):
        capability(x)
    with pytest.raises(SpcInputError, match="too few points"):
        capability([1.0, 2.0], lsl=0.0, usl=3.0)
    with pytest.raises(SpcInputError, match="needs subgroups"):
        capability(np.arange(10.0), lsl=0.0, usl=20.0, sigma_method="rbar")


def test_sigma_methods_hand_formulas() -> None:
    x = pistonrings()[:25]
    sg = spc.Subgroups.from_matrix(x)
    sds = x.std(axis=1, ddof=1)
    c4 = lambda n: math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)  # noqa: E731
    assert math.isclose(sigma_within(sg, "sbar"), float(np.mean(sds)) / c4(5), rel_tol=REL)
    pooled = math.sqrt(float(np.mean(sds**2))) / c4(25 * 4 + 1)
    assert math.isclose(sigma_within(sg, "pooled"), pooled, rel_tol=REL)
    flat = x.ravel()
    mr = float(np.mean(np.abs(np.diff(flat)))) / 1.128
    assert math.isclose(sigma_within(sg, "mr"), mr, rel_tol=REL)


def test_anderson_darling_statistic_and_p_value() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(5, 2, 200)
    ad = anderson_darling(x)
    # scipy's A^2 (same composite-normal statistic, mean and n-1 SD estimated).
    assert math.isclose(
        ad.statistic, stats.anderson(x, method="interpolate").statistic, rel_tol=1e-9
    )
    a = ad.statistic * (1 + 0.75 / 200 + 2.25 / 200**2)
    assert math.isclose(ad.adjusted, a, rel_tol=1e-12)
    # D'Agostino & Stephens (1986) p-value branches.
    if a >= 0.6:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    elif a >= 0.2:
        p = 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    else:
        p = 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    assert math.isclose(ad.p_value, p, rel_tol=1e-12)
    skewed = anderson_darling(rng.exponential(1.0, 200))
    assert skewed.p_value < 1e-4


def test_boxcox_capability() -> None:
    rng = np.random.default_rng(11)
    x = rng.lognormal(1.0, 0.4, 500)
    res = boxcox_capability(x, lsl=0.5, usl=12.0)
    assert abs(res.lambda_) < 0.25  # log-normal data: lambda near 0
    fixed = boxcox_capability(x, lsl=0.5, usl=12.0, lambda_=0.0)
    direct = capability(np.log(x), lsl=math.log(0.5), usl=math.log(12.0))
    assert math.isclose(fixed.transformed.cpk, direct.cpk, rel_tol=1e-12)
    assert math.isclose(fixed.transformed.cp, direct.cp, rel_tol=1e-12)
    assert res.transformed.normality.p_value > capability(x, lsl=0.5, usl=12.0).normality.p_value
    with pytest.raises(SpcInputError, match="> 0"):
        boxcox_capability(x - 10, lsl=0.5, usl=12.0)


def test_percentile_capability() -> None:
    rng = np.random.default_rng(5)
    x = rng.gamma(2.0, 1.0, 5000)
    res = percentile_capability(x, lsl=0.0, usl=15.0)
    q_lo, med, q_hi = np.quantile(x, [0.00135, 0.5, 0.99865])
    assert math.isclose(res.pp, 15.0 / (q_hi - q_lo), rel_tol=REL)
    assert math.isclose(res.ppl, med / (med - q_lo), rel_tol=REL)
    assert math.isclose(res.ppu, (15.0 - med) / (q_hi - med), rel_tol=REL)
    assert res.ppk == min(res.ppl, res.ppu)
    one = percentile_capability(x, usl=15.0)
    assert one.pp is None and one.ppk == one.ppu
