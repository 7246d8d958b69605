"""The responsibility matrix (company → department → post): who is responsible for a process
at a site, who is a user's manager, and CAPA escalation through the matrix."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from qdm.core.models import Notification
from qdm.system.models import Department, Post, Responsibility
from qdm.system.services.capa import escalate_overdue_actions
from qdm.system.services.responsibility import (
    manager_of,
    responsible_for,
    save_department,
    save_post,
    save_responsibility,
)
from tests.personas import World, make_user
from tests.scoping import ScopedModelContract
from tests.system.builders import action, make_capa
from tests.system.builders_ims import company, make_department, make_post, make_process

pytestmark = pytest.mark.django_db

INTERNAL = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}


def matrix(world: World) -> dict[str, Any]:
    """CQO (group) ← site-A quality manager ← site-A quality engineer (eng_a); a site-B
    engineer post (eng_b) reporting straight to the CQO."""
    boss_a = make_user("boss_a", "site_quality_manager", site=world.site_a)
    qms = make_department(world, "QMS")
    dept_a = make_department(world, "QA-A", "A", parent=qms)
    dept_b = make_department(world, "QA-B", "B", parent=qms)
    cqo = make_post(world, "CQO", qms, [world.user("cqo")])
    qm_a = make_post(world, "QM-A", dept_a, [boss_a], "A", reports_to=cqo)
    qe_a = make_post(world, "QE-A", dept_a, [world.user("eng_a")], "A", reports_to=qm_a)
    qe_b = make_post(world, "QE-B", dept_b, [world.user("eng_b")], "B", reports_to=cqo)
    return {"boss_a": boss_a, "cqo": cqo, "qm_a": qm_a, "qe_a": qe_a, "qe_b": qe_b}


def test_manager_of_follows_reports_to(world: World) -> None:
    posts = matrix(world)
    assert manager_of(world.user("eng_a")) == [posts["boss_a"]]
    assert manager_of(posts["boss_a"]) == [world.user("cqo")]
    assert manager_of(world.user("eng_b"), world.site_b) == [world.user("cqo")]
    # the site-B post does not answer for site A; the CQO reports to nobody
    assert manager_of(world.user("eng_b"), world.site_a) == []
    assert manager_of(world.user("cqo")) == []
    assert manager_of(world.user("outsider")) == []


def test_responsible_for_prefers_the_sites_post(world: World) -> None:
    posts = matrix(world)
    lamination = make_process(world, "P07", places=("A", "B"), owner=world.user("cqo"))
    cqo = world.user("cqo")
    for post, role in ((posts["qe_a"], "responsible"), (posts["cqo"], "accountable")):
        save_responsibility(
            None, actor=cqo, post=post, process=lamination, role=role, description="x"
        )
    save_responsibility(
        None, actor=cqo, post=posts["qe_b"], process=lamination, role="informed", description="x"
    )
    assert responsible_for(lamination, world.site_a) == [world.user("eng_a")]
    # at B only an "informed" post is named: the group post answers
    assert responsible_for(lamination, world.site_b) == [cqo]
    # nobody named at all: the process owner
    other = make_process(world, "P09", owner=world.user("eng_b"))
    assert responsible_for(other, world.site_a) == [world.user("eng_b")]


def test_cycles_are_refused(world: World) -> None:
    posts = matrix(world)
    with pytest.raises(ValidationError) as err:
        save_post(posts["cqo"], actor=world.user("cqo"), reports_to=posts["qe_a"])
    assert "reports_to" in err.value.message_dict
    posts["cqo"].refresh_from_db()
    assert posts["cqo"].reports_to is None
    qms = Department.objects.get(code="QMS")
    with pytest.raises(ValidationError):
        save_department(qms, actor=world.user("cqo"), parent=Department.objects.get(code="QA-A"))


def test_escalation_uses_the_matrix_and_keeps_the_fallback(world: World) -> None:
    posts = matrix(world)
    named = make_user("named_boss", "quality_engineer", site=world.site_a)
    fallback_b = make_user("sqm_b", "site_quality_manager", site=world.site_b)
    capa_a, capa_b = make_capa(world, "A"), make_capa(world, "B")
    via_matrix = action(capa_a, "d5", world.user("eng_a"), description="via matrix")
    via_field = action(capa_a, "d5", world.user("eng_a"), manager=named, description="named")
    no_post = make_user("temp_b", "quality_engineer", site=world.site_b)
    via_fallback = action(capa_b, "d3", no_post, description="fallback")
    Notification.objects.all().delete()
    tz = datetime.UTC
    escalate_overdue_actions(datetime.datetime(2026, 3, 2, tzinfo=tz))  # owners (level 1)
    second = escalate_overdue_actions(datetime.datetime(2026, 3, 5, 2, tzinfo=tz))
    recipients = {e.action.pk: [u.username for u in e.recipients] for e in second}
    assert recipients == {
        via_matrix.pk: [posts["boss_a"].username],  # the post eng_a's post reports to
        via_field.pk: ["named_boss"],  # a manager named on the action still wins
        via_fallback.pk: [fallback_b.username],  # not in the matrix: site quality managers
    }
    assert Notification.objects.filter(recipient=posts["boss_a"]).count() == 1


# --- scoping ----------------------------------------------------------------------------------


class TestDepartmentScope(ScopedModelContract):
    model = Department
    api_prefix = "system/departments"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Edited department")

    def existing(self, world: World, place: str) -> Any:
        return make_department(world, f"DEP-{place}", place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "company": company().pk,
            "code": code,
            "name": "品质部",
            "name_en": "Quality",
            "site": world.where(place).pk,
        }


class TestPostScope(ScopedModelContract):
    model = Post
    api_prefix = "system/posts"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Edited post")

    def department(self, world: World, place: str) -> Department:
        code = f"DEP-{place}"
        return Department.objects.filter(code=code).first() or make_department(world, code, place)

    def existing(self, world: World, place: str) -> Any:
        return make_post(world, f"POST-{place}", self.department(world, place), [], place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "department": self.department(world, place).pk,
            "code": code,
            "name": "工程师",
            "name_en": "Engineer",
            "site": world.where(place).pk,
            "holders": [world.user("eng_a").pk],
        }


class TestResponsibilityScope(ScopedModelContract):
    model = Responsibility
    api_prefix = "system/responsibilities"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("description", "Edited responsibility")

    def post(self, world: World, place: str) -> Post:
        found = Post.objects.filter(code=f"POST-{place}").first()
        if found:
            return found
        department = make_department(world, f"DEP-{place}", place)
        return make_post(world, f"POST-{place}", department, [], place)

    def existing(self, world: World, place: str) -> Any:
        return save_responsibility(
            None,
            actor=world.user("cqo"),
            post=self.post(world, place),
            role="responsible",
            description=f"RESP-{place}",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"post": self.post(world, place).pk, "role": "responsible", "description": code}

    def created(self, code: str) -> Any:
        return Responsibility.objects.filter(description=code)

    def label(self, obj: Any) -> str:
        return obj.description
