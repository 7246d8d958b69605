"""``qdm complaints escalate``: SLA reminders to complaint owners, then their managers.

Run it daily from cron; it is idempotent (each level is notified once per complaint).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qdm.service.services.sla import NEAR, OVERDUE, escalate_complaints


class Command(BaseCommand):
    help = "Complaint tools. 'escalate' notifies owners of SLAs near due, and managers of overdue."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["escalate"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        done = escalate_complaints()
        near = sum(1 for e in done if e.level == NEAR)
        overdue = sum(1 for e in done if e.level == OVERDUE)
        self.stdout.write(f"{near} near-due reminders, {overdue} overdue escalations")
