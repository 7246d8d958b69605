"""The bulk path into the fact tables, never row-by-row ORM saves. A row whose natural key
is already stored is skipped by the database and counted as a duplicate; the caller owns
the transaction.

* SQLite: multi-row ``INSERT … VALUES (…), (…), … ON CONFLICT DO NOTHING`` statements of
  up to :data:`ROWS_PER_STATEMENT` rows on the DB-API connection. One statement per row
  (``executemany``) costs a statement reset, a constraint check set-up and an
  AUTOINCREMENT bookkeeping write per row; a hundred rows per statement is about twice as
  fast (``bench/bench_ingest.py`` prints both).
* PostgreSQL: ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``) into a temporary table of
  the same columns, then one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` — COPY itself
  cannot skip conflicting rows. Small inserts (a fixed quarantined row) use the VALUES
  statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from django.db import connection, transaction

from qdm.data.ingest.profiles import KindSpec

#: keep IN lists well below SQLite's variable limit
LOOKUP_SLICE = 500
#: rows per multi-row INSERT statement (fewer when the variable limit requires)
ROWS_PER_STATEMENT = 100
#: below this many rows PostgreSQL uses INSERT … VALUES instead of COPY
COPY_MIN_ROWS = 200
#: SQLite page cache while a file is ingested (KiB). The default 2 MiB holds too little of
#: the fact table's four indexes once it has grown: index pages are read back from the
#: operating system for every statement. A fixed cap: memory stays flat with file size.
BULK_CACHE_KIB = 64 * 1024
#: WAL pages SQLite may gather before a commit checkpoints them into the database file
#: while a file is ingested. The default (1,000 pages, ~4 MiB) is less than one chunk
#: writes, so nearly every chunk's commit would copy the log back and sync the file; with
#: this many the checkpoint comes every few chunks. Durability is unchanged (every commit
#: is in the log); the log file may grow to about this size on disk.
BULK_WAL_PAGES = 16_384


@contextmanager
def bulk_cache(kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """Raise SQLite's page cache of this connection to ``kib`` and its WAL auto-checkpoint
    to :data:`BULK_WAL_PAGES` for a bulk load and put the previous values back afterwards
    (nothing on other databases)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        row = cursor.fetchone()
        previous = int(row[0]) if row else -2000
        bigger = (-previous if previous < 0 else previous * 4) < kib  # pages of ~4 KiB
        if bigger:
            cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
        cursor.execute("PRAGMA wal_autocheckpoint")
        row = cursor.fetchone()
        wal_pages = int(row[0]) if row else 1000
        longer = 0 < wal_pages < BULK_WAL_PAGES
        if longer:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {BULK_WAL_PAGES}")
    try:
        yield
    finally:
        if bigger or longer:
            with connection.cursor() as cursor:
                if bigger:
                    cursor.execute(f"PRAGMA cache_size = {previous}")
                if longer:
                    cursor.execute(f"PRAGMA wal_autocheckpoint = {wal_pages}")


