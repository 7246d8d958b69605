"""SLA clocks of complaints: near-due reminder to the owner, overdue escalation to the owner
and the manager of the responsibility matrix, once per level — with a frozen clock."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from qdm.core.models import Notification
from qdm.core.workflow import transition
from qdm.service.models import Complaint
from qdm.service.services.complaints import update_complaint
from qdm.service.services.sla import escalate_complaints
from tests.personas import make_user
from tests.service.builders import make_complaint
from tests.system.builders_ims import make_department, make_post

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(day: int, hour: int = 6) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


def inbox(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True)
    )


@pytest.fixture
def org(world):
    """eng_a (owner) holds a post reporting to the post of boss_a; one CS engineer."""
    boss = make_user("boss_a", "quality_engineer", site=world.site_a)
    cse = make_user("cse_1", "customer_service_engineer")
    dept = make_department(world, "CS", "A")
    head = make_post(world, "CS-HEAD", dept, [boss], "A")
    make_post(world, "CS-ENG", dept, [world.user("eng_a")], "A", reports_to=head)
    return {"owner": world.user("eng_a"), "boss": boss, "cse": cse}


def test_owner_is_the_internal_recorder(world, org):
    c = make_complaint(world)
    assert c.owner == world.user("cqo")  # recorded by customer service itself


def test_near_then_overdue_once_each(world, org):
    owner, boss, cse = org["owner"], org["boss"], org["cse"]
    # major: received 2 March + 5 days (SLA_DAYS) → due 7 March
    c = make_complaint(world, severity="major", received_on=datetime.date(2026, 3, 2))
    Complaint.objects.filter(pk=c.pk).update(owner=owner)
    on_time = make_complaint(world, severity="minor", received_on=datetime.date(2026, 3, 2))
    closed = make_complaint(world, severity="critical", received_on=datetime.date(2026, 3, 1))
    Complaint.objects.filter(pk=closed.pk).update(status="rejected")
    Notification.objects.all().delete()

    assert escalate_complaints(at(5)) == []  # due in 2 days: not yet near
    first = escalate_complaints(at(6))  # due tomorrow: near (NEAR_DAYS = 1)
    assert [(e.complaint.pk, e.level) for e in first] == [(c.pk, 1)]
    assert inbox(owner) == [f"SLA of complaint {c.number} falls due on 2026-03-07"]
    assert inbox(boss) == []
    assert escalate_complaints(at(6, 20)) == []  # same level: not again
    assert escalate_complaints(at(7, 23)) == []  # due day itself is still "near"
    second = escalate_complaints(at(8))
    assert [(e.complaint.pk, e.level) for e in second] == [(c.pk, 2)]
    assert inbox(owner)[-1] == f"SLA overdue by 1 day(s): complaint {c.number} (due 2026-03-07)"
    assert inbox(boss) == [inbox(owner)[-1]]  # the matrix: CS-ENG reports to CS-HEAD
    assert inbox(cse) == []  # the matrix knew the manager: no fallback
    later = escalate_complaints(at(20))  # only the minor one (due 12 March) is new
    assert [(e.complaint.pk, e.level) for e in later] == [(on_time.pk, 2)]
    assert len(inbox(owner)) == 2 and len(inbox(boss)) == 1  # never a third time
    c.refresh_from_db()
    assert (c.escalation_level, c.escalated_at) == (2, at(8))
    on_time.refresh_from_db()
    assert on_time.escalation_level == 2  # minor due 12 March: escalated on the 20th run
    closed.refresh_from_db()
    assert closed.escalation_level == 0  # rejected: no clock


def test_first_seen_overdue_and_without_a_matrix_falls_back(world, org):
    cse = org["cse"]
    c = make_complaint(world, severity="critical", received_on=datetime.date(2026, 3, 1))
    Notification.objects.all().delete()
    done = escalate_complaints(at(10))  # due 3 March, 7 days late, never reminded
    assert [(e.complaint.pk, e.level) for e in done] == [(c.pk, 2)]
    assert inbox(world.user("cqo")) == [
        f"SLA overdue by 7 day(s): complaint {c.number} (due 2026-03-03)"
    ]
    assert len(inbox(cse)) == 1  # cqo holds no post: the customer-service engineers


def test_closing_stops_and_a_new_due_date_restarts_the_clock(world, org):
    c = make_complaint(world, severity="critical", received_on=datetime.date(2026, 3, 1))
    escalate_complaints(at(2))
    c.refresh_from_db()
    assert c.escalation_level == 1
    update_complaint(c, actor=world.user("cqo"), severity="minor")  # due 11 March now
    c.refresh_from_db()
    assert (c.sla_due, c.escalation_level, c.escalated_at) == (datetime.date(2026, 3, 11), 0, None)
    assert escalate_complaints(at(3)) == []
    transition(c, "reject", actor=world.user("cqo"))
    assert escalate_complaints(at(30)) == []


def test_escalate_command(world, org, capsys):
    make_complaint(world, severity="critical", received_on=datetime.date(2026, 3, 1))
    make_complaint(world, severity="major", received_on=datetime.date(2026, 3, 4))
    with mock.patch("django.utils.timezone.now", return_value=at(8)):
        call_command("complaints", "escalate")
        call_command("complaints", "escalate")
    out = capsys.readouterr().out.splitlines()
    # critical due 3 March → overdue; major due 9 March → near (one day left)
    assert out == [
        "1 near-due reminders, 1 overdue escalations",
        "0 near-due reminders, 0 overdue escalations",
    ]


def test_take_ownership(world, org, client):
    from django.urls import reverse

    from tests.personas import make_user as mk

    c = make_complaint(world)
    url = reverse("service:complaint_take", args=[c.pk])
    cse = org["cse"]
    client.force_login(cse)
    assert 'data-testid="take-ownership"' in client.get(c.get_absolute_url()).content.decode()
    assert client.post(url).status_code == 302
    c.refresh_from_db()
    assert c.owner == cse
    # a customer user may not, nor anyone on a rejected complaint
    lucia = mk("lucia", "customer_user", customer=world.customer_c)
    client.force_login(lucia)
    assert client.post(url).status_code == 403
    transition(c, "reject", actor=world.user("cqo"))
    client.force_login(world.user("cqo"))
    response = client.post(url, follow=True)
    assert "can no longer be changed" in response.content.decode()
    c.refresh_from_db()
    assert c.owner == cse
