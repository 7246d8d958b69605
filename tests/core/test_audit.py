"""Audit trail: edits write field-level history with actor and request id; tampering with
any audit row in the database makes ``qdm audit verify`` fail, naming the row."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from qdm.core.models import AuditLogEntry, ChainHead, DomainEvent, Line
from qdm.core.models.audit import AppendOnlyError
from qdm.core.services.audit import record_event, verify_all
from tests.personas import World

pytestmark = pytest.mark.django_db


def edit_line_through_ui(client_for, world: World) -> None:
    line = world.line_a
    response = client_for("eng_a").post(
        f"/kernel/lines/{line.pk}/edit/",
        {
            "code": line.code,
            "name": line.name,
            "name_en": "Renamed by audit test",
            "workshop": line.workshop_id,
            "capacity_per_day": 4321,
            "active": True,
        },
        HTTP_X_REQUEST_ID="req-audit-test-0001",
    )
    assert response.status_code == 302


def test_editing_writes_history_with_actor_and_request_id(world: World, client_for) -> None:
    edit_line_through_ui(client_for, world)
    entry = AuditLogEntry.objects.filter(
        content_type__model="line",
        object_pk=str(world.line_a.pk),
        action=AuditLogEntry.Action.UPDATE,
    ).get()
    assert entry.actor == world.user("eng_a")
    assert entry.cid == "req-audit-test-0001"
    assert entry.changes["name_en"] == ["A line 1", "Renamed by audit test"]
    assert entry.changes["capacity_per_day"][1] == "4321"
    # and the History tab shows it
    page = client_for("eng_a").get(f"/kernel/lines/{world.line_a.pk}/history/")
    assert "Renamed by audit test" in page.content.decode()
    assert "req-audit-te" in page.content.decode()


def test_chain_is_intact_after_normal_work(world: World, client_for) -> None:
    edit_line_through_ui(client_for, world)
    record_event(world.line_a, "inspected", actor=world.user("eng_a"), message="ok")
    assert verify_all() == []
    call_command("audit", "verify")  # exits 0


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditlogentry SET object_repr = 'forged' WHERE seq = {seq}",
        "UPDATE core_auditlogentry SET changes = '{{}}' WHERE seq = {seq}",
        "UPDATE core_auditlogentry SET actor_id = (SELECT MAX(id) FROM core_user)"
        " WHERE seq = {seq}",
    ],
)
def test_altered_row_is_named(world: World, client_for, sql: str) -> None:
    edit_line_through_ui(client_for, world)
    target = AuditLogEntry.objects.order_by("seq")[3]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(seq=target.seq))
    with pytest.raises(CommandError, match=rf"row #{target.seq} \(id {target.pk}\)") as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1


def test_deleted_row_in_the_middle_is_found(world: World) -> None:
    middle = AuditLogEntry.objects.order_by("seq")[2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlogentry WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError, match=rf"row #{middle.seq} .*missing"):
        call_command("audit", "verify")


def test_deleted_last_row_is_found(world: World) -> None:
    last = AuditLogEntry.objects.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlogentry WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match="head says"):
        call_command("audit", "verify")


def test_altered_domain_event_is_found(world: World) -> None:
    event = record_event(world.site_a, "certified", actor=None, message="ISO 9001")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_domainevent SET message = 'ISO 14001' WHERE id = %s", [event.pk]
        )
    problems = verify_all()
    assert [p.chain for p in problems] == ["events"]
    assert problems[0].seq == event.seq


def test_rows_cannot_be_changed_or_deleted_through_the_orm(world: World) -> None:
    entry = AuditLogEntry.objects.first()
    entry.object_repr = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        DomainEvent.objects.update(message="x")
    assert verify_all() == []


def test_chain_links_each_row_to_the_previous(world: World) -> None:
    rows = list(AuditLogEntry.objects.order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    head = ChainHead.objects.get(name="audit")
    assert (head.last_seq, head.last_hash) == (rows[-1].seq, rows[-1].row_hash)
    assert Line.objects.count() == 2
