"""ISO 2859-1 / ANSI/ASQ Z1.4 single-sampling tables, encoded as data.

Nothing in here computes a plan; :mod:`qdm.quality.sampling` reads these literals.

Sources and cross-checks (public copies; the standards themselves are not
redistributable, MIL-STD-105E is public domain and its attribute tables are the
tables of ANSI/ASQ Z1.4 and of ISO 2859-1 normal/tightened inspection):

* Table I (code letters): identical in (a) the CRAN/R-Forge package ``AQLSchemes``
  (J. Lawson, BYU), file ``R/AAZ14Single.R`` (``SSCodeLetters``; read from the
  public fork ``fjgonzalezmgt/AQLSchemesCust``) and (b) the "ANSI/ASQC Z1.4 /
  MIL-STD-105E / ISO 2859 Table I" chart on pdfcoffee.com ("aql-sampling-chart").
* Tables II-A (normal) and II-B (tightened): each row below is written as the
  standard prints it (numbers and arrows).  All 16 x 26 cells of each table,
  after following the arrows, were compared with the arrow-resolved sample
  sizes and acceptance numbers of ``AQLSchemes`` (0 mismatches in 832 cells),
  with the MIL-STD-105E transcription at nibs.org ``FMOC/DPW_AC/AC-TABLE.ASC``
  (normal and tightened, AQL 0.65-15, arrows included) and with the numeric
  row sequences of the MIL-STD-105E Table II-A scan on scribd ("Tablas": row A
  ends at 30/31, rows B-E end at 44/45, rows F-Q end at 21/22, row R starts at
  1/2).
* Table II-C (reduced, ANSI/ASQ Z1.4 / MIL-STD-105E, with the Ac/Re gap): the
  standard keeps the arrow layout of Table II-A and replaces the normal plan
  Ac/Re by the reduced one (0/1->0/1, 1/2->0/2, 2/3->1/3, 3/4->1/4, 5/6->2/5,
  7/8->3/6, 10/11->5/8, 14/15->7/10, 21/22->10/13, 30/31->14/17, 44/45->21/24)
  with the reduced sample sizes.  Checked against ``AQLSchemes``: all 416
  arrow-resolved sample sizes agree, and all rejection numbers agree except the
  top-right corner (rows A-B at AQL >= 100 and the AQL 1000 column), where
  AQLSchemes repeats the normal row-A plans.  That corner is NOT verified.
* ISO 2859-1:1999 Table 2-C (reduced, no gap): ``REDUCED_ISO_ROWS`` is encoded
  from the arrow-resolved Table 2-C of GB/T 2828.1-2012 (the Chinese national
  standard, an identical adoption - IDT - of ISO 2859-1:1999) as transcribed in a
  public TypeScript AQL module (``MASTER_2C_RAW``, comments: checked cell by cell
  against the GB/T 2828.1-2012 PDF, physical page 23 / printed page 17, SHA-256
  7a336944db23d14cf23fe007b0cfe2dffa5d5bef434767d2b1300ffaa35e5a37; its fixture
  README reports two independent reviewers, 96/96 cells of Table 2-C at six
  common AQLs).  The arrows here were reconstructed from that resolved table and
  ``tests/quality/test_sampling_reduced_iso.py`` checks all 16 x 26 resolved cells
  (plan letter, n, Ac, Re) against it.  Unlike the Z1.4 table the ISO reduced
  plans are NOT "Z1.4 Ac with Re = Ac + 1": the acceptance numbers run
  0, 1, 2, 3, 5, 6, 8, 10, 14, 21, 30 (plus 7 in rows A-B) and the arrows differ (e.g. C/10 is an
  arrow down to D 3 plan 1/2, Z1.4 has C 0/2).  ``REDUCED_ISO_VERIFIED`` is True
  on this basis - one public transcription of the IDT national standard, not the
  ISO publication itself.

Cell notation: ``"a/r"`` is a plan (Ac a, Re r); ``"v"`` means "use the first
sampling plan below the arrow", ``"^"`` "use the first sampling plan above the
arrow" - and the plan's sample size goes with it.
"""

from __future__ import annotations

# The preferred AQL series, column order of Tables II-A/B/C (percent nonconforming
# up to 10, nonconformities per 100 items above).
PREFERRED_AQLS: tuple[str, ...] = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40",
    "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65",
    "100", "150", "250", "400", "650", "1000",
)  # fmt: skip

# Code letters in table order (I and O are not used by the standard).
LETTERS: str = "ABCDEFGHJKLMNPQR"

# Sample size per code letter, normal and tightened (Tables II-A, II-B).  "S" only
# exists in the tightened table, reached by an arrow from R at AQL 0.025.
SAMPLE_SIZES: dict[str, int] = {
    "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50, "J": 80,
    "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000, "S": 3150,
}  # fmt: skip

# Sample size per code letter, reduced inspection (Table II-C / ISO Table 2-C).
REDUCED_SAMPLE_SIZES: dict[str, int] = {
    "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20, "J": 32,
    "K": 50, "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
}  # fmt: skip

