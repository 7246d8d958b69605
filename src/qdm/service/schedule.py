"""Customer service's daily job: complaints near or past their response deadline."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from qdm.core.schedule import DailyJob

DAILY_JOBS = (
    DailyJob(
        "complaints-escalate",
        ("complaints", "escalate"),
        time(7, 0),
        _("Complaint deadlines near or overdue"),
    ),
)
