"""ISO 2859-1:1999 Table 2-C (reduced inspection, single sampling, no Ac/Re gap): every
cell against a cited source.

Source: GB/T 2828.1-2012 Table 2-C (Chinese national standard, identical adoption - IDT -
of ISO 2859-1:1999), arrow-resolved, as transcribed in a public TypeScript AQL module
(``src/core/aql.ts``, constant ``MASTER_2C_RAW``; library file id 55307361509). Its
comments state it was checked cell by cell against the GB/T 2828.1-2012 PDF (physical
page 23 / printed page 17, SHA-256 7a336944db23d14cf23fe007b0cfe2dffa5d5bef434767d2b13
00ffaa35e5a37); the project's fixture README (library file id 55256468532) reports two
independent read-only reviewers agreeing on 96/96 Table 2-C cells at six common AQLs.

EXPECTED below re-states that source's resolved cells: per code letter, for each of the
26 preferred AQLs (0.010 ... 1000) the letter of the plan reached after the arrows and its
acceptance number Ac; Re = Ac + 1 (the 1999 reduced table has no gap) and n is the reduced
sample size of that letter (Table 2-C: A-C 2, D 3, E 5, F 8, G 13, H 20, J 32, K 50,
L 80, M 125, N 200, P 315, Q 500, R 800).
"""

from __future__ import annotations

import pytest

from qdm.quality import sampling_tables as T
from qdm.quality.sampling import plan

# letter -> 26 tokens "<plan letter><Ac>" in AQL column order
EXPECTED: dict[str, str] = {
    "A": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 A0 D1 C1 A1 A2 A3 A5 A7 A10 A14 A21 A30",
    "B": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 A0 D1 C1 B1 B2 B3 B5 B7 B10 B14 B21 B30",
    "C": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 E1 D1 C1 C2 C3 C5 C6 C8 C10 C14 C21 B30",
    "D": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 F1 E1 D1 D2 D3 D5 D6 D8 D10 D14 D21 C21 B30",
    "E": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 G1 F1 E1 E2 E3 E5 E6 E8 E10 E14 E21 D21 C21 B30",
    "F": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 H1 G1 F1 F2 F3 F5 F6 F8 F10 E10 E14 E21 D21 C21 B30",
    "G": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 J1 H1 G1 G2 G3 G5 G6 G8 G10 F10 E10 E14 E21 D21 C21 B30",
    "H": "Q0 P0 N0 M0 L0 K0 J0 H0 G0 K1 J1 H1 H2 H3 H5 H6 H8 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "J": "Q0 P0 N0 M0 L0 K0 J0 H0 L1 K1 J1 J2 J3 J5 J6 J8 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "K": "Q0 P0 N0 M0 L0 K0 J0 M1 L1 K1 K2 K3 K5 K6 K8 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "L": "Q0 P0 N0 M0 L0 K0 N1 M1 L1 L2 L3 L5 L6 "
    "L8 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "M": "Q0 P0 N0 M0 L0 P1 N1 M1 M2 M3 M5 M6 M8 "
    "M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "N": "Q0 P0 N0 M0 Q1 P1 N1 N2 N3 N5 N6 N8 N10 "
    "M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "P": "Q0 P0 N0 R1 Q1 P1 P2 P3 P5 P6 P8 P10 N10 "
    "M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "Q": "Q0 P0 N0 R1 Q1 Q2 Q3 Q5 Q6 Q8 Q10 P10 N10 "
    "M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
    "R": "Q0 P0 N0 R1 R2 R3 R5 R6 R8 R10 Q10 P10 N10 "
    "M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30",
}

REDUCED_N = {
    "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20, "J": 32,
    "K": 50, "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
}  # fmt: skip


def _via_plan(letter: str, aql: str):
    from qdm.quality import sampling

    column = T.PREFERRED_AQLS.index(aql)
    return sampling._follow_arrows("reduced-iso", letter, column)


@pytest.mark.parametrize("letter", T.LETTERS)
def test_every_reduced_iso_cell_against_gbt2828_1_2012(letter: str) -> None:
    tokens = EXPECTED[letter].split()
    assert len(tokens) == len(T.PREFERRED_AQLS) == 26
    for aql, token in zip(T.PREFERRED_AQLS, tokens, strict=True):
        want_letter, want_ac = token[0], int(token[1:])
        got_letter, ac, re = _via_plan(letter, aql)
        assert (got_letter, ac, re) == (want_letter, want_ac, want_ac + 1), (letter, aql)
        assert T.REDUCED_SAMPLE_SIZES[got_letter] == REDUCED_N[got_letter]


def test_reduced_iso_through_plan_and_the_verified_flag() -> None:
    assert T.REDUCED_ISO_VERIFIED is True
    # 5 000 pieces, level II: code L; Table 2-C L/2.5 -> L, n 80, Ac 6 Re 7 (Z1.4: 5/8)
    p = plan(5000, "2.5", "II", "reduced")
    assert (p.code_letter, p.sample_size, p.ac, p.re) == ("L", 80, 6, 7)
    # 1 200 pieces (J) at 0.15: Table 2-C J/0.15 -> J, n 32, Ac 0 Re 1; at 0.65 the
    # arrow points down to K, n 50, Ac 1 Re 2
    p = plan(1200, "0.15", "II", "reduced")
    assert (p.sample_size, p.ac, p.re) == (32, 0, 1)
    p = plan(1200, "0.65", "II", "reduced")
    assert (p.plan_letter, p.sample_size, p.ac, p.re) == ("K", 50, 1, 2)
    # 20 pieces (C) at 10: arrow down to D, n 3, Ac 1 Re 2 (Z1.4 would give C 0/2)
    p = plan(20, "10", "II", "reduced")
    assert (p.sample_size, p.ac, p.re) == (3, 1, 2)
    z = plan(20, "10", "II", "reduced", reduced_table="z1.4")
    assert (z.sample_size, z.ac, z.re) == (2, 0, 2)
    # acceptance numbers of the 1999 reduced table (7 only in rows A-B, n = 2, AQL 150)
    acs = {int(t[1:]) for row in EXPECTED.values() for t in row.split()}
    assert acs == {0, 1, 2, 3, 5, 6, 7, 8, 10, 14, 21, 30}
