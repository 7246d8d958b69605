"""Timing figures for qdm.quality (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_spc.py``

Targets from the issue: I-MR limits + all Nelson rules on 1,000,000 points < 0.2 s; X-bar/R with
200,000 subgroups of 5 < 0.2 s; capability with CIs on 1,000,000 points < 0.5 s; the whole
``qdm spc`` command on a 1,000,000-line CSV with JSON output < 3 s.  A naive per-point Python
loop for rules 1 and 2 is timed on the same data for comparison.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qdm.quality import capability as cap
from qdm.quality import spc

N = 1_000_000


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def naive_rules_1_2(x: list[float], center: float, sigma: float) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    ucl, lcl = center + 3 * sigma, center - 3 * sigma
    run_side, run_len = 0, 0
    for i, v in enumerate(x):
        if v > ucl or v < lcl:
            out.append((1, i))
        side = 1 if v > center else (-1 if v < center else 0)
        run_len = run_len + 1 if side != 0 and side == run_side else (1 if side else 0)
        run_side = side
        if run_len >= 9:
            out.append((2, i))
    return out


def main() -> None:
    rng = np.random.default_rng(2024)
    x = rng.normal(10.0, 1.0, N)
    x[500_000:500_020] += 2.5  # a shift so that some rules fire

    spc.imr(x[:100])  # warm-up: imports, constant tables
    spc.xbar_r(x[:100].reshape(20, 5))
    cap.capability(x[:100], lsl=6.0, usl=14.0)

    t = best_of(lambda: spc.imr(x, rules="nelson"))
    res = spc.imr(x, rules="nelson")
    print(f"I-MR, {N:,} points, limits + 8 Nelson rules: {t:.3f} s  (target < 0.2 s; "
          f"{len(res.violations)} violations)")  # fmt: skip

    sub = x.reshape(200_000, 5)
    t = best_of(lambda: spc.xbar_r(sub))
    print(f"X-bar/R, 200,000 subgroups of 5, limits + 8 Nelson rules: {t:.3f} s  (target < 0.2 s)")

    t = best_of(lambda: cap.capability(x, lsl=6.0, usl=14.0, target=10.0))
    print(f"capability with CIs + Anderson-Darling, {N:,} points: {t:.3f} s  (target < 0.5 s)")

    xs = x.tolist()
    t0 = time.perf_counter()
    naive = naive_rules_1_2(xs, res.center, res.sigma)
    t_naive = time.perf_counter() - t0
    t_vec = best_of(lambda: spc.imr(x, rules="nelson"))
    print(f"naive per-point Python loop, rules 1 + 2 only, {N:,} points: {t_naive:.3f} s "
          f"({len(naive)} flags) vs vectorised all 8 rules + limits {t_vec:.3f} s")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "values.csv"
        with open(path, "w") as fh:
            fh.write("value\n")
            fh.write("\n".join(f"{v:.6f}" for v in x))
            fh.write("\n")
        code = (
            "import sys; from qdm.quality.cli import spc_command; "
            f"sys.exit(spc_command([{str(path)!r}, '--chart', 'imr', '--json'], sys.stdout))"
        )
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parent.parent / "src")
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
        times = []
        size = 0
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, check=True
            )
            times.append(time.perf_counter() - t0)
            size = len(proc.stdout)
        print(f"qdm spc CLI (python -c: start-up, parse, I-MR, rules, JSON), {N:,}-line CSV: "
              f"{min(times):.3f} s best of 3, {size / 1e6:.1f} MB JSON (target < 3 s)")  # fmt: skip


if __name__ == "__main__":
    main()
