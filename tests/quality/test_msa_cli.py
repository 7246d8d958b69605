"""``qdm msa`` through the console script (management command in qdm.design)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.quality.test_msa import ROWS, write_csv

QDM = shutil.which("qdm", path=str(Path(sys.executable).parent)) or "qdm"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QDM, *args], capture_output=True, text=True, timeout=120, check=False)


def test_qdm_msa_json(tmp_path: Path) -> None:
    # AIAG MSA 4th ed. average-and-range example: GRR 0.30575, ndc 5 (see test_msa.py)
    result = run("msa", write_csv(tmp_path, ROWS), "--method", "xbar-r", "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["ndc"] == 5 and abs(got["grr"] - 0.30575) < 2e-4


def test_qdm_msa_unbalanced_exits_2(tmp_path: Path) -> None:
    result = run("msa", write_csv(tmp_path, ROWS[:-1]))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "qdm msa: error: unbalanced: every operator must measure every part the same number "
        "of times (found 2 to 3 trials per part and operator)"
    ]
