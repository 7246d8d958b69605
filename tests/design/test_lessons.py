"""Lessons learned: occurrence/detection mapping, the 8D → FMEA review-task scan (trigger on
closure, idempotent), accept (into a draft revision) and reject, refusals that change
nothing, and scoping of review tasks."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from qdm.core.workflow import transition
from qdm.design.lessons import (
    FmeaReference,
    occurrence_from_cpk,
    occurrence_from_ppm,
    parse_reference,
    proposed_detection,
    proposed_occurrence,
)
from qdm.design.models import Fmea, FmeaItem, FmeaReviewTask
from qdm.design.services.lessons import (
    accept_task,
    reject_task,
    review_required,
    scan_closed_capas,
    set_evidence,
)
from qdm.system.models import CapaAction
from tests.design.builders import make_fmea, make_item, released
from tests.personas import PASSWORD, World
from tests.scoping import ScopedModelContract
from tests.system.builders import action, make_capa, ready_to_close

# --- mapping: expected values read off the AIAG-VDA PFMEA occurrence table
# (incidents per 1,000 items: 100→10, 50→9, 20→8, 10→7, 2→6, 0.5→5, 0.1→4, 0.01→3,
# <0.001→2) with 1 per 1,000 = 1,000 ppm.


@pytest.mark.parametrize(
    ("ppm", "rating"),
    [
        (150_000, 10),
        (100_000, 10),  # 100 per 1,000
        (99_999, 9),
        (50_000, 9),  # 50 per 1,000
        (20_000, 8),  # 20 per 1,000
        (10_000, 7),  # 10 per 1,000
        (9_999, 6),
        (2_000, 6),  # 2 per 1,000
        (500, 5),  # 0.5 per 1,000
        (499, 4),
        (100, 4),  # 0.1 per 1,000
        (10, 3),  # 0.01 per 1,000
        (1, 3),  # documented: 1-10 ppm rated 3 (conservative)
        (Decimal("0.5"), 2),  # < 0.001 per 1,000
        (0, None),
        (None, None),
    ],
)
def test_occurrence_from_ppm(ppm: Any, rating: int | None) -> None:
    assert occurrence_from_ppm(ppm) == rating


def test_negative_ppm_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        occurrence_from_ppm(-1)


@pytest.mark.parametrize(
    ("cpk", "rating"),
    # AIAG FMEA 4th ed. PFMEA occurrence table, Ppk column
    [(0.4, 10), (0.55, 9), (0.8, 8), (0.9, 7), (0.95, 6), (1.0, 5), (1.1, 4), (1.2, 3),
     (1.33, 2), (1.67, 1), (2.1, 1), (None, None)],
)  # fmt: skip
def test_occurrence_from_cpk(cpk: Any, rating: int | None) -> None:
    assert occurrence_from_cpk(cpk) == rating


def test_proposal_is_the_worst_evidence() -> None:
    # field 600 ppm → 5, internal 30 ppm → 3, Cpk 0.9 → 7: worst is 7
    assert proposed_occurrence(field_ppm=600, internal_ppm=30, cpk=0.9) == 7
    assert proposed_occurrence(field_ppm=600, internal_ppm=30) == 5
    assert proposed_occurrence() is None
    assert proposed_detection(4, escaped=True) == 7
    assert proposed_detection(9, escaped=True) == 9
    assert proposed_detection(4, escaped=False) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FMEA-CN01-2026-0003 #4", FmeaReference("FMEA-CN01-2026-0003", 4)),
        ("fmea-cn01-2026-0003 row 12", FmeaReference("FMEA-CN01-2026-0003", 12)),
        ("FMEA-GRP-2026-0001/2", FmeaReference("FMEA-GRP-2026-0001", 2)),
        ("FMEA-CN01-2026-0003", FmeaReference("FMEA-CN01-2026-0003", None)),
        ("update the FMEA", None),
        ("", None),
    ],
)
def test_parse_reference(text: str, expected: FmeaReference | None) -> None:
    assert parse_reference(text) == expected


# --- the loop


def closed_8d(world: World, reference: str, *, cause_type: str = "occurrence") -> Any:
    capa, closer = ready_to_close(world)
    cause = capa.root_causes.first()
    cause.cause_type = cause_type
    cause.save()
    action(
        capa,
        "d7",
        capa.champion,
        description="Update PFMEA with the field failure rate",
        prevention_target="fmea",
        reference=reference,
        root_cause=cause,
    )
    transition(capa, "close", actor=closer, password=PASSWORD, reason="Effective")
    capa.refresh_from_db()
    assert capa.status == "closed"
    return capa


def test_closed_8d_creates_a_rerate_task_once(world: World) -> None:
    fmea = make_fmea(world)
    make_item(fmea, s=8, o=3, d=4)
    fmea = released(world, fmea)
    assert not review_required(fmea)
    capa = closed_8d(world, f"{fmea.number} #1", cause_type="escape")
    first = scan_closed_capas()
    assert [t.capa for t in first.created] == [capa]
    task = first.created[0]
    assert (task.kind, task.row, task.current_occurrence, task.current_detection) == (
        "rerate", 1, 3, 4,
    )  # fmt: skip
    assert task.proposed_detection == 7  # escape: D no better than 7
    assert task.proposed_occurrence is None  # no rate data yet
    assert "Float line speed drift" in task.evidence
    assert review_required(fmea)
    again = scan_closed_capas()
    assert (again.created, again.existing) == ([], 1)
    assert FmeaReviewTask.objects.count() == 1


def test_open_8d_is_ignored_and_unknown_reference_reported(world: World) -> None:
    capa, _closer = ready_to_close(world)
    action(capa, "d7", capa.champion, prevention_target="fmea", reference="FMEA-XX-2026-9999 #1")
    assert scan_closed_capas().created == []  # not closed yet
    CapaAction.objects.filter(capa=capa).update(reference="FMEA-XX-2026-9999 #1")
    type(capa).objects.filter(pk=capa.pk).update(status="closed")
    result = scan_closed_capas()
    assert result.created == [] and "FMEA-XX-2026-9999" in result.unmatched[0]


def test_accept_rerate_goes_into_a_new_draft_revision(world: World) -> None:
    fmea = make_fmea(world)
    make_item(fmea, s=8, o=3, d=4)
    fmea = released(world, fmea)
    closed_8d(world, f"{fmea.number} #1")
    task = scan_closed_capas().created[0]
    eng = world.user("eng_a")
    # 600 ppm field → 5 ; Cpk 0.9 → 7 (see the mapping tests)
    set_evidence(task, actor=eng, field_ppm=Decimal("600"), cpk=Decimal("0.90"), escape_count=2)
    assert (task.proposed_occurrence, task.proposed_detection) == (7, 7)
    accept_task(task, actor=eng, reason="Field data confirms")
    task.refresh_from_db()
    assert task.status == "accepted" and task.applied_to.revision == 2
    assert task.applied_to.status == "draft"
    row = task.applied_to.items.get(position=1)
    assert (row.occurrence, row.detection) == (7, 7)
    # AP recomputed by the AIAG-VDA table: S8 O7 D7 is H for a PFMEA
    assert row.action_priority == "H"
    assert fmea.items.get().occurrence == 3  # the released revision is untouched
    assert not review_required(fmea)


def test_new_chain_for_a_failure_mode_no_fmea_contains(world: World) -> None:
    fmea = make_fmea(world)  # a draft: the change goes in place
    make_item(fmea)
    closed_8d(world, fmea.number)
    task = scan_closed_capas().created[0]
    assert task.kind == "new_chain" and task.row == 0
    eng = world.user("eng_a")
    with pytest.raises(ValidationError) as err:
        accept_task(task, actor=eng, occurrence=5, detection=6)
    assert "severity" in err.value.message_dict
    assert fmea.items.count() == 1 and FmeaReviewTask.objects.get().status == "open"
    accept_task(
        task, actor=eng, severity=7, occurrence=5, detection=6,
        focus_element="Glass incoming", failure_effect="Breakage in the field",
    )  # fmt: skip
    added = fmea.items.get(position=2)
    assert (added.failure_mode, added.severity) == ("Front glass 2.94 mm", 7)
    assert added.failure_cause == "Float line speed drift at supplier"


def test_refusals_change_nothing(world: World) -> None:
    fmea = make_fmea(world)
    make_item(fmea, s=8, o=3, d=4)
    fmea = released(world, fmea)
    closed_8d(world, f"{fmea.number} #1")
    task = scan_closed_capas().created[0]
    eng = world.user("eng_a")
    with pytest.raises(ValidationError, match="whole number from 1 to 10"):
        accept_task(task, actor=eng, occurrence=11, detection=5)
    with pytest.raises(PermissionDenied):
        accept_task(task, actor=world.user("eng_b"), occurrence=5, detection=5)
    with pytest.raises(ValidationError) as err:
        reject_task(task, actor=eng, reason=" ")
    assert "reason" in err.value.message_dict
    assert Fmea.objects.filter(number=fmea.number).count() == 1  # no revision half-made
    task.refresh_from_db()
    assert task.status == "open"
    reject_task(task, actor=eng, reason="Cause was a one-off supplier lot")
    with pytest.raises(ValidationError, match="already Rejected"):
        accept_task(task, actor=eng, occurrence=5, detection=5)
    assert FmeaItem.objects.get().occurrence == 3


def test_fmea_in_review_must_go_back_to_draft(world: World) -> None:
    fmea = make_fmea(world)
    make_item(fmea)
    closed_8d(world, f"{fmea.number} #1")
    task = scan_closed_capas().created[0]
    transition(fmea, "submit", actor=world.user("cqo"))
    with pytest.raises(ValidationError, match="return it to draft"):
        accept_task(task, actor=world.user("eng_a"), occurrence=5, detection=5)
    assert FmeaItem.objects.get().occurrence == 4


def test_command_is_idempotent(world: World, capsys: Any) -> None:
    fmea = make_fmea(world)
    make_item(fmea)
    fmea = released(world, fmea)
    closed_8d(world, f"{fmea.number} #1")
    call_command("fmea", "lessons")
    assert "1 review task(s) created" in capsys.readouterr().out
    call_command("fmea", "lessons")
    assert "0 review task(s) created, 1 already existed" in capsys.readouterr().out
    call_command("fmea", "lessons", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload == {"created": [], "existing": 1, "unmatched": []}


def test_ui_shows_review_required_and_accepts(world: World, client_for) -> None:
    fmea = make_fmea(world)
    make_item(fmea, s=8, o=3, d=4)
    fmea = released(world, fmea)
    closed_8d(world, f"{fmea.number} #1")
    client = client_for("eng_a")
    response = client.post(reverse("design:fmea_lessons_scan"))
    assert response.status_code == 302
    task = FmeaReviewTask.objects.get()
    page = client.get(fmea.get_absolute_url()).content.decode()
    assert 'data-testid="fmea-review-required"' in page and task.capa.number in page
    assert (
        client_for("eng_b")
        .post(reverse("design:fmeareviewtask_decide", args=[task.pk]), {"decision": "reject"})
        .status_code
        == 404
    )  # out of scope: nothing changes
    bad = client.post(
        reverse("design:fmeareviewtask_decide", args=[task.pk]),
        {"decision": "accept", "occurrence": "x", "detection": "5"},
    )
    assert bad.status_code == 302 and FmeaReviewTask.objects.get().status == "open"
    ok = client.post(
        reverse("design:fmeareviewtask_decide", args=[task.pk]),
        {"decision": "accept", "occurrence": "6", "detection": "5"},
    )
    task.refresh_from_db()
    assert ok["Location"] == task.applied_to.get_absolute_url()
    assert (task.status, task.applied_to.revision) == ("accepted", 2)
    page = client.get(fmea.get_absolute_url()).content.decode()
    assert 'data-testid="fmea-review-required"' not in page


def test_api_evidence_accept_and_refusals(world: World, api_for) -> None:
    fmea = make_fmea(world)
    make_item(fmea, s=8, o=3, d=4)
    closed_8d(world, f"{fmea.number} #1")
    task = scan_closed_capas().created[0]
    api = api_for("eng_a")
    url = f"/api/v1/design/fmea-review-tasks/{task.pk}/"
    response = api.patch(url, {"field_ppm": "12000"}, format="json")
    # 12,000 ppm ≥ 10,000 (10 per 1,000) → O 7
    assert response.status_code == 200 and response.json()["proposed_occurrence"] == 7
    refused = api.post(url + "reject/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "error" in refused.json()
    assert api.post("/api/v1/design/fmea-review-tasks/", {}, format="json").status_code == 403
    response = api.post(url + "accept/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    assert fmea.items.get().occurrence == 7  # a draft: changed in place


class TestReviewTaskScope(ScopedModelContract):
    """Tasks follow their FMEA's site. Nobody creates one by hand (the scan does) and
    nobody deletes one; design engineers and the CQO record evidence (the edit)."""

    model = FmeaReviewTask
    api_prefix = "design/fmea-review-tasks"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add: dict[str, set[str]] = {}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("escape_count", 3)

    def existing(self, world: World, place: str) -> Any:
        fmea = make_fmea(world, place)
        make_item(fmea)
        capa = make_capa(world, place)
        return FmeaReviewTask.objects.create(
            fmea=fmea, fmea_number=fmea.number, row=1, kind="rerate", capa=capa
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"field_ppm": "120", "escape_count": 1, "evidence": code}

    def created(self, code: str) -> Any:
        return FmeaReviewTask.objects.filter(evidence=code)

    def label(self, obj: Any) -> str:
        return obj.fmea_number

    @pytest.mark.parametrize("persona", ["eng_a", "cqo", "eng_b", "supplier_x", "outsider"])
    def test_delete(self, world: World, client_for, api_for, persona: str) -> None:
        for place in self.places:
            obj = self.existing(world, place)
            response = client_for(persona).post(self.url("delete", obj.pk))
            assert response.status_code in (302, 403, 404)  # 302: "kept as records" message
            assert api_for(persona).delete(self.api(obj.pk)).status_code in (403, 404, 409)
            assert FmeaReviewTask.objects.filter(pk=obj.pk).exists()
