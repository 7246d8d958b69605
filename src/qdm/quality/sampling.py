"""Acceptance sampling by attributes: ISO 2859-1 (= ANSI/ASQ Z1.4) single sampling.

Pure library, no Django.  Three parts:

* :func:`plan` - Table I code letter, master-table lookup with the arrow rules
  and the 100 % rule ("if the sample size equals or exceeds the lot size, carry
  out 100 % inspection", ISO 2859-1:1999 clause 10.1 / Z1.4 table footnote).
* :class:`SwitchingState` / :func:`next_state` - the switching rules of
  ISO 2859-1:1999 clause 9.3 and the discontinuation rule of clause 9.4, as a
  pure state machine over lot results of one supplier x material.
* :func:`sampling_command` - the ``qdm sampling`` CLI as a pure function.

The tables live in :mod:`qdm.quality.sampling_tables` (sources and cross-checks
are listed there).  Switching rules, as implemented (ISO 2859-1:1999 9.3, the
same wording in ANSI/ASQ Z1.4-2003 clause 8; the 2-of-5, 5-consecutive and
discontinuation wording was cross-checked against aqlrule.com "Switching
Procedures" and altius-chinaservices.cn's transcription of MIL-STD-105E 4.7/4.8):

* normal -> tightened: 2 lots not accepted within 5 or fewer consecutive lots
  on original inspection (9.3.1);
* tightened -> normal: 5 consecutive lots accepted on original inspection (9.3.2);
* normal -> reduced: switching score >= 30, production at a steady rate and the
  responsible authority approves (9.3.3);
* reduced -> normal: a lot not accepted, production irregular or delayed, or
  other conditions warrant (9.3.4);
* discontinue: the cumulative number of lots not accepted in a sequence of
  consecutive lots on tightened inspection reaches 5 (9.4); resume only after
  supplier corrective action, on tightened inspection (:func:`resume_after_corrective_action`).

Switching score (ISO 2859-1:1999 9.3.3.2, single sampling), started at 0 at the
start of normal inspection and updated after each lot on original normal
inspection: if the acceptance number is 0 or 1, add 2 when the lot is accepted,
otherwise reset to 0; if the acceptance number is 2 or more, add 3 when the lot
would have been accepted had the AQL been one step tighter, otherwise reset to 0.
"One step tighter" is read as the next smaller preferred AQL in the same row of
Table II-A (same sample size); for every cell with Ac >= 2 that neighbour is a
plan, never an arrow (asserted by the tests).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn, TextIO

from qdm.quality import sampling_tables as T

Severity = Literal["normal", "tightened", "reduced"]
SchemeState = Literal["normal", "tightened", "reduced", "discontinued"]
ReducedTable = Literal["iso", "z1.4"]

SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")
SCHEME_STATES: tuple[SchemeState, ...] = ("normal", "tightened", "reduced", "discontinued")
LEVELS: tuple[str, ...] = tuple(T.CODE_LETTER_COLUMNS)

# Score threshold and window lengths of ISO 2859-1:1999 9.3.
SWITCHING_SCORE_LIMIT = 30
NORMAL_WINDOW = 5
NOT_ACCEPTED_TO_TIGHTEN = 2
ACCEPTED_TO_RELAX = 5
NOT_ACCEPTED_TO_DISCONTINUE = 5


class SamplingError(ValueError):
    """Bad input to the sampling library (lot size, AQL, level, severity, state)."""


@dataclass(frozen=True)
class SamplingPlan:
    """One single-sampling plan, after arrows and the 100 % rule.

    ``code_letter`` is the Table I letter, ``plan_letter`` the row the arrows led
    to (its sample size is the one used).  With ``hundred_percent`` every item is
    inspected: ``sample_size`` is then the lot size and ``table_sample_size`` the
    master-table value.  ``re`` may exceed ``ac + 1`` only for the Z1.4 reduced
    table (the "gap").
    """

    code_letter: str
    sample_size: int
    ac: int
    re: int
    hundred_percent: bool
    plan_letter: str
    table_sample_size: int
    severity: str
    level: str
    aql: str
    lot_size: int

    def accepts(self, nonconforming: int) -> bool:
        """True when a sample with ``nonconforming`` items (or nonconformities) is accepted."""
        return _check_count(nonconforming) <= self.ac


def normalize_aql(aql: object) -> str:
    """Return the table spelling of a preferred AQL (``0.4`` -> ``"0.40"``) or raise."""
    if isinstance(aql, bool) or not isinstance(aql, (int, float, str, Decimal)):
        raise SamplingError(f"AQL must be a number, got {aql!r}")
    try:
        value = Decimal(str(aql).strip())
    except InvalidOperation:
        raise SamplingError(f"AQL {aql!r} is not a number") from None
    for preferred in T.PREFERRED_AQLS:
        if Decimal(preferred) == value:
            return preferred
    raise SamplingError(
        f"AQL {aql} is not in the preferred series {T.PREFERRED_AQLS[0]}..{T.PREFERRED_AQLS[-1]}"
    )


def normalize_level(level: object) -> str:
    """Return the canonical inspection level ("S-1".."S-4", "I", "II", "III") or raise."""
    if not isinstance(level, str):
        raise SamplingError(f"inspection level must be a string, got {level!r}")
    key = level.strip().upper().replace(" ", "")
    aliases = {"S1": "S-1", "S2": "S-2", "S3": "S-3", "S4": "S-4", "1": "I", "2": "II", "3": "III"}
    key = aliases.get(key, key)
    if key not in T.CODE_LETTER_COLUMNS:
        raise SamplingError(f"unknown inspection level {level!r}; use one of {', '.join(LEVELS)}")
    return key


def _check_lot_size(lot_size: object) -> int:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise SamplingError(f"lot size must be an integer, got {lot_size!r}")
    if lot_size < 2:
        raise SamplingError(f"lot size must be at least 2, got {lot_size}")
    return lot_size


def _check_count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise SamplingError(f"number of nonconforming items must be an integer >= 0, got {count!r}")
    return count


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table I: sample size code letter for a lot size and inspection level."""
    lot_size = _check_lot_size(lot_size)
    column = T.CODE_LETTER_COLUMNS[normalize_level(level)]
    for index, upper in enumerate(T.LOT_SIZE_UPPER_BOUNDS):
        if upper is None or lot_size <= upper:
            return column[index]
    raise AssertionError("unreachable: the last lot-size range is open-ended")


