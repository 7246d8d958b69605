"""Database housekeeping that the daily jobs run."""

from __future__ import annotations

from django.db import connection


def refresh_planner_statistics() -> None:
    """``ANALYZE`` every table. A new SQLite file has no planner statistics, and without
    them some multi-table filters (the warranty forecast's) plan badly; after a big load or
    a day of ingestion the statistics are stale on any database."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
