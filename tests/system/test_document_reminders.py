"""Periodic-review reminders of controlled documents (``qdm documents remind``) with a
frozen clock, and the "due for review" page."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qdm.core.models import DomainEvent, Notification
from qdm.system.management.commands.documents import remind_periodic_reviews
from qdm.system.models import ControlledDocument
from qdm.system.services.documents import save_revision
from tests.personas import World
from tests.system.test_documents import effective, make_document

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day: str) -> datetime.datetime:
    """Noon UTC of ``day`` (the test settings' TIME_ZONE is UTC)."""
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def review_on(document: ControlledDocument, day: str) -> None:
    ControlledDocument.objects.filter(pk=document.pk).update(
        next_review_date=datetime.date.fromisoformat(day)
    )
    document.refresh_from_db()


def inbox(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True)
    )


@pytest.fixture
def documents(world: World) -> dict[str, ControlledDocument]:
    """A: due 2026-04-10 (eng_a); B: due 2026-03-01 (eng_b); later: due 2026-06-30;
    draft_only: due long ago but never effective."""
    eng_a, eng_b = world.user("eng_a"), world.user("eng_b")
    a = make_document(world, "A", code="QP-SA-IQC-003")
    effective(a, "A", eng_a)
    b = make_document(world, "B", code="WI-SB-LAM-012")
    effective(b, "A", eng_b)
    later = make_document(world, "A", code="QP-SA-SPC-001")
    effective(later, "A", eng_a)
    draft_only = make_document(world, "A", code="QF-SA-EL-020")
    save_revision(None, actor=eng_a, document=draft_only, revision="A", change_summary="new")
    review_on(a, "2026-04-10")
    review_on(b, "2026-03-01")
    review_on(later, "2026-06-30")
    review_on(draft_only, "2025-01-01")
    Notification.objects.all().delete()
    return {"a": a, "b": b, "later": later, "draft_only": draft_only}


def test_due_and_overdue_owners_are_reminded_once(world: World, documents) -> None:
    eng_a, eng_b = world.user("eng_a"), world.user("eng_b")
    # 2026-03-20: A is 21 days away (inside 30), B is 19 days overdue; the rest is not due
    done = remind_periodic_reviews(at("2026-03-20"), days=30)
    assert [(r.document.code, r.threshold, r.days_left) for r in done] == [
        ("WI-SB-LAM-012", "overdue", -19),
        ("QP-SA-IQC-003", "30", 21),
    ]
    assert inbox(eng_a) == [
        "Periodic review of QP-SA-IQC-003 Incoming inspection of front glass is due in "
        "21 day(s), on 2026-04-10"
    ]
    assert inbox(eng_b) == [
        "Periodic review of WI-SB-LAM-012 Incoming inspection of front glass is overdue by "
        "19 day(s) (due 2026-03-01)"
    ]
    event = DomainEvent.objects.get(verb="review_reminder", object_id=str(documents["a"].pk))
    assert event.data == {
        "revision": documents["a"].effective_revision.pk,
        "review_date": "2026-04-10",
        "threshold": "30",
        "date": "2026-03-20",
        "days_left": 21,
    }
    # idempotent: the same day, the next day, with the same threshold: nothing new
    assert remind_periodic_reviews(at("2026-03-20"), days=30) == []
    assert remind_periodic_reviews(at("2026-03-21"), days=30) == []
    assert remind_periodic_reviews(at("2026-04-02"), days=30) == []
    assert len(inbox(eng_a)) == 1 and len(inbox(eng_b)) == 1
    # a shorter threshold is a new reminder (once), then the day it is overdue (once)
    week = remind_periodic_reviews(at("2026-04-03"), days=7)
    assert [(r.document.code, r.threshold, r.days_left) for r in week] == [
        ("QP-SA-IQC-003", "7", 7)
    ]
    assert remind_periodic_reviews(at("2026-04-03"), days=7) == []
    assert remind_periodic_reviews(at("2026-04-10"), days=7) == []  # due today: not overdue
    late = remind_periodic_reviews(at("2026-04-11"), days=7)
    assert [(r.document.code, r.threshold, r.days_left) for r in late] == [
        ("QP-SA-IQC-003", "overdue", -1)
    ]
    assert remind_periodic_reviews(at("2026-05-30"), days=7) == []
    assert len(inbox(eng_a)) == 3
    assert DomainEvent.objects.filter(verb="review_reminder").count() == 4


