"""CLI functions: JSON schema, values equal to the library, exit code 2 with one-line messages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from qdm.quality import spc
from qdm.quality.cli import capability_command, spc_command

DATA = Path(__file__).parent / "data"
PISTON = str(DATA / "pistonrings.csv")
SPC_KEYS = {"chart", "center", "lcl", "ucl", "sigma", "points", "violations", "secondary"}
SECONDARY_KEYS = {"center", "lcl", "ucl", "points"}
CAPABILITY_KEYS = {
    "n", "mean", "sigma_within", "sigma_overall", "cp", "cpk", "pp", "ppk", "cpm", "cp_ci",
    "cpk_ci", "ppm_below", "ppm_above", "normality_p", "method",
}  # fmt: skip


def run(command, argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = command(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def run_json(argv: list[str]) -> dict:
    code, out, err = run(spc_command, [*argv, "--json"])
    assert code == 0, err
    return json.loads(out)


def write(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def individuals(tmp_path: Path, n: int = 30) -> str:
    rng = np.random.default_rng(1)
    lines = "\n".join(f"{v:.5f}" for v in rng.normal(10, 1, n))
    return write(tmp_path, f"value\n{lines}\n")


def test_xbar_r_json_equals_library() -> None:
    doc = run_json([PISTON, "--chart", "xbar-r"])
    assert doc.keys() >= SPC_KEYS and doc["secondary"].keys() >= SECONDARY_KEYS
    assert len(doc["points"]) == 40
    x = np.loadtxt(PISTON, delimiter=",", skiprows=2, usecols=1).reshape(40, 5)
    ref = spc.xbar_r(x)
    assert doc["chart"] == "xbar-r"
    assert doc["center"] == ref.center and doc["ucl"] == ref.ucl and doc["sigma"] == ref.sigma
    assert doc["secondary"]["ucl"] == ref.secondary.ucl
    assert doc["violations"] == ref.violations.to_list()
    assert all(isinstance(v["index"], int) and v["index"] >= 0 for v in doc["violations"])


def test_subgroup_size_chunks_equal_subgroup_column(tmp_path: Path) -> None:
    x = np.loadtxt(PISTON, delimiter=",", skiprows=2, usecols=1)
    path = write(tmp_path, "value\n" + "\n".join(map(str, x)) + "\n")
    a = run_json([path, "--chart", "xbar-s", "--subgroup-size", "5"])
    b = run_json([PISTON, "--chart", "xbar-s"])
    assert a["center"] == b["center"] and a["ucl"] == b["ucl"] and a["secondary"] == b["secondary"]


def test_text_subgroup_labels(tmp_path: Path) -> None:
    path = write(tmp_path, "subgroup,value\nA,1\nA,2\nB,2\nB,4\nC,3\nC,3.5\n")
    doc = run_json([path, "--chart", "xbar-r"])
    assert doc["points"] == [1.5, 3.0, 3.25]


@pytest.mark.parametrize("chart", ["imr", "ewma", "cusum"])
def test_individual_charts_json(tmp_path: Path, chart: str) -> None:
    doc = run_json([individuals(tmp_path), "--chart", chart])
    assert doc.keys() >= SPC_KEYS
    assert len(doc["points"]) == 30
    if chart == "imr":
        assert len(doc["secondary"]["points"]) == 29
    else:
        assert doc["secondary"] is None
    if chart == "ewma":
        assert isinstance(doc["lcl"], list) and len(doc["lcl"]) == 30
    if chart == "cusum":
        assert doc["lcl"] == -5.0 and doc["ucl"] == 5.0 and len(doc["lower_points"]) == 30


def test_ewma_and_cusum_options(tmp_path: Path) -> None:
    path = individuals(tmp_path)
    doc = run_json([path, "--chart", "ewma", "--lambda", "0.1", "--nsigmas", "2.7",
                    "--center", "10", "--sigma", "1"])  # fmt: skip
    ref = spc.ewma(np.loadtxt(path, skiprows=1), lambda_=0.1, nsigmas=2.7, center=10, sigma=1)
    assert doc["ucl"] == ref.ucl.tolist()
    doc = run_json([path, "--chart", "cusum", "--decision-interval", "4", "--shift", "2"])
    assert doc["ucl"] == 4.0 and doc["params"]["k"] == 1.0


@pytest.mark.parametrize(
    ("chart", "column"), [("p", "defectives"), ("np", "defectives"), ("c", "defects"),
                          ("u", "defects")]
)  # fmt: skip
def test_attribute_charts_json(chart: str, column: str) -> None:
    path = str(DATA / ("orangejuice.csv" if column == "defectives" else "circuit.csv"))
    doc = run_json([path, "--chart", chart])
    assert doc.keys() >= SPC_KEYS and doc["secondary"] is None


def test_varying_limits_are_lists(tmp_path: Path) -> None:
    doc = run_json([str(DATA / "dyedcloth.csv"), "--chart", "u"])
    assert isinstance(doc["lcl"], list) and isinstance(doc["ucl"], list)
    assert len(doc["ucl"]) == len(doc["points"]) == 10
    path = write(tmp_path, "defectives,size\n3,50\n5,100\n2,40\n6,100\n")
    doc = run_json([path, "--chart", "p"])
    assert isinstance(doc["ucl"], list) and isinstance(doc["center"], float)


def test_rules_option() -> None:
    we = run_json([str(DATA / "orangejuice.csv"), "--chart", "p", "--rules", "we"])
    none = run_json([str(DATA / "orangejuice.csv"), "--chart", "p", "--rules", "none"])
    assert none["violations"] == [] and {v["rule"] for v in we["violations"]} <= {1, 2, 3, 4}


def test_text_output() -> None:
    code, out, err = run(spc_command, [PISTON, "--chart", "xbar-r"])
    assert code == 0 and err == ""
    assert "xbar-r chart: 40 points" in out and "R chart" in out and "rule 1" in out


def test_help() -> None:
    code, out, _ = run(spc_command, ["--help"])
    assert code == 0 and "--chart" in out


def test_capability_json_and_text() -> None:
    code, out, err = run(capability_command, [PISTON, "--lsl", "73.95", "--usl", "74.05", "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == CAPABILITY_KEYS
    assert doc["n"] == 200 and doc["method"] == "rbar" and len(doc["cp_ci"]) == 2
    code, out, _ = run(capability_command, [PISTON, "--usl", "74.05", "--sigma-method", "sbar"])
    assert code == 0 and "Cpk" in out
    code, out, _ = run(capability_command, [PISTON, "--usl", "74.05", "--json"])
    assert json.loads(out)["cp"] is None


def assert_error(command, argv: list[str], fragment: str) -> None:
    code, out, err = run(command, argv)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert fragment in err, err


def test_error_missing_file(tmp_path: Path) -> None:
    assert_error(spc_command, [str(tmp_path / "nope.csv"), "--chart", "imr"], "no such file")


def test_error_non_numeric_value_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "value\n1.0\n2.0\nabc\n4.0\n")
    assert_error(spc_command, [path, "--chart", "imr"], "line 4: value value 'abc' is not a num")
    path = write(tmp_path, "# comment\nsubgroup,value\n1,1.0\n1,x2\n", "b.csv")
    assert_error(spc_command, [path, "--chart", "xbar-r"], "line 4: value value 'x2'")
    path = write(tmp_path, "defectives,size\n1,50\n2,\n", "c.csv")
    assert_error(spc_command, [path, "--chart", "p"], "line 3: size value '' is not a number")
    path = write(tmp_path, "value\n1.0\nnan\n", "d.csv")
    assert_error(spc_command, [path, "--chart", "imr"], "line 3")


def test_error_too_few_points(tmp_path: Path) -> None:
    path = write(tmp_path, "value\n1.0\n")
    assert_error(spc_command, [path, "--chart", "imr"], "too few points")
    assert_error(capability_command, [path, "--lsl", "0", "--usl", "2"], "too few points")


def test_error_lsl_not_below_usl() -> None:
    assert_error(capability_command, [PISTON, "--lsl", "74.1", "--usl", "74"], "LSL")
    assert_error(capability_command, [PISTON], "specification limit")


def test_error_subgroup_size_one_for_xbar_r(tmp_path: Path) -> None:
    path = individuals(tmp_path)
    assert_error(
        spc_command, [path, "--chart", "xbar-r", "--subgroup-size", "1"], "subgroup size 1"
    )
    assert_error(spc_command, [path, "--chart", "xbar-r"], "needs subgroups")


def test_error_constant_series(tmp_path: Path) -> None:
    path = write(tmp_path, "value\n" + "5.0\n" * 20)
    for chart in ("imr", "ewma", "cusum"):
        assert_error(spc_command, [path, "--chart", chart], "constant series")
    assert_error(spc_command, [path, "--chart", "xbar-r", "--subgroup-size", "4"], "constant")
    assert_error(capability_command, [path, "--lsl", "0", "--usl", "9"], "constant series")


def test_error_usage_and_columns(tmp_path: Path) -> None:
    assert_error(spc_command, [PISTON, "--chart", "bogus"], "invalid choice")
    assert_error(spc_command, [PISTON], "--chart")
    assert_error(spc_command, [PISTON, "--chart", "imr", "--lambda", "0.3"], "--lambda")
    assert_error(spc_command, [str(DATA / "orangejuice.csv"), "--chart", "imr"], "'value'")
    path = write(tmp_path, "defects\n3\n4\n")
    assert_error(spc_command, [path, "--chart", "u"], "'size'")
    empty = write(tmp_path, "", "empty.csv")
    assert_error(spc_command, [empty, "--chart", "imr"], "empty file")


def test_standalone_call_with_sys_stdout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import sys

    assert spc_command([individuals(tmp_path), "--chart", "imr", "--json"], sys.stdout) == 0
    assert json.loads(capsys.readouterr().out)["chart"] == "imr"
