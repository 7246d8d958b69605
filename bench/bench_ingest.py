"""Ingestion speed and memory (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_ingest.py [--rows N] [--small N] [--chunk N]
[--no-again] [--no-floor]`` (``--help`` explains them; default 1,000,000 rows). Uses a
throw-away SQLite database in a temporary directory.

Target from the issue: a flash-test file of 1 million rows parsed, validated and stored at
≥ 100,000 rows/s and within 3× of the floor — a bare ``executemany`` of the same rows into
the same table, timed in the same run. Peak memory of ingestion must stay flat with file
size: the process's peak resident set before any ingestion, after a 200,000-row and after
the full-size ingestion are printed side by side (the peak only grows, so flat means the
large file added nothing).

Method. The machine may be shared, so every timed step prints its wall time and its CPU
time (``time.process_time``: this process, SQLite included, without the time spent waiting
for a core or for the disk) and both ratios to the floor timed in the same run; the load
average is printed at the start and the end. Before each timed step the operating system
is asked to write out dirty pages (``os.sync``), so no step waits for the disk writes of
the bench's own set-up (the CSV files just generated) or of the step before it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Ingestion speed on SQLite against a bare executemany floor (same run)."
    )
    parser.add_argument("rows_pos", nargs="?", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large file")
    parser.add_argument(
        "--small", type=int, default=200_000, help="rows of the small file ingested first"
    )
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per chunk/transaction")
    parser.add_argument(
        "--no-again", action="store_true", help="skip ingesting the large file a second time"
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the two floors")
    parser.add_argument(
        "--no-sync", action="store_true", help="do not os.sync() before each timed step"
    )
    args = parser.parse_args()
    if args.rows_pos:  # the old form: bench_ingest.py ROWS
        args.rows = args.rows_pos
    return args


ARGS = _arguments()
ROWS = ARGS.rows
SMALL = min(ARGS.small, ROWS)
CHUNK = ARGS.chunk
BULK_CACHE_KIB = 2 * 1024  # SQLite's default page cache; the writer's when it sets one

WORK = Path(tempfile.mkdtemp(prefix="qdm-bench-ingest-"))
os.environ["QDM_DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["QDM_VAR_DIR"] = str(WORK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

HEADER = (
    "serial,tested_at,line,station,simulator,irradiance_wm2,module_temp_c,pmax_w,voc_v,"
    "isc_a,vmp_v,imp_a,ff_pct,eff_pct,rs_ohm,rsh_ohm\n"
)


def write_flash_csv(path: Path, rows: int, prefix: str) -> None:
    """A canonical flash file: physically consistent values (Pmax = Vmp·Imp), one test a
    second, offsets +08:00, written in blocks."""
    start = datetime(2025, 1, 1, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    )
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        block: list[str] = []
        for i in range(rows):
            vmp = 41.5 + (i % 97) * 0.01
            imp = 13.6 + (i % 89) * 0.001
            pmax = vmp * imp
            voc = vmp * 1.19
            isc = imp * 1.05
            ff = 100 * pmax / (voc * isc)
            stamp = (start + timedelta(seconds=i)).isoformat()
            block.append(
                f"{prefix}{i:09d},{stamp},BL-M01,BL-M01-IV,SIM-01,{1000 + i % 7 - 3},"
                f"{25 + (i % 11) * 0.1:.1f},{pmax:.3f},{voc:.3f},{isc:.4f},{vmp:.3f},{imp:.4f},"
                f"{ff:.2f},{pmax / 25.8:.2f},0.{200 + i % 50},{400 + i % 300}\n"
            )
            if len(block) == 50_000:
                out.write("".join(block))
                block = []
        out.write("".join(block))


def setup_site() -> object:
    from qdm.core.models import BusinessUnit, Enterprise, Line, Site, Station, Workshop

    enterprise = Enterprise.objects.create(code="BG", name="集团", name_en="Group")
    unit = BusinessUnit.objects.create(
        code="BU", name="组件", name_en="Modules", enterprise=enterprise
    )
    site = Site.objects.create(
        code="BL",
        name="基地",
        name_en="Bench",
        business_unit=unit,
        country="CN",
        timezone="Asia/Shanghai",
        stages=["module"],
    )
    workshop = Workshop.objects.create(
        code="BL-M", name="组件车间", name_en="Modules", site=site, stage="module"
    )
    line = Line.objects.create(code="BL-M01", name="1线", name_en="Line 1", workshop=workshop)
    Station.objects.create(code="BL-M01-IV", name="IV", name_en="IV", line=line)
    return site


def peak_rss() -> int:
    """The process's peak resident set so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and cores: the machine may be shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


