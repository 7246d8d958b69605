"""qdm.quality.reliability against the Python package ``reliability`` (Matthew Reid).

Reference numbers were computed with ``reliability`` 0.9.0:

    from reliability.Fitters import Fit_Weibull_2P
    Fit_Weibull_2P(failures=FAILURES, right_censored=SUSPENDED, method="MLE"|"RRX",
                   optimizer="best", show_probability_plot=False, print_results=False)

and ``reliability.Probability_plotting.plotting_positions`` for the median ranks. When the
package is installed (it is in the ``test`` extras) the live comparison tests re-run it on
further data sets.
"""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pytest

from qdm.quality import reliability as rel
from qdm.quality.weibull_cli import weibull_command

FAILURES = [1032.0, 1378.0, 2007.0, 2444.0, 2788.0, 3176.0, 3620.0, 4181.0, 4755.0, 5590.0]
SUSPENDED = [1500.0, 2500.0, 3000.0, 3500.0, 4000.0, 5000.0, 6000.0, 6000.0, 6000.0, 6000.0]
TIMES = FAILURES + SUSPENDED
FLAGS = [0] * len(FAILURES) + [1] * len(SUSPENDED)

# reliability 0.9.0, Fit_Weibull_2P(method="MLE", optimizer="best") -> nelder-mead optimum
MLE = {
    "beta": 1.8965426507017047,
    "eta": 5808.830675144059,
    "beta_ci": (1.1211198485051952, 3.208286813159548),
    "eta_ci": (4107.056888974733, 8215.740547221374),
    "b10": 1773.2540323973276,  # .distribution.quantile(0.1)
}
# reliability 0.9.0, Fit_Weibull_2P(method="RRX")
RRX = {
    "beta": 1.8851246173150535,
    "eta": 5596.4016884906805,
    "beta_ci": (1.130035448370329, 3.1447640230509206),
    "eta_ci": (4065.3947836759903, 7703.977971512423),
    "b10": 1696.1719765821335,
}
# reliability 0.9.0, plotting_positions(failures=FAILURES, right_censored=SUSPENDED)[1]
MEDIAN_RANKS = [
    0.03431373,
    0.08333333,
    0.13507625,
    0.18681917,
    0.24201162,
    0.30144964,
    0.36629112,
    0.4383372,
    0.51038329,
    0.59443705,
]

REL = 1e-6


def close(a: float, b: float, tol: float = REL) -> bool:
    return abs(a - b) <= tol * abs(b)


@pytest.mark.parametrize(("method", "ref"), [("mle", MLE), ("rr", RRX)])
def test_fit_matches_reference(method, ref):
    fit = rel.fit_weibull(TIMES, FLAGS, method=method)
    assert close(fit.beta, ref["beta"])
    assert close(fit.eta, ref["eta"])
    assert close(fit.b10, ref["b10"])
    for ours, theirs in zip(
        (*fit.beta_ci, *fit.eta_ci), (*ref["beta_ci"], *ref["eta_ci"]), strict=True
    ):
        assert close(ours, theirs)
    assert fit.n_failures == 10 and fit.n_censored == 10


def test_median_ranks_with_johnson_adjustment():
    x, f = rel.plotting_positions(FAILURES, SUSPENDED)
    assert x.tolist() == FAILURES
    np.testing.assert_allclose(f, MEDIAN_RANKS, atol=5e-9)


def test_uncensored_ranks_are_benard():
    # no censoring: adjusted rank = rank, F = (i - 0.3)/(n + 0.4) (Benard's approximation)
    x, f = rel.plotting_positions([5.0, 1.0, 3.0])
    assert x.tolist() == [1.0, 3.0, 5.0]
    np.testing.assert_allclose(f, [(i - 0.3) / 3.4 for i in (1, 2, 3)])


def test_mle_is_the_likelihood_maximum():
    fit = rel.fit_weibull(TIMES, FLAGS)
    best = rel.neg_log_likelihood(fit.beta, fit.eta, FAILURES, SUSPENDED)
    for db, de in [(1e-4, 0), (-1e-4, 0), (0, 1e-2), (0, -1e-2)]:
        assert rel.neg_log_likelihood(fit.beta + db, fit.eta + de, FAILURES, SUSPENDED) > best


def test_b_life_definition():
    # F(B10) = 0.10 by definition
    fit = rel.fit_weibull(TIMES, FLAGS)
    assert close(float(fit.cdf(fit.b10)), 0.10, 1e-12)


@pytest.mark.parametrize(
    ("times", "flags", "message"),
    [
        ([1, -2, 3], [0, 0, 0], "negative time"),
        ([1, 2, 3], [1, 1, 1], "no failures"),
        ([1, 2, 3], [1, 1, 0], "only one failure"),
        ([1, 2], [0, 2], "censored must be 1"),
        ([1, 2, 3], [0, 0], "must pair up"),
        ([0, 2, 3], [0, 0, 0], "failure at time 0"),
        ([4, 4, 9], [0, 0, 1], "all failure times are equal"),
    ],
)
def test_bad_input_names_the_problem(times, flags, message):
    with pytest.raises(rel.ReliabilityInputError, match=message):
        rel.fit_weibull(times, flags)


def test_unknown_method():
    with pytest.raises(rel.ReliabilityInputError, match="unknown method"):
        rel.fit_weibull(TIMES, FLAGS, method="ls")


