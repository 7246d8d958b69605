"""The bulk path into the fact tables: ``cursor.executemany`` of
``INSERT … ON CONFLICT DO NOTHING`` (SQLite ≥ 3.24 and PostgreSQL alike), never row-by-row
ORM saves. A row whose natural key is already stored is skipped by the database and counted
as a duplicate; the caller owns the transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection

from qdm.data.ingest.profiles import KindSpec

#: keep IN lists well below SQLite's variable limit
LOOKUP_SLICE = 500


class FactWriter:
    """Inserts validated parameter tuples of one kind for one batch."""

    def __init__(self, spec: KindSpec, db_columns: list[str], batch_id: int) -> None:
        model = spec.model()
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.batch_id = batch_id
        names = ", ".join(qn(c) for c in db_columns)
        marks = ", ".join(["%s"] * len(db_columns))
        self.insert_sql = (
            f"INSERT INTO {self.table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
        )
        by_name = spec.by_name
        self.key_columns = [qn(by_name[k].db_column or k) for k in spec.key]
        self.suffix = "" if connection.vendor == "sqlite" else "+00:00"

    def insert(self, params: list[tuple[Any, ...]]) -> int:
        """Insert ``params``; the number of rows actually stored (conflicts are skipped)."""
        if not params:
            return 0
        with connection.cursor() as cursor:
            cursor.executemany(self.insert_sql, params)
            count = cursor.rowcount
        return count if count is not None and count >= 0 else len(params)

    def max_id(self) -> int:
        """The highest id in the table (rows of this batch stored so far are at or below)."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {self.table}")  # noqa: S608
            row = cursor.fetchone()
        return int(row[0] or 0) if row else 0

    def stored_by_batch(self, keys: list[tuple[Any, ...]], up_to_id: int) -> set[tuple[Any, ...]]:
        """Which of ``keys`` this batch had already stored in rows with id ≤ ``up_to_id``
        (a later row of the same file with the same natural key)."""
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

    def delete_batch(self) -> None:
        """Remove every row this batch stored (``--strict`` with a rejected row)."""
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE batch_id = %s", [self.batch_id])  # noqa: S608

    def _norm(self, value: Any) -> Any:
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return str(value) + self.suffix
        return value
