"""Test files for ingestion (helpers only, no tests): good and bad rows, written to a temp dir."""

from __future__ import annotations

from pathlib import Path

FLASH_HEADER = (
    "serial,tested_at,line,station,simulator,irradiance_wm2,module_temp_c,pmax_w,voc_v,isc_a,"
    "vmp_v,imp_a,ff_pct,eff_pct,rs_ohm,rsh_ohm"
)
GOOD = {
    "tested_at": "2026-03-01T08:00:00+08:00",
    "line": "SA-M01",
    "station": "SA-M01-IV",
    "simulator": "SIM-1",
    "irradiance_wm2": "1000",
    "module_temp_c": "25.0",
    "pmax_w": "551.76",  # = vmp · imp
    "voc_v": "49.6",
    "isc_a": "13.9",
    "vmp_v": "41.8",
    "imp_a": "13.2",
    "ff_pct": "80.03",
    "eff_pct": "21.4",
    "rs_ohm": "0.21",
    "rsh_ohm": "512",
}


def flash_row(serial: str, **changes: str) -> str:
    """A physically consistent flash row with ``changes`` applied."""
    values = {"serial": serial, **GOOD, **changes}
    return ",".join(values[name] for name in FLASH_HEADER.split(","))


def write(tmp: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def good_flash(tmp: Path, count: int = 3, name: str = "flash.csv") -> Path:
    rows = [
        flash_row(f"SN{i:04d}", tested_at=f"2026-03-01T08:{i:02d}:00+08:00") for i in range(count)
    ]
    return write(tmp, name, [FLASH_HEADER, *rows])


#: row number → error codes expected in quarantine (header = row 1)
BAD_EXPECTED = {
    3: ["not_a_number"],
    4: ["negative"],
    5: ["out_of_range"],
    6: ["pmax_mismatch"],
    7: ["out_of_range"],
    8: ["future_time"],
    9: ["bad_time"],
    10: ["unknown_line"],
    11: ["duplicate_in_file"],
    12: ["missing_value"],
    14: ["unknown_station"],
    15: ["out_of_range"],
    16: ["wrong_column_count"],
}
BAD_GOOD_SERIALS = {"GOOD-1", "GOOD-2"}


def bad_flash(tmp: Path, name: str = "bad.csv") -> Path:
    """Two good rows (2 and 13) and one of every kind of bad row."""
    lines = [
        FLASH_HEADER,
        flash_row("GOOD-1"),  # 2
        flash_row("BAD-NAN", pmax_w="abc"),  # 3
        flash_row("BAD-NEG", isc_a="-1"),  # 4
        flash_row("BAD-FF", ff_pct="101"),  # 5
        flash_row("BAD-PMAX", pmax_w="600"),  # 6
        flash_row("BAD-IRR", irradiance_wm2="650"),  # 7
        flash_row("BAD-FUT", tested_at="2099-01-01T00:00:00+08:00"),  # 8
        flash_row("BAD-TIME", tested_at="yesterday"),  # 9
        flash_row("BAD-LINE", line="XX-99"),  # 10
        flash_row("GOOD-1"),  # 11: same serial and time as row 2
        flash_row(""),  # 12
        flash_row("GOOD-2", tested_at="2026-03-01T09:00:00+08:00"),  # 13
        flash_row("BAD-STATION", station="SB-M01-IV"),  # 14: a station of site B
        flash_row("BAD-EFF", eff_pct="120"),  # 15
        flash_row("BAD-WIDTH") + ",extra",  # 16
    ]
    return write(tmp, name, lines)