def _max_params() -> int:
    """How many ``?``/``%s`` one statement may bind on this connection."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        raw = connection.connection
        try:
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]
        except (AttributeError, sqlite3.Error):  # Python < 3.11
            return 999
    return connection.features.max_query_params or 65_535


class FactWriter:
    """Inserts validated parameter tuples (in ``db_columns`` order) of one kind for one
    batch."""

    def __init__(self, spec: KindSpec, db_columns: list[str], batch_id: int) -> None:
        model = spec.model()
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.batch_id = batch_id
        self.names = ", ".join(qn(c) for c in db_columns)
        self.width = len(db_columns)
        self.sqlite = connection.vendor == "sqlite"
        self.mark = "?" if self.sqlite else "%s"
        self.per_statement = max(1, min(ROWS_PER_STATEMENT, _max_params() // self.width))
        self._statements: dict[int, str] = {}
        by_name = spec.by_name
        self.key_columns = [qn(by_name[k].db_column or k) for k in spec.key]
        self.suffix = "" if self.sqlite else "+00:00"
        self.temp_table = qn(f"qdm_ingest_{model._meta.db_table}")

    def _statement(self, rows: int) -> str:
        sql = self._statements.get(rows)
        if sql is None:
            one = "(" + ", ".join([self.mark] * self.width) + ")"
            sql = (
                f"INSERT INTO {self.table} ({self.names}) VALUES "  # noqa: S608
                + ", ".join([one] * rows)
                + " ON CONFLICT DO NOTHING"
            )
            self._statements[rows] = sql
        return sql

    def insert(self, params: list[tuple[Any, ...]]) -> int:
        """Insert ``params`` (one tuple per row); the number of rows actually stored
        (conflicts are skipped)."""
        if not params:
            return 0
        if connection.vendor == "postgresql" and len(params) >= COPY_MIN_ROWS:
            return self._copy(params)
        return self._values(list(chain.from_iterable(params)), len(params))

    def insert_columns(self, columns: list[list[Any]]) -> int:
        """:meth:`insert` for rows given column by column (equal lengths, ``db_columns``
        order): the statements' parameters are laid out by strided slice assignment,
        without a tuple per row."""
        n = len(columns[0]) if columns else 0
        if not n:
            return 0
        if connection.vendor == "postgresql" and n >= COPY_MIN_ROWS:
            return self._copy(zip(*columns, strict=True))
        width = self.width
        flat: list[Any] = [None] * (n * width)
        for j, column in enumerate(columns):
            flat[j::width] = column
        return self._values(flat, n)

    def _values(self, flat: list[Any], n: int) -> int:
        """Multi-row INSERT statements over ``flat`` (``n`` rows of ``width`` values)."""
        width = self.width
        step = self.per_statement
        full = (n - n % step) * width
        stored = 0
        if self.sqlite:
            connection.ensure_connection()
            cursor: Any = connection.connection.cursor()  # type: ignore[union-attr]
        else:
            cursor = connection.cursor()
        try:
            if full:
                sql = self._statement(step)
                size = step * width
                for start in range(0, full, size):
                    cursor.execute(sql, flat[start : start + size])
                    stored += max(cursor.rowcount, 0)
            if full < len(flat):
                cursor.execute(self._statement(n % step), flat[full:])
                stored += max(cursor.rowcount, 0)
        finally:
            cursor.close()
        return stored

    def _copy(self, params: Iterable[tuple[Any, ...]]) -> int:
        """PostgreSQL: COPY into a temporary table, then insert what does not conflict."""
        with transaction.atomic(), connection.cursor() as cursor:
            # a temporary table lives as long as the session; created again (cheaply) each
            # time because a rolled-back transaction takes it along
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.temp_table} ON COMMIT DELETE ROWS"  # noqa: S608
                f" AS SELECT {self.names} FROM {self.table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {self.temp_table}")
            with cursor.cursor.copy(f"COPY {self.temp_table} ({self.names}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {self.table} ({self.names}) SELECT {self.names} "  # noqa: S608
                f"FROM {self.temp_table} ON CONFLICT DO NOTHING"
            )
            stored = cursor.rowcount
            cursor.execute(f"TRUNCATE {self.temp_table}")
        return max(stored, 0) if stored is not None else 0

    def max_id(self) -> int:
        """The highest id in the table (rows of this batch stored so far are at or below)."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {self.table}")  # noqa: S608
            row = cursor.fetchone()
        return int(row[0] or 0) if row else 0

    def stored_by_batch(self, keys: list[tuple[Any, ...]], up_to_id: int) -> set[tuple[Any, ...]]:
        """Which of ``keys`` this batch had already stored in rows with id ≤ ``up_to_id``
        (a later row of the same file with the same natural key). Searched through the
        natural key's unique index (its first column)."""
        found: set[tuple[Any, ...]] = set()
        firsts = sorted({k[0] for k in keys})
        cols = ", ".join(self.key_columns)
        with connection.cursor() as cursor:
            for start in range(0, len(firsts), LOOKUP_SLICE):
                part = firsts[start : start + LOOKUP_SLICE]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT {cols} FROM {self.table} WHERE batch_id = %s AND id <= %s "  # noqa: S608
                    f"AND {self.key_columns[0]} IN ({marks})",
                    [self.batch_id, up_to_id, *part],
                )
                found.update(tuple(self._norm(v) for v in row) for row in cursor.fetchall())
        return found

    def delete_batch(self, after_id: int = 0) -> None:
        """Remove every row this batch stored (``--strict`` with a rejected row).
        ``after_id``: :meth:`max_id` before the batch stored anything — ids only grow, so
        the search is a range of the primary key (the flash table has no index on
        ``batch_id``)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE id > %s AND batch_id = %s",  # noqa: S608
                [after_id, self.batch_id],
            )

    def _norm(self, value: Any) -> Any:
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return str(value) + self.suffix
        return value
