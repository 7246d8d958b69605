"""Pure command-line functions behind ``qdm spc`` and ``qdm capability`` (no Django).

``spc_command(argv, stdout)`` and ``capability_command(argv, stdout)`` parse their arguments,
read the CSV file, run the library and print a text summary or JSON.  They return the exit
code: 0 on success, 2 on bad input with a one-line message on ``stderr``.

CSV layout: a header line (leading ``#`` comment lines and blank lines are skipped), then data.
Variables data in a ``value`` column, subgroups from a ``subgroup`` column when present (labels
may be numbers or text; rows with the same label form one subgroup, ordered by first
appearance), else consecutive chunks of ``--subgroup-size`` values.  Attributes data in a
``defectives`` (p, np) or ``defects`` (c, u) column with a ``size`` column.

Numeric columns are parsed with ``numpy.loadtxt`` (C parser, about 0.2 s per million lines);
only when that fails is the file re-read line by line with :mod:`csv` to name the bad line.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

import numpy as np
from numpy.typing import NDArray

from qdm.quality.spc import CHARTS, ChartResult, SpcInputError, Subgroups

# --------------------------------------------------------------------------------------------
# CSV reading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    columns: list[str]  # lower-cased, stripped
    line: int  # 1-based line number of the header


def _open_text(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8", newline="")  # the caller closes it (with-block)
    except FileNotFoundError:
        raise SpcInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpcInputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise SpcInputError(f"{path}: cannot read ({exc.strerror})") from None


def _read_header(path: str) -> _Header:
    with _open_text(path) as fh:
        try:
            for number, line in enumerate(fh, start=1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                cells = next(csv.reader([text]))
                return _Header([c.strip().lower() for c in cells], number)
        except UnicodeDecodeError:
            raise SpcInputError(f"{path}: not a UTF-8 text file") from None
    raise SpcInputError(f"{path}: empty file (no header line)")


def _locate_bad_cell(path: str, header: _Header, wanted: dict[str, int]) -> NoReturn:
    """Slow path: find and report the first line whose wanted cells are not finite numbers."""
    with _open_text(path) as fh:
        for number, row in enumerate(csv.reader(fh), start=1):
            if number <= header.line or not row or not "".join(row).strip():
                continue
            if row[0].lstrip().startswith("#"):
                continue
            for name, idx in wanted.items():
                if idx >= len(row):
                    raise SpcInputError(f"{path}, line {number}: missing the {name} column")
                cell = row[idx].strip()
                try:
                    ok = math.isfinite(float(cell))
                except ValueError:
                    ok = False
                if not ok:
                    shown = cell if len(cell) <= 30 else cell[:27] + "..."
                    raise SpcInputError(
                        f"{path}, line {number}: {name} value {shown!r} is not a number"
                    )
    raise SpcInputError(f"{path}: could not parse the numeric columns")


def _load_numeric(
    path: str, header: _Header, wanted: dict[str, int]
) -> dict[str, NDArray[np.float64]]:
    cols = list(wanted.values())
    try:
        with _open_text(path) as fh:
            table = np.loadtxt(
                fh, delimiter=",", skiprows=header.line, usecols=cols, ndmin=2,
                comments="#", dtype=np.float64, encoding=None,
            )  # fmt: skip
    except (ValueError, IndexError, UnicodeDecodeError):
        _locate_bad_cell(path, header, wanted)
    if table.size and not bool(np.isfinite(table).all()):
        _locate_bad_cell(path, header, wanted)
    return {name: table[:, j] for j, name in enumerate(wanted)}


def _load_labels(path: str, header: _Header, idx: int) -> NDArray[np.str_]:
    labels: list[str] = []
    with _open_text(path) as fh:
        for number, row in enumerate(csv.reader(fh), start=1):
            if number <= header.line or not row or not "".join(row).strip():
                continue
            if row[0].lstrip().startswith("#"):
                continue
            if idx >= len(row):
                raise SpcInputError(f"{path}, line {number}: missing the subgroup column")
            labels.append(row[idx].strip())
    return np.asarray(labels)


def _column(header: _Header, *names: str) -> int | None:
    for name in names:
        if name in header.columns:
            return header.columns.index(name)
    return None


def read_variables(path: str) -> tuple[NDArray[np.float64], NDArray[Any] | None]:
    """``(values, subgroup labels or None)`` from a CSV with a ``value`` column."""
    header = _read_header(path)
    v = _column(header, "value")
    if v is None:
        raise SpcInputError(f"{path}: no 'value' column in the header")
    g = _column(header, "subgroup")
    if g is None:
        return _load_numeric(path, header, {"value": v})["value"], None
    try:
        cols = _load_numeric(path, header, {"value": v, "subgroup": g})
        return cols["value"], cols["subgroup"]
    except SpcInputError:
        # Text labels (or a bad value): values alone first, so a bad value is named precisely.
        values = _load_numeric(path, header, {"value": v})["value"]
        return values, _load_labels(path, header, g)


def read_attributes(
    path: str, count_names: tuple[str, ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """``(counts, sizes or None)`` from a CSV with a defectives/defects column and ``size``."""
    header = _read_header(path)
    c = _column(header, *count_names)
    if c is None:
        raise SpcInputError(f"{path}: no '{count_names[0]}' column in the header")
    s = _column(header, "size")
    wanted = {header.columns[c]: c}
    if s is not None:
        wanted["size"] = s
    cols = _load_numeric(path, header, wanted)
    return cols[header.columns[c]], cols.get("size")


# --------------------------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------------------------


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise _UsageError(message)


def _spc_parser() -> _Parser:
    p = _Parser(prog="qdm spc", add_help=False, description="Control chart from a CSV file.")
    p.add_argument("file")
    p.add_argument("--chart", required=True, choices=CHARTS)
    p.add_argument("--subgroup-size", type=int)
    p.add_argument("--rules", choices=("nelson", "we", "none"), default="nelson")
    p.add_argument("--center", type=float)
    p.add_argument("--sigma", type=float)
    p.add_argument("--lambda", dest="lambda_", type=float)
    p.add_argument("--nsigmas", type=float)
    p.add_argument("--decision-interval", type=float)
    p.add_argument("--shift", type=float)
    p.add_argument("--json", action="store_true")
    p.add_argument("-h", "--help", action="store_true")
    return p


def _capability_parser() -> _Parser:
    p = _Parser(prog="qdm capability", add_help=False, description="Capability study of a CSV.")
    p.add_argument("file")
    p.add_argument("--lsl", type=float)
    p.add_argument("--usl", type=float)
    p.add_argument("--target", type=float)
    p.add_argument("--subgroup-size", type=int)
    p.add_argument("--sigma-method", choices=("rbar", "sbar", "pooled", "mr"))
    p.add_argument("--json", action="store_true")
    p.add_argument("-h", "--help", action="store_true")
    return p


def _wants_help(argv: list[str]) -> bool:
    return "-h" in argv or "--help" in argv


def _run(
    name: str, parser: _Parser, body: Any, argv: list[str], stdout: TextIO, stderr: TextIO | None
) -> int:
    err = stderr if stderr is not None else sys.stderr
    if _wants_help(argv):
        stdout.write(parser.format_help())
        return 0
    try:
        args = parser.parse_args(argv)
        return int(body(args, stdout))
    except (_UsageError, SpcInputError) as exc:
        message = " ".join(str(exc).split())  # guarantee a single line
        err.write(f"qdm {name}: error: {message}\n")
        return 2


# --------------------------------------------------------------------------------------------
# qdm spc
# --------------------------------------------------------------------------------------------


def _subgroups(
    values: NDArray[np.float64], labels: NDArray[Any] | None, size: int | None
) -> Subgroups:
    if labels is not None:
        return Subgroups.from_labels(values, labels)
    if size is not None:
        return Subgroups.from_chunks(values, size)
    return Subgroups.from_chunks(values, 1)


def _reject(args: argparse.Namespace, chart: str, *options: str) -> None:
    for opt in options:
        if (
            getattr(args, opt.lstrip("-").replace("-", "_").replace("lambda", "lambda_"))
            is not None
        ):
            raise SpcInputError(f"{opt} does not apply to the {chart} chart")


def build_chart(args: argparse.Namespace) -> ChartResult:
    """Read the file named in ``args`` and compute the requested chart."""
    from qdm.quality import spc

    chart: str = args.chart
    if args.subgroup_size is not None and args.subgroup_size < 1:
        raise SpcInputError(f"subgroup size must be at least 1, got {args.subgroup_size}")
    nsig = 3.0 if args.nsigmas is None else args.nsigmas
    common = {"nsigmas": nsig, "rules": args.rules}
    if chart in ("p", "np", "c", "u"):
        _reject(args, chart, "--sigma", "--lambda", "--decision-interval", "--shift",
                "--subgroup-size")  # fmt: skip
        names = ("defectives", "defects") if chart in ("p", "np") else ("defects", "defectives")
        counts, sizes = read_attributes(args.file, names)
        if chart == "c":
            return spc.c_chart(counts, sizes, center=args.center, **common)
        if sizes is None:
            raise SpcInputError(f"{args.file}: the {chart} chart needs a 'size' column")
        fn = {"p": spc.p_chart, "np": spc.np_chart, "u": spc.u_chart}[chart]
        return fn(counts, sizes, center=args.center, **common)

    values, labels = read_variables(args.file)
    if chart in ("xbar-r", "xbar-s"):
        _reject(args, chart, "--lambda", "--decision-interval", "--shift")
        if labels is None and args.subgroup_size is None:
            raise SpcInputError(
                f"the {chart} chart needs subgroups: add a 'subgroup' column or --subgroup-size N"
            )
        if labels is None and args.subgroup_size == 1:
            raise SpcInputError(
                f"subgroup size 1 is not valid for the {chart} chart (use --chart imr)"
            )
        sg = _subgroups(values, labels, args.subgroup_size)
        fn2 = spc.xbar_r if chart == "xbar-r" else spc.xbar_s
        return fn2(sg, center=args.center, sigma=args.sigma, **common)
    if chart == "imr":
        _reject(args, chart, "--lambda", "--decision-interval", "--shift")
        # Individuals in file order; a subgroup column, if any, is not used by this chart.
        if (args.subgroup_size or 1) != 1:
            raise SpcInputError("the imr chart takes individual values (no --subgroup-size)")
        return spc.imr(values, center=args.center, sigma=args.sigma, **common)
    sg = _subgroups(values, labels, args.subgroup_size)
    if chart == "ewma":
        _reject(args, chart, "--decision-interval", "--shift")
        lam = 0.2 if args.lambda_ is None else args.lambda_
        return spc.ewma(sg, lambda_=lam, center=args.center, sigma=args.sigma, **common)
    _reject(args, chart, "--lambda", "--nsigmas")
    return spc.cusum(
        sg,
        decision_interval=5.0 if args.decision_interval is None else args.decision_interval,
        se_shift=1.0 if args.shift is None else args.shift,
        center=args.center,
        sigma=args.sigma,
        rules=args.rules,
    )


def _fmt(v: float | NDArray[np.float64]) -> str:
    if isinstance(v, np.ndarray):
        return f"variable ({v.min():.7g} .. {v.max():.7g})"
    return f"{v:.7g}"


_MAX_LISTED = 50


def _chart_text(res: ChartResult, rules: str) -> str:
    from qdm.quality.rules import NELSON_DESCRIPTIONS, WE_DESCRIPTIONS

    lines = [
        f"{res.chart} chart: {res.points.size} points",
        f"  center {_fmt(res.center)}   LCL {_fmt(res.lcl)}   UCL {_fmt(res.ucl)}   "
        f"sigma {_fmt(res.sigma)}",
    ]
    if res.chart == "cusum":
        lines.append(f"  target {res.params['target']:.7g}   k {res.params['k']:g} (std. errors)")
    sec = res.secondary
    if sec is not None:
        lines.append(
            f"{sec.chart} chart: center {_fmt(sec.center)}   LCL {_fmt(sec.lcl)}   "
            f"UCL {_fmt(sec.ucl)}"
        )
    desc = dict(WE_DESCRIPTIONS if rules == "we" else NELSON_DESCRIPTIONS)
    if res.chart == "ewma":
        desc[1] = "EWMA beyond its control limits"
    elif res.chart == "cusum":
        desc[1] = "cumulative sum beyond the decision interval"
    v = res.violations
    lines.append(f"violations ({rules} rules): {len(v)}")
    for item in v.to_list()[:_MAX_LISTED]:
        lines.append(f"  point {item['index']}: rule {item['rule']} ({desc[item['rule']]})")
    if len(v) > _MAX_LISTED:
        lines.append(f"  ... {len(v) - _MAX_LISTED} more (use --json for all)")
    return "\n".join(lines) + "\n"


def _spc_body(args: argparse.Namespace, stdout: TextIO) -> int:
    res = build_chart(args)
    if args.json:
        # dumps, not dump: json.dump streams through the pure-Python encoder (10x slower).
        stdout.write(json.dumps(res.to_dict(), separators=(",", ":")))
        stdout.write("\n")
    else:
        stdout.write(_chart_text(res, args.rules))
    return 0


def spc_command(argv: list[str], stdout: TextIO, stderr: TextIO | None = None) -> int:
    """``qdm spc FILE --chart ... [--json]``; returns the exit code (0, or 2 on bad input)."""
    return _run("spc", _spc_parser(), _spc_body, argv, stdout, stderr)


# --------------------------------------------------------------------------------------------
# qdm capability
# --------------------------------------------------------------------------------------------


def _num(v: float | None, fmt: str = ".4f") -> str:
    return "-" if v is None else format(v, fmt)


def _ci(v: tuple[float, float] | None) -> str:
    return "" if v is None else f"  95% CI [{v[0]:.4f}, {v[1]:.4f}]"


def _capability_body(args: argparse.Namespace, stdout: TextIO) -> int:
    from qdm.quality.capability import capability

    if args.subgroup_size is not None and args.subgroup_size < 1:
        raise SpcInputError(f"subgroup size must be at least 1, got {args.subgroup_size}")
    values, labels = read_variables(args.file)
    sg = _subgroups(values, labels, args.subgroup_size)
    res = capability(
        sg, lsl=args.lsl, usl=args.usl, target=args.target, sigma_method=args.sigma_method
    )
    if args.json:
        stdout.write(json.dumps(res.to_dict()) + "\n")
        return 0
    out = [
        f"capability of {res.n} values (sigma within by {res.method})",
        f"  mean {res.mean:.7g}   sigma within {res.sigma_within:.7g}   "
        f"sigma overall {res.sigma_overall:.7g}",
        f"  LSL {_num(res.lsl, '.7g')}   USL {_num(res.usl, '.7g')}   "
        f"target {_num(res.target, '.7g')}",
        f"  Cp  {_num(res.cp)}{_ci(res.cp_ci)}",
        f"  Cpk {_num(res.cpk)}{_ci(res.cpk_ci)}",
        f"  Cpm {_num(res.cpm)}",
        f"  Pp  {_num(res.pp)}   Ppk {_num(res.ppk)}",
        f"  expected ppm below LSL {_num(res.ppm_below, '.2f')}   "
        f"above USL {_num(res.ppm_above, '.2f')}",
        f"  Anderson-Darling A2 {res.normality.statistic:.4f}   p {res.normality.p_value:.4f}",
    ]
    stdout.write("\n".join(out) + "\n")
    return 0


def capability_command(argv: list[str], stdout: TextIO, stderr: TextIO | None = None) -> int:
    """``qdm capability FILE --lsl L --usl U ...``; returns the exit code (0, or 2)."""
    return _run("capability", _capability_parser(), _capability_body, argv, stdout, stderr)


if __name__ == "__main__":  # pragma: no cover - manual use: python -m qdm.quality.cli spc ...
    command = {"spc": spc_command, "capability": capability_command}
    sys.exit(command[sys.argv[1]](sys.argv[2:], sys.stdout))
