"""The management system's daily jobs: overdue CAPA actions, expiring certificates and
documents due for review (in the morning, before the working day)."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from qdm.core.schedule import DailyJob

DAILY_JOBS = (
    DailyJob(
        "capa-escalate",
        ("capa", "escalate"),
        time(7, 0),
        _("Overdue CAPA/8D actions: remind the owner, then the manager"),
    ),
    DailyJob(
        "certificates-remind",
        ("certificates", "remind"),
        time(7, 10),
        _("Management-system certificates expiring"),
    ),
    DailyJob(
        "documents-remind",
        ("documents", "remind"),
        time(7, 10),
        _("Controlled documents due for periodic review"),
    ),
)
