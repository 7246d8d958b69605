"""Management review: inputs compiled from the platform's data for the period (checked
against counts worked out by hand from the fixture below), the snapshot, decisions and
actions to closure, quality objectives."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qdm.core.models import Notification
from qdm.core.workflow import TransitionError, transition
from qdm.system.models import (
    EightD,
    ManagementReview,
    Nonconformity,
    QualityObjective,
    ReviewAction,
)
from qdm.system.services.audits import record_finding
from qdm.system.services.review import (
    compile_inputs,
    compile_review,
    save_objective,
    save_review_action,
)
from tests.personas import PASSWORD, World
from tests.scoping import ScopedModelContract
from tests.system.builders import action, make_capa, make_nc
from tests.system.builders_ims import make_review, started_audit

pytestmark = pytest.mark.django_db

INTERNAL = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 7, 10, 9, tzinfo=SHANGHAI)


def at(nc: Nonconformity, day: datetime.date, **extra: Any) -> Nonconformity:
    moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI)
    Nonconformity.objects.filter(pk=nc.pk).update(raised_at=moment, **extra)
    return nc


def d(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


def moment(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, tzinfo=SHANGHAI)


def fixture(world: World) -> None:
    x = world.supplier_x
    at(make_nc(world, "A", source="customer", severity="major", title="Hot spot"), d(2, 10))
    at(
        make_nc(world, "A", source="supplier", severity="minor", supplier=x, title="Frame"),
        d(3, 5),
        status="closed",
        closed_at=moment(4, 1),
    )
    at(make_nc(world, "A", source="iqc", severity="major", supplier=x, title="Glass"), d(5, 20))
    at(make_nc(world, "A", source="customer", severity="minor", title="Old"), d(12, 31, 2025))
    at(make_nc(world, "B", source="customer", severity="critical", title="Other site"), d(2, 1))
    overdue = make_capa(world, "A", due_date=d(5, 1))
    action(overdue, "d5", world.user("eng_a"))  # due 2026-03-01, still open
    scar = make_capa(world, "A", kind="scar", supplier=x)
    closed = make_capa(world, "A")
    EightD.objects.filter(pk=overdue.pk).update(opened_at=moment(2, 11))
    EightD.objects.filter(pk=scar.pk).update(opened_at=moment(3, 6))
    EightD.objects.filter(pk=closed.pk).update(
        opened_at=moment(1, 20), status="closed", closed_at=moment(4, 15)
    )
    audit = started_audit(world, "A")
    minor = record_finding(
        actor=audit.lead_auditor, audit=audit, kind="minor", statement="Records gap"
    )
    at(minor.nonconformity, d(3, 3))
    record_finding(actor=audit.lead_auditor, audit=audit, kind="observation", statement="Tags")
    cqo = world.user("cqo")
    for site, metric, target, actual, higher in [
        (world.site_a, "Module first-pass yield", "98.5", "98.1", True),
        (None, "Customer complaint rate", "50", "42", False),
        (world.site_a, "IQC lot acceptance rate", "99.0", None, True),
        (world.site_b, "Other site yield", "97", "99", True),
    ]:
        save_objective(
            None,
            actor=cqo,
            site=site,
            metric=metric,
            unit="%",
            target=Decimal(target),
            actual=Decimal(actual) if actual else None,
            higher_is_better=higher,
            period_start=d(1, 1),
            period_end=d(12, 31),
        )


def test_inputs_compiled_for_the_period_and_site(world: World) -> None:
    fixture(world)
    review = make_review(world, "A")
    inputs = compile_inputs(review, NOW)
    # in the period at site A: Hot spot, Frame, Glass and the audit's NC (Old is 2025, Other
    # site is B)
    assert inputs["process_performance"] == {
        "nonconformities": 4,
        "by_source": {"customer": 1, "internal_audit": 1, "iqc": 1, "supplier": 1},
        "by_severity": {"major": 2, "minor": 2},
    }
    assert inputs["customer_feedback"]["complaints"] == 1
    assert inputs["customer_feedback"]["by_severity"] == {"major": 1}
    assert [i["title"] for i in inputs["customer_feedback"]["items"]] == ["Hot spot"]
    assert inputs["nc_capa_status"] == {
        "nc_raised": 4,
        "nc_open": 4,  # Hot spot, Glass, audit NC, and Old (2025, still open)
        "nc_closed": 1,  # Frame, closed 1 April
        "capa_opened": 3,
        "capa_open": 2,  # the overdue CAPA and the SCAR
        "capa_overdue": 1,  # due 1 May, open on 10 July
        "capa_closed": 1,
        "actions_overdue": 1,  # the D5 action due 1 March
    }
    assert inputs["supplier_performance"]["nonconformities"] == 2
    assert inputs["supplier_performance"]["suppliers"] == [
        {"supplier": "SUP-X", "ncs": 2, "major": 1, "scars": 1, "scars_open": 1}
    ]
    assert inputs["audits"]["count"] == 1
    assert inputs["audits"]["by_status"] == {"in_progress": 1}
    assert inputs["audits"]["findings_by_kind"] == {"minor": 1, "observation": 1}
    objectives = {o["metric"]: o for o in inputs["objectives"]["items"]}
    assert set(objectives) == {
        "Module first-pass yield",
        "Customer complaint rate",
        "IQC lot acceptance rate",
    }
    assert objectives["Module first-pass yield"]["achieved"] is False  # 98.1 < 98.5
    assert objectives["Customer complaint rate"]["achieved"] is True  # 42 <= 50, lower better
    assert objectives["IQC lot acceptance rate"]["achieved"] is None
    assert (inputs["objectives"]["achieved"], inputs["objectives"]["missed"]) == (1, 1)


def test_a_group_review_counts_every_site(world: World) -> None:
    fixture(world)
    inputs = compile_inputs(make_review(world, None), NOW)
    assert inputs["customer_feedback"]["complaints"] == 2  # Hot spot (A) and Other site (B)
    assert inputs["objectives"]["count"] == 4


def test_the_snapshot_is_stored_and_frozen_once_held(world: World, client_for) -> None:
    fixture(world)
    review = make_review(world, "A")
    with pytest.raises(TransitionError) as err:
        transition(review, "hold", actor=world.user("cqo"))
    assert "Compile the inputs first." in str(err.value.message)
    response = client_for("eng_a").post(
        reverse("system:managementreview_compile", args=[review.pk])
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.compiled_at is not None
    assert review.inputs["customer_feedback"]["complaints"] == 1
    page = client_for("eng_a").get(review.get_absolute_url()).content.decode()
    assert "Hot spot" in page
    transition(review, "hold", actor=world.user("cqo"))
    make_nc(world, "A", source="customer", title="After the meeting")
    with pytest.raises(ValidationError) as err:
        compile_review(review, actor=world.user("cqo"))
    assert err.value.code == "review_frozen"
    review.refresh_from_db()
    assert review.inputs["customer_feedback"]["complaints"] == 1
    assert (
        client_for("eng_b")
        .post(reverse("system:managementreview_compile", args=[review.pk]))
        .status_code
        == 404
    )


def test_actions_are_tracked_to_closure(world: World) -> None:
    review = make_review(world, "A")
    cqo, eng_a = world.user("cqo"), world.user("eng_a")
    compile_review(review, actor=cqo)
    transition(review, "hold", actor=cqo)
    item = save_review_action(
        None,
        actor=cqo,
        review=review,
        decision="First-pass yield below target",
        action="Pareto of lamination rework",
        owner=eng_a,
        due_date=d(8, 1),
    )
    assert Notification.objects.filter(recipient=eng_a, title__contains=review.number).exists()
    with pytest.raises(TransitionError) as err:
        transition(review, "close", actor=cqo, password=PASSWORD, reason="done")
    assert "1 action(s) of this review are still open." in str(err.value.message)
    save_review_action(item, actor=eng_a, status="done")
    item.refresh_from_db()
    assert item.completed_at is not None
    transition(review, "close", actor=cqo, password=PASSWORD, reason="all done")
    review.refresh_from_db()
    assert review.status == "closed" and review.closed_at is not None
    with pytest.raises(ValidationError) as err:
        save_review_action(item, actor=eng_a, status="open")
    assert err.value.code == "review_closed"
    item.refresh_from_db()
    assert item.status == "done"


def test_only_group_roles_record_group_reviews(world: World, client_for, api_for) -> None:
    data = {
        "title": "Group review",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
    }
    page = client_for("eng_a").post(reverse("system:managementreview_add"), data)
    assert page.status_code == 400
    assert "Only people with a group-wide role" in page.content.decode()
    api = api_for("eng_a").post("/api/v1/system/management-reviews/", data, format="json")
    assert api.status_code == 400 and api.json()["error"]["code"] == "group_only"
    assert not ManagementReview.objects.exists()
    ok = api_for("cqo").post("/api/v1/system/management-reviews/", data, format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["number"].startswith("MR-GRP-")


def test_bad_periods_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        make_review(world, "A", period_end=d(1, 1, 2025))
    assert "period_end" in err.value.message_dict
    with pytest.raises(ValidationError):
        save_objective(
            None,
            actor=world.user("eng_a"),
            site=world.site_a,
            metric="Yield",
            target=Decimal("98"),
            period_start=d(6, 1),
            period_end=d(1, 1),
        )
    assert not ManagementReview.objects.exists() and not QualityObjective.objects.exists()


# --- scoping ----------------------------------------------------------------------------------


class TestQualityObjectiveScope(ScopedModelContract):
    model = QualityObjective
    api_prefix = "system/quality-objectives"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("unit", "ppm")

    def existing(self, world: World, place: str) -> Any:
        return save_objective(
            None,
            actor=world.user("cqo"),
            site=world.where(place),
            metric=f"OBJ-{place}",
            target=Decimal("98.5"),
            period_start=d(1, 1),
            period_end=d(12, 31),
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": world.where(place).pk,
            "metric": code,
            "unit": "%",
            "target": "98.5",
            "higher_is_better": True,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        }

    def created(self, code: str) -> Any:
        return QualityObjective.objects.filter(metric=code)

    def label(self, obj: Any) -> str:
        return obj.metric


class TestManagementReviewScope(ScopedModelContract):
    model = ManagementReview
    api_prefix = "system/management-reviews"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited review")

    def existing(self, world: World, place: str) -> Any:
        return make_review(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": world.where(place).pk,
            "title": code,
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
        }

    def created(self, code: str) -> Any:
        return ManagementReview.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestReviewActionScope(ScopedModelContract):
    model = ReviewAction
    api_prefix = "system/management-review-actions"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("action", "Edited action")

    def review(self, world: World, place: str) -> ManagementReview:
        found = ManagementReview.objects.filter(site=world.where(place)).first()
        return found or make_review(world, place)

    def existing(self, world: World, place: str) -> Any:
        return save_review_action(
            None,
            actor=world.user("cqo"),
            review=self.review(world, place),
            decision="Yield below target",
            action=f"ACT-{place}",
            owner=world.user("eng_a"),
            due_date=d(8, 1),
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "review": self.review(world, place).pk,
            "decision": "Yield below target",
            "action": code,
            "owner": world.user("eng_a").pk,
            "due_date": "2026-08-01",
            "status": "open",
        }

    def created(self, code: str) -> Any:
        return ReviewAction.objects.filter(action=code)

    def label(self, obj: Any) -> str:
        return obj.action


def test_compile_through_the_api(world: World, api_for) -> None:
    fixture(world)
    review = make_review(world, "A")
    url = f"/api/v1/system/management-reviews/{review.pk}/compile/"
    assert api_for("eng_b").post(url, {}, format="json").status_code == 404
    response = api_for("eng_a").post(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["inputs"]["customer_feedback"]["complaints"] == 1
    held = api_for("cqo").post(
        f"/api/v1/system/management-reviews/{review.pk}/transition/",
        {"action": "hold"},
        format="json",
    )
    assert held.json()["status"] == "held"
    frozen = api_for("eng_a").post(url, {}, format="json")
    assert frozen.status_code == 400 and frozen.json()["error"]["code"] == "review_frozen"
