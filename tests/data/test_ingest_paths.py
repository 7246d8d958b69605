"""The fast paths of ingestion read exactly what the general ones read: blocks of plain
CSV lines handed over column by column (one split for the whole block), whole-second ISO
times converted to UTC by integer arithmetic, and the flash table without an index on its
batch. The reference for every time is the row path (``_one_time``: Python's
``datetime.fromisoformat`` and ``zoneinfo``)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from qdm.data.ingest.readers import CsvReader
from qdm.data.ingest.service import ingest_file
from qdm.data.ingest.validate import _one_time, _times_whole
from qdm.data.models import FlashTest, QuarantinedRow
from tests.data.test_ingest_bulk import rows
from tests.data.test_ingest_files import FLASH_HEADER, write
from tests.personas import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def reader_of(text: str) -> CsvReader:
    raw = text.encode()
    return CsvReader(io.BytesIO(raw), "utf-8-sig", len(raw))


def test_plain_block_comes_column_wise_and_reads_as_rows() -> None:
    lines = [f"S{i:05d},{i},{i / 4},x" for i in range(25)]
    chunks = list(reader_of("serial,a,b,c\n" + "\n".join(lines) + "\n").chunks(10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert all(c.columns is not None for c in chunks)
    assert chunks[1].columns[0][:2] == ["S00010", "S00011"]  # type: ignore[index]
    assert [list(c.numbers) for c in chunks][2] == [22, 23, 24, 25, 26]
    assert chunks[2].row(1) == ["S00021", "21", "5.25", "x"]
    assert [row for c in chunks for row in c.rows] == [line.split(",") for line in lines]


@pytest.mark.parametrize(
    "odd",
    [
        "S9,1,2",  # a value short
        "S9,1,2,3,4",  # a value over
        "",  # a blank line (skipped, keeps its number)
        "S9,1,\x01,3",  # the split's line-end marker inside a value
    ],
)
def test_a_block_with_an_odd_line_is_split_line_by_line(odd: str) -> None:
    lines = ["S1,1,2,3", odd, "S2,1,2,3"]
    (chunk,) = list(reader_of("serial,a,b,c\n" + "\n".join(lines) + "\n").chunks(10))
    assert chunk.columns is None
    expected = [(n, line.split(",")) for n, line in enumerate(lines, 2) if line]
    assert list(zip(chunk.numbers, chunk.rows, strict=True)) == expected


@pytest.mark.django_db
def test_a_row_of_another_width_is_quarantined_and_the_rest_stored(
    world: World, tmp_path: Path
) -> None:
    good = rows(30)
    lines = [FLASH_HEADER, *good[:12], good[12].rsplit(",", 1)[0], *good[13:]]
    summary = ingest_file(write(tmp_path, "w.csv", lines), kind="flash", site=world.site_a)
    assert (summary.rows, summary.accepted, summary.rejected) == (30, 29, 1)
    (row,) = QuarantinedRow.objects.filter(batch_id=summary.batch)
    assert (row.row_number, [e["code"] for e in row.errors]) == (14, ["wrong_column_count"])
    assert row.raw["serial"] == "BK00012" and "rsh_ohm" not in row.raw


def _reference(values: list[str], zone: ZoneInfo) -> list[datetime | None]:
    return [_one_time(v, zone) for v in values]


def _stamps(start: datetime, count: int, step: timedelta, fmt: str) -> list[str]:
    return [(start + i * step).strftime(fmt) for i in range(count)]


@pytest.mark.parametrize(
    ("values", "zone"),
    [
        # offsets east and west, half hours, Z, T or blank, - or /
        ([f"2026-03-01T08:{m:02d}:07+08:00" for m in range(60)], None),
        (["2026-07-01T23:59:59-05:00", "2026-12-31T20:00:00-05:00"], None),
        (["2026-01-01 00:00:00+05:30", "2025-12-31 23:59:59-09:30"], SHANGHAI),
        (["2024-02-29T12:00:00Z", "2000-02-29T00:00:00Z", "1999-12-31T23:59:59Z"], None),
        (["2026/03/01 08:15:00+08:00", "2026/03/01T08:15:01+08:00"], None),
        # no offset: the site's zone, one offset over the whole span
        (_stamps(datetime(2026, 3, 1), 500, timedelta(minutes=7), "%Y-%m-%dT%H:%M:%S"), SHANGHAI),
        (_stamps(datetime(2026, 7, 1), 50, timedelta(hours=5), "%Y/%m/%d %H:%M:%S"), BERLIN),
        # local mean time before 1928 in Shanghai: an offset of +08:05:43
        (["1901-05-01T10:00:00"], SHANGHAI),
    ],
)
def test_whole_second_times_read_as_the_row_path_reads_them(
    values: list[str], zone: ZoneInfo | None
) -> None:
    result = _times_whole(values, zone)
    assert result is not None
    epochs, texts = result
    expected = _reference(values, zone or ZoneInfo("UTC"))
    assert list(epochs) == [e.timestamp() for e in expected if e is not None]
    assert texts == [str(e.replace(tzinfo=None)) for e in expected if e is not None]


@pytest.mark.parametrize(
    ("values", "zone"),
    [
        (["2025-02-29T00:00:00+08:00"], None),  # not a leap year
        (["2026-04-31T00:00:00+08:00"], None),
        (["2026-13-01T00:00:00+08:00"], None),
        (["2026-01-01T24:00:00+08:00"], None),
        (["2026-01-01T00:00:60+08:00"], None),
        (["2026-01-01T00:00:00+24:00"], None),
        (["1899-12-31T23:00:00Z"], None),
        (["2026-03-01T08:00:00+08:00", "2026-03-01T08:00:00Z"], None),  # two widths
        (["2026-03-01T08:00:00.5+08:00"], None),  # fractions: the other vector path
        (["2026-03-01T08:00:00"], None),  # no offset and no zone
        # no offset across Berlin's change to summer time on 29 March 2026
        (["2026-03-29T01:30:00", "2026-03-29T03:30:00"], BERLIN),
        (["2026-03-01T08:00:00", "2026-06-01T08:00:00"], SHANGHAI),  # longer than the span
        (["2026-03-01x08:00:00+08:00"], None),
    ],
)
def test_anything_else_is_left_to_the_other_paths(values: list[str], zone: ZoneInfo) -> None:
    assert _times_whole(values, zone) is None


@pytest.mark.django_db
def test_naive_times_across_a_dst_change_are_read_row_by_row(world: World, tmp_path: Path) -> None:
    """Berlin's clocks went forward at 02:00 on 29 March 2026: times on both sides of it in
    one chunk are each read with their own offset."""
    world.site_a.timezone = "Europe/Berlin"
    world.site_a.save()
    good = rows(2)
    lines = [
        FLASH_HEADER,
        good[0].replace("2026-03-01T00:00:00+00:00", "2026-03-29T01:30:00"),
        good[1].replace("2026-03-01T00:00:01+00:00", "2026-03-29T03:30:00"),
    ]
    summary = ingest_file(write(tmp_path, "d.csv", lines), kind="flash", site=world.site_a)
    assert summary.accepted == 2, summary.errors
    stored = sorted(FlashTest.objects.values_list("tested_at", flat=True))
    assert stored == [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    ]


@pytest.mark.django_db
def test_flash_table_has_no_batch_index_and_strict_removes_only_its_rows(
    world: World, tmp_path: Path
) -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, FlashTest._meta.db_table)
    assert ["batch_id"] not in [c["columns"] for c in constraints.values() if c["index"]]

    first = ingest_file(
        write(tmp_path, "a.csv", [FLASH_HEADER, *rows(20)]), kind="flash", site=world.site_a
    )
    assert first.accepted == 20
    lines = [FLASH_HEADER, *(r.replace("BK", "ST", 1) for r in rows(40))]
    lines[30] = lines[30].replace("41.", "-41.", 1)
    strict = ingest_file(
        write(tmp_path, "s.csv", lines), kind="flash", site=world.site_a, strict=True,
        chunk_rows=10,
    )  # fmt: skip
    assert (strict.status, strict.accepted, strict.rejected) == ("rejected", 0, 1)
    assert FlashTest.objects.count() == 20
    assert set(FlashTest.objects.values_list("batch_id", flat=True)) == {first.batch}
