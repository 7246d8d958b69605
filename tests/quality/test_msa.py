"""Gauge R&R (qdm.quality.msa) against the AIAG MSA 4th edition worked example.

Source of the data and of every expected number: AIAG, *Measurement Systems Analysis*,
4th edition (2010), chapter III section B - the gauge study of 10 parts x 3 appraisers
(A, B, C) x 3 trials used for both the average-and-range method (data sheet Figure III-B 15,
report Figure III-B 16) and the ANOVA method (Table III-B 5 "ANOVA Table" and Table III-B 6
"ANOVA Analysis % Variation & Contribution").

Published intermediate values (Figure III-B 15): R-double-bar = 0.3417, X-diff = 0.4447,
R_p = 3.511.  Published results (Figure III-B 16, standard deviations): EV = 0.20188,
AV = 0.22963, GRR = 0.30575, PV = 1.10456, TV = 1.14610, %GRR = 26.68 %, ndc = 5.  The manual
computes from the 4-decimal rounded intermediates, so our unrounded results agree to about
5e-5 (checked to 2e-4 below).

ANOVA table (Table III-B 5): appraiser df 2 SS 3.1673 MS 1.58363 F 79.41; parts df 9
SS 88.3619 MS 9.81799 F 492.29; appraiser-by-part df 18 SS 0.3590 MS 0.01994 F 0.434;
equipment df 60 SS 2.7589 MS 0.04598; total df 89 SS 94.6471.  The interaction is not
significant, so the manual estimates the components from the model without interaction
(Table III-B 6, standard deviations): EV = 0.199933, AV = 0.226838, INT = 0, GRR = 0.302373,
PV = 1.042327, %GRR = 27.86 % (of TV 1.085), ndc = 4.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from qdm.quality.msa import (
    MsaInputError,
    anova,
    average_and_range,
    gauge_rr,
    msa_command,
    study_array,
)

# trial rows x parts 1..10, per appraiser (AIAG MSA 4th ed., Figure III-B 15)
AIAG = {
    "A": [
        [0.29, -0.56, 1.34, 0.47, -0.80, 0.02, 0.59, -0.31, 2.26, -1.36],
        [0.41, -0.68, 1.17, 0.50, -0.92, -0.11, 0.75, -0.20, 1.99, -1.25],
        [0.64, -0.58, 1.27, 0.64, -0.84, -0.21, 0.66, -0.17, 2.01, -1.31],
    ],
    "B": [
        [0.08, -0.47, 1.19, 0.01, -0.56, -0.20, 0.47, -0.63, 1.80, -1.68],
        [0.25, -1.22, 0.94, 1.03, -1.20, 0.22, 0.55, 0.08, 2.12, -1.62],
        [0.07, -0.68, 1.34, 0.20, -1.28, 0.06, 0.83, -0.34, 2.19, -1.50],
    ],
    "C": [
        [0.04, -1.38, 0.88, 0.14, -1.46, -0.29, 0.02, -0.46, 1.77, -1.49],
        [-0.11, -1.13, 1.09, 0.20, -1.07, -0.67, 0.01, -0.56, 1.45, -1.77],
        [-0.15, -0.96, 0.67, 0.11, -1.45, -0.49, 0.21, -0.49, 1.87, -2.16],
    ],
}
ROWS = [
    (f"P{p + 1}", op, trial[p])
    for op, trials in AIAG.items()
    for trial in trials
    for p in range(10)
]


def write_csv(tmp_path: Path, rows: list[tuple[str, str, float]], name: str = "s.csv") -> str:
    path = tmp_path / name
    path.write_text(
        "part,operator,value\n" + "".join(f"{p},{o},{v}\n" for p, o, v in rows), "utf-8"
    )
    return str(path)


def test_published_intermediates() -> None:
    data, parts, ops = study_array(ROWS)
    assert data.shape == (10, 3, 3)
    assert ops == ["A", "B", "C"] and parts[0] == "P1"
    assert np.ptp(data, axis=2).mean() == pytest.approx(0.3417, abs=5e-5)
    assert np.ptp(data.mean(axis=(0, 2))) == pytest.approx(0.4447, abs=5e-5)
    assert np.ptp(data.mean(axis=(1, 2))) == pytest.approx(3.511, abs=5e-4)


def test_average_and_range_equals_manual() -> None:
    res = gauge_rr(ROWS, method="xbar-r")
    assert res.method == "xbar-r"
    assert res.repeatability == pytest.approx(0.20188, abs=2e-4)
    assert res.reproducibility == pytest.approx(0.22963, abs=2e-4)
    assert res.grr == pytest.approx(0.30575, abs=2e-4)
    assert res.part_to_part == pytest.approx(1.10456, abs=2e-4)
    assert res.total == pytest.approx(1.14610, abs=2e-4)
    assert res.pct_study_var_grr == pytest.approx(26.68, abs=0.01)
    assert res.ndc == 5


def test_anova_table_equals_manual() -> None:
    data, _, _ = study_array(ROWS)
    table = {r.source: r for r in anova(data, alpha_interaction=1.0).anova_table}
    assert table["operator"].ss == pytest.approx(3.1673, abs=1e-4)
    assert table["operator"].ms == pytest.approx(1.58363, abs=1e-5)
    assert table["operator"].f == pytest.approx(79.41, abs=0.01)
    assert table["part"].ss == pytest.approx(88.3619, abs=1e-4)
    assert table["part"].ms == pytest.approx(9.81799, abs=1e-5)
    assert table["part"].f == pytest.approx(492.29, abs=0.01)
    assert table["part x operator"].df == 18
    assert table["part x operator"].ss == pytest.approx(0.3590, abs=1e-4)
    assert table["part x operator"].ms == pytest.approx(0.01994, abs=1e-5)
    assert table["part x operator"].f == pytest.approx(0.434, abs=1e-3)
    assert table["repeatability"].df == 60
    assert table["repeatability"].ss == pytest.approx(2.7589, abs=1e-4)
    assert table["repeatability"].ms == pytest.approx(0.04598, abs=1e-5)
    assert table["total"].ss == pytest.approx(94.6471, abs=1e-4)


def test_anova_pools_interaction_and_equals_manual() -> None:
    res = gauge_rr(ROWS, method="anova")
    assert res.interaction_pooled is True  # p(interaction) = 0.974 > 0.25
    assert res.repeatability == pytest.approx(0.199933, abs=1e-6)
    assert res.reproducibility == pytest.approx(0.226838, abs=1e-6)
    assert res.interaction == 0
    assert res.grr == pytest.approx(0.302373, abs=2e-6)
    assert res.part_to_part == pytest.approx(1.042327, abs=1e-6)
    assert res.total == pytest.approx(1.085, abs=5e-4)
    assert res.pct_study_var_grr == pytest.approx(27.86, abs=0.01)
    assert res.ndc == 4


def test_anova_keeps_significant_interaction() -> None:
    # Constructed: operator B reads part 1 high and part 2 low (a strong part x operator
    # effect); components follow the AIAG expected mean squares of the full model.
    rows = []
    base = {"P1": 10.0, "P2": 12.0, "P3": 14.0}
    bias = {("P1", "B"): 0.8, ("P2", "B"): -0.8}
    for part, mu in base.items():
        for op in ("A", "B"):
            for e in (-0.01, 0.01):
                rows.append((part, op, mu + bias.get((part, op), 0.0) + e))
    res = gauge_rr(rows, method="anova")
    assert res.interaction_pooled is False
    data, _, _ = study_array(rows)
    table = {r.source: r for r in res.anova_table}
    ms_int, ms_e = table["part x operator"].ms, table["repeatability"].ms
    assert res.repeatability == pytest.approx(np.sqrt(ms_e))
    assert res.interaction == pytest.approx(np.sqrt((ms_int - ms_e) / 2))
    var_op = max((table["operator"].ms - ms_int) / (3 * 2), 0.0)
    assert res.reproducibility == pytest.approx(np.sqrt(var_op + res.interaction**2))
    assert data.shape == (3, 2, 2)


def test_tolerance_percent() -> None:
    res = gauge_rr(ROWS, method="xbar-r", tolerance=5.0)
    # 6 sigma GRR over the tolerance
    assert res.pct_tolerance_grr == pytest.approx(100 * 6 * res.grr / 5.0)
    assert res.pct_tolerance_grr == pytest.approx(36.69, abs=0.01)
    with pytest.raises(MsaInputError, match="tolerance must be a positive"):
        gauge_rr(ROWS, tolerance=0.0)


def test_av_clamped_to_zero_when_negative() -> None:
    # identical operator means: X-diff = 0 so the radicand is negative -> AV = 0 (AIAG rule)
    rows = [(p, o, v) for p in ("1", "2") for o in ("A", "B") for v in (float(p), float(p) + 0.1)]
    data, _, _ = study_array(rows)
    assert average_and_range(data).reproducibility == 0.0


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no measurements"),
        ([("1", "A", 1.0), ("1", "A", 1.1), ("1", "B", 1.0), ("1", "B", 1.2)], "1 part"),
        ([("1", "A", 1.0), ("1", "A", 1.1), ("2", "A", 2.0), ("2", "A", 2.1)], "1 operator"),
        (ROWS[:-1], "unbalanced"),
        ([r for r in ROWS if not (r[0] == "P3" and r[1] == "B")], "did not measure part P3"),
        (
            [
                (p, o, 1.0 + i)
                for i, (p, o) in enumerate([("1", "A"), ("1", "B"), ("2", "A"), ("2", "B")])
            ],
            "1 trial",
        ),
    ],
)
def test_bad_studies(rows: list[tuple[str, str, float]], message: str) -> None:
    with pytest.raises(MsaInputError, match=message):
        gauge_rr(rows)


def test_average_and_range_limits() -> None:
    rows = [(p, o, float(t)) for p in "12" for o in "ABCD" for t in range(2)]
    with pytest.raises(MsaInputError, match="2 or 3 operators, got 4"):
        gauge_rr(rows, method="xbar-r")
    with pytest.raises(MsaInputError, match="unknown method"):
        gauge_rr(rows, method="bogus")  # type: ignore[arg-type]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = msa_command(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_json(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ROWS)
    code, out, err = run([path, "--method", "xbar-r", "--tolerance", "5", "--json"])
    assert code == 0, err
    got = json.loads(out)
    assert list(got) == [
        "method",
        "repeatability",
        "reproducibility",
        "grr",
        "part_to_part",
        "total",
        "pct_study_var_grr",
        "pct_tolerance_grr",
        "ndc",
    ]
    assert got["method"] == "xbar-r" and got["ndc"] == 5
    assert got["grr"] == pytest.approx(0.30575, abs=2e-4)
    code, out, _ = run([path, "--json"])
    assert json.loads(out)["method"] == "anova" and json.loads(out)["pct_tolerance_grr"] is None
    code, out, _ = run([path])
    assert code == 0 and "interaction pooled" in out and "ndc 4" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("part,operator,value\n1,A,1\n1,A,2\n1,B,1\n2,A,2\n2,A,1\n2,B,3\n", "unbalanced"),
        ("part,operator,value\n1,A,1\n1,A,2\n", "too small"),
        ("part,value\n1,1\n", "no 'operator' column"),
        ("part,operator,value\n1,A,x\n", "line 2: value 'x' is not a number"),
        ("", "empty file"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, "utf-8")
    code, out, err = run([str(path)])
    assert code == 2 and out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_cli_bad_arguments(tmp_path: Path) -> None:
    assert run([str(tmp_path / "missing.csv")])[0] == 2
    path = write_csv(tmp_path, ROWS)
    code, _, err = run([path, "--method", "median"])
    assert code == 2 and "unknown method" in err
    code, _, err = run([path, "--tolerance", "abc"])
    assert code == 2 and "tolerance" in err
