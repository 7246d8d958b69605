"""``qdm supplier-scorecards [--month YYYY-MM] [--json]``: compute monthly scorecards
(default: last month). A D grade tightens inspection of that supplier's materials."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qdm.supplier.services.scorecards import compute_month


class Command(BaseCommand):
    help = "Compute the monthly supplier scorecards per material category."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, month: str | None, **options: Any) -> None:
        if month:
            try:
                day = datetime.date.fromisoformat(f"{month}-01")
            except ValueError as exc:
                raise CommandError(f"--month must be YYYY-MM, not {month!r}") from exc
        else:
            day = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        cards = compute_month(day)
        rows = [
            {
                "supplier": c.supplier.code,
                "category": c.category.code,
                "month": c.month.strftime("%Y-%m"),
                "score": c.score,
                "grade": c.grade,
            }
            for c in cards
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['month']} {row['supplier']:<10} {row['category']:<10} "
                f"{row['score']:6.2f} {row['grade']}"
            )