def test_probability_plot_points_and_line():
    fit = rel.fit_weibull(TIMES, FLAGS)
    plot = rel.probability_plot(TIMES, FLAGS, fit)
    assert [p[0] for p in plot["points"]] == FAILURES
    assert plot["points"][0][1] == pytest.approx(MEDIAN_RANKS[0] * 100, abs=1e-6)
    assert plot["line"][0][1] < 1 and plot["line"][-1][1] > 99


def test_forecast_returns():
    # exponential case (beta = 1): memoryless, each unit fails within one period with
    # probability 1 - exp(-L/eta), whatever its age
    [cohort] = rel.forecast_returns(1.0, 100.0, {"2025-Q1": (1000, 37.0)}, periods=12)
    p = 1 - np.exp(-1 / 100)
    expected = [1000 * p * (1 - p) ** k for k in range(12)]
    np.testing.assert_allclose(cohort.expected, expected, rtol=1e-12)
    assert cohort.total == pytest.approx(1000 * (1 - np.exp(-12 / 100)), rel=1e-12)


def test_forecast_ages_array_equals_grouped_counts():
    ages = np.array([10.0] * 300 + [24.0] * 700)
    a = rel.forecast_returns(2.0, 120.0, {"c": ages}, unit_cost=250.0)[0]
    b = sum(
        rel.forecast_returns(2.0, 120.0, {"c": (n, age)})[0].total
        for n, age in ((300, 10.0), (700, 24.0))
    )
    assert a.units == 1000
    assert a.total == pytest.approx(b, rel=1e-12)
    assert a.cost == pytest.approx(250.0 * a.total)
    # wear-out (beta > 1): older units fail more in the next year
    young = rel.forecast_returns(2.0, 120.0, {"c": (100, 1.0)})[0].total
    old = rel.forecast_returns(2.0, 120.0, {"c": (100, 60.0)})[0].total
    assert old > young


def test_forecast_rejects_bad_input():
    with pytest.raises(rel.ReliabilityInputError, match="ages and unit counts"):
        rel.forecast_returns(2.0, 100.0, {"c": [-1.0]})


def test_vectorised_large_sample_recovers_parameters():
    rng = np.random.default_rng(11)
    life = 80.0 * rng.weibull(2.5, 100_000)
    age = rng.uniform(0, 60, 100_000)  # observation age: still running if life > age
    times = np.minimum(life, age)
    flags = (life > age).astype(int)
    fit = rel.fit_weibull(times, flags)
    assert fit.n_censored > 50_000
    assert fit.beta_ci[0] < 2.5 < fit.beta_ci[1]
    assert fit.eta_ci[0] < 80.0 < fit.eta_ci[1]


# --- the CLI --------------------------------------------------------------------------------


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = weibull_command(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, text):
    path = tmp_path / "life.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_json(tmp_path):
    rows = "\n".join(f"{t},{c}" for t, c in zip(TIMES, FLAGS, strict=True))
    path = write(tmp_path, f"# field returns\ntime,censored\n{rows}\n")
    code, out, _err = run([path, "--json"])
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "method",
        "beta",
        "eta",
        "b10",
        "n_failures",
        "n_censored",
        "beta_ci",
        "eta_ci",
    }
    assert data["method"] == "mle" and close(data["beta"], MLE["beta"])
    code, out, _err = run([path, "--json", "--method", "rr"])
    assert close(json.loads(out)["eta"], RRX["eta"])
    code, out, _err = run([path])
    assert code == 0 and "B10" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,censored\n10,0\n-5,0\n20,0\n", "negative time"),
        ("time,censored\n10,1\n20,1\n", "no failures"),
        ("time,censored\n10,0\nabc,0\n", "line 3: time value 'abc' is not a number"),
        ("time,status\n10,0\n", "no 'censored' column"),
        ("censored\n0\n", "no 'time' column"),
        ("time,censored\n", "no data rows"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path, text, message):
    code, out, err = run([write(tmp_path, text)])
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_cli_unknown_method_and_missing_file(tmp_path):
    code, _out, err = run([write(tmp_path, "time,censored\n1,0\n"), "--method", "ls"])
    assert code == 2 and "invalid choice" in err
    code, _out, err = run([str(tmp_path / "nope.csv")])
    assert code == 2 and "no such file" in err


# --- live comparison with the reference package -------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("method", "theirs"), [("mle", "MLE"), ("rr", "RRX")])
def test_live_against_reliability_package(seed, method, theirs):
    fitters = pytest.importorskip("reliability.Fitters")
    rng = np.random.default_rng(seed)
    n = [25, 120, 400][seed - 1]
    times = np.round(rng.uniform(0.5, 1.5) * 1000 * rng.weibull(rng.uniform(0.8, 3.0), n), 2)
    times = np.maximum(times, 0.01)
    flags = (rng.random(n) < [0.2, 0.5, 0.8][seed - 1]).astype(int)
    # distinct failure/suspension times: the package's unstable sort orders ties arbitrarily
    times = times + np.arange(n) * 1e-6
    ours = rel.fit_weibull(times, flags, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fitters.Fit_Weibull_2P(
            failures=times[flags == 0],
            right_censored=times[flags == 1],
            method=theirs,
            optimizer="best" if theirs == "MLE" else None,
            show_probability_plot=False,
            print_results=False,
        )
    assert close(ours.beta, ref.beta) and close(ours.eta, ref.alpha)
    assert close(ours.beta_ci[0], ref.beta_lower) and close(ours.beta_ci[1], ref.beta_upper)
    assert close(ours.eta_ci[0], ref.alpha_lower) and close(ours.eta_ci[1], ref.alpha_upper)
    assert close(ours.b10, ref.distribution.quantile(0.1))
