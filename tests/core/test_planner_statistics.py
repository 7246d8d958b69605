"""``qdm demo`` ends with ``ANALYZE`` (and ``qdm analyze`` runs it nightly) so the planner
has statistics on a fresh database."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from qdm.core.models import Site
from qdm.core.services.maintenance import refresh_planner_statistics
from tests.personas import World

pytestmark = pytest.mark.django_db


def _has_statistics(table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            return cursor.fetchone()[0] > 0
        # PostgreSQL: ANALYZE writes the row estimate into pg_class within the transaction
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0] >= 1


def test_refresh_gives_the_planner_statistics_of_the_loaded_tables(world: World) -> None:
    table = Site._meta.db_table
    assert Site.objects.count() >= 2
    refresh_planner_statistics()
    assert _has_statistics(table)


def test_analyze_command_reports_it(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("analyze")
    assert "Planner statistics refreshed" in capsys.readouterr().out
    assert _has_statistics(Site._meta.db_table)
