"""Measurement system analysis: crossed gauge R&R (AIAG MSA 4th ed.).  Pure library, no Django.

Two methods, both reporting *standard deviations* (not 5.15 or 6 sigma spreads):

``average_and_range`` (``method="xbar-r"``), AIAG MSA 4th ed. (2010), chapter III section B,
"Average and Range Method" and its worked example (Figures III-B 15/16):

* EV (repeatability)   = R-double-bar x K1, K1 by number of trials (2: 0.8862, 3: 0.5908);
* AV (reproducibility) = sqrt((X-diff x K2)^2 - EV^2 / (n r)), K2 by number of appraisers
  (2: 0.7071, 3: 0.5231); a negative radicand gives AV = 0 (the manual's rule);
* GRR = sqrt(EV^2 + AV^2); PV = R_p x K3, K3 by number of parts (2..10 below);
* TV = sqrt(GRR^2 + PV^2).
The K constants are 1/d2* of the manual's table; they are typed in from the manual, not
computed, so the results equal the manual's to its printed precision.

``anova`` (``method="anova"``), AIAG MSA 4th ed. chapter III section B "Analysis of Variance
(ANOVA) Method": two-way crossed random-effects ANOVA with the part x appraiser interaction.
When the interaction's p-value is above ``alpha_interaction`` (0.25 by default - the value
Minitab's "Gage R&R Study (Crossed)" uses, "alpha to remove interaction term"), the interaction
is pooled with the error term and the variance components come from the additive model, as the
AIAG manual does for its example ("the estimate of variance is based on the model without
interaction").  Negative variance-component estimates are set to zero.

Percentages: ``%study var = 100 x component / TV``; ``%tolerance = 100 x 6 x component /
tolerance`` (6 sigma, the manual's and Minitab's default); ``ndc = floor(1.41 x PV / GRR)``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Literal, NoReturn, TextIO

import numpy as np
from numpy.typing import NDArray
from scipy import stats

Method = Literal["anova", "xbar-r"]
METHODS: tuple[Method, ...] = ("anova", "xbar-r")

# AIAG MSA 4th ed., average and range method constants (Figure III-B 16 / Appendix C).
K1: dict[int, float] = {2: 0.8862, 3: 0.5908}  # by number of trials
K2: dict[int, float] = {2: 0.7071, 3: 0.5231}  # by number of appraisers
K3: dict[int, float] = {
    2: 0.7071,
    3: 0.5231,
    4: 0.4467,
    5: 0.4030,
    6: 0.3742,
    7: 0.3534,
    8: 0.3375,
    9: 0.3249,
    10: 0.3146,
}
DEFAULT_ALPHA_INTERACTION = 0.25
STUDY_SIGMAS = 6.0


class MsaInputError(ValueError):
    """A study that cannot be analysed (unbalanced, too small, bad values); message names why."""


@dataclass(frozen=True)
class AnovaRow:
    source: str
    df: int
    ss: float
    ms: float
    f: float | None
    p: float | None


@dataclass(frozen=True)
class GaugeRR:
    method: Method
    parts: int
    operators: int
    trials: int
    repeatability: float
    reproducibility: float
    grr: float
    part_to_part: float
    total: float
    pct_study_var_grr: float
    pct_tolerance_grr: float | None
    ndc: int
    interaction: float = 0.0  # sigma of part x operator (ANOVA, not pooled)
    interaction_pooled: bool | None = None  # ANOVA only
    anova_table: tuple[AnovaRow, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The CLI's JSON contract: method, the six standard deviations, %s and ndc."""
        return {
            "method": self.method,
            "repeatability": self.repeatability,
            "reproducibility": self.reproducibility,
            "grr": self.grr,
            "part_to_part": self.part_to_part,
            "total": self.total,
            "pct_study_var_grr": self.pct_study_var_grr,
            "pct_tolerance_grr": self.pct_tolerance_grr,
            "ndc": self.ndc,
        }

    def details(self) -> dict[str, object]:
        d = asdict(self)
        d["anova_table"] = [asdict(r) for r in self.anova_table]
        return d


