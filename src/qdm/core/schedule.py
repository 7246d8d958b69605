"""The daily jobs: each platform declares its own in ``<app>/schedule.py`` as ``DAILY_JOBS``
(the way it declares its menu), the kernel collects them and ``qdm schedule run`` queues
each once a day at its time (``settings.TIME_ZONE``).

``settings.QDM_SCHEDULE`` moves or switches off a job: ``{"alerts-scan": "05:30",
"analyze": None}``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from qdm.core.modules import optional_module
from qdm.core.navigation import PLATFORM_APPS


@dataclass(frozen=True)
class DailyJob:
    """``command`` is what ``qdm`` is called with (``("kpis", "compute", "--days", "2")``)."""

    name: str
    command: tuple[str, ...]
    at: time
    label: Any
    app: str = "core"

    @property
    def command_line(self) -> str:
        return "qdm " + " ".join(self.command)


#: the kernel's own job; it runs after the night's loads and computations
DAILY_JOBS = (
    DailyJob("analyze", ("analyze",), time(3, 30), _("Refresh the database planner's statistics")),
)


def _parse_time(name: str, value: Any) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"QDM_SCHEDULE[{name!r}] = {value!r}: give a time as HH:MM or None"
        ) from exc


def daily_jobs() -> list[DailyJob]:
    """Every enabled job at its configured time, in the order they run in a day."""
    jobs: dict[str, DailyJob] = {}
    for app in ("core", *PLATFORM_APPS):
        module = optional_module(f"qdm.{app}.schedule")
        for job in getattr(module, "DAILY_JOBS", ()):
            if job.name in jobs:
                raise ImproperlyConfigured(f"two daily jobs are named {job.name!r}")
            jobs[job.name] = replace(job, app=app)
    overrides: dict[str, Any] = getattr(settings, "QDM_SCHEDULE", {}) or {}
    unknown = sorted(set(overrides) - set(jobs))
    if unknown:
        raise ImproperlyConfigured(
            f"QDM_SCHEDULE names jobs that do not exist: {', '.join(unknown)} "
            f"(the jobs: {', '.join(sorted(jobs))})"
        )
    enabled = []
    for name, job in jobs.items():
        if name in overrides:
            if overrides[name] is None:
                continue
            job = replace(job, at=_parse_time(name, overrides[name]))
        enabled.append(job)
    return sorted(enabled, key=lambda j: (j.at, j.name))


def job_named(name: str) -> DailyJob | None:
    return next((job for job in daily_jobs() if job.name == name), None)
