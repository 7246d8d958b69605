"""``qdm notifications retry`` and ``qdm notifications test --channel ID``.

``retry`` sends every delivery whose retry is due (run it from cron when the task backend
cannot schedule, e.g. the immediate backend) and deliveries whose task was lost.
``test`` sends a test message through one channel right now and prints the outcome.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qdm.core.models.notifications import NotificationChannel, NotificationDelivery
from qdm.core.services.notifications import retry_due_deliveries, send


class Command(BaseCommand):
    help = (
        "Notification tools. 'retry' sends the deliveries whose retry is due and prints how "
        "many; 'test --channel ID' sends a test message through one channel now."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["retry", "test"])
        parser.add_argument(
            "--channel", type=int, help="channel id (for 'test'; see the channels page)"
        )

    def handle(self, *args: Any, action: str, channel: int | None = None, **options: Any) -> None:
        if action == "retry":
            count = retry_due_deliveries()
            self.stdout.write(f"{count} due deliveries retried")
            return
        if channel is None:
            raise CommandError("'test' needs --channel ID", returncode=2)
        target = NotificationChannel.objects.filter(pk=channel).first()
        if target is None:
            raise CommandError(f"no notification channel with id {channel}", returncode=2)
        message = NotificationDelivery(
            channel=target,
            site=target.site,
            title=f"QDM test message ({target.name})",
            body=f"Sent by 'qdm notifications test' at {timezone.now():%Y-%m-%d %H:%M:%S %Z}.",
        )
        note = "" if target.active else " (the channel is inactive)"
        try:
            send(message)
        except Exception as exc:
            raise CommandError(
                f"channel {target.pk} ({target}){note}: FAILED: {type(exc).__name__}: {exc}",
                returncode=1,
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"channel {target.pk} ({target}){note}: sent"))
