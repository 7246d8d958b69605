"""Ingestion through the service and the ``qdm ingest`` command: good files of every kind,
Chinese headers in GB18030, XLSX, vendor units, every kind of bad row, strict mode, the same
file twice and unreadable files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qdm.data.ingest.service import UnreadableFile, ingest_file
from qdm.data.models import (
    CellSortResult,
    Characteristic,
    ElResult,
    FlashTest,
    IngestBatch,
    Measurement,
    QuarantinedRow,
)
from tests.data.test_ingest_files import (
    BAD_EXPECTED,
    BAD_GOOD_SERIALS,
    FLASH_HEADER,
    bad_flash,
    flash_row,
    good_flash,
    write,
)
from tests.personas import World


def run(*args: str) -> tuple[int, str]:
    """``qdm ingest …`` in-process: (exit status, stdout)."""
    out = StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def quarantine_codes(batch: int) -> dict[int, list[str]]:
    return {
        q.row_number: [e["code"] for e in q.errors]
        for q in QuarantinedRow.objects.filter(batch_id=batch)
    }


def test_good_flash_file_is_stored(world: World, tmp_path: Path) -> None:
    status, out = run(str(good_flash(tmp_path)), "--kind", "flash", "--site", "SA", "--json")
    summary = json.loads(out)
    assert status == 0
    assert {k: summary[k] for k in ("rows", "accepted", "rejected", "duplicates")} == {
        "rows": 3,
        "accepted": 3,
        "rejected": 0,
        "duplicates": 0,
    }
    assert summary["errors"] == []
    test = FlashTest.objects.get(serial="SN0001")
    assert test.site == world.site_a
    assert test.line == world.line_a
    assert test.station.code == "SA-M01-IV"
    assert test.tested_at == datetime(2026, 3, 1, 0, 1, tzinfo=UTC)
    assert (test.pmax_w, test.isc_a, test.ff_pct, test.rsh_ohm) == (551.76, 13.9, 80.03, 512.0)
    assert test.batch_id == summary["batch"]
    batch = IngestBatch.objects.get(pk=summary["batch"])
    assert (batch.status, batch.rows, batch.accepted, batch.profile) == ("done", 3, 3, "canonical")


def test_station_brings_its_line(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", [FLASH_HEADER, flash_row("SN-L", line="")])
    summary = ingest_file(path, kind="flash", site=world.site_a)
    assert summary.accepted == 1
    assert FlashTest.objects.get(serial="SN-L").line == world.line_a


@pytest.mark.parametrize("chunk_rows", [10_000, 3])
def test_every_kind_of_bad_row_lands_in_quarantine(
    world: World, tmp_path: Path, chunk_rows: int
) -> None:
    summary = ingest_file(
        bad_flash(tmp_path), kind="flash", site=world.site_a, chunk_rows=chunk_rows
    )
    assert quarantine_codes(summary.batch) == BAD_EXPECTED
    assert set(FlashTest.objects.values_list("serial", flat=True)) == BAD_GOOD_SERIALS
    assert (summary.rows, summary.accepted, summary.rejected, summary.duplicates) == (
        15,
        2,
        13,
        0,
    )
    assert sorted({e["row"] for e in summary.errors}) == sorted(BAD_EXPECTED)
    error = next(e for e in summary.errors if e["row"] == 4)
    assert error["column"] == "isc_a"
    assert error["message"]
    raw = QuarantinedRow.objects.get(batch_id=summary.batch, row_number=4).raw
    assert raw["serial"] == "BAD-NEG"
    assert raw["isc_a"] == "-1"


def test_cli_exit_1_and_json_errors_for_rejected_rows(world: World, tmp_path: Path) -> None:
    status, out = run(str(bad_flash(tmp_path)), "--kind", "flash", "--site", "SA", "--json")
    summary = json.loads(out)
    assert status == 1
    assert summary["rejected"] == len(BAD_EXPECTED)
    assert {(e["row"], e["code"]) for e in summary["errors"]} == {
        (row, codes[0]) for row, codes in BAD_EXPECTED.items()
    }


def test_errors_listed_are_capped_but_counts_exact(world: World, tmp_path: Path) -> None:
    rows = [flash_row(f"N{i}", isc_a="-1") for i in range(30)]
    path = write(tmp_path, "many.csv", [FLASH_HEADER, *rows])
    summary = ingest_file(path, kind="flash", site=world.site_a, max_errors=10)
    assert summary.rejected == 30
    assert len(summary.errors) == 10
    assert QuarantinedRow.objects.filter(batch_id=summary.batch).count() == 30


def test_strict_stores_nothing_when_a_row_is_invalid(world: World, tmp_path: Path) -> None:
    status, out = run(
        str(bad_flash(tmp_path)), "--kind", "flash", "--site", "SA", "--strict", "--json"
    )
    summary = json.loads(out)
    assert status == 1
    assert FlashTest.objects.count() == 0
    assert summary["accepted"] == 0
    batch = IngestBatch.objects.get(pk=summary["batch"])
    assert batch.status == "rejected"
    assert quarantine_codes(batch.pk) == BAD_EXPECTED


def test_strict_with_a_clean_file_stores_everything(world: World, tmp_path: Path) -> None:
    summary = ingest_file(good_flash(tmp_path), kind="flash", site=world.site_a, strict=True)
    assert (summary.accepted, summary.status) == (3, "done")
    assert FlashTest.objects.count() == 3


def test_same_file_twice_stores_nothing_new(world: World, tmp_path: Path) -> None:
    path = good_flash(tmp_path, count=5)
    first = ingest_file(path, kind="flash", site=world.site_a, chunk_rows=2)
    second = ingest_file(path, kind="flash", site=world.site_a, chunk_rows=2)
    assert (first.accepted, first.duplicates) == (5, 0)
    assert (second.rows, second.accepted, second.duplicates, second.rejected) == (5, 0, 5, 0)
    assert FlashTest.objects.count() == 5
    assert set(FlashTest.objects.values_list("batch_id", flat=True)) == {first.batch}
    batches = IngestBatch.objects.order_by("pk")
    assert [b.pk for b in batches] == [first.batch, second.batch]
    assert batches[0].sha256 == batches[1].sha256
    assert batches[1].duplicates == 5


def test_same_instant_with_another_offset_is_a_duplicate(world: World, tmp_path: Path) -> None:
    ingest_file(good_flash(tmp_path, count=1), kind="flash", site=world.site_a)
    path = write(
        tmp_path, "utc.csv", [FLASH_HEADER, flash_row("SN0000", tested_at="2026-03-01T00:00:00Z")]
    )
    summary = ingest_file(path, kind="flash", site=world.site_a)
    assert (summary.accepted, summary.duplicates) == (0, 1)


def test_chinese_headers_in_gb18030_with_units(world: World, tmp_path: Path) -> None:
    header = (
        "条码,测试时间,线别,辐照度(W/m²),温度(℃),最大功率(W),开路电压(V),短路电流(A),"
        "最大功率点电压(V),最大功率点电流(mA),填充因子(%),转换效率(%),串联电阻(Ω),并联电阻(Ω)"
    )
    row = (
        "组件-001,2026/03/01 08:00:00,SA-M01,1000,25,551.76,49.6,13.9,41.8,13200,80.03,21.4,0.2,500"
    )
    path = write(tmp_path, "zh.csv", [header, row], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    status, out = run(str(path), "--kind", "flash", "--site", "SA", "--json")
    assert status == 0, out
    test = FlashTest.objects.get(serial="组件-001")
    assert test.imp_a == pytest.approx(13.2)
    assert test.tested_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # Shanghai local time
    assert test.line == world.line_a
    assert IngestBatch.objects.get().profile == "zh-default"


def test_chinese_headers_in_utf8_with_bom_and_serial_alias(world: World, tmp_path: Path) -> None:
    header = (
        "序列号,测试时间,辐照度,温度,最大功率,开路电压,短路电流,"
        "最大功率点电压,最大功率点电流,填充因子"
    )
    row = "SN-ZH,2026-03-01T08:00:00+08:00,1000,25,551.76,49.6,13.9,41.8,13.2,80.03"
    path = write(tmp_path, "zh8.csv", [header, row], encoding="utf-8-sig")
    summary = ingest_file(path, kind="flash", site=world.site_a)
    assert (summary.accepted, summary.profile) == (1, "zh-default")


def test_vendor_profile_converts_ma_and_fraction(world: World, tmp_path: Path) -> None:
    header = "ID,TestTime,Irr,TMod,Pmpp,Uoc,Isc,Umpp,Impp,FF"
    row = "H-1,2026-03-01T08:00:00+08:00,1000,25,551.76,49.6,13900,41.8,13200,0.8003"
    path = write(tmp_path, "halm.csv", [header, row])
    summary = ingest_file(path, kind="flash", site=world.site_a)
    assert (summary.accepted, summary.profile) == (1, "halm-ma")
    test = FlashTest.objects.get(serial="H-1")
    assert (test.isc_a, test.imp_a, test.ff_pct) == pytest.approx((13.9, 13.2, 80.03))


def test_xlsx_file(world: World, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(FLASH_HEADER.split(","))
    for i, pmax in enumerate((551.76, 600.0)):
        sheet.append(
            [
                f"X-{i}",
                datetime(2026, 3, 1, 8, i),
                "SA-M01",
                None,
                "SIM-1",
                1000,
                25.0,
                pmax,
                49.6,
                13.9,
                41.8,
                13.2,
                80.03,
                21.4,
                None,
                None,
            ]
        )
    path = tmp_path / "flash.xlsx"
    workbook.save(path)
    summary = ingest_file(path, kind="flash", site=world.site_a)
    assert (summary.rows, summary.accepted, summary.rejected) == (2, 1, 1)
    assert quarantine_codes(summary.batch) == {3: ["pmax_mismatch"]}
    test = FlashTest.objects.get(serial="X-0")
    assert test.tested_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert test.rs_ohm is None


def test_el_file(world: World, tmp_path: Path) -> None:
    lines = [
        "serial,tested_at,stage,grade,defects,image_ref,classifier_version,line",
        "SN1,2026-03-01T08:00:00+08:00,EL2,B,CRK-B@C12;dark@a03,img/1.png,v3.1,SA-M01",
        "SN1,2026-03-01T07:00:00+08:00,el1,A,,,v3.1,SA-M01",
        "SN2,2026-03-01T08:00:00+08:00,EL3,A,,,v3.1,SA-M01",
        "SN3,2026-03-01T08:00:00+08:00,EL2,A,CRK-B,,v3.1,SA-M01",
    ]
    status, out = run(
        str(write(tmp_path, "el.csv", lines)), "--kind", "el", "--site", "SA", "--json"
    )
    summary = json.loads(out)
    assert status == 1
    assert quarantine_codes(summary["batch"]) == {4: ["bad_choice"], 5: ["bad_defects"]}
    el2 = ElResult.objects.get(serial="SN1", stage="EL2")
    assert el2.defects == [{"code": "CRK-B", "cell": "C12"}, {"code": "DARK", "cell": "A03"}]
    assert (el2.grade, el2.image_ref, el2.line) == ("B", "img/1.png", world.line_a)
    assert ElResult.objects.get(serial="SN1", stage="EL1").defects == []


def test_cells_file(world: World, tmp_path: Path) -> None:
    lines = [
        "cell_lot,tested_at,bin,quantity,eta_pct,voc_v,isc_a,ff_pct,irev_count,line",
        "CL-1,2026-03-01T08:00:00+08:00,25.1-25.2,4800,25.15,0.725,13.8,83.9,3,SA-M01",
        "CL-1,2026-03-01T08:00:00+08:00,25.2-25.3,5200,25.24,0.727,13.9,84.0,,SA-M01",
        "CL-1,2026-03-01T08:00:00+08:00,25.3-25.4,12.5,25.34,0.728,13.9,84.1,0,SA-M01",
        "CL-1,2026-03-01T08:00:00+08:00,25.4-25.5,100,125,0.728,13.9,84.1,0,SA-M01",
    ]
    summary = ingest_file(write(tmp_path, "cells.csv", lines), kind="cells", site=world.site_a)
    assert quarantine_codes(summary.batch) == {4: ["not_an_integer"], 5: ["out_of_range"]}
    stored = {r.efficiency_bin: r for r in CellSortResult.objects.all()}
    assert set(stored) == {"25.1-25.2", "25.2-25.3"}
    assert (stored["25.1-25.2"].quantity, stored["25.1-25.2"].irev_count) == (4800, 3)
    assert stored["25.2-25.3"].irev_count == 0


def test_measurements_file(world: World, tmp_path: Path) -> None:
    characteristic = Characteristic.objects.create(
        code="MOD-PMAX",
        name="最大功率",
        name_en="Maximum power",
        kind="product",
        stage="module",
        unit="W",
    )
    lines = [
        "characteristic,subject,measured_at,value,line",
        "MOD-PMAX,SN1,2026-03-01T08:00:00+08:00,551.2,SA-M01",
        "NOPE,SN1,2026-03-01T08:00:00+08:00,1,SA-M01",
        "mod-pmax,SN2,2026-03-01T08:00:00+08:00,,SA-M01",
    ]
    summary = ingest_file(write(tmp_path, "m.csv", lines), kind="measurements", site=world.site_a)
    assert quarantine_codes(summary.batch) == {
        3: ["unknown_characteristic"],
        4: ["missing_value"],
    }
    stored = Measurement.objects.get()
    assert (stored.characteristic, stored.subject, stored.value) == (characteristic, "SN1", 551.2)


def test_site_column_instead_of_site_option(world: World, tmp_path: Path) -> None:
    lines = [
        "site," + FLASH_HEADER,
        "SA," + flash_row("S-A"),
        "SB," + flash_row("S-B", line="SB-M01", station="SB-M01-IV"),
        "ZZ," + flash_row("S-Z", line="", station=""),
    ]
    status, out = run(str(write(tmp_path, "sites.csv", lines)), "--kind", "flash", "--json")
    summary = json.loads(out)
    assert status == 1
    assert quarantine_codes(summary["batch"]) == {4: ["unknown_site"]}
    assert FlashTest.objects.get(serial="S-B").site == world.site_b
    assert FlashTest.objects.get(serial="S-A").site == world.site_a


def test_a_semicolon_file_with_blank_lines(world: World, tmp_path: Path) -> None:
    rows = [flash_row("SC-1"), "", flash_row("SC-2", tested_at="2026-03-01T09:00:00+08:00")]
    path = write(
        tmp_path, "semi.csv", [FLASH_HEADER.replace(",", ";"), *(r.replace(",", ";") for r in rows)]
    )
    summary = ingest_file(path, kind="flash", site=world.site_a)
    assert (summary.rows, summary.accepted) == (2, 2)


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("utf16", "bad_encoding", "encoding"),
        ("missing", "missing_columns", "pmax_w"),
        ("kind", "unknown_kind", "widgets"),
        ("empty", "empty_file", "empty"),
        ("absent", "file_not_found", "absent.csv"),
        ("nosite", "missing_site", "site"),
        ("profile", "unknown_profile", "acme"),
    ],
)
def test_unreadable_files_exit_2_and_store_nothing(
    world: World, tmp_path: Path, case: str, code: str, words: str
) -> None:
    good = good_flash(tmp_path)
    args = [str(good), "--kind", "flash", "--site", "SA"]
    if case == "utf16":
        (tmp_path / "u.csv").write_text(good.read_text(), encoding="utf-16")
        args[0] = str(tmp_path / "u.csv")
    elif case == "missing":
        lines = good.read_text().splitlines()
        cut = [",".join(v for j, v in enumerate(line.split(",")) if j != 7) for line in lines]
        args[0] = str(write(tmp_path, "m.csv", cut))
    elif case == "kind":
        args[2] = "widgets"
    elif case == "empty":
        (tmp_path / "e.csv").write_bytes(b"")
        args[0] = str(tmp_path / "e.csv")
    elif case == "absent":
        args[0] = str(tmp_path / "absent.csv")
    elif case == "nosite":
        args = args[:3]
    elif case == "profile":
        args += ["--profile", "acme"]
    with pytest.raises(CommandError) as raised:
        call_command("ingest", *args, stdout=StringIO())
    assert raised.value.returncode == 2
    message = str(raised.value)
    assert message.startswith(code)
    assert words in message
    assert "\n" not in message
    assert FlashTest.objects.count() == 0
    assert QuarantinedRow.objects.count() == 0


def test_service_raises_unreadable_with_code(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", ["serial,tested_at"])
    with pytest.raises(UnreadableFile) as raised:
        ingest_file(path, kind="flash", site=world.site_a)
    assert raised.value.code == "missing_columns"
    assert "pmax_w" in raised.value.message
    assert IngestBatch.objects.count() == 0


def test_header_only_file_is_readable_and_empty(world: World, tmp_path: Path) -> None:
    summary = ingest_file(write(tmp_path, "h.csv", [FLASH_HEADER]), kind="flash", site=world.site_a)
    assert (summary.rows, summary.accepted, summary.rejected) == (0, 0, 0)


def test_cli_user_attribution_and_text_output(world: World, tmp_path: Path) -> None:
    status, out = run(
        str(good_flash(tmp_path)), "--kind", "flash", "--site", "sa", "--user", "eng_a"
    )
    assert status == 0
    assert "3 stored" in out
    assert IngestBatch.objects.get().created_by == world.user("eng_a")
    assert (
        run(str(good_flash(tmp_path)), "--kind", "flash", "--site", "SA", "--user", "nobody")[0]
        == 2
    )


def test_blanks_around_values_are_ignored(world: World, tmp_path: Path) -> None:
    row = flash_row("SN-B ", line="SA-M01 ", tested_at="2026-03-01 08:00:00+08:00 ")
    summary = ingest_file(
        write(tmp_path, "b.csv", [FLASH_HEADER, row]), kind="flash", site=world.site_a
    )
    assert summary.accepted == 1
    test = FlashTest.objects.get()
    assert (test.serial, test.line) == ("SN-B", world.line_a)
    assert test.tested_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