def _parse_row(row: str) -> tuple[str, ...]:
    cells = tuple(row.split())
    if len(cells) != len(T.PREFERRED_AQLS):
        raise AssertionError(f"master-table row has {len(cells)} cells")
    return cells


_MASTER: dict[str, dict[str, tuple[str, ...]]] = {
    "normal": {k: _parse_row(v) for k, v in T.NORMAL_ROWS.items()},
    "tightened": {k: _parse_row(v) for k, v in T.TIGHTENED_ROWS.items()},
    "reduced-iso": {k: _parse_row(v) for k, v in T.REDUCED_ISO_ROWS.items()},
    "reduced-z1.4": {k: _parse_row(v) for k, v in T.REDUCED_Z14_ROWS.items()},
}
_ROW_ORDER = T.LETTERS + "S"


def master_cell(table: str, letter: str, aql: str) -> str:
    """Raw master-table cell (``"a/r"``, ``"v"`` or ``"^"``) - for tests and display."""
    return _MASTER[table][letter][T.PREFERRED_AQLS.index(normalize_aql(aql))]


def _table_key(severity: str, reduced_table: str) -> str:
    if severity not in SEVERITIES:
        raise SamplingError(f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}")
    if severity != "reduced":
        return severity
    if reduced_table not in ("iso", "z1.4"):
        raise SamplingError(f"unknown reduced table {reduced_table!r}; use 'iso' or 'z1.4'")
    return f"reduced-{reduced_table}"


def _follow_arrows(table: str, letter: str, column: int) -> tuple[str, int, int]:
    """Walk the arrows from (letter, column) to a plan; return (plan letter, Ac, Re)."""
    rows = _MASTER[table]
    index = _ROW_ORDER.index(letter)
    for _ in range(len(_ROW_ORDER)):
        cell = rows[_ROW_ORDER[index]][column]
        if cell == "v":
            index += 1
        elif cell == "^":
            index -= 1
        else:
            ac, re = (int(x) for x in cell.split("/"))
            return _ROW_ORDER[index], ac, re
        if not 0 <= index < len(_ROW_ORDER) or _ROW_ORDER[index] not in rows:
            raise AssertionError(f"arrow leaves table {table} at column {column}")
    raise AssertionError(f"arrow cycle in table {table} at column {column}")


