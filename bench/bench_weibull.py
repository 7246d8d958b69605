"""Timing figures for qdm.quality.reliability (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_weibull.py``

Target from the issue: a Weibull fit of 100,000 units with censoring under 1 s. The baseline,
timed in the same run on the same data, is the textbook approach: a general-purpose optimiser
(scipy ``minimize``, Nelder-Mead) on the censored log-likelihood, and Johnson's adjusted ranks
computed by a per-failure Python loop (as ``reliability`` does).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy import optimize

from qdm.quality import reliability as rel

N = 100_000


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def baseline_mle(failures: np.ndarray, censored: np.ndarray) -> tuple[float, float]:
    def nll(p: np.ndarray) -> float:
        beta, eta = p
        if beta <= 0 or eta <= 0:
            return np.inf
        return rel.neg_log_likelihood(beta, eta, failures, censored)

    res = optimize.minimize(
        nll,
        [1.0, float(np.mean(failures))],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 5000},
    )
    return float(res.x[0]), float(res.x[1])


def baseline_ranks(failures: np.ndarray, censored: np.ndarray) -> list[float]:
    times = np.concatenate([failures, censored])
    is_f = np.concatenate([np.ones(failures.size, bool), np.zeros(censored.size, bool)])
    order = np.argsort(times, kind="stable")
    n = times.size
    ranks: list[float] = []
    previous = 0.0
    for position, idx in enumerate(order.tolist()):
        if is_f[idx]:
            reverse = n - position
            previous = previous + (n + 1 - previous) / (1 + reverse)
            ranks.append((previous - 0.3) / (n + 0.4))
    return ranks


def main() -> None:
    rng = np.random.default_rng(2026)
    life = 300.0 * rng.weibull(1.6, N)  # months to failure
    age = rng.uniform(1, 120, N)  # months in the field so far
    times = np.minimum(life, age)
    flags = (life > age).astype(int)
    failures, censored = times[flags == 0], times[flags == 1]
    rel.fit_weibull(times[:100], flags[:100])  # warm-up

    for method in rel.METHODS:
        t = best_of(lambda m=method: rel.fit_weibull(times, flags, method=m))
        fit = rel.fit_weibull(times, flags, method=method)
        print(
            f"Weibull {method.upper()}, {N:,} units ({fit.n_failures:,} failures, "
            f"{fit.n_censored:,} censored) with Fisher bounds: {t:.3f} s (target < 1 s); "
            f"beta {fit.beta:.4f} eta {fit.eta:.1f}"
        )

    t0 = time.perf_counter()
    b, e = baseline_mle(failures, censored)
    t_base = time.perf_counter() - t0
    t_ours = best_of(lambda: rel.fit_weibull(times, flags, method="mle"))
    print(
        f"baseline MLE (scipy Nelder-Mead on the log-likelihood): {t_base:.3f} s "
        f"(beta {b:.4f} eta {e:.1f}) vs qdm {t_ours:.3f} s: {t_base / t_ours:.0f}x"
    )

    t0 = time.perf_counter()
    baseline_ranks(failures, censored)
    t_loop = time.perf_counter() - t0
    t_vec = best_of(lambda: rel.plotting_positions(failures, censored))
    print(
        f"Johnson's adjusted ranks, per-failure Python loop: {t_loop:.3f} s vs vectorised "
        f"{t_vec:.3f} s: {t_loop / t_vec:.0f}x"
    )


if __name__ == "__main__":
    main()
