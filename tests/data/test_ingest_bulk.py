"""The bulk path on files larger than one statement and one chunk: multi-row INSERT
statements on SQLite (with a tail statement), COPY through a temporary table on PostgreSQL,
in-file duplicates across chunks, blank rows, strict mode and the same file again — every
value stored exactly once, nothing half-saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from qdm.data.ingest import writer
from qdm.data.ingest.service import ingest_file
from qdm.data.models import FlashTest, QuarantinedRow
from tests.data.test_ingest_files import FLASH_HEADER, flash_row, write
from tests.personas import World

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def rows(count: int) -> list[str]:
    """``count`` valid rows, serial i tested at T0 + i s, Pmax = Vmp·Imp varying with i."""
    out = []
    for i in range(count):
        vmp, imp = 41.0 + i % 50 / 100, 13.0 + i % 7 / 10
        at = (T0 + timedelta(seconds=i)).isoformat()
        out.append(
            flash_row(
                f"BK{i:05d}", tested_at=at, vmp_v=f"{vmp:.2f}", imp_a=f"{imp:.1f}",
                pmax_w=f"{vmp * imp:.4f}",
            )
        )  # fmt: skip
    return out


@pytest.fixture(params=["default", "small-statements"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "small-statements":
        # 7 rows a statement (a tail of 400 % 7 = 1 row) and no COPY on PostgreSQL
        monkeypatch.setattr(writer, "ROWS_PER_STATEMENT", 7)
        monkeypatch.setattr(writer, "COPY_MIN_ROWS", 10**9)
    return request.param


def test_large_file_with_duplicates_across_chunks(world: World, tmp_path: Path, path: str) -> None:
    good = rows(400)
    # rows 402…451 of the file repeat the keys of the first 50 rows (another chunk), and a
    # blank line keeps its number
    lines = [FLASH_HEADER, *good, "", *good[:50]]
    file = write(tmp_path, "big.csv", lines)
    summary = ingest_file(file, kind="flash", site=world.site_a, chunk_rows=300)
    assert (summary.rows, summary.accepted, summary.rejected, summary.duplicates) == (
        450, 400, 50, 0
    )  # fmt: skip
    stored = dict(FlashTest.objects.values_list("serial", "pmax_w"))
    assert len(stored) == 400
    assert stored["BK00123"] == pytest.approx((41.0 + 23 / 100) * (13.0 + 4 / 10))
    test = FlashTest.objects.get(serial="BK00399")
    assert test.tested_at == T0 + timedelta(seconds=399)
    assert (test.line, test.station.code, test.batch_id) == (
        world.line_a,
        "SA-M01-IV",
        summary.batch,
    )
    quarantined = QuarantinedRow.objects.filter(batch_id=summary.batch).order_by("row_number")
    assert [q.row_number for q in quarantined] == list(range(403, 453))
    assert {e["code"] for q in quarantined for e in q.errors} == {"duplicate_in_file"}

    again = ingest_file(file, kind="flash", site=world.site_a, chunk_rows=300)
    assert again.accepted == 0
    assert again.duplicates + again.rejected == 450
    assert FlashTest.objects.count() == 400


def test_strict_large_file_stores_nothing(world: World, tmp_path: Path, path: str) -> None:
    lines = [FLASH_HEADER, *rows(400)]
    lines[350] = lines[350].replace("41.", "-41.", 1)  # a negative Vmp late in the file
    summary = ingest_file(
        write(tmp_path, "s.csv", lines), kind="flash", site=world.site_a, strict=True,
        chunk_rows=300,
    )  # fmt: skip
    assert (summary.status, summary.accepted, summary.rejected) == ("rejected", 0, 1)
    assert FlashTest.objects.count() == 0


def test_writer_counts_what_the_database_stored(world: World, path: str) -> None:
    from qdm.data.ingest.profiles import SPECS

    spec = SPECS["flash"]
    columns = [c.db_column or c.name for c in spec.columns] + ["batch_id"]
    w = writer.FactWriter(spec, columns, batch_id=None)
    stamp = "2026-03-01 00:00:0{}" + ("" if connection.vendor == "sqlite" else "+00:00")

    def row(i: int) -> tuple:
        return (f"W{i}", stamp.format(i), world.site_a.pk, world.line_a.pk, None, "", 1000.0,
                25.0, 550.0, 49.0, 14.0, 41.0, 550 / 41, 80.0, None, None, None, None)  # fmt: skip

    assert w.insert([row(i) for i in range(5)]) == 5
    # by column, with two rows already stored: only the three new ones count
    new = [row(i) for i in range(3, 8)]
    assert w.insert_columns([list(c) for c in zip(*new, strict=True)]) == 3
    assert w.insert([]) == 0 and w.insert_columns([[] for _ in columns]) == 0
    assert sorted(FlashTest.objects.values_list("serial", flat=True)) == [f"W{i}" for i in range(8)]


def test_large_el_file_keeps_defects_as_json(world: World, tmp_path: Path, path: str) -> None:
    from qdm.data.models import ElResult

    lines = ["serial,tested_at,stage,grade,defects,line"]
    for i in range(250):
        defects = "CRK-A@B03;FING@C11" if i % 5 == 0 else ""
        grade = "B" if i % 5 == 0 else "A"
        at = (T0 + timedelta(minutes=i)).isoformat()
        lines.append(f"EL{i:04d},{at},EL1,{grade},{defects},SA-M01")
    summary = ingest_file(write(tmp_path, "el.csv", lines), kind="el", site=world.site_a)
    assert (summary.accepted, summary.rejected) == (250, 0)
    el = ElResult.objects.get(serial="EL0005")
    assert el.defects == [{"code": "CRK-A", "cell": "B03"}, {"code": "FING", "cell": "C11"}]
    assert (el.stage, el.grade, el.line) == ("EL1", "B", world.line_a)
    assert ElResult.objects.get(serial="EL0006").defects == []
    assert ElResult.objects.filter(grade="B").count() == 50


CSV_CASES = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "no final newline": "a,b,c\n1,2,3\n4,5,6",
    "crlf": "a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n",
    "lone cr": "a,b,c\r1,2,3\r4,5,6\r",
    "mixed endings": "a,b,c\n1,2,3\r\n4,5,6\r7,8,9\n",
    "blank rows": "a,b,c\n\n1,2,3\n   \n\n4,5,6\n\n",
    "blanks after the delimiter": "a,b,c\n1, 2,3\n 4,5 ,6\n",
    "quoted": 'a,b,c\n"x,y",2,3\n"say ""hi""",5,6\n',
    "quoted line breaks": 'a,b,c\n1,"two\nlines",3\n4,"cr\r\nlf",6\n7,8,9\n',
    "ragged": "a,b,c\n1,2\n3,4,5,6\n,,\n",
    "semicolons": "a;b;c\n1;2,5;3\n4;5;6\n",
    "tabs": "a\tb\tc\n1\t 2\t3\n",
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
@pytest.mark.parametrize("size", [1, 2, 3, 10_000])
def test_csv_reader_reads_what_the_csv_module_reads(case: str, size: int) -> None:
    """The split fast path and the CSV reader together give exactly the records (and row
    numbers) of Python's csv module over a text file with ``newline=""``, whatever the
    chunk boundaries (a quoted value spanning lines may cross one)."""
    import csv
    import io

    from qdm.data.ingest.readers import CsvReader

    text = CSV_CASES[case]
    raw = text.encode()
    delimiter = max((",", ";", "\t"), key=text.splitlines()[0].count)
    expected = list(
        csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    )[1:]
    expected_rows = [
        (number, row)
        for number, row in enumerate(expected, 2)
        if row and not (len(row) == 1 and not row[0].strip())
    ]
    reader = CsvReader(io.BytesIO(raw), "utf-8-sig", len(raw))
    got = [
        (number, row)
        for chunk in reader.chunks(size)
        for number, row in zip(chunk.numbers, chunk.rows, strict=True)
    ]
    assert got == expected_rows


def test_csv_reader_fast_path_reads_a_large_plain_file(tmp_path: Path) -> None:
    """Several read-ahead blocks of plain lines: every record once, in order, split."""
    import io

    from qdm.data.ingest import readers

    lines = [f"S{i:07d},{i},{i * 2}.5" for i in range(120_000)]
    raw = ("serial,a,b\n" + "\n".join(lines) + "\n").encode()
    reader = readers.CsvReader(io.BytesIO(raw), "utf-8-sig", len(raw))
    got = [row for chunk in reader.chunks(10_000) for row in chunk.rows]
    assert got == [line.split(",") for line in lines]
    assert reader._fast_lines == 120_000
