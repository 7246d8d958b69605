"""Control-plan revisions: a released plan is revised into a draft N+1 (lines copied, reason
required), the changes against N are listed line by line, and publishing N+1 supersedes N
(which stays in force until then); history through UI and API; scoping."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qdm.core.models import DomainEvent
from qdm.design.models import ControlPlan
from qdm.design.services.control_plan import (
    new_control_plan_revision,
    publish,
    revision_changes,
    save_line,
)
from tests.design.builders import make_characteristic, make_control_plan, make_cp_line, release_plan
from tests.personas import World

pytestmark = pytest.mark.django_db


def published_plan(world: World) -> ControlPlan:
    plan = make_control_plan(world)
    make_cp_line(plan, make_characteristic("LAM-GEL"), chart_type="imr")
    make_cp_line(plan, make_characteristic("MOD-PEEL"), sequence=20, sample_size=3)
    release_plan(world, plan)
    publish(plan, actor=world.user("cqo"))
    plan.refresh_from_db()
    return plan


def test_revision_copies_lines_and_needs_a_reason(world: World) -> None:
    plan = published_plan(world)
    actor = world.user("cqo")
    with pytest.raises(ValidationError) as err:
        new_control_plan_revision(plan, actor=actor, reason=" ")
    assert "revision_reason" in err.value.message_dict
    rev2 = new_control_plan_revision(plan, actor=actor, reason="Peel force sampling doubled")
    assert (rev2.number, rev2.revision, rev2.status) == (plan.number, 2, "draft")
    assert rev2.revised_from == plan and rev2.line == plan.line
    assert sorted(rev2.lines.values_list("characteristic__code", "sample_size")) == [
        ("LAM-GEL", 1), ("MOD-PEEL", 3),
    ]  # fmt: skip
    assert revision_changes(rev2) == []
    with pytest.raises(ValidationError, match=r"Revision 2 of .* already exists"):
        new_control_plan_revision(plan, actor=actor, reason="again")
    with pytest.raises(ValidationError, match="Only a released control plan can be revised"):
        new_control_plan_revision(rev2, actor=actor, reason="draft")
    assert DomainEvent.objects.filter(verb="revision_created").count() == 1


def test_changes_are_listed_and_publication_supersedes(world: World) -> None:
    plan = published_plan(world)
    actor = world.user("cqo")
    rev2 = new_control_plan_revision(plan, actor=actor, reason="EL added, peel doubled")
    peel = rev2.lines.get(characteristic__code="MOD-PEEL")
    peel.sample_size = 6
    save_line(peel, actor=actor)
    rev2.lines.get(characteristic__code="LAM-GEL").delete()
    make_cp_line(rev2, make_characteristic("MOD-EL"), sequence=30)
    changes = {c.code: c for c in revision_changes(rev2)}
    assert {k: c.change for k, c in changes.items()} == {
        "LAM-GEL": "removed", "MOD-EL": "added", "MOD-PEEL": "changed",
    }  # fmt: skip
    assert changes["MOD-PEEL"].fields == [("sample size", "3", "6")]
    # released, not yet published: revision 1 stays in force
    release_plan(world, rev2)
    plan.refresh_from_db()
    assert plan.status == "released"
    publish(rev2, actor=actor)
    plan.refresh_from_db()
    assert plan.status == "superseded"
    event = DomainEvent.objects.filter(verb="superseded").latest("pk")
    assert {c["characteristic"] for c in event.data["changes"]} == set(changes)
    # the inspection plan now carries revision 2's lines
    from qdm.manufacturing.models import InspectionPlan

    latest = InspectionPlan.objects.filter(code=plan.number).order_by("-version").first()
    assert sorted(latest.lines.values_list("characteristic__code", flat=True)) == [
        "MOD-EL", "MOD-PEEL",
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="is Superseded"):
        new_control_plan_revision(plan, actor=actor, reason="old")


def test_revise_and_history_in_the_ui(world: World, client_for) -> None:
    plan = published_plan(world)
    client = client_for("cqo")
    page = client.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="cp-revise"' in page
    response = client.post(f"/design/control-plans/{plan.pk}/revise/", {"reason": ""}, follow=True)
    assert "Say why the control plan is revised." in response.content.decode()
    assert ControlPlan.objects.count() == 1
    response = client.post(f"/design/control-plans/{plan.pk}/revise/",
                           {"reason": "New laminator recipe"})  # fmt: skip
    rev2 = ControlPlan.objects.get(revision=2)
    assert response.status_code == 302 and response["Location"] == rev2.get_absolute_url()
    peel = rev2.lines.get(characteristic__code="MOD-PEEL")
    peel.frequency = "per_lot"
    save_line(peel, actor=world.user("cqo"))
    page = client.get(rev2.get_absolute_url()).content.decode()
    assert 'data-testid="cp-revisions"' in page and "New laminator recipe" in page
    assert 'data-change="changed"' in page and "Per shift" in page and "Per lot" in page
    # out of scope: eng_a (site A) cannot revise a site-B plan; nothing created
    other = make_control_plan(world, "B")
    make_cp_line(other, make_characteristic("B-GEL"))
    release_plan(world, other)
    denied = client_for("eng_a").post(f"/design/control-plans/{other.pk}/revise/",
                                      {"reason": "x"})  # fmt: skip
    assert denied.status_code == 404
    assert not ControlPlan.objects.filter(number=other.number, revision=2).exists()


def test_revise_through_the_api(world: World, api_for) -> None:
    plan = published_plan(world)
    api = api_for("eng_a")
    bad = api.post("/api/v1/design/control-plan-revisions/", {"plan": plan.pk, "reason": ""},
                   format="json")  # fmt: skip
    assert bad.status_code == 400 and "Say why" in bad.json()["error"]["message"]
    made = api.post("/api/v1/design/control-plan-revisions/",
                    {"plan": plan.pk, "reason": "Chart on peel"}, format="json")  # fmt: skip
    assert made.status_code == 201 and made.json()["revision"] == 2
    rows = api.get("/api/v1/design/control-plan-revisions/").json()["results"]
    assert [(r["revision"], r["revised_from"], r["revision_reason"]) for r in rows] == [
        (2, plan.pk, "Chart on peel"),
    ]  # fmt: skip
    other = make_control_plan(world, "B")
    make_cp_line(other, make_characteristic("B-GEL"))
    release_plan(world, other)
    out = api.post("/api/v1/design/control-plan-revisions/", {"plan": other.pk, "reason": "x"},
                   format="json")  # fmt: skip
    assert out.status_code == 404
    assert api_for("eng_b").post("/api/v1/design/control-plan-revisions/",
                                 {"plan": other.pk, "reason": "x"},
                                 format="json").status_code == 403  # fmt: skip
    assert ControlPlan.objects.filter(number=other.number).count() == 1
