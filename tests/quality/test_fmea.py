"""AIAG-VDA Action Priority: every S x O x D cell, RPN, invalid ratings, CLI.

The expectation below is written independently of ``fmea.AP_TABLE``: it lists
the H and the M regions of the handbook's "Action Priority (AP) for DFMEA and
PFMEA" table (AIAG & VDA FMEA Handbook, 1st ed. 2019) as rating ranges; every
cell in neither list is L.
"""

from __future__ import annotations

import io
import json

import pytest

from qdm.quality.fmea import FmeaRatingError, action_priority, fmea_ap_command, rpn

# (S lo, S hi, O lo, O hi, D lo, D hi)
HIGH = [
    (9, 10, 8, 10, 1, 10),
    (9, 10, 6, 7, 1, 10),
    (9, 10, 4, 5, 2, 10),
    (9, 10, 2, 3, 7, 10),
    (7, 8, 8, 10, 1, 10),
    (7, 8, 6, 7, 2, 10),
    (7, 8, 4, 5, 7, 10),
    (4, 6, 8, 10, 5, 10),
]
MEDIUM = [
    (9, 10, 4, 5, 1, 1),
    (9, 10, 2, 3, 5, 6),
    (7, 8, 6, 7, 1, 1),
    (7, 8, 4, 5, 1, 6),
    (7, 8, 2, 3, 5, 10),
    (4, 6, 8, 10, 1, 4),
    (4, 6, 6, 7, 2, 10),
    (4, 6, 4, 5, 7, 10),
    (2, 3, 8, 10, 5, 10),
]


def expected_ap(s: int, o: int, d: int) -> str:
    def inside(regions: list[tuple[int, ...]]) -> bool:
        return any(a <= s <= b and c <= o <= e and f <= d <= g for a, b, c, e, f, g in regions)

    if inside(HIGH):
        return "H"
    return "M" if inside(MEDIUM) else "L"


def test_expectation_regions_do_not_overlap() -> None:
    for s in range(1, 11):
        for o in range(1, 11):
            for d in range(1, 11):
                hits = sum(
                    a <= s <= b and c <= o <= e and f <= d <= g
                    for a, b, c, e, f, g in HIGH + MEDIUM
                )
                assert hits <= 1, (s, o, d)


@pytest.mark.parametrize("kind", ["pfmea", "dfmea"])
def test_every_cell(kind: str) -> None:
    mismatches = [
        (s, o, d)
        for s in range(1, 11)
        for o in range(1, 11)
        for d in range(1, 11)
        if action_priority(s, o, d, kind=kind) != expected_ap(s, o, d)
    ]
    assert mismatches == []


def test_cell_counts() -> None:
    # Hand count from the handbook bands: H = 152 (S9-10) + 112 (S7-8) + 54 (S4-6);
    # M = 12 (S9-10) + 52 (S7-8) + 114 (S4-6) + 36 (S2-3); the rest of 1000 is L.
    counts = {"H": 0, "M": 0, "L": 0}
    for s in range(1, 11):
        for o in range(1, 11):
            for d in range(1, 11):
                counts[action_priority(s, o, d)] += 1
    assert sum(counts.values()) == 1000
    assert counts == {"H": 318, "M": 214, "L": 468}


@pytest.mark.parametrize(
    ("s", "o", "d", "ap"),
    [
        (8, 6, 2, "H"),  # published example (biz-pi.com / leansixsigmadefinition.com): RPN 96 -> H
        (2, 6, 8, "L"),  # same RPN 96 -> L
        (10, 1, 10, "L"),  # S 9-10 with O 1 is L whatever D (handbook row S9-10/O1)
        (9, 2, 10, "H"),  # S9-10, O2-3, D7-10
        (9, 3, 5, "M"),  # S9-10, O2-3, D5-6
        (9, 3, 4, "L"),  # S9-10, O2-3, D2-4
        (10, 5, 1, "M"),  # S9-10, O4-5, D1
        (8, 7, 1, "M"),  # S7-8, O6-7, D1
        (7, 5, 6, "M"),  # S7-8, O4-5, D5-6
        (5, 10, 10, "H"),  # S4-6, O8-10, D7-10
        (5, 10, 4, "M"),  # S4-6, O8-10, D2-4
        (6, 7, 1, "L"),  # S4-6, O6-7, D1
        (3, 9, 6, "M"),  # S2-3, O8-10, D5-6
        (1, 10, 10, "L"),  # S1 always L
    ],
)
def test_spot_checks(s: int, o: int, d: int, ap: str) -> None:
    assert action_priority(s, o, d) == ap


def test_rpn() -> None:
    assert rpn(1, 1, 1) == 1
    assert rpn(10, 10, 10) == 1000
    assert rpn(8, 6, 2) == 96


@pytest.mark.parametrize("bad", [0, 11, -1, 5.0, 5.5, "5", None, True, False])
@pytest.mark.parametrize("field", ["severity", "occurrence", "detection"])
def test_invalid_ratings_name_the_field(field: str, bad: object) -> None:
    ratings: dict[str, object] = {"severity": 5, "occurrence": 5, "detection": 5}
    ratings[field] = bad
    with pytest.raises(FmeaRatingError) as info:
        action_priority(**ratings)  # type: ignore[arg-type]
    assert info.value.field == field
    assert field in str(info.value)
    with pytest.raises(FmeaRatingError):
        rpn(**ratings)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        action_priority(5, 5, 5, kind="fmea-msr")


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = fmea_ap_command(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_json() -> None:
    code, out, err = run_cli("--severity", "8", "--occurrence", "6", "--detection", "2", "--json")
    assert code == 0 and err == ""
    assert json.loads(out) == {"ap": "H", "rpn": 96}


def test_cli_text() -> None:
    code, out, _ = run_cli("--severity", "2", "--occurrence", "6", "--detection", "8")
    assert code == 0
    assert "AP=L" in out and "RPN=96" in out


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["--severity", "0", "--occurrence", "5", "--detection", "5"], "severity"),
        (["--severity", "5", "--occurrence", "11", "--detection", "5"], "occurrence"),
        (["--severity", "5", "--occurrence", "5", "--detection", "4.5"], "detection"),
        (["--severity", "x", "--occurrence", "5", "--detection", "5"], "severity"),
        (["--severity", "5", "--occurrence", "5"], "detection"),
        (["--severity", "5", "--occurrence", "5", "--detection", "5", "--bogus"], "bogus"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv: list[str], word: str) -> None:
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and word in err
