"""The cockpit's daily jobs: yesterday's KPI values, then the alert scan that reads them."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from qdm.core.schedule import DailyJob

DAILY_JOBS = (
    DailyJob(
        "kpis-compute",
        ("kpis", "compute", "--days", "2"),
        time(1, 0),
        _("Materialise the cockpit KPIs of the last two days"),
    ),
    DailyJob(
        "alerts-scan",
        ("alerts", "scan"),
        time(1, 30),
        _("Raise cockpit alerts (and notify); close the cleared ones"),
    ),
)
