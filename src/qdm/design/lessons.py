"""Lessons learned: the documented, data-driven mapping from field and process evidence to
FMEA occurrence (O) and detection (D) proposals, and the rule that ties a closed 8D/CAPA to
an FMEA failure chain. Pure functions (no database); see docs/design-loops.md.

Occurrence: the AIAG-VDA PFMEA occurrence table's optional "incidents per 1,000 items"
column, read as ppm thresholds (a rate at or above the threshold gets the rating):

====  ============  =====================
O     ≥ ppm         AIAG-VDA row
====  ============  =====================
10    100 000       ≥ 100 per 1,000
9     50 000        50 per 1,000
8     20 000        20 per 1,000
7     10 000        10 per 1,000
6     2 000         2 per 1,000
5     500           0.5 per 1,000
4     100           0.1 per 1,000
3     1             0.01 per 1,000 (the gap 1–10 ppm is rated 3, the conservative side)
2     > 0           < 0.001 per 1,000
====  ============  =====================

Cpk (process capability, AIAG 4th edition PFMEA Ppk column): < 0.55 → 10, ≥ 0.55 → 9,
≥ 0.78 → 8, ≥ 0.86 → 7, ≥ 0.94 → 6, ≥ 1.00 → 5, ≥ 1.10 → 4, ≥ 1.20 → 3, ≥ 1.30 → 2,
≥ 1.67 → 1 (never proposed from a rate: 1 means prevented by design).

The proposal is the *worst* (highest) rating any piece of evidence gives: field ppm,
internal ppm and Cpk. With no evidence there is no occurrence proposal.

Detection: a failure that reached the customer or the field (escape count ≥ 1, or a root
cause of type "escape") shows the current detection controls did not catch it, so D is
proposed at no better than ``ESCAPE_DETECTION`` (7: "machine or manual detection with low
ability"); a rating already worse stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

PPM_TABLE: tuple[tuple[int, int], ...] = (
    (100_000, 10),
    (50_000, 9),
    (20_000, 8),
    (10_000, 7),
    (2_000, 6),
    (500, 5),
    (100, 4),
    (1, 3),
)
CPK_TABLE: tuple[tuple[Decimal, int], ...] = (
    (Decimal("1.67"), 1),
    (Decimal("1.30"), 2),
    (Decimal("1.20"), 3),
    (Decimal("1.10"), 4),
    (Decimal("1.00"), 5),
    (Decimal("0.94"), 6),
    (Decimal("0.86"), 7),
    (Decimal("0.78"), 8),
    (Decimal("0.55"), 9),
)
ESCAPE_DETECTION = 7


def occurrence_from_ppm(ppm: Decimal | float | int | None) -> int | None:
    """O rating for a failure rate in parts per million; ``None`` for no data; 0 ppm is
    not evidence of prevention, so it gives no proposal either."""
    if ppm is None:
        return None
    value = Decimal(str(ppm))
    if value < 0:
        raise ValueError(f"ppm must not be negative (got {ppm}).")
    if value == 0:
        return None
    for threshold, rating in PPM_TABLE:
        if value >= threshold:
            return rating
    return 2


def occurrence_from_cpk(cpk: Decimal | float | None) -> int | None:
    if cpk is None:
        return None
    value = Decimal(str(cpk))
    for threshold, rating in CPK_TABLE:
        if value >= threshold:
            return rating
    return 10


def proposed_occurrence(
    *,
    field_ppm: Decimal | float | None = None,
    internal_ppm: Decimal | float | None = None,
    cpk: Decimal | float | None = None,
) -> int | None:
    """The worst O any evidence gives, or ``None`` without evidence."""
    ratings = [
        r
        for r in (
            occurrence_from_ppm(field_ppm),
            occurrence_from_ppm(internal_ppm),
            occurrence_from_cpk(cpk),
        )
        if r is not None
    ]
    return max(ratings) if ratings else None


def proposed_detection(current: int | None, *, escaped: bool) -> int | None:
    """D no better than ``ESCAPE_DETECTION`` after an escape; otherwise no proposal."""
    if not escaped:
        return None
    return max(current or 0, ESCAPE_DETECTION)


@dataclass(frozen=True)
class FmeaReference:
    number: str
    row: int | None  # None: the FMEA does not contain the failure mode yet


REFERENCE = re.compile(
    r"(?P<number>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+?)(?:\s*(?:#|row|line|/)\s*(?P<row>\d+))?\s*$",
    re.IGNORECASE,
)


def parse_reference(text: str) -> FmeaReference | None:
    """``"PFMEA-CN01-0003 #4"`` → number and row; ``"PFMEA-CN01-0003"`` → a new chain.
    Accepted row markers: ``#4``, ``row 4``, ``line 4``, ``/4``. Case-insensitive; the
    number is returned upper-case."""
    match = REFERENCE.match((text or "").strip())
    if not match:
        return None
    row = match.group("row")
    return FmeaReference(match.group("number").upper(), int(row) if row else None)
