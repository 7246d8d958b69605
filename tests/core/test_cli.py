"""The ``qdm`` console script fronts the pure quality CLIs with their exact exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

QDM = shutil.which("qdm", path=str(Path(sys.executable).parent)) or "qdm"
DATA = Path(__file__).parent.parent / "quality" / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QDM, *args], capture_output=True, text=True, timeout=120, check=False)


def test_fmea_ap_json() -> None:
    # AIAG-VDA FMEA Handbook 2019, PFMEA AP table: S 9-10, O 4-5, D 2-4 → H
    result = run("fmea-ap", "--severity", "9", "--occurrence", "4", "--detection", "3", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ap": "H", "rpn": 108}


@pytest.mark.parametrize("value", ["0", "11", "2.5", "x"])
def test_fmea_ap_bad_rating_exits_2(value: str) -> None:
    result = run("fmea-ap", "--severity", value, "--occurrence", "4", "--detection", "3")
    assert result.returncode == 2
    assert "severity" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sampling_plan() -> None:
    # ISO 2859-1 Table 1: lot 1 201-3 200, level II → K; Table 2-A: K at AQL 0.65 → n 125,
    # Ac 2, Re 3
    result = run("sampling", "--lot-size", "2000", "--aql", "0.65", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["code_letter"], plan["sample_size"], plan["accept"], plan["reject"]) == (
        "K",
        125,
        2,
        3,
    )


def test_sampling_bad_lot_size_exits_2() -> None:
    result = run("sampling", "--lot-size", "1", "--aql", "0.65")
    assert result.returncode == 2
    assert "lot size" in result.stderr.lower()


def test_spc_json_on_pistonrings() -> None:
    result = run(
        "spc", str(DATA / "pistonrings.csv"), "--chart", "xbar-r", "--subgroup-size", "5", "--json"
    )
    assert result.returncode == 0, result.stderr
    chart = json.loads(result.stdout)
    assert chart["chart"] == "xbar-r"
    assert len(chart["points"]) == 40
    assert chart["secondary"]["center"] > 0


def test_spc_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("value\n1.0\nabc\n3.0\n")
    result = run("spc", str(bad), "--chart", "imr")
    assert result.returncode == 2
    assert "line 3" in result.stderr
    assert "'abc' is not a number" in result.stderr
