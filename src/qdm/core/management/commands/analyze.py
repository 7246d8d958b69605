"""``qdm analyze``: refresh the database planner's statistics (nightly, after ingestion)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from qdm.core.services.maintenance import refresh_planner_statistics


class Command(BaseCommand):
    help = "Refresh the database planner's statistics (ANALYZE); run it nightly."

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        refresh_planner_statistics()
        self.stdout.write(f"Planner statistics refreshed in {time.perf_counter() - start:.1f} s.")
