"""The daily jobs: collected from the platforms, queued once a day at their time, run by
the task worker with their outcome recorded, "Run now" for administrators only."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse

from qdm.core.choices import RunStatus, RunTrigger
from qdm.core.models import Notification, ScheduledRun
from qdm.core.schedule import DailyJob, daily_jobs
from qdm.core.services import schedule as svc
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 27, hour, minute, tzinfo=UTC)


def test_every_platform_job_is_a_real_command_with_valid_arguments() -> None:
    jobs = daily_jobs()
    names = [job.name for job in jobs]
    assert len(names) == len(set(names))
    assert {"kpis-compute", "alerts-scan", "capa-escalate", "complaints-escalate"} <= set(names)
    assert {"supplier-scorecards", "fmea-lessons", "analyze"} <= set(names)
    commands = get_commands()
    for job in jobs:
        app = commands[job.command[0]]  # KeyError names a job whose command does not exist
        parser = load_command_class(app, job.command[0]).create_parser("qdm", job.command[0])
        parser.parse_args(list(job.command[1:]))  # SystemExit on arguments it does not take
    # the day's order: KPIs are materialised before the alert scan reads them
    assert names.index("kpis-compute") < names.index("alerts-scan")


@override_settings(QDM_SCHEDULE={"alerts-scan": "05:45", "analyze": None})
def test_settings_move_or_switch_off_a_job() -> None:
    jobs = {job.name: job for job in daily_jobs()}
    assert jobs["alerts-scan"].at == time(5, 45)
    assert "analyze" not in jobs


@pytest.mark.parametrize(
    ("schedule", "message"),
    [({"alert-scan": "05:00"}, "do not exist: alert-scan"), ({"analyze": "25h"}, "HH:MM")],
)
def test_a_wrong_schedule_setting_names_the_problem(schedule: dict, message: str) -> None:
    with override_settings(QDM_SCHEDULE=schedule), pytest.raises(ImproperlyConfigured) as exc:
        daily_jobs()
    assert message in str(exc.value)


@override_settings(TIME_ZONE="UTC")
def test_a_job_is_due_from_its_time_and_queued_once_a_day(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = DailyJob("analyze", ("analyze",), time(3, 30), "statistics")
    monkeypatch.setattr(svc, "daily_jobs", lambda: [quick])
    monkeypatch.setattr(svc, "job_named", lambda name: quick if name == "analyze" else None)
    assert svc.due_jobs(at(3, 29)) == []
    assert [job.name for job, _day in svc.due_jobs(at(3, 30))] == ["analyze"]

    runs = svc.queue_due(at(4, 0))  # the task backend of the tests runs it at once
    assert [(r.job, r.status) for r in runs] == [("analyze", RunStatus.SUCCEEDED)]
    run = runs[0]
    assert run.due_on.isoformat() == "2026-11-27" and run.trigger == RunTrigger.SCHEDULE
    assert "Planner statistics refreshed" in run.output
    assert run.duration_s is not None and run.duration_s >= 0

    # a second scheduler (or a restart) the same day claims nothing
    assert svc.due_jobs(at(9, 0)) == []
    assert svc.queue_due(at(9, 0)) == []
    assert ScheduledRun.objects.count() == 1
    # the database refuses a second scheduled run of the job for that day
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(job="analyze", due_on=run.due_on)
    assert svc._claim(quick, run.due_on) is None
    # the next day it is due again
    assert [job.name for job, _day in svc.due_jobs(datetime(2026, 11, 28, 4, tzinfo=UTC))] == [
        "analyze"
    ]


def test_a_failing_job_is_recorded_and_notified_to_the_administrators(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user("admin", "administrator")
    broken = DailyJob("broken", ("schedule", "now", "no-such-job"), time(0, 0), "broken")
    monkeypatch.setattr(svc, "job_named", lambda name: broken)
    run = ScheduledRun.objects.create(job="broken", due_on=at(1).date())
    run = svc.execute(run.pk)
    assert run.status == RunStatus.FAILED
    assert "CommandError: name a daily job" in run.output
    assert run.finished_at is not None
    note = Notification.objects.get(recipient=admin)
    assert "broken" in note.title and note.link == run.get_absolute_url()
    assert not Notification.objects.filter(recipient=world.user("eng_a")).exists()
    # a run that is no longer queued is left alone (a task delivered twice)
    assert svc.execute(run.pk).finished_at == run.finished_at


def test_run_now_is_for_administrators_and_not_twice_at_once(world: World) -> None:
    admin = make_user("admin", "administrator")
    for persona in ("eng_a", "cqo", "supplier_x", "outsider"):
        with pytest.raises(PermissionDenied):
            svc.run_now("analyze", world.user(persona))
    assert ScheduledRun.objects.count() == 0

    with pytest.raises(ValidationError) as exc:
        svc.run_now("no-such-job", admin)
    assert "no-such-job" in exc.value.messages[0]

    ScheduledRun.objects.create(job="analyze", due_on=at(1).date())  # queued, not yet run
    with pytest.raises(ValidationError) as exc:
        svc.run_now("analyze", admin)
    assert "already queued or running" in exc.value.messages[0]
    assert ScheduledRun.objects.count() == 1

    ScheduledRun.objects.update(status=RunStatus.SUCCEEDED)
    run = svc.run_now("analyze", admin)
    assert (run.trigger, run.requested_by, run.status) == (
        RunTrigger.MANUAL,
        admin,
        RunStatus.SUCCEEDED,
    )


def test_the_daily_jobs_page(world: World, client_for) -> None:
    admin = make_user("admin", "administrator")
    page = reverse("core:schedule")

    eng = client_for("eng_a")
    body = eng.get(page).content.decode()
    assert "kpis-compute" in body and "qdm kpis compute --days 2" in body
    assert "Run now" not in body
    response = eng.post(reverse("core:schedule_run", args=["analyze"]))
    assert response.status_code == 403
    assert ScheduledRun.objects.count() == 0

    for persona in ("supplier_x", "outsider"):
        assert client_for(persona).get(page).status_code == 403

    boss = Client()
    boss.force_login(admin)
    assert "Run now" in boss.get(page).content.decode()
    response = boss.post(reverse("core:schedule_run", args=["analyze"]))
    run = ScheduledRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    detail = boss.get(run.get_absolute_url()).content.decode()
    assert "Planner statistics refreshed" in detail
    # an unknown job: the message names it, nothing is queued
    response = boss.post(reverse("core:schedule_run", args=["nope"]), follow=True)
    assert "nope" in response.content.decode()
    assert ScheduledRun.objects.count() == 1


def test_schedule_command_lists_and_runs_one_job(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("schedule", "list")
    out = capsys.readouterr().out
    assert "kpis-compute" in out and "never run" in out
    call_command("schedule", "now", "analyze")
    assert "Planner statistics refreshed" in capsys.readouterr().out
    assert ScheduledRun.objects.get().trigger == RunTrigger.MANUAL
    with pytest.raises(CommandError, match="name a daily job"):
        call_command("schedule", "now", "nope")
    with pytest.raises(CommandError, match="interval"):
        call_command("schedule", "run", "--interval", "0")


def test_last_runs_reads_the_newest_run_of_each_job_in_two_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    day = at(1).date()
    for job in ("analyze", "kpis-compute", "analyze", "alerts-scan", "kpis-compute"):
        ScheduledRun.objects.create(job=job, due_on=day, trigger=RunTrigger.MANUAL)
    newest = {r.job: r.pk for r in ScheduledRun.objects.order_by("pk")}  # last one wins
    with CaptureQueriesContext(connection) as queries:
        last = svc.last_runs(ScheduledRun.objects.all())
    assert {job: run.pk for job, run in last.items()} == newest
    assert len(queries) == 2
