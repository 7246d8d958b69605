"""ISO 2859-1 / ANSI/ASQ Z1.4 single sampling: Table I, master tables, arrows, 100 %.

Expected values cite the cell they come from: "II-A L/2.5" is Table II-A, code
letter row L, AQL column 2.5 (II-B tightened, II-C reduced).
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qdm.quality import sampling_tables as T
from qdm.quality.sampling import (
    SamplingError,
    code_letter,
    master_cell,
    plan,
    sampling_command,
    tighter_acceptance_number,
)

# Table I, written out again for the test: (first lot size, last lot size) and the
# letters for S-1, S-2, S-3, S-4, I, II, III (MIL-STD-105E / Z1.4 / ISO 2859-1 Table I).
TABLE_I = [
    (2, 8, "AAAAAAB"),
    (9, 15, "AAAAABC"),
    (16, 25, "AABBBCD"),
    (26, 50, "ABBCCDE"),
    (51, 90, "BBCCCEF"),
    (91, 150, "BBCDDFG"),
    (151, 280, "BCDEEGH"),
    (281, 500, "BCDEFHJ"),
    (501, 1200, "CCEFGJK"),
    (1201, 3200, "CDEGHKL"),
    (3201, 10000, "CDFGJLM"),
    (10001, 35000, "CDFHKMN"),
    (35001, 150000, "DEGJLNP"),
    (150001, 500000, "DEGJMPQ"),
    (500001, 10**9, "DEHKNQR"),
]
LEVEL_ORDER = ["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]


@pytest.mark.parametrize("level_index", range(7))
@pytest.mark.parametrize("row", TABLE_I)
def test_code_letter_at_both_edges_of_every_range(
    row: tuple[int, int, str], level_index: int
) -> None:
    first, last, letters = row
    level = LEVEL_ORDER[level_index]
    assert code_letter(first, level) == letters[level_index]
    assert code_letter(last, level) == letters[level_index]


def test_level_aliases() -> None:
    assert code_letter(5000, "s2") == code_letter(5000, "S-2") == "D"
    assert code_letter(5000, "ii") == "L"


# (lot size, AQL, level, severity, code letter, plan letter, n, Ac, Re, 100 %)
CASES = [
    # Normal inspection, Table II-A
    (4000, "2.5", "II", "normal", "L", "L", 200, 10, 11, False),  # II-A L/2.5
    (5000, "0.65", "II", "normal", "L", "L", 200, 3, 4, False),  # II-A L/0.65
    (5000, "1.0", "II", "normal", "L", "L", 200, 5, 6, False),  # II-A L/1.0
    (5000, "1.5", "II", "normal", "L", "L", 200, 7, 8, False),  # II-A L/1.5
    (5000, "4.0", "II", "normal", "L", "L", 200, 14, 15, False),  # II-A L/4.0
    (5000, "6.5", "II", "normal", "L", "L", 200, 21, 22, False),  # II-A L/6.5
    (5000, "10", "II", "normal", "L", "K", 125, 21, 22, False),  # II-A L/10 up -> K/10
    (5000, "0.065", "II", "normal", "L", "L", 200, 0, 1, False),  # II-A L/0.065
    (1000, "2.5", "II", "normal", "J", "J", 80, 5, 6, False),  # II-A J/2.5
    (1000, "0.65", "II", "normal", "J", "J", 80, 1, 2, False),  # II-A J/0.65
    (500, "1.0", "II", "normal", "H", "H", 50, 1, 2, False),  # II-A H/1.0
    (500, "0.65", "II", "normal", "H", "J", 80, 1, 2, False),  # II-A H/0.65 down -> J
    (500, "0.40", "II", "normal", "H", "G", 32, 0, 1, False),  # II-A H/0.40 up -> G
    (150, "0.65", "II", "normal", "F", "F", 20, 0, 1, False),  # II-A F/0.65
    (150, "1.0", "II", "normal", "F", "E", 13, 0, 1, False),  # II-A F/1.0 up -> E
    (150, "1.5", "II", "normal", "F", "G", 32, 1, 2, False),  # II-A F/1.5 down -> G
    (20, "4.0", "II", "normal", "C", "B", 3, 0, 1, False),  # II-A C/4.0 up -> B (top rows)
    (100, "100", "II", "normal", "F", "E", 13, 21, 22, False),  # II-A F/100 up -> E
    (100, "1000", "II", "normal", "F", "B", 3, 44, 45, False),  # II-A F/1000 up 4 rows -> B
    (2, "1000", "II", "normal", "A", "A", 2, 30, 31, True),  # II-A A/1000, n = lot -> 100 %
    (600000, "0.010", "II", "normal", "Q", "Q", 1250, 0, 1, False),  # II-A Q/0.010
    (600000, "0.010", "III", "normal", "R", "Q", 1250, 0, 1, False),  # II-A R/0.010 up -> Q
    (600000, "0.015", "III", "normal", "R", "P", 800, 0, 1, False),  # II-A R/0.015 up, up -> P
    (600000, "0.025", "III", "normal", "R", "R", 2000, 1, 2, False),  # II-A R/0.025 (bottom)
    (600000, "0.40", "III", "normal", "R", "R", 2000, 14, 15, False),  # II-A R/0.40
    (600000, "0.65", "III", "normal", "R", "R", 2000, 21, 22, False),  # II-A R/0.65
    (600000, "1.0", "III", "normal", "R", "Q", 1250, 21, 22, False),  # II-A R/1.0 up -> Q
    (2, "0.010", "II", "normal", "A", "Q", 1250, 0, 1, True),  # II-A A/0.010 down to Q; 100 %
    (10, "0.65", "II", "normal", "B", "F", 20, 0, 1, True),  # II-A B/0.65 down -> F; 100 %
    (13, "1.0", "II", "normal", "B", "E", 13, 0, 1, True),  # II-A B/1.0 -> E, n == lot: 100 %
    (14, "1.0", "II", "normal", "B", "E", 13, 0, 1, False),  # II-A B/1.0 -> E, n < lot
    (10, "10", "II", "normal", "B", "C", 5, 1, 2, False),  # II-A B/10 down -> C
    (5000, "2.5", "S-2", "normal", "D", "C", 5, 0, 1, False),  # II-A D/2.5 up -> C
    (5000, "1.0", "S-4", "normal", "G", "H", 50, 1, 2, False),  # II-A G/1.0 down -> H
    (5000, "2.5", "I", "normal", "J", "J", 80, 5, 6, False),  # II-A J/2.5
    (5000, "2.5", "III", "normal", "M", "M", 315, 14, 15, False),  # II-A M/2.5
    (5000, "6.5", "III", "normal", "M", "L", 200, 21, 22, False),  # II-A M/6.5 up -> L
    # Tightened inspection, Table II-B
    (5000, "2.5", "II", "tightened", "L", "L", 200, 8, 9, False),  # II-B L/2.5
    (5000, "1.0", "II", "tightened", "L", "L", 200, 3, 4, False),  # II-B L/1.0
    (5000, "0.15", "II", "tightened", "L", "N", 500, 1, 2, False),  # II-B L/0.15 down 2 -> N
    (1000, "0.65", "II", "tightened", "J", "K", 125, 1, 2, False),  # II-B J/0.65 down -> K
    (600000, "0.025", "II", "tightened", "Q", "S", 3150, 1, 2, False),  # II-B Q/0.025 -> S
    (600000, "0.010", "II", "tightened", "Q", "R", 2000, 0, 1, False),  # II-B Q/0.010 -> R
    (8, "10", "II", "tightened", "A", "D", 8, 1, 2, True),  # II-B A/10 down -> D; 100 %
    (200, "1000", "II", "tightened", "G", "B", 3, 41, 42, False),  # II-B G/1000 up -> B
    # Reduced inspection (II-C sample sizes; ISO 2859-1:1999 no-gap default)
    (5000, "2.5", "II", "reduced", "L", "L", 80, 6, 7, False),  # 2-C L/2.5, Re = Ac + 1
    (500, "0.40", "II", "reduced", "H", "G", 13, 0, 1, False),  # II-C H/0.40 up -> G
    (500, "0.65", "II", "reduced", "H", "K", 50, 1, 2, False),  # 2-C H/0.65 down -> K 1/2
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[3]}")
def test_plan_against_published_cells(case: tuple) -> None:
    lot, aql, level, severity, letter, plan_letter, n, ac, re, hundred = case
    result = plan(lot, aql, level, severity)
    assert result.code_letter == letter
    assert result.plan_letter == plan_letter
    assert result.table_sample_size == n
    assert (result.ac, result.re) == (ac, re)
    assert result.hundred_percent is hundred
    assert result.sample_size == (lot if hundred else n)


@pytest.mark.parametrize(
    ("lot", "aql", "plan_letter", "n", "ac", "re"),
    [
        (5000, "2.5", "L", 80, 5, 8),  # II-C L/2.5 (Z1.4: gap 5/8)
        (5000, "1.0", "L", 80, 2, 5),  # II-C L/1.0
        (3000, "1.0", "K", 50, 1, 4),  # II-C K/1.0
        (500, "0.65", "J", 32, 0, 2),  # II-C H/0.65 down -> J 0/2
    ],
)
def test_reduced_z14_table_with_gap(
    lot: int, aql: str, plan_letter: str, n: int, ac: int, re: int
) -> None:
    result = plan(lot, aql, severity="reduced", reduced_table="z1.4")
    assert (result.plan_letter, result.table_sample_size, result.ac, result.re) == (
        plan_letter,
        n,
        ac,
        re,
    )


def test_aql_spellings() -> None:
    assert plan(5000, 0.4).aql == plan(5000, "0.40").aql == "0.40"
    assert plan(5000, 10).ac == plan(5000, "10.0").ac


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lot_size": 1, "aql": "1.0"}, "at least 2"),
        ({"lot_size": 0, "aql": "1.0"}, "at least 2"),
        ({"lot_size": True, "aql": "1.0"}, "integer"),
        ({"lot_size": 10.0, "aql": "1.0"}, "integer"),
        ({"lot_size": 100, "aql": "0.3"}, "preferred"),
        ({"lot_size": 100, "aql": "abc"}, "not a number"),
        ({"lot_size": 100, "aql": None}, "number"),
        ({"lot_size": 100, "aql": "1.0", "level": "IV"}, "level"),
        ({"lot_size": 100, "aql": "1.0", "severity": "lenient"}, "severity"),
    ],
)
def test_bad_input_raises_sampling_error(kwargs: dict, message: str) -> None:
    with pytest.raises(SamplingError, match=message):
        plan(**kwargs)
    assert issubclass(SamplingError, ValueError)


@pytest.mark.parametrize("table", ["normal", "tightened", "reduced-iso", "reduced-z1.4"])
def test_every_cell_resolves_inside_the_table(table: str) -> None:
    severity = table.split("-")[0]
    reduced_table = table.split("-", 1)[1] if "-" in table else "iso"
    for letter_index, _letter in enumerate(T.LETTERS):
        lot = [2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001, 150001, 500001][
            min(letter_index, 14)
        ]
        level = "III" if letter_index == 15 else "II"
        if letter_index == 15:
            lot = 500001
        for aql in T.PREFERRED_AQLS:
            result = plan(lot, aql, level, severity, reduced_table=reduced_table)
            assert result.ac < result.re


def test_tighter_neighbour_exists_wherever_ac_is_two_or_more() -> None:
    # The switching score compares with the plan one AQL step tighter (same row).
    for letter in T.LETTERS:
        for column, aql in enumerate(T.PREFERRED_AQLS):
            cell = master_cell("normal", letter, aql)
            if "/" in cell and int(cell.split("/")[0]) >= 2:
                tighter = tighter_acceptance_number(letter, aql)
                assert tighter is not None and tighter < int(cell.split("/")[0]), (letter, aql)
                assert column > 0


def test_reduced_iso_has_no_gap() -> None:
    # ISO 2859-1:1999 Table 2-C: Re = Ac + 1 in every plan cell (the acceptance numbers
    # differ from Z1.4's reduced table - every cell is in test_sampling_reduced_iso.py)
    for letter in T.LETTERS:
        for aql in T.PREFERRED_AQLS:
            iso = master_cell("reduced-iso", letter, aql)
            if "/" in iso:
                ac, re = (int(x) for x in iso.split("/"))
                assert re == ac + 1


lots = st.integers(min_value=2, max_value=2_000_000)
aqls = st.sampled_from(T.PREFERRED_AQLS)
levels = st.sampled_from(LEVEL_ORDER)
severities = st.sampled_from(["normal", "tightened", "reduced"])


@given(lots, aqls, levels, severities, st.sampled_from(["iso", "z1.4"]))
def test_property_sample_never_exceeds_lot(
    lot: int, aql: str, level: str, severity: str, reduced_table: str
) -> None:
    result = plan(lot, aql, level, severity, reduced_table=reduced_table)
    assert result.sample_size <= lot
    assert result.hundred_percent == (result.table_sample_size >= lot)
    assert result.sample_size == min(result.table_sample_size, lot)
    assert 0 <= result.ac < result.re
    if reduced_table == "iso" or severity != "reduced":
        assert result.re == result.ac + 1


@given(lots, levels, severities, st.sampled_from(["iso", "z1.4"]))
def test_property_larger_aql_never_gives_a_stricter_ac(
    lot: int, level: str, severity: str, reduced_table: str
) -> None:
    acs = [plan(lot, a, level, severity, reduced_table=reduced_table).ac for a in T.PREFERRED_AQLS]
    assert acs == sorted(acs)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return sampling_command(list(argv), out, err), out.getvalue(), err.getvalue()


def test_cli_json() -> None:
    code, out, err = run_cli("--lot-size", "500", "--aql", "0.65", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    # II-A H/0.65 is a down arrow to J: n 80, Ac 1, Re 2.
    assert data["code_letter"] == "H" and data["plan_letter"] == "J"
    assert (data["sample_size"], data["accept"], data["reject"]) == (80, 1, 2)
    assert data["severity"] == "normal" and data["level"] == "II" and data["aql"] == "0.65"


def test_cli_text_and_severity() -> None:
    code, out, _ = run_cli("--lot-size", "5000", "--aql", "2.5", "--severity", "tightened")
    assert code == 0 and "Ac=8" in out and "Re=9" in out


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["--lot-size", "1", "--aql", "1.0"], "at least 2"),
        (["--lot-size", "ten", "--aql", "1.0"], "integer"),
        (["--lot-size", "100", "--aql", "0.3"], "preferred"),
        (["--lot-size", "100", "--aql", "1.0", "--level", "IV"], "level"),
        (["--aql", "1.0"], "lot-size"),
    ],
)
def test_cli_bad_input_exits_2(argv: list[str], word: str) -> None:
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and word in err