# --------------------------------------------------------------------------------------------
# Data shaping
# --------------------------------------------------------------------------------------------


def study_array(
    rows: list[tuple[str, str, float]],
) -> tuple[NDArray[np.float64], list[str], list[str]]:
    """``(part, operator, value)`` rows -> array ``[part, operator, trial]`` plus labels.

    Labels keep their first-appearance order.  Raises :class:`MsaInputError` when the study is
    unbalanced (not every operator measured every part the same number of times) or too small
    (fewer than 2 parts, 2 operators or 2 trials).
    """
    if not rows:
        raise MsaInputError("the study has no measurements")
    cells: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
    parts: list[str] = []
    ops: list[str] = []
    for part, op, value in rows:
        if not math.isfinite(value):
            raise MsaInputError(f"part {part}, operator {op}: value {value!r} is not a number")
        if part not in parts:
            parts.append(part)
        if op not in ops:
            ops.append(op)
        cells.setdefault((part, op), []).append(float(value))
    if len(parts) < 2:
        raise MsaInputError(f"too small: {len(parts)} part(s), a gauge R&R needs at least 2")
    if len(ops) < 2:
        raise MsaInputError(f"too small: {len(ops)} operator(s), a gauge R&R needs at least 2")
    counts = {len(v) for v in cells.values()}
    missing = [(p, o) for p in parts for o in ops if (p, o) not in cells]
    if missing:
        p, o = missing[0]
        raise MsaInputError(
            f"unbalanced: operator {o} did not measure part {p} ({len(missing)} cell(s) missing)"
        )
    if len(counts) != 1:
        raise MsaInputError(
            "unbalanced: every operator must measure every part the same number of times "
            f"(found {min(counts)} to {max(counts)} trials per part and operator)"
        )
    trials = counts.pop()
    if trials < 2:
        raise MsaInputError("too small: 1 trial per part and operator, at least 2 are needed")
    data = np.array([[cells[(p, o)] for o in ops] for p in parts], dtype=float)
    return data, parts, ops


def _finish(
    method: Method,
    data: NDArray[np.float64],
    ev: float,
    av: float,
    pv: float,
    tolerance: float | None,
    *,
    interaction: float = 0.0,
    interaction_pooled: bool | None = None,
    anova_table: tuple[AnovaRow, ...] = (),
) -> GaugeRR:
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise MsaInputError(f"tolerance must be a positive number, got {tolerance}")
    grr = math.hypot(ev, av)
    tv = math.hypot(grr, pv)
    if tv == 0:
        raise MsaInputError("all measurements are identical: total variation is zero")
    ndc = math.floor(1.41 * pv / grr) if grr > 0 else 0
    p, o, r = data.shape
    return GaugeRR(
        method=method,
        parts=p,
        operators=o,
        trials=r,
        repeatability=ev,
        reproducibility=av,
        grr=grr,
        part_to_part=pv,
        total=tv,
        pct_study_var_grr=100.0 * grr / tv,
        pct_tolerance_grr=None if tolerance is None else 100.0 * STUDY_SIGMAS * grr / tolerance,
        ndc=ndc,
        interaction=interaction,
        interaction_pooled=interaction_pooled,
        anova_table=anova_table,
    )


# --------------------------------------------------------------------------------------------
# Average and range method
# --------------------------------------------------------------------------------------------


def average_and_range(data: NDArray[np.float64], tolerance: float | None = None) -> GaugeRR:
    """AIAG average-and-range gauge R&R of ``data[part, operator, trial]``."""
    p, o, r = data.shape
    if r not in K1:
        raise MsaInputError(f"the average and range method needs 2 or 3 trials, got {r}")
    if o not in K2:
        raise MsaInputError(f"the average and range method needs 2 or 3 operators, got {o}")
    if p not in K3:
        raise MsaInputError(f"the average and range method needs 2 to 10 parts, got {p}")
    r_double_bar = float(np.ptp(data, axis=2).mean())
    x_diff = float(np.ptp(data.mean(axis=(0, 2))))
    r_p = float(np.ptp(data.mean(axis=(1, 2))))
    ev = r_double_bar * K1[r]
    radicand = (x_diff * K2[o]) ** 2 - ev**2 / (p * r)
    av = math.sqrt(radicand) if radicand > 0 else 0.0
    pv = r_p * K3[p]
    return _finish("xbar-r", data, ev, av, pv, tolerance)