def plan(
    lot_size: int,
    aql: float | str | Decimal,
    level: str = "II",
    severity: str = "normal",
    *,
    reduced_table: str = "iso",
) -> SamplingPlan:
    """Single sampling plan for a lot (ISO 2859-1 / ANSI/ASQ Z1.4).

    ``reduced_table`` chooses the reduced master table: ``"iso"`` (ISO 2859-1:1999
    Table 2-C, no gap; checked cell by cell against a transcription of GB/T 2828.1-2012, its
    identical adoption - see :mod:`qdm.quality.sampling_tables`) or ``"z1.4"``
    (ANSI/ASQ Z1.4 Table II-C with the Ac/Re gap).
    """
    lot_size = _check_lot_size(lot_size)
    level = normalize_level(level)
    aql_key = normalize_aql(aql)
    table = _table_key(severity, reduced_table)
    letter = code_letter(lot_size, level)
    plan_letter, ac, re = _follow_arrows(table, letter, T.PREFERRED_AQLS.index(aql_key))
    sizes = T.REDUCED_SAMPLE_SIZES if severity == "reduced" else T.SAMPLE_SIZES
    table_n = sizes[plan_letter]
    hundred = table_n >= lot_size
    return SamplingPlan(
        code_letter=letter,
        sample_size=lot_size if hundred else table_n,
        ac=ac,
        re=re,
        hundred_percent=hundred,
        plan_letter=plan_letter,
        table_sample_size=table_n,
        severity=severity,
        level=level,
        aql=aql_key,
        lot_size=lot_size,
    )


def tighter_acceptance_number(plan_letter: str, aql: str) -> int | None:
    """Ac of Table II-A one AQL step tighter in the same row (same sample size).

    Used by the switching score; ``None`` when there is no tighter column or the
    neighbour is an arrow (never the case where the score needs it, Ac >= 2).
    """
    column = T.PREFERRED_AQLS.index(normalize_aql(aql))
    if column == 0:
        return None
    cell = _MASTER["normal"][plan_letter][column - 1]
    return None if cell in ("v", "^") else int(cell.split("/")[0])


# --------------------------------------------------------------------------- switching


@dataclass(frozen=True)
class LotResult:
    """Outcome of the original inspection of one lot under ``plan``."""

    plan: SamplingPlan
    nonconforming: int

    @property
    def accepted(self) -> bool:
        return self.plan.accepts(self.nonconforming)


@dataclass(frozen=True)
class SwitchingState:
    """Switching state of one supplier x material (serialisable with :meth:`to_dict`).

    ``recent_normal`` holds the outcomes (True = accepted) of up to the last 5 lots
    since normal inspection started; ``tightened_accepted_run`` counts consecutive
    accepted lots and ``tightened_not_accepted`` the cumulative not-accepted lots
    since tightened inspection started.  ``reason`` says why the last transition
    happened (empty when the severity did not change).
    """

    severity: SchemeState = "normal"
    switching_score: int = 0
    recent_normal: tuple[bool, ...] = field(default_factory=tuple)
    tightened_accepted_run: int = 0
    tightened_not_accepted: int = 0
    lots_inspected: int = 0
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["recent_normal"] = list(self.recent_normal)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SwitchingState:
        given = data.get("severity", "normal")
        severity = next((s for s in SCHEME_STATES if s == given), None)
        if severity is None:
            raise SamplingError(f"unknown switching state severity {given!r}")
        recent = data.get("recent_normal", ())
        if not isinstance(recent, (list, tuple)):
            raise SamplingError("recent_normal must be a list of booleans")
        return cls(
            severity=severity,
            switching_score=_stored_count(data, "switching_score"),
            recent_normal=tuple(bool(x) for x in recent),
            tightened_accepted_run=_stored_count(data, "tightened_accepted_run"),
            tightened_not_accepted=_stored_count(data, "tightened_not_accepted"),
            lots_inspected=_stored_count(data, "lots_inspected"),
            reason=str(data.get("reason", "")),
        )


def _stored_count(data: dict[str, object], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, (int, float, str)):
        raise SamplingError(f"{key} must be an integer, got {value!r}")
    return int(value)


def _fresh(severity: SchemeState, lots: int, reason: str) -> SwitchingState:
    # Every switch restarts the counters of the new severity (the score restarts at
    # 0 "at the start of normal inspection", 9.3.3.2; the 2-of-5 window and the
    # tightened counts refer to lots inspected under the current severity).
    return SwitchingState(severity=severity, lots_inspected=lots, reason=reason)


def _score_after(score: int, lot: LotResult) -> int:
    if lot.plan.ac <= 1:
        return score + 2 if lot.accepted else 0
    tighter = tighter_acceptance_number(lot.plan.plan_letter, lot.plan.aql)
    if tighter is None:
        raise SamplingError(
            f"no tighter plan next to {lot.plan.plan_letter}/{lot.plan.aql} for the switching score"
        )
    return score + 3 if lot.nonconforming <= tighter else 0


