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