# Table I - upper bound of each lot-size range (the last range is open-ended).
LOT_SIZE_UPPER_BOUNDS: tuple[int | None, ...] = (
    8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10000, 35000, 150000, 500000, None,
)  # fmt: skip

# Table I - one character per lot-size range above, per inspection level.
CODE_LETTER_COLUMNS: dict[str, str] = {
    #        2  9 16 26 51 91 151 281 501 1201 3201 10001 35001 150001 500001
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}

REDUCED_ISO_VERIFIED: bool = True


# Table II-A - single sampling plans for normal inspection (master table).
NORMAL_ROWS: dict[str, str] = {
    #      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    #        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    "A": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31",
    "B": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45",
    "C": "    v     v     v     v     v     v     v     v     v     v     v     v   0/1"
    "     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^",
    "D": "    v     v     v     v     v     v     v     v     v     v     v   0/1     ^"
    "     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^",
    "E": "    v     v     v     v     v     v     v     v     v     v   0/1     ^     v"
    "   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^     ^",
    "F": "    v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2"
    "   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^",
    "G": "    v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3"
    "   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^",
    "H": "    v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4"
    "   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^",
    "J": "    v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6"
    "   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K": "    v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8"
    " 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L": "    v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11"
    " 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M": "    v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15"
    " 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N": "    v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P": "    v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q": "  0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R": "    ^     ^   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
}

# Table II-B - single sampling plans for tightened inspection (master table).
TIGHTENED_ROWS: dict[str, str] = {
    #      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    #        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    "A": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "     v     v     v     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28",
    "B": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42",
    "C": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^",
    "D": "    v     v     v     v     v     v     v     v     v     v     v     v   0/1"
    "     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^",
    "E": "    v     v     v     v     v     v     v     v     v     v     v   0/1     v"
    "     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^     ^",
    "F": "    v     v     v     v     v     v     v     v     v     v   0/1     v     v"
    "   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^",
    "G": "    v     v     v     v     v     v     v     v     v   0/1     v     v   1/2"
    "   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^",
    "H": "    v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3"
    "   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^",
    "J": "    v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4"
    "   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K": "    v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6"
    "   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L": "    v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9"
    " 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M": "    v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13"
    " 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N": "    v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P": "    v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q": "    v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R": "  0/1     ^     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "S": "    ^     ^   1/2     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
}

# Table II-C (ANSI/ASQ Z1.4, MIL-STD-105E) - reduced inspection, with the Ac/Re gap:
# Ac < d < Re accepts the lot but reinstates normal inspection.
REDUCED_Z14_ROWS: dict[str, str] = {
    #      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    #        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    "A": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "     v   0/1     v     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17",
    "B": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24",
    "C": "    v     v     v     v     v     v     v     v     v     v     v     v   0/1"
    "     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^",
    "D": "    v     v     v     v     v     v     v     v     v     v     v   0/1     ^"
    "     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^",
    "E": "    v     v     v     v     v     v     v     v     v     v   0/1     ^     v"
    "   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^     ^",
    "F": "    v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2"
    "   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^",
    "G": "    v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3"
    "   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^",
    "H": "    v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4"
    "   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^",
    "J": "    v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5"
    "   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K": "    v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6"
    "   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L": "    v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8"
    "  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M": "    v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10"
    " 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N": "    v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P": "    v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q": "  0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R": "    ^     ^   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
}

# ISO 2859-1:1999 Table 2-C - reduced inspection (no gap, Re = Ac + 1), as printed in
# GB/T 2828.1-2012 Table 2-C (IDT ISO 2859-1:1999); source in the module docstring.
REDUCED_ISO_ROWS: dict[str, str] = {
    #      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    #        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    "A": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31",
    "B": "    v     v     v     v     v     v     v     v     v     v     v     v     v"
    "   0/1     ^     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31",
    "C": "    v     v     v     v     v     v     v     v     v     v     v     v   0/1"
    "     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ^",
    "D": "    v     v     v     v     v     v     v     v     v     v     v   0/1     ^"
    "     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ^     ^",
    "E": "    v     v     v     v     v     v     v     v     v     v   0/1     ^     v"
    "     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ^     ^     ^",
    "F": "    v     v     v     v     v     v     v     v     v   0/1     ^     v     v"
    "   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^",
    "G": "    v     v     v     v     v     v     v     v   0/1     ^     v     v   1/2"
    "   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^",
    "H": "    v     v     v     v     v     v     v   0/1     ^     v     v   1/2   2/3"
    "   3/4   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^",
    "J": "    v     v     v     v     v     v   0/1     ^     v     v   1/2   2/3   3/4"
    "   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K": "    v     v     v     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6"
    "   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L": "    v     v     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7"
    "   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M": "    v     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9"
    " 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N": "    v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P": "    v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q": "  0/1     ^     ^     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R": "    ^     ^     ^   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^     ^"
    "     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
}
