"""``qdm certificates remind [--days 90]``: warn before management-system certificates
expire.

Run it daily from cron, once per threshold you want (e.g. ``--days 90`` and ``--days 30``);
it is idempotent: each certificate is reminded once per threshold.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.system.services.ims import remind_certificates


class Command(BaseCommand):
    help = "Certificate tools. 'remind' notifies before certificates expire (once per threshold)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["remind"])
        parser.add_argument(
            "--days",
            type=int,
            default=90,
            help="Remind of certificates expiring within this many days (default 90).",
        )

    def handle(self, *args: Any, action: str, days: int, **options: Any) -> None:
        if days < 0:
            raise CommandError("--days must be zero or more")
        done = remind_certificates(days=days)
        for reminder in done:
            self.stdout.write(
                f"{reminder.certificate.number}: {reminder.days_left} day(s) left, "
                f"{len(reminder.recipients)} recipient(s)"
            )
        self.stdout.write(f"{len(done)} certificate reminder(s) for the {days}-day threshold")