def test_at_most_one_reminder_per_revision_and_day(world: World, documents) -> None:
    first = remind_periodic_reviews(at("2026-04-05"), days=30)
    assert [r.document.code for r in first] == ["WI-SB-LAM-012", "QP-SA-IQC-003"]
    # another threshold the same day is not sent again to the same revision
    assert remind_periodic_reviews(at("2026-04-05"), days=7) == []
    assert [r.threshold for r in remind_periodic_reviews(at("2026-04-06"), days=7)] == ["7"]


def test_a_new_effective_revision_starts_the_reminders_again(world: World, documents) -> None:
    eng_a = world.user("eng_a")
    document = documents["a"]
    assert len(remind_periodic_reviews(at("2026-04-20"), days=30)) == 2
    revision_b = effective(document, "B", eng_a)  # moves the review date on (real clock)
    document.refresh_from_db()
    assert document.next_review_date > datetime.date(2027, 1, 1)
    assert remind_periodic_reviews(at("2026-04-21"), days=30) == []
    review_on(document, "2026-04-10")  # the same date as before, but another revision
    again = remind_periodic_reviews(at("2026-04-21"), days=30)
    assert [(r.document.code, r.revision.pk, r.threshold) for r in again] == [
        ("QP-SA-IQC-003", revision_b.pk, "overdue")
    ]


def test_inactive_owner_is_recorded_not_notified(world: World, documents) -> None:
    owner = world.user("eng_b")
    owner.is_active = False
    owner.save()
    done = remind_periodic_reviews(at("2026-03-20"), days=0)
    assert [(r.document.code, r.recipients) for r in done] == [("WI-SB-LAM-012", [])]
    assert Notification.objects.count() == 0
    assert remind_periodic_reviews(at("2026-03-20"), days=0) == []


def test_negative_days_are_refused(world: World, documents) -> None:
    with pytest.raises(ValueError, match="days"):
        remind_periodic_reviews(at("2026-03-20"), days=-1)
    with pytest.raises(CommandError, match="--days must be from 0 to 3650, not -5"):
        call_command("documents", "remind", "--days", "-5")
    assert Notification.objects.count() == 0
    assert not DomainEvent.objects.filter(verb="review_reminder").exists()


def test_command_with_a_frozen_clock(world: World, documents, monkeypatch, capsys) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at("2026-03-20"))
    call_command("documents", "remind", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["date"] == "2026-03-20" and payload["days"] == 30
    assert payload["reminders"] == [
        {
            "document": "WI-SB-LAM-012",
            "revision": "A",
            "review_date": "2026-03-01",
            "days_left": -19,
            "threshold": "overdue",
            "owner": "eng_b",
            "notified": ["eng_b"],
        },
        {
            "document": "QP-SA-IQC-003",
            "revision": "A",
            "review_date": "2026-04-10",
            "days_left": 21,
            "threshold": "30",
            "owner": "eng_a",
            "notified": ["eng_a"],
        },
    ]
    call_command("documents", "remind")
    assert "0 periodic-review reminders" in capsys.readouterr().out
    monkeypatch.setattr(timezone, "now", lambda: at("2026-06-25"))
    call_command("documents", "remind", "--days", "10")
    out = capsys.readouterr().out
    assert "2 periodic-review reminders (1 overdue, 1 due within 10 days)" in out


# --- the "due for review" page --------------------------------------------------------


def test_due_page_is_scoped_and_badged(world: World, documents, client_for, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at("2026-03-20"))
    url = "/system/controlled-documents/due-for-review/"
    page = client_for("eng_a").get(url).content.decode()
    assert "QP-SA-IQC-003" in page and "Due in 21 day(s)" in page
    assert "WI-SB-LAM-012" not in page  # site B
    assert "QP-SA-SPC-001" not in page  # not due within 30 days
    wide = client_for("eng_a").get(url + "?days=120").content.decode()
    assert "QP-SA-SPC-001" in wide and "Due in 102 day(s)" in wide
    cqo = client_for("cqo").get(url).content.decode()
    assert "WI-SB-LAM-012" in cqo and "Overdue by 19 day(s)" in cqo
    assert 'data-testid="badge-overdue"' in cqo
    assert "QP-SA-IQC-003" not in client_for("outsider").get(url).content.decode()
    bad = client_for("eng_a").get(url + "?days=soon")
    assert bad.status_code == 400 and "'soon'" in bad.content.decode()
