"""``qdm schedule list | run [--once] [--inline] [--interval S] | now JOB``.

``run`` is the scheduler: every ``--interval`` seconds it queues the daily jobs whose time
has come (each once a day, however many schedulers run) for ``qdm db_worker``; ``--inline``
runs them in this process instead (no worker); ``--once`` checks once and exits (for cron).
``list`` prints the jobs, their times and last runs; ``now JOB`` runs one job at once.
"""

from __future__ import annotations

import time as clock
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from qdm.core.choices import RunStatus
from qdm.core.models import ScheduledRun
from qdm.core.schedule import daily_jobs, job_named
from qdm.core.services.schedule import execute, last_runs, queue_due


class Command(BaseCommand):
    help = "The daily jobs: list them, run the scheduler, or run one job now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["list", "run", "now"])
        parser.add_argument("job", nargs="?", help="the job to run (for 'now')")
        parser.add_argument("--once", action="store_true", help="check once and exit")
        parser.add_argument(
            "--inline", action="store_true", help="run due jobs here, not in the task worker"
        )
        parser.add_argument(
            "--interval", type=int, default=60, help="seconds between checks (default 60)"
        )

    def handle(self, *args: Any, action: str, job: str | None, **options: Any) -> None:
        if action == "list":
            self._list()
        elif action == "now":
            self._now(job)
        else:
            if options["interval"] < 1:
                raise CommandError("--interval must be at least 1 second")
            self._run(once=options["once"], inline=options["inline"], interval=options["interval"])

    def _list(self) -> None:
        last = last_runs(ScheduledRun.objects.all())
        for job in daily_jobs():
            run = last.get(job.name)
            seen = (
                f"{run.get_status_display()} {timezone.localtime(run.queued_at):%Y-%m-%d %H:%M}"
                if run
                else "never run"
            )
            self.stdout.write(f"{job.at:%H:%M}  {job.name:<30} {job.command_line:<40} {seen}")

    def _now(self, name: str | None) -> None:
        job = job_named(name or "")
        if job is None:
            names = ", ".join(j.name for j in daily_jobs())
            raise CommandError(f"name a daily job: {names}")
        run = ScheduledRun.objects.create(
            job=job.name, due_on=timezone.localdate(), trigger="manual"
        )
        run = execute(run.pk)
        self.stdout.write(run.output)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"{job.name} failed")

    def _run(self, *, once: bool, inline: bool, interval: int) -> None:
        self.stdout.write(
            f"Scheduler started: {len(daily_jobs())} daily jobs, "
            f"{'inline' if inline else 'queued for the task worker'}."
        )
        while True:
            try:
                for run in queue_due(inline=inline):
                    self.stdout.write(
                        f"{timezone.localtime():%Y-%m-%d %H:%M} {run.job}: "
                        f"{run.get_status_display()}"
                    )
            except DatabaseError as exc:  # the database restarting: try again next time
                self.stderr.write(f"scheduler: {exc}")
            finally:
                close_old_connections()
            if once:
                return
            clock.sleep(interval)
