"""A capability deliverable linked to an SPC chart, seen by someone who may see the APQP
project but not the chart (charts belong to sites): the state shows, the chart's name and
figures do not — on the pages, in the API and in ``evaluate(item, user)``. The gate's state
itself never depends on the viewer."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from qdm.core.models import Grant
from qdm.design.models import ApqpProject
from qdm.design.services.apqp import evaluate, gate_deliverables, save_deliverable
from qdm.manufacturing.selectors import chart_capability
from tests.design.test_apqp import gate, make_project
from tests.design.test_apqp_links import capability, gel_chart
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

HIDDEN = "A linked SPC chart at a site you cannot see: %s."


def reader_at_b(world: World) -> Any:
    """Reads every APQP project (a group-wide role holding only design's view permissions)
    but manufacturing only at site B (a quality engineer there)."""
    user = make_user("reader_b", "quality_engineer", site=world.site_b)
    role = Group.objects.create(name="design_reader")
    role.permissions.set(
        Permission.objects.filter(content_type__app_label="design", codename__startswith="view_")
    )
    Grant.objects.create(user=user, role=role)
    return user


@pytest.fixture
def linked(world: World) -> dict[str, Any]:
    project = make_project(world)
    d = capability(project)
    d.spc_chart = chart = gel_chart(world)
    save_deliverable(d, actor=world.user("cqo"))
    d.refresh_from_db()
    reader = reader_at_b(world)
    # the premise: the reader sees the project, not the site-A chart; eng_a sees both
    assert ApqpProject.objects.for_user(reader, "view").filter(pk=project.pk).exists()
    assert chart_capability(chart.pk, reader) is None
    assert chart_capability(chart.pk, world.user("eng_a")) is not None
    return {"project": project, "d": d, "chart": chart, "reader": reader}


def test_evaluation_hides_the_chart_from_a_viewer_without_its_site(
    world: World, linked: dict[str, Any]
) -> None:
    d, chart, reader = linked["d"], linked["chart"], linked["reader"]
    # test_apqp_links: min(Cpk 1.692, Ppk 2.985) ≥ 1.67 → done
    full = f"{chart.name} (live, n = 100): Cpk 1.69, Ppk 2.98 ≥ 1.67."
    assert evaluate(d) == evaluate(d, world.user("eng_a"))
    assert (evaluate(d).state, evaluate(d).reason) == ("done", full)
    hidden = evaluate(d, reader)
    assert (hidden.state, hidden.reason) == ("done", HIDDEN % "Done")
    d.cpk_target = 1.8  # 1.69 < 1.80 → in progress, for every viewer
    save_deliverable(d, actor=world.user("cqo"))
    hidden = evaluate(d, reader)
    assert (hidden.state, hidden.reason) == ("in_progress", HIDDEN % "In progress")
    assert evaluate(d).state == "in_progress" and evaluate(d).reason.endswith("< 1.80.")
    validation = gate(linked["project"], "validation")
    states = [(item.pk, e.state) for item, e in gate_deliverables(validation)]
    assert [(item.pk, e.state) for item, e in gate_deliverables(validation, reader)] == states


def test_pages_and_api_hide_the_chart_from_a_viewer_without_its_site(
    world: World, linked: dict[str, Any], client_for, api_for
) -> None:
    d, chart, reader = linked["d"], linked["chart"], linked["reader"]
    project = linked["project"]
    pages = [
        d.get_absolute_url(),
        project.get_absolute_url(),
        gate(project, "validation").get_absolute_url(),
    ]
    client = client_for("eng_a")
    client.force_login(reader)
    for url in pages:
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert HIDDEN % "Done" in page, url
        assert chart.name not in page and "1.69" not in page, url
    assert (
        'data-testid="deliverable-state" data-state="done"' in client.get(pages[0]).content.decode()
    )
    api = api_for("eng_a")
    api.force_authenticate(reader)
    body = api.get(f"/api/v1/design/apqp-deliverables/{d.pk}/").json()
    assert (body["state"], body["state_reason"], body["capability"]) == (
        "done",
        HIDDEN % "Done",
        None,
    )
    # eng_a (quality engineer at site A) sees the chart named, with its figures
    for url in pages:
        page = client_for("eng_a").get(url).content.decode()
        assert f"{chart.name} (live, n = 100): Cpk 1.69" in page, url
    body = api_for("eng_a").get(f"/api/v1/design/apqp-deliverables/{d.pk}/").json()
    assert body["state_reason"].startswith(f"{chart.name} (live, n = 100)")
