"""``qdm capa escalate``: remind owners of overdue CAPA actions, then their managers.

Run it daily from cron; it is idempotent (each escalation level is notified once).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qdm.system.services.capa import escalate_overdue_actions


class Command(BaseCommand):
    help = "CAPA tools. 'escalate' notifies the owners, then the managers, of overdue actions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["escalate"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        done = escalate_overdue_actions()
        owners = sum(1 for e in done if e.level == 1)
        managers = sum(1 for e in done if e.level == 2)
        self.stdout.write(f"{owners} owner reminders, {managers} manager escalations")
