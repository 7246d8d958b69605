"""Queue and run the daily jobs (``qdm.core.schedule``).

``queue_due`` claims each job whose time has come today by inserting its
``ScheduledRun`` row — the row is unique per job and day, so two schedulers (or a restart)
never queue a job twice — and hands it to the task worker (or runs it inline).
``execute`` runs one queued run: a job's failure is recorded on the run and notified to the
administrators, never raised, so one broken job does not stop the others.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.choices import RunStatus, RunTrigger
from qdm.core.models import ScheduledRun, User
from qdm.core.schedule import DailyJob, daily_jobs, job_named
from qdm.core.services.notifications import notify

OUTPUT_LIMIT = 20_000


def due_jobs(now: datetime | None = None) -> list[tuple[DailyJob, date]]:
    """The jobs whose time today (server time zone) has passed and that have no scheduled
    run for today yet. A day the scheduler was down is not made up: every job reads
    "since the last run" or a window wider than one day (``kpis compute --days 2``)."""
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    done = set(
        ScheduledRun.objects.filter(due_on=today, trigger=RunTrigger.SCHEDULE).values_list(
            "job", flat=True
        )
    )
    return [(job, today) for job in daily_jobs() if job.name not in done and local.time() >= job.at]


def last_runs(runs: Any) -> dict[str, ScheduledRun]:
    """The newest run of each job among ``runs`` (a queryset the caller has scoped): two
    queries however long the history (runs are numbered in the order they are queued)."""
    newest = runs.order_by().values("job").annotate(last=Max("pk")).values_list("last", flat=True)
    return {run.job: run for run in ScheduledRun.objects.filter(pk__in=list(newest))}


def _claim(job: DailyJob, due_on: date) -> ScheduledRun | None:
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(job=job.name, due_on=due_on)
    except IntegrityError:
        return None  # another scheduler claimed it first


def _dispatch(run: ScheduledRun, inline: bool) -> ScheduledRun:
    if inline:
        return execute(run.pk)
    from qdm.core.tasks import run_scheduled_job

    run_scheduled_job.enqueue(run.pk)
    run.refresh_from_db()
    return run


def queue_due(now: datetime | None = None, *, inline: bool = False) -> list[ScheduledRun]:
    """Claim and dispatch every due job; returns the runs this call claimed."""
    runs = []
    for job, due_on in due_jobs(now):
        run = _claim(job, due_on)
        if run is not None:
            runs.append(_dispatch(run, inline))
    return runs


def run_now(name: str, user: Any, *, inline: bool = False) -> ScheduledRun:
    """A user's "Run now": refused without ``core.add_scheduledrun``, for an unknown or
    switched-off job, and while the job is already queued or running."""
    if not user.has_perm("core.add_scheduledrun"):
        raise PermissionDenied(_("Only an administrator can run a scheduled job."))
    job = job_named(name)
    if job is None:
        raise ValidationError(_("There is no enabled daily job named “%(name)s”.") % {"name": name})
    with transaction.atomic():
        busy = (
            ScheduledRun.objects.select_for_update()
            .filter(job=job.name, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
            .exists()
        )
        if busy:
            raise ValidationError(
                _("“%(name)s” is already queued or running; wait for it to finish.")
                % {"name": job.name}
            )
        run = ScheduledRun.objects.create(
            job=job.name,
            due_on=timezone.localdate(),
            trigger=RunTrigger.MANUAL,
            requested_by=user,
        )
    return _dispatch(run, inline)


def _administrators() -> list[Any]:
    return list(
        User.objects.filter(is_active=True)
        .filter(grants__role__name="administrator")
        .union(User.objects.filter(is_active=True, is_superuser=True))
    )


def execute(run_id: int) -> ScheduledRun:
    """Run one queued run (idempotent: a run that is no longer queued is left alone)."""
    with transaction.atomic():
        run = ScheduledRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.QUEUED:
            return run
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
    job = job_named(run.job)
    buffer = io.StringIO()
    try:
        if job is None:
            raise LookupError(_("The job is no longer scheduled."))
        call_command(*job.command, stdout=buffer, stderr=buffer)
    except (Exception, SystemExit) as exc:
        buffer.write(f"\n{type(exc).__name__}: {exc}\n")
        run.status = RunStatus.FAILED
    else:
        run.status = RunStatus.SUCCEEDED
    text = buffer.getvalue()
    run.output = text if len(text) <= OUTPUT_LIMIT else "…" + text[-OUTPUT_LIMIT:]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "output", "finished_at"])
    if run.status == RunStatus.FAILED:
        notify(
            _administrators(),
            _("Daily job %(job)s failed") % {"job": run.job},
            run.output[-1000:],
            run.get_absolute_url(),
        )
    return run
