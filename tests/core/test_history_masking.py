"""The History tab names a related record only to a viewer who may see it: a foreign key to
another site's record reads "(a record you cannot see)" (the scoping rule, DESIGN §4);
shared, unscoped records (users, roles) read as before; and the names are resolved with one
query per related model, however many entries the history holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qdm.core.models import AuditLogEntry, Grant, Line, Workshop
from qdm.core.services.audit import HIDDEN_RECORD, history_for
from qdm.design.services.apqp import save_deliverable
from tests.design.test_apqp import make_project
from tests.design.test_apqp_chart_visibility import reader_at_b
from tests.design.test_apqp_links import capability, gel_chart
from tests.personas import World

pytestmark = pytest.mark.django_db

HIDDEN = "(a record you cannot see)"


def hidden_workshop(world: World, code: str, number: int) -> Workshop:
    return Workshop.objects.create(
        code=code,
        name=f"乙隐藏{number}",
        name_en=f"Hidden B workshop {number}",
        site=world.site_b,
        stage="module",
    )


def line_moved_to_site_a(world: World, moves: int) -> Line:
    """A line built in a site-B workshop, moved through ``moves - 1`` more site-B workshops
    and at last into site A's: ``moves`` recorded workshop changes after its creation."""
    workshops = [hidden_workshop(world, f"SB{moves}-H{n}", n) for n in range(1, moves + 1)]
    line = Line.objects.create(
        code=f"SA-MV{moves}", name="移入线", name_en="Moved-in line", workshop=workshops[0]
    )
    for workshop in [*workshops[1:], world.workshop_a]:
        line.workshop = workshop
        line.save()
    return line


def workshop_changes(line: Line, user: Any) -> list[tuple[Any, Any]]:
    return [
        (before, after)
        for row in history_for(line, user)
        for label, before, after in row.changes
        if label == "Workshop"
    ]


def test_a_workshop_at_another_site_is_hidden_from_a_site_a_viewer(
    world: World, client_for
) -> None:
    line = line_moved_to_site_a(world, 1)
    # the premise: eng_a sees the line (now at site A) but not the site-B workshop
    assert Line.objects.for_user(world.user("eng_a")).filter(pk=line.pk).exists()
    hidden = Workshop.objects.get(code="SB1-H1")
    assert not Workshop.objects.for_user(world.user("eng_a")).filter(pk=hidden.pk).exists()
    # newest first: the move into SA-M, then the creation in SB1-H1
    assert workshop_changes(line, world.user("eng_a")) == [
        (HIDDEN_RECORD, "SA-M A modules"),
        (None, HIDDEN_RECORD),
    ]
    assert workshop_changes(line, world.user("cqo")) == [
        ("SB1-H1 Hidden B workshop 1", "SA-M A modules"),
        (None, "SB1-H1 Hidden B workshop 1"),
    ]
    page = client_for("eng_a").get(f"/kernel/lines/{line.pk}/history/").content.decode()
    assert f'<span class="text-secondary">{HIDDEN}</span> → SA-M A modules' in page
    assert "SB1-H1" not in page and "Hidden B workshop" not in page
    page = client_for("cqo").get(f"/kernel/lines/{line.pk}/history/").content.decode()
    assert "SB1-H1 Hidden B workshop 1</span> → SA-M A modules" in page
    assert HIDDEN not in page


def test_unscoped_records_show_as_before_and_scoped_ones_by_scope(world: World) -> None:
    grant = Grant.objects.get(user=world.user("eng_b"))
    created = AuditLogEntry.objects.get(
        content_type__model="grant",
        object_pk=str(grant.pk),
        action=AuditLogEntry.Action.CREATE,
    )
    # auditlog records a foreign key as the primary key, not the name
    assert created.changes["site"] == ["None", str(world.site_b.pk)]

    def fields(user: Any) -> dict[str, Any]:
        (row,) = history_for(grant, user)
        return {label: after for label, _before, after in row.changes}

    # users and roles are not scoped: shown to everyone; site B only to who may see it
    seen_by_a = fields(world.user("eng_a"))
    assert (seen_by_a["User"], seen_by_a["Role"]) == ("eng_b", "quality_engineer")
    assert seen_by_a["Site"] == HIDDEN_RECORD
    assert fields(world.user("cqo"))["Site"] == "SB Site B"
    assert fields(world.user("eng_b"))["Site"] == "SB Site B"
    assert fields(world.user("outsider"))["Site"] == HIDDEN_RECORD


def test_an_apqp_deliverables_chart_at_another_site_is_hidden(world: World, client_for) -> None:
    project = make_project(world)
    deliverable = capability(project)
    deliverable.spc_chart = chart = gel_chart(world)  # a site-A chart
    save_deliverable(deliverable, actor=world.user("cqo"))
    reader = reader_at_b(world)  # every APQP project, manufacturing only at site B
    url = f"/design/apqpdeliverables/{deliverable.pk}/history/"
    client = client_for("cqo")
    client.force_login(reader)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert HIDDEN in page and chart.name not in page
    page = client_for("cqo").get(url).content.decode()
    assert chart.name in page and HIDDEN not in page


@pytest.mark.parametrize("persona", ["eng_a", "cqo"])
def test_history_queries_do_not_grow_with_its_entries(
    world: World, client_for, persona: str
) -> None:
    counts = []
    for moves in (2, 10):
        line = line_moved_to_site_a(world, moves)
        client = client_for(persona)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/kernel/lines/{line.pk}/history/")
        assert response.status_code == 200
        # every move is on the page: 1 creation + ``moves`` changes
        assert response.content.decode().count("Workshop</strong>") == moves + 1
        counts.append(len(queries))
    assert counts[0] == counts[1]
