"""``qdm alerts scan [--date D]``: raise the alerts centre's alerts of the day (see
``qdm.cockpit.alerts``) and close those whose condition cleared. Run it daily from cron;
running it twice raises nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.cockpit.alerts import scan


class Command(BaseCommand):
    help = "Cockpit alerts. 'scan' raises new alerts, notifies, and closes cleared ones."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["scan"])
        parser.add_argument("--date", help="the day to scan for (default: today)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        day = None
        if options.get("date"):
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    f"--date: {options['date']!r} is not a date (YYYY-MM-DD)."
                ) from exc
        result = scan(day)
        self.stdout.write(
            f"{len(result.raised)} alerts raised, {result.closed} closed, "
            f"{result.still_open} still open"
            + (f", {result.rules_created} default rules created" if result.rules_created else "")
        )
