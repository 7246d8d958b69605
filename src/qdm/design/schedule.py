"""Design quality's daily job: closed 8Ds that name an FMEA row become review tasks."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from qdm.core.schedule import DailyJob

DAILY_JOBS = (
    DailyJob(
        "fmea-lessons",
        ("fmea", "lessons"),
        time(7, 20),
        _("Closed 8Ds naming an FMEA row: open review tasks"),
    ),
)