#: CPU seconds of the last timed call (this process; SQLite runs in it)
CPU: dict[str, float] = {}


def settle() -> None:
    """Before a timed step: collect garbage and have the OS write out dirty pages, so the
    step does not wait for the disk writes of what came before it."""
    gc.collect()
    if not ARGS.no_sync:
        os.sync()


def rates(rows: int, wall: float, cpu: float) -> str:
    return (
        f"{wall:6.2f} s {rows / wall:9,.0f} rows/s | CPU {cpu:6.2f} s "
        f"{rows / cpu:9,.0f} rows per CPU second"
    )


def ingest(path: Path, site: object) -> tuple[float, object, int]:
    """Time one ingestion; also return the peak resident set after it (monotonic: run the
    smaller file first so growth shows)."""
    from qdm.data.ingest.service import ingest_file

    settle()
    cpu, started = time.process_time(), time.perf_counter()
    summary = ingest_file(path, kind="flash", site=site, chunk_rows=CHUNK)
    elapsed = time.perf_counter() - started
    CPU["ingest"] = time.process_time() - cpu
    return elapsed, summary, peak_rss()


def floor(site: object, rows: int, *, multi_row: int = 0) -> float:
    """A bare executemany of the same rows (already typed, no parsing, no validation) into
    the same table, in transactions of the same size, after emptying it. With ``multi_row``
    the same rows go in as INSERT statements of that many rows each (what the ingestion's
    writer does on SQLite): the floor of that path."""
    from qdm.core.models import Line, Station
    from qdm.data.ingest.profiles import SPECS
    from qdm.data.models import FlashTest

    line = Line.objects.get(code="BL-M01").pk
    station = Station.objects.get(code="BL-M01-IV").pk
    FlashTest.objects.all().delete()
    columns = [c.db_column or c.name for c in SPECS["flash"].columns] + ["batch_id"]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(FlashTest._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING"
    )
    start = datetime(2025, 1, 1)
    site_id = site.pk  # type: ignore[attr-defined]
    params = []
    for i in range(rows):
        vmp = 41.5 + (i % 97) * 0.01
        imp = 13.6 + (i % 89) * 0.001
        pmax = vmp * imp
        params.append(
            (
                f"FL{i:09d}",
                str(start + timedelta(seconds=i)),
                site_id,
                line,
                station,
                "SIM-01",
                1000.0,
                25.0,
                pmax,
                vmp * 1.19,
                imp * 1.05,
                vmp,
                imp,
                82.0,
                pmax / 25.8,
                0.2,
                400.0,
                None,
            )
        )
    if multi_row:
        one = f"({', '.join(['?'] * len(columns))})"
        many = sql.replace("%s", "?").replace(
            f"VALUES ({', '.join(['?'] * len(columns))})", "VALUES " + ", ".join([one] * multi_row)
        )
        flat = [value for row in params for value in row]
        width = len(columns)
    try:
        from qdm.data.ingest.writer import bulk_cache
    except ImportError:  # an older tree: the default cache
        from contextlib import nullcontext as bulk_cache

    settle()
    gc.disable()
    cache = bulk_cache()  # the page cache ingestion runs with: the same conditions
    cache.__enter__()
    cpu, started = time.process_time(), time.perf_counter()
    for offset in range(0, rows, CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            if not multi_row:
                cursor.executemany(sql, params[offset : offset + CHUNK])
                continue
            raw = connection.connection.cursor()  # type: ignore[union-attr]
            end = min(offset + CHUNK, rows)
            for start in range(offset, end - multi_row + 1, multi_row):
                raw.execute(many, flat[start * width : (start + multi_row) * width])
            tail = (end - offset) % multi_row
            if tail:
                raw.executemany(sql.replace("%s", "?"), params[end - tail : end])
    elapsed = time.perf_counter() - started
    CPU["floor"] = time.process_time() - cpu
    cache.__exit__(None, None, None)
    gc.enable()
    return elapsed


def main() -> None:
    global BULK_CACHE_KIB
    with contextlib.suppress(ImportError):  # an older tree keeps SQLite's default
        from qdm.data.ingest.writer import BULK_CACHE_KIB
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    site = setup_site()
    small, large = WORK / "flash-small.csv", WORK / "flash-large.csv"
    write_flash_csv(small, SMALL, "SM")
    write_flash_csv(large, ROWS, "LG")
    print(f"database: {connection.settings_dict['NAME']}; start: {load()}")
    print(
        f"files: {SMALL:,} rows {small.stat().st_size / 1e6:.1f} MB, "
        f"{ROWS:,} rows {large.stat().st_size / 1e6:.1f} MB "
        f"(set-up {time.perf_counter() - started:.1f} s; chunks of {CHUNK:,} rows)"
    )

    peak_base = peak_rss()
    t_small, s_small, peak_small = ingest(small, site)
    print(
        f"ingest {SMALL:>9,} rows:          {rates(SMALL, t_small, CPU['ingest'])}  "
        f"accepted {s_small.accepted:,}"  # type: ignore[attr-defined]
    )
    t_large, s_large, peak_large = ingest(large, site)
    cpu_large = CPU["ingest"]
    print(
        f"ingest {ROWS:>9,} rows:          {rates(ROWS, t_large, cpu_large)}  "
        f"accepted {s_large.accepted:,}"  # type: ignore[attr-defined]
    )
    if not ARGS.no_again:
        t_again, s_again, _peak = ingest(large, site)
        print(
            f"same file again:                {rates(ROWS, t_again, CPU['ingest'])}  "
            f"accepted {s_again.accepted:,} duplicates {s_again.duplicates:,}"  # type: ignore[attr-defined]
        )
    if not ARGS.no_floor:
        t_floor = floor(site, ROWS)
        cpu_floor = CPU["floor"]
        print(f"floor: bare executemany        {rates(ROWS, t_floor, cpu_floor)}")
        t_multi = floor(site, ROWS, multi_row=100)
        cpu_multi = CPU["floor"]
        print(f"bare 100-row INSERTs           {rates(ROWS, t_multi, cpu_multi)}")
        print(
            f"ingest / floor: wall {t_large / t_floor:.2f}x, CPU {cpu_large / cpu_floor:.2f}x "
            f"(target <= 3x); ingest / bare 100-row INSERTs: wall {t_large / t_multi:.2f}x, "
            f"CPU {cpu_large / cpu_multi:.2f}x"
        )
    print(
        f"ingest rate {ROWS / t_large:,.0f} rows/s wall, {ROWS / cpu_large:,.0f} rows per "
        f"CPU second (target >= 100,000 rows/s)"
    )
    print(f"end: {load()}")
    print(
        f"peak RSS before ingesting {peak_base / 1e6:.1f} MB; after {SMALL:,} rows "
        f"{peak_small / 1e6:.1f} MB; after {ROWS:,} rows {peak_large / 1e6:.1f} MB "
        f"(growth from the small to the large file: {(peak_large - peak_small) / 1e6:.1f} MB; "
        f"SQLite's page cache may take up to {BULK_CACHE_KIB // 1024} MiB of it)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        shutil.rmtree(WORK, ignore_errors=True)
