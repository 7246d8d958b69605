"""``qdm supplier-certificates remind [--today YYYY-MM-DD] [--json]``: expiry reminders."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.supplier.services.certificates import remind_expiring


class Command(BaseCommand):
    help = "Remind SQEs and suppliers of certificates expiring within 60/30 days or expired."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["remind"])
        parser.add_argument("--today", help="the day to judge expiry on (YYYY-MM-DD)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, action: str, today: str | None, **options: Any) -> None:
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today must be YYYY-MM-DD, not {today!r}") from exc
        sent = remind_expiring(day)
        rows = [
            {
                "certificate": r.certificate.number,
                "supplier": r.certificate.supplier.code,
                "valid_until": r.certificate.valid_until.isoformat(),
                "level": r.level,
                "recipients": len(r.recipients),
            }
            for r in sent
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['supplier']} {row['certificate']} valid until {row['valid_until']}: "
                f"level {row['level']} reminder to {row['recipients']}"
            )
        self.stdout.write(f"{len(rows)} reminder(s) sent")
