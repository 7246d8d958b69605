"""AIAG-VDA FMEA Action Priority (AP) and the classic RPN.  Pure library, no Django.

The AP table is the one of the AIAG & VDA FMEA Handbook, 1st edition (2019),
"Action Priority (AP) for DFMEA and PFMEA": DFMEA and PFMEA use the same table;
the FMEA-MSR table (severity, frequency, monitoring) is a different table and is
not encoded here.  ``AP_TABLE`` reproduces the handbook's rows in its order:
severity band, occurrence band, then the AP for the detection bands
7-10 / 5-6 / 2-4 / 1.

Sources and cross-check:

* the AIAG-VDA handbook table as laid out above (S bands 9-10, 7-8, 4-6, 2-3, 1;
  O bands 8-10, 6-7, 4-5, 2-3, 1; D bands 7-10, 5-6, 2-4, 1);
* a public Python module "Utility functions and constants for AIAG-VDA Action
  Priority (AP) logic" (code index id 49601382565) transcribing the same table
  from the AIAG/VDA alignment material - identical in all 80 band cells;
* the worked pair published with the AP introduction (biz-pi.com "FMEA Action
  Priority (AP) lookup tables", leansixsigmadefinition.com "Action Priority"):
  S8/O6/D2 -> H and S2/O6/D8 -> L.
Several other public "AP tables" (some Claude-skill markdown files) use invented
bands (1-2, 3-4, ...) or "S >= 9 is always H"; they contradict the handbook
(S 9-10 with O 1 is L) and were rejected.
"""

from __future__ import annotations

import argparse
import json
from typing import Literal, NoReturn, TextIO

ActionPriority = Literal["H", "M", "L"]
FmeaKind = Literal["dfmea", "pfmea"]

# Detection band order used by every row of AP_TABLE.
DETECTION_BANDS: tuple[tuple[int, int], ...] = ((7, 10), (5, 6), (2, 4), (1, 1))

# (severity band, occurrence band, AP for D 7-10, 5-6, 2-4, 1) - handbook row order.
AP_TABLE: tuple[tuple[tuple[int, int], tuple[int, int], str], ...] = (
    ((9, 10), (8, 10), "HHHH"),
    ((9, 10), (6, 7), "HHHH"),
    ((9, 10), (4, 5), "HHHM"),
    ((9, 10), (2, 3), "HMLL"),
    ((9, 10), (1, 1), "LLLL"),
    ((7, 8), (8, 10), "HHHH"),
    ((7, 8), (6, 7), "HHHM"),
    ((7, 8), (4, 5), "HMMM"),
    ((7, 8), (2, 3), "MMLL"),
    ((7, 8), (1, 1), "LLLL"),
    ((4, 6), (8, 10), "HHMM"),
    ((4, 6), (6, 7), "MMML"),
    ((4, 6), (4, 5), "MLLL"),
    ((4, 6), (2, 3), "LLLL"),
    ((4, 6), (1, 1), "LLLL"),
    ((2, 3), (8, 10), "MMLL"),
    ((2, 3), (6, 7), "LLLL"),
    ((2, 3), (4, 5), "LLLL"),
    ((2, 3), (2, 3), "LLLL"),
    ((2, 3), (1, 1), "LLLL"),
    ((1, 1), (1, 10), "LLLL"),
)

_PRIORITIES: dict[str, ActionPriority] = {"H": "H", "M": "M", "L": "L"}

KINDS: tuple[str, ...] = ("dfmea", "pfmea")


class FmeaRatingError(ValueError):
    """A severity/occurrence/detection rating that is not an integer 1..10."""

    def __init__(self, field: str, value: object) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field} must be an integer from 1 to 10, got {value!r}")


def check_rating(field: str, value: object) -> int:
    """Return ``value`` if it is an int 1..10 (bool excluded), else raise FmeaRatingError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise FmeaRatingError(field, value)
    return value


def _in(band: tuple[int, int], value: int) -> bool:
    return band[0] <= value <= band[1]


def action_priority(
    severity: int, occurrence: int, detection: int, kind: str = "pfmea"
) -> ActionPriority:
    """AIAG-VDA Action Priority (H/M/L) for a DFMEA or PFMEA failure chain."""
    s = check_rating("severity", severity)
    o = check_rating("occurrence", occurrence)
    d = check_rating("detection", detection)
    if kind not in KINDS:
        raise ValueError(f"unknown FMEA kind {kind!r}; use one of {', '.join(KINDS)}")
    for s_band, o_band, aps in AP_TABLE:
        if _in(s_band, s) and _in(o_band, o):
            for d_band, ap in zip(DETECTION_BANDS, aps, strict=True):
                if _in(d_band, d):
                    return _PRIORITIES[ap]
    raise AssertionError(f"AP table has no cell for S={s} O={o} D={d}")


def rpn(severity: int, occurrence: int, detection: int) -> int:
    """Classic risk priority number S x O x D (1..1000), for customers who still ask for it."""
    return (
        check_rating("severity", severity)
        * check_rating("occurrence", occurrence)
        * check_rating("detection", detection)
    )


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ArgError(message)


def _parse_rating(field: str, text: str) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise FmeaRatingError(field, text) from None
    return check_rating(field, value)


def fmea_ap_command(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """``qdm fmea-ap --severity S --occurrence O --detection D [--kind K] [--json]``.

    Prints ``{"ap": ..., "rpn": ...}`` with ``--json``; returns 0, or 2 with one
    line on ``stderr`` for a bad or missing rating.
    """
    parser = _Parser(prog="qdm fmea-ap", add_help=False)
    parser.add_argument("--severity", required=True)
    parser.add_argument("--occurrence", required=True)
    parser.add_argument("--detection", required=True)
    parser.add_argument("--kind", default="pfmea")
    parser.add_argument("--json", action="store_true")
    try:
        args = parser.parse_args(argv)
        s = _parse_rating("severity", args.severity)
        o = _parse_rating("occurrence", args.occurrence)
        d = _parse_rating("detection", args.detection)
        ap = action_priority(s, o, d, kind=args.kind)
    except (_ArgError, ValueError) as exc:
        stderr.write(f"qdm fmea-ap: error: {exc}\n")
        return 2
    if args.json:
        stdout.write(json.dumps({"ap": ap, "rpn": s * o * d}) + "\n")
    else:
        stdout.write(f"AP={ap} RPN={s * o * d} (S={s} O={o} D={d}, {args.kind})\n")
    return 0