# --------------------------------------------------------------------------------------------
# ANOVA method
# --------------------------------------------------------------------------------------------


def anova(
    data: NDArray[np.float64],
    tolerance: float | None = None,
    alpha_interaction: float = DEFAULT_ALPHA_INTERACTION,
) -> GaugeRR:
    """Two-way crossed ANOVA gauge R&R of ``data[part, operator, trial]``."""
    p, o, r = data.shape
    grand = data.mean()
    part_means = data.mean(axis=(1, 2))
    op_means = data.mean(axis=(0, 2))
    cell_means = data.mean(axis=2)
    ss_part = o * r * float(((part_means - grand) ** 2).sum())
    ss_op = p * r * float(((op_means - grand) ** 2).sum())
    ss_total = float(((data - grand) ** 2).sum())
    ss_error = float(((data - cell_means[:, :, None]) ** 2).sum())
    ss_int = max(ss_total - ss_part - ss_op - ss_error, 0.0)
    df_part, df_op = p - 1, o - 1
    df_int, df_error = df_part * df_op, p * o * (r - 1)
    ms_part, ms_op = ss_part / df_part, ss_op / df_op
    ms_int, ms_error = ss_int / df_int, ss_error / df_error

    def fp(ms_num: float, ms_den: float, df_num: int, df_den: int) -> tuple[float, float]:
        if ms_den == 0:
            return math.inf, 0.0
        f = ms_num / ms_den
        return f, float(stats.f.sf(f, df_num, df_den))

    f_int, p_int = fp(ms_int, ms_error, df_int, df_error)
    pooled = p_int > alpha_interaction
    table: tuple[AnovaRow, ...]
    if pooled:
        df_res = df_int + df_error
        ms_res = (ss_int + ss_error) / df_res
        f_part, p_part = fp(ms_part, ms_res, df_part, df_res)
        f_op, p_op = fp(ms_op, ms_res, df_op, df_res)
        var_ev = ms_res
        var_int = 0.0
        var_op = max((ms_op - ms_res) / (p * r), 0.0)
        var_part = max((ms_part - ms_res) / (o * r), 0.0)
        table = (
            AnovaRow("part", df_part, ss_part, ms_part, f_part, p_part),
            AnovaRow("operator", df_op, ss_op, ms_op, f_op, p_op),
            AnovaRow("repeatability", df_res, ss_int + ss_error, ms_res, None, None),
            AnovaRow("total", p * o * r - 1, ss_total, ss_total / (p * o * r - 1), None, None),
        )
    else:
        f_part, p_part = fp(ms_part, ms_int, df_part, df_int)
        f_op, p_op = fp(ms_op, ms_int, df_op, df_int)
        var_ev = ms_error
        var_int = max((ms_int - ms_error) / r, 0.0)
        var_op = max((ms_op - ms_int) / (p * r), 0.0)
        var_part = max((ms_part - ms_int) / (o * r), 0.0)
        table = (
            AnovaRow("part", df_part, ss_part, ms_part, f_part, p_part),
            AnovaRow("operator", df_op, ss_op, ms_op, f_op, p_op),
            AnovaRow("part x operator", df_int, ss_int, ms_int, f_int, p_int),
            AnovaRow("repeatability", df_error, ss_error, ms_error, None, None),
            AnovaRow("total", p * o * r - 1, ss_total, ss_total / (p * o * r - 1), None, None),
        )
    return _finish(
        "anova",
        data,
        math.sqrt(var_ev),
        math.sqrt(var_op + var_int),
        math.sqrt(var_part),
        tolerance,
        interaction=math.sqrt(var_int),
        interaction_pooled=pooled,
        anova_table=table,
    )


