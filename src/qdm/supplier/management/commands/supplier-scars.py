"""``qdm supplier-scars escalate [--today YYYY-MM-DD]``: overdue SCAR disciplines."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.supplier.services.scar import escalate_overdue


class Command(BaseCommand):
    help = "Tell suppliers and SQEs about SCAR disciplines (D3, D4, D5) past their due date."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["escalate"])
        parser.add_argument("--today", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, action: str, today: str | None, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD, not {today!r}") from exc
        done = escalate_overdue(day)
        for scar, discipline in done:
            self.stdout.write(f"{scar.capa.number}: {discipline} overdue")
        self.stdout.write(f"{len(done)} escalation(s)")
