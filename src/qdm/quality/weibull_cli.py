"""``qdm weibull FILE [--method mle|rr] [--json]`` — pure, no Django.

FILE is a CSV with a ``time`` column and a ``censored`` column (1 = unit still running,
0 = failure); ``#`` comment lines and blank lines are skipped, as for ``qdm spc``. The JSON
output is ``{"method", "beta", "eta", "b10", "n_failures", "n_censored", "beta_ci",
"eta_ci"}``. Bad input (missing column, a non-numeric cell, a negative time, no failures,
a flag other than 0/1) exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from qdm.quality.cli import _column, _load_numeric, _Parser, _read_header, _UsageError
from qdm.quality.reliability import METHODS, ReliabilityInputError, fit_weibull
from qdm.quality.spc import SpcInputError


def read_life_data(path: str) -> tuple[Any, Any]:
    header = _read_header(path)
    t = _column(header, "time")
    c = _column(header, "censored")
    missing = [name for name, idx in (("time", t), ("censored", c)) if idx is None]
    if missing:
        raise SpcInputError(f"{path}: no {' or '.join(repr(m) for m in missing)} column")
    assert t is not None and c is not None
    cols = _load_numeric(path, header, {"time": t, "censored": c})
    if cols["time"].size == 0:
        raise SpcInputError(f"{path}: no data rows")
    return cols["time"], cols["censored"]


def _parser() -> _Parser:
    p = _Parser(
        prog="qdm weibull",
        add_help=False,
        description="2-parameter Weibull fit of right-censored life data from a CSV file "
        "(columns time and censored: 1 = still running, 0 = failure).",
    )
    p.add_argument("file")
    p.add_argument("--method", choices=METHODS, default="mle")
    p.add_argument("--json", action="store_true")
    p.add_argument("-h", "--help", action="store_true")
    return p


def _text(result: dict[str, Any]) -> str:
    lo_b, hi_b = result["beta_ci"]
    lo_e, hi_e = result["eta_ci"]
    method = "maximum likelihood" if result["method"] == "mle" else "rank regression (X on Y)"
    return "\n".join(
        [
            f"Weibull 2P, {method}",
            f"  failures {result['n_failures']}   still running {result['n_censored']}",
            f"  beta (shape) {result['beta']:.6g}   95% CI {lo_b:.6g} .. {hi_b:.6g}",
            f"  eta (scale)  {result['eta']:.6g}   95% CI {lo_e:.6g} .. {hi_e:.6g}",
            f"  B10 life     {result['b10']:.6g}",
        ]
    )


def weibull_command(argv: list[str], stdout: TextIO, stderr: TextIO | None = None) -> int:
    """Returns the exit code: 0, or 2 on bad input (one line on ``stderr``)."""
    err = stderr if stderr is not None else sys.stderr
    parser = _parser()
    if "-h" in argv or "--help" in argv:
        stdout.write(parser.format_help())
        return 0
    try:
        args: argparse.Namespace = parser.parse_args(argv)
        times, censored = read_life_data(args.file)
        result = fit_weibull(times, censored, method=args.method).as_dict()
    except (_UsageError, SpcInputError, ReliabilityInputError) as exc:
        message = " ".join(str(exc).split())
        err.write(f"qdm weibull: error: {message}\n")
        return 2
    stdout.write((json.dumps(result) if args.json else _text(result)) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - python -m qdm.quality.weibull_cli FILE
    sys.exit(weibull_command(sys.argv[1:], sys.stdout))