def next_state(
    state: SwitchingState,
    lot: LotResult,
    *,
    production_steady: bool = True,
    authority_approves_reduced: bool = True,
    other_conditions_require_normal: bool = False,
) -> SwitchingState:
    """Apply one lot's original-inspection result to the switching state.

    ``lot.plan.severity`` must match the state's severity (the lot was sampled
    with the plan the state called for).  A discontinued scheme accepts no lots:
    call :func:`resume_after_corrective_action` first.
    """
    if state.severity == "discontinued":
        raise SamplingError("inspection is discontinued; resume after corrective action first")
    if lot.plan.severity != state.severity:
        raise SamplingError(
            f"lot inspected on {lot.plan.severity} inspection but the state is {state.severity}"
        )
    lots = state.lots_inspected + 1
    accepted = lot.accepted

    if state.severity == "normal":
        window = (*state.recent_normal, accepted)[-NORMAL_WINDOW:]
        if window.count(False) >= NOT_ACCEPTED_TO_TIGHTEN:
            return _fresh("tightened", lots, "2 of 5 or fewer consecutive lots not accepted")
        score = _score_after(state.switching_score, lot)
        if score >= SWITCHING_SCORE_LIMIT and production_steady and authority_approves_reduced:
            return _fresh("reduced", lots, f"switching score {score} >= 30")
        return SwitchingState("normal", score, window, 0, 0, lots, "")

    if state.severity == "tightened":
        if accepted:
            run = state.tightened_accepted_run + 1
            if run >= ACCEPTED_TO_RELAX:
                return _fresh("normal", lots, "5 consecutive lots accepted on tightened")
            return SwitchingState("tightened", 0, (), run, state.tightened_not_accepted, lots, "")
        rejected = state.tightened_not_accepted + 1
        if rejected >= NOT_ACCEPTED_TO_DISCONTINUE:
            return _fresh("discontinued", lots, "5 lots not accepted on tightened inspection")
        return SwitchingState("tightened", 0, (), 0, rejected, lots, "")

    # reduced
    if not accepted:
        return _fresh("normal", lots, "lot not accepted on reduced inspection")
    if lot.plan.re > lot.plan.ac + 1 and lot.nonconforming > lot.plan.ac:
        # Z1.4 gap: the lot is accepted, but normal inspection is reinstated (unreachable
        # with accepted == (d <= Ac); kept for callers that override acceptance).
        return _fresh("normal", lots, "Ac < d < Re on reduced inspection")
    if not production_steady:
        return _fresh("normal", lots, "production irregular or delayed")
    if other_conditions_require_normal:
        return _fresh("normal", lots, "other conditions warrant normal inspection")
    return SwitchingState("reduced", 0, (), 0, 0, lots, "")


def resume_after_corrective_action(state: SwitchingState) -> SwitchingState:
    """Resume a discontinued scheme on tightened inspection (ISO 2859-1:1999 9.4).

    Only call this once the supplier has acted to improve quality and the
    responsible authority agrees the action is likely to be effective; the caller
    records that evidence (e.g. the closed SCAR).
    """
    if state.severity != "discontinued":
        raise SamplingError(f"only a discontinued scheme can be resumed, not {state.severity}")
    return _fresh("tightened", state.lots_inspected, "resumed after corrective action")


# --------------------------------------------------------------------------- CLI


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ArgError(message)


def sampling_command(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """``qdm sampling --lot-size N --aql A [--level II] [--severity S] [--json]``.

    Returns the exit code: 0 on success, 2 on bad input (one line on ``stderr``).
    """
    parser = _Parser(prog="qdm sampling", add_help=False)
    parser.add_argument("--lot-size", required=True)
    parser.add_argument("--aql", required=True)
    parser.add_argument("--level", default="II")
    parser.add_argument("--severity", default="normal")
    parser.add_argument("--reduced-table", default="iso")
    parser.add_argument("--json", action="store_true")
    try:
        args = parser.parse_args(argv)
        try:
            lot_size = int(args.lot_size, 10)
        except ValueError:
            raise SamplingError(f"lot size must be an integer, got {args.lot_size!r}") from None
        result = plan(
            lot_size, args.aql, args.level, args.severity, reduced_table=args.reduced_table
        )
    except (_ArgError, SamplingError) as exc:
        stderr.write(f"qdm sampling: error: {exc}\n")
        return 2
    payload = {
        "code_letter": result.code_letter,
        "plan_letter": result.plan_letter,
        "sample_size": result.sample_size,
        "accept": result.ac,
        "reject": result.re,
        "severity": result.severity,
        "level": result.level,
        "aql": result.aql,
        "hundred_percent": result.hundred_percent,
    }
    if args.json:
        stdout.write(json.dumps(payload) + "\n")
    else:
        note = " (100% inspection)" if result.hundred_percent else ""
        stdout.write(
            f"code letter {result.code_letter} -> plan {result.plan_letter}: "
            f"n={result.sample_size}{note}, Ac={result.ac}, Re={result.re} "
            f"({result.severity}, level {result.level}, AQL {result.aql})\n"
        )
    return 0