def gauge_rr(
    rows: list[tuple[str, str, float]],
    method: Method = "anova",
    tolerance: float | None = None,
) -> GaugeRR:
    """Gauge R&R of ``(part, operator, value)`` rows by ``method`` ("anova" or "xbar-r")."""
    if method not in METHODS:
        raise MsaInputError(f"unknown method {method!r}; use one of: {', '.join(METHODS)}")
    data, _, _ = study_array(rows)
    if method == "anova":
        return anova(data, tolerance)
    return average_and_range(data, tolerance)


# --------------------------------------------------------------------------------------------
# CLI: qdm msa FILE [--tolerance T] [--method anova|xbar-r] [--json]
# --------------------------------------------------------------------------------------------


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ArgError(message)


def read_study_csv(path: str) -> list[tuple[str, str, float]]:
    """Rows of a CSV with ``part``, ``operator`` and ``value`` columns (any order, any case)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            lines = [(n, row) for n, row in enumerate(csv.reader(fh), start=1)]
    except FileNotFoundError:
        raise MsaInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MsaInputError(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise MsaInputError(f"{path}: not a UTF-8 text file") from None
    lines = [
        (n, row)
        for n, row in lines
        if row and "".join(row).strip() and not row[0].lstrip().startswith("#")
    ]
    if not lines:
        raise MsaInputError(f"{path}: empty file (no header line)")
    header = [c.strip().lower() for c in lines[0][1]]
    idx = {}
    for name in ("part", "operator", "value"):
        if name not in header:
            raise MsaInputError(f"{path}: no {name!r} column (need part, operator, value)")
        idx[name] = header.index(name)
    out = []
    for n, row in lines[1:]:
        if len(row) <= max(idx.values()):
            raise MsaInputError(f"{path}, line {n}: expected {len(header)} columns")
        cell = row[idx["value"]].strip()
        try:
            value = float(cell)
        except ValueError:
            raise MsaInputError(f"{path}, line {n}: value {cell!r} is not a number") from None
        if not math.isfinite(value):
            raise MsaInputError(f"{path}, line {n}: value {cell!r} is not a finite number")
        out.append((row[idx["part"]].strip(), row[idx["operator"]].strip(), value))
    return out


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f} %"


def msa_command(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """``qdm msa FILE [--tolerance T] [--method anova|xbar-r] [--json]``; exit 0, or 2."""
    parser = _Parser(prog="qdm msa", add_help=False)
    parser.add_argument("file")
    parser.add_argument("--tolerance", type=float, default=None)
    parser.add_argument("--method", default="anova")
    parser.add_argument("--json", action="store_true")
    try:
        args = parser.parse_args(argv)
        res = gauge_rr(read_study_csv(args.file), method=args.method, tolerance=args.tolerance)
    except (_ArgError, MsaInputError) as exc:
        stderr.write(f"qdm msa: error: {exc}\n")
        return 2
    if args.json:
        stdout.write(json.dumps(res.to_dict()) + "\n")
        return 0
    pooled = ""
    if res.interaction_pooled is not None:
        pooled = ", interaction pooled" if res.interaction_pooled else ", interaction kept"
    out = [
        f"gauge R&R ({res.method}{pooled}): {res.parts} parts x {res.operators} operators "
        f"x {res.trials} trials",
        f"  repeatability (EV)   {res.repeatability:.5f}",
        f"  reproducibility (AV) {res.reproducibility:.5f}",
        f"  GRR                  {res.grr:.5f}",
        f"  part-to-part (PV)    {res.part_to_part:.5f}",
        f"  total (TV)           {res.total:.5f}",
        f"  %GRR of study var {_pct(res.pct_study_var_grr)}   "
        f"%GRR of tolerance {_pct(res.pct_tolerance_grr)}   ndc {res.ndc}",
    ]
    stdout.write("\n".join(out) + "\n")
    return 0
