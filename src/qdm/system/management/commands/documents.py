"""``qdm documents remind [--days 30] [--json]``: remind the owners of controlled documents
whose periodic review is due within ``--days`` days, or overdue.

Run it daily from cron; the logic lives in :mod:`qdm.system.services.documents`. It is
idempotent without any extra column: each reminder is a ``review_reminder`` domain event on
the document, and a document's effective revision gets at most one reminder per threshold
(``--days``, and once more when overdue) for its current review date, and at most one per
day. When a new revision becomes effective the review date
moves on and the reminders start again.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qdm.system.services.documents import (  # noqa: F401 (re-exported for callers)
    DEFAULT_DAYS,
    OVERDUE,
    VERB,
    ReviewReminder,
    remind_periodic_reviews,
)


class Command(BaseCommand):
    help = (
        "Controlled documents. 'remind' notifies the owners of documents whose periodic "
        "review is due within --days days (default 30) or overdue; idempotent, run daily."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["remind"])
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help="look-ahead in days (default 30)",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the reminders as JSON"
        )

    def handle(self, *args: Any, action: str, days: int, as_json: bool, **options: Any) -> None:
        if days < 0 or days > 3650:
            raise CommandError(f"--days must be from 0 to 3650, not {days}")
        reminders = remind_periodic_reviews(days=days)
        if as_json:
            self.stdout.write(_dumps(timezone.localdate(), days, reminders))
            return
        overdue = sum(1 for r in reminders if r.threshold == OVERDUE)
        self.stdout.write(
            f"{len(reminders)} periodic-review reminders ({overdue} overdue, "
            f"{len(reminders) - overdue} due within {days} days)"
        )
        for reminder in reminders:
            if not reminder.recipients:
                self.stderr.write(
                    f"{reminder.document.code}: owner {reminder.document.owner.username} is "
                    "inactive; nobody was notified"
                )


def _dumps(today: datetime.date, days: int, reminders: list[ReviewReminder]) -> str:
    payload = {
        "date": today.isoformat(),
        "days": days,
        "reminders": [r.as_dict() for r in reminders],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
