"""Supplier quality's daily jobs: last month's scorecards (idempotent, so daily is safe),
overdue SCAR disciplines and expiring supplier certificates."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from qdm.core.schedule import DailyJob

DAILY_JOBS = (
    DailyJob(
        "supplier-scorecards",
        ("supplier-scorecards",),
        time(2, 0),
        _("Last month's supplier scorecards"),
    ),
    DailyJob(
        "supplier-scars-escalate",
        ("supplier-scars", "escalate"),
        time(7, 0),
        _("Overdue SCAR disciplines"),
    ),
    DailyJob(
        "supplier-certificates-remind",
        ("supplier-certificates", "remind"),
        time(7, 10),
        _("Supplier certificates expiring"),
    ),
)
