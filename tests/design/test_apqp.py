"""APQP projects: five gates with configured deliverables, deliverable states computed from
the linked records, signed gate reviews, gate blocking (a gate cannot pass with deliverables
missing), scoping through UI and API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.core.services.attachments import add_attachment
from qdm.core.signatures import signature_is_intact
from qdm.core.workflow import transition
from qdm.design.models import ApqpDeliverable, ApqpGate, ApqpProject, GateReview, MsaStudy
from qdm.design.services.apqp import (
    DELIVERABLE_PLAN,
    create_project,
    evaluate,
    review_gate,
    save_deliverable,
)
from qdm.design.services.control_plan import publish, save_msa_study
from tests.design.builders import (
    make_characteristic,
    make_control_plan,
    make_cp_line,
    make_fmea,
    make_item,
    module_model,
    release_plan,
    released,
)
from tests.personas import PASSWORD, World
from tests.quality.test_msa import ROWS
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


def make_project(world: World, place: str = "A", **extra: Any) -> ApqpProject:
    fields = {
        "title": f"TOPCon glass-glass 620 W launch {place}",
        "product": module_model(),
        "site": world.where(place),
        "team": "Hao Wang, programme\nFang Li, quality",
        "start_date": date(2026, 1, 5),
        "launch_date": date(2026, 10, 5),
        **extra,
    }
    return create_project(actor=world.user("cqo"), **fields)


def gate(project: ApqpProject, phase: str) -> ApqpGate:
    return project.gates.get(phase=phase)


def sign_off(world: World, g: ApqpGate, decision: str = "pass", **extra: Any) -> GateReview:
    fields = {"password": PASSWORD, "reason": "Gate review board", **extra}
    return review_gate(g, actor=world.user("cqo"), decision=decision, **fields)


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"%PDF-1.7\n" + b"0" * 100, "application/pdf")


def complete_documents(world: World, g: ApqpGate) -> None:
    """Give every document-type deliverable of ``g`` a reference and an attachment."""
    for d in g.deliverables.filter(kind__in=["document", "qualification"]):
        d.reference = f"DOC-{d.pk}"
        save_deliverable(d, actor=world.user("cqo"))
        add_attachment(d, _pdf(), actor=world.user("cqo"))


def test_project_gets_five_gates_and_the_configured_deliverables(world: World) -> None:
    project = make_project(world)
    assert project.number.startswith("APQP-SA-")
    assert project.family == project.product.family  # filled from the module model
    assert list(project.gates.values_list("sequence", "phase")) == [
        (1, "plan"), (2, "product_design"), (3, "process_design"), (4, "validation"),
        (5, "launch"),
    ]  # fmt: skip
    for g in project.gates.all():
        kinds = list(g.deliverables.order_by("pk").values_list("kind", flat=True))
        assert kinds == [kind for kind, _title in DELIVERABLE_PLAN[g.phase]]
    # planned dates spread from start to start of production, the launch gate on SOP
    assert gate(project, "launch").planned_date == date(2026, 10, 5)
    assert project.current_gate == gate(project, "plan")


def test_project_bad_input_names_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        make_project(world, product=None)
    assert "Name the module model or the product family" in str(err.value.message_dict["product"])
    with pytest.raises(ValidationError) as err:
        make_project(world, launch_date=date(2025, 12, 1))
    assert "launch_date" in err.value.message_dict
    assert not ApqpProject.objects.exists()


def test_dfmea_deliverable_done_only_when_the_fmea_is_released(world: World) -> None:
    project = make_project(world)
    d = gate(project, "product_design").deliverables.get(kind="dfmea")
    assert evaluate(d).state == "missing"
    dfmea = make_fmea(world, kind="dfmea", title="Glass-glass module DFMEA")
    make_item(dfmea)
    d.fmea = dfmea
    save_deliverable(d, actor=world.user("cqo"))
    state = evaluate(d)
    assert (state.state, state.reason) == ("in_progress", f"{dfmea.number} is Draft, not released.")
    released(world, dfmea)
    assert evaluate(d).state == "done"
    # a PFMEA cannot stand for the DFMEA deliverable; the error names the field
    pfmea = make_fmea(world)
    d.fmea = pfmea
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert f"{pfmea.number} is not a Design FMEA" in err.value.message_dict["fmea"][0]


def test_control_plan_deliverable_needs_release_and_publication(world: World) -> None:
    project = make_project(world)
    d = gate(project, "process_design").deliverables.get(kind="control_plan")
    plan = make_control_plan(world)
    make_cp_line(plan, make_characteristic("LAM-GEL"))
    d.control_plan = plan
    save_deliverable(d, actor=world.user("cqo"))
    assert evaluate(d).state == "in_progress"
    release_plan(world, plan)
    assert "not published" in evaluate(d).reason
    publish(plan, actor=world.user("cqo"))
    assert evaluate(d).state == "done"
    # a control plan of another site is refused
    d.control_plan = make_control_plan(world, "B")
    with pytest.raises(ValidationError, match="belongs to another site"):
        save_deliverable(d, actor=world.user("cqo"))


def test_msa_capability_and_document_states(world: World) -> None:
    project = make_project(world)
    validation = gate(project, "validation")
    msa = validation.deliverables.get(kind="msa")
    # AIAG MSA 4th ed. ANOVA example: %GRR 27.86 %, ndc 4 (tests/quality/test_msa.py) — the
    # %GRR is acceptable-with-reason (≤ 30 %) but ndc 4 < 5, so the study is not done
    study = save_msa_study(
        MsaStudy(title="R&R", site=world.site_a, characteristic=make_characteristic("LAM-GEL"),
                 gauge="SX-02", data=[list(r) for r in ROWS], tolerance=5.0),
        actor=world.user("cqo"),
    )  # fmt: skip
    msa.msa_study = study
    save_deliverable(msa, actor=world.user("cqo"))
    state = evaluate(msa)
    assert state.state == "in_progress" and "ndc 4" in state.reason
    MsaStudy.objects.filter(pk=study.pk).update(ndc=6, pct_study_var_grr=12.0)
    msa.refresh_from_db()
    assert evaluate(msa).state == "done"

    cap = validation.deliverables.get(kind="capability")
    cap.characteristic = make_characteristic("MOD-PEEL")
    save_deliverable(cap, actor=world.user("cqo"))
    assert evaluate(cap).state == "in_progress"
    cap.cpk = 1.45  # below the PPAP preliminary Ppk 1.67
    save_deliverable(cap, actor=world.user("cqo"))
    assert evaluate(cap).reason == "MOD-PEEL: Cpk 1.45 < 1.67 (typed)."  # labelled as typed
    cap.cpk = 1.82
    save_deliverable(cap, actor=world.user("cqo"))
    assert evaluate(cap).state == "done"
    cap.fmea = make_fmea(world, kind="dfmea")
    with pytest.raises(ValidationError) as err:
        save_deliverable(cap, actor=world.user("cqo"))
    assert "does not link a FMEA" in err.value.message_dict["fmea"][0]

    qual = validation.deliverables.get(kind="qualification")
    assert "No qualification programme, certificate or external report" in evaluate(qual).reason
    qual.reference = "TÜV 2026-0415 IEC 61215"
    save_deliverable(qual, actor=world.user("cqo"))
    assert evaluate(qual).state == "in_progress"  # named, nothing attached
    add_attachment(qual, _pdf(), actor=world.user("cqo"))
    state = evaluate(qual)  # the fallback: an external report, labelled as such
    assert state.state == "done" and state.reason.startswith("External report: ")

    ppap = gate(project, "launch").deliverables.get(kind="ppap")
    ppap.reference = "PSW-620-01"
    save_deliverable(ppap, actor=world.user("cqo"))
    assert evaluate(ppap).state == "in_progress"
    ppap.accepted_on = date(2026, 9, 30)
    save_deliverable(ppap, actor=world.user("cqo"))
    assert evaluate(ppap).state == "done"


def test_gate_cannot_pass_with_deliverables_missing(world: World, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    project = make_project(world)
    plan_gate = gate(project, "plan")
    with pytest.raises(ValidationError) as err:
        sign_off(world, plan_gate)
    message = " ".join(err.value.messages)
    assert "cannot pass with deliverables missing" in message
    for title, _kind in [(t, k) for k, t in DELIVERABLE_PLAN["plan"]]:
        assert title in message  # every missing deliverable is named
    plan_gate.refresh_from_db()
    assert plan_gate.status == "open" and not GateReview.objects.exists()
    # the next gate cannot be reviewed before this one passed
    with pytest.raises(ValidationError, match="cannot be reviewed before gate"):
        sign_off(world, gate(project, "product_design"), "fail", comments="x")
    # a conditional pass still needs every deliverable started
    with pytest.raises(ValidationError, match="even with conditions"):
        sign_off(world, plan_gate, "conditional", conditions="c", conditions_due=date(2026, 3, 1))
    complete_documents(world, plan_gate)
    # a wrong password signs nothing
    with pytest.raises(ValidationError) as err:
        sign_off(world, plan_gate, password="wrong")
    assert "password" in err.value.message_dict
    assert not GateReview.objects.exists()
    review = sign_off(world, plan_gate)
    plan_gate.refresh_from_db()
    assert plan_gate.status == "passed" and review.decision == "pass"
    assert review.signature.meaning == "approved" and signature_is_intact(review.signature)
    assert {row["state"] for row in review.deliverables} == {"done"}
    assert project.current_gate.phase == "product_design"
    with pytest.raises(ValidationError, match="already passed"):
        sign_off(world, plan_gate)
    # a passed gate's deliverables are frozen
    d = plan_gate.deliverables.first()
    d.remarks = "late edit"
    with pytest.raises(ValidationError, match="has passed"):
        save_deliverable(d, actor=world.user("cqo"))


def test_conditional_pass_fail_and_launch(world: World, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    project = make_project(world)
    complete_documents(world, gate(project, "plan"))
    sign_off(world, gate(project, "plan"))
    design = gate(project, "product_design")
    dfmea = make_fmea(world, kind="dfmea")
    make_item(dfmea)
    d = design.deliverables.get(kind="dfmea")
    d.fmea = dfmea
    save_deliverable(d, actor=world.user("cqo"))
    complete_documents(world, design)
    with pytest.raises(ValidationError) as err:
        sign_off(world, design, "conditional")
    assert set(err.value.message_dict) == {"conditions", "conditions_due"}
    with pytest.raises(ValidationError) as err:
        sign_off(world, design, "fail")
    assert "comments" in err.value.message_dict
    review = sign_off(world, design, "conditional", conditions="Release the DFMEA",
                      conditions_due=date(2026, 4, 30))  # fmt: skip
    design.refresh_from_db()
    assert design.status == "conditional"
    assert [r["state"] for r in review.deliverables if r["kind"] == "dfmea"] == ["in_progress"]
    # conditional clears the way to the next gate, which can fail and be re-reviewed
    process = gate(project, "process_design")
    failed = sign_off(world, process, "fail", comments="PFMEA not started")
    assert failed.signature.meaning == "rejected"
    process.refresh_from_db()
    assert process.status == "failed"
    # launch: pass everything at once by making every remaining deliverable optional
    for phase in ("process_design", "validation", "launch"):
        g = gate(project, phase)
        g.deliverables.update(required=False)
        sign_off(world, g)
    project.refresh_from_db()
    assert project.status == "launched"


def test_review_through_api_and_ui(world: World, api_for, client_for) -> None:
    project = make_project(world)
    g = gate(project, "plan")
    url = f"/api/v1/design/apqp-gates/{g.pk}/review/"
    body = {"decision": "pass", "password": PASSWORD, "reason": "board"}
    response = api_for("cqo").post(url, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "deliverables_missing"
    assert "Design goals, reliability and quality targets" in error["message"]
    # eng_b may only view design records (403); eng_a on a site-B gate: out of scope, 404
    assert api_for("eng_b").post(url, body, format="json").status_code == 403
    other = gate(make_project(world, "B"), "plan")
    other.deliverables.update(required=False)
    out = api_for("eng_a").post(f"/api/v1/design/apqp-gates/{other.pk}/review/", body,
                                format="json")  # fmt: skip
    assert out.status_code == 404
    other.refresh_from_db()
    assert other.status == "open"
    # deliverables carry their computed state
    rows = api_for("cqo").get("/api/v1/design/apqp-deliverables/", {"gate__project": project.pk})
    assert {r["state"] for r in rows.json()["results"]} == {"missing"}
    # UI: the timeline shows the five gates; the review page names what is missing
    page = client_for("eng_a").get(project.get_absolute_url()).content.decode()
    for phase in ("plan", "product_design", "process_design", "validation", "launch"):
        assert f'data-testid="gate-{phase}"' in page
    assert 'data-state="missing"' in page
    review_url = f"/design/apqp-gates/{g.pk}/review/"
    response = client_for("eng_a").post(review_url, body)
    assert response.status_code == 400
    assert "cannot pass with deliverables missing" in response.content.decode()
    assert client_for("eng_a").get(f"/design/apqp-gates/{other.pk}/review/").status_code == 404
    g.refresh_from_db()
    assert g.status == "open" and not GateReview.objects.exists()
    g.deliverables.update(required=False)
    response = client_for("eng_a").post(review_url, body)
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.status == "passed"
    review = api_for("cqo").get("/api/v1/design/gate-reviews/").json()["results"][0]
    assert review["decision"] == "pass" and review["signature"]


def test_deliverable_api_refuses_a_wrong_link(world: World, api_for) -> None:
    project = make_project(world)
    d = gate(project, "process_design").deliverables.get(kind="pfmea")
    dfmea = make_fmea(world, kind="dfmea")
    response = api_for("cqo").patch(
        f"/api/v1/design/apqp-deliverables/{d.pk}/", {"fmea": dfmea.pk}, format="json"
    )
    assert response.status_code == 400
    assert "is not a Process FMEA" in response.json()["error"]["message"]
    d.refresh_from_db()
    assert d.fmea is None


class TestApqpProjectScope(ScopedModelContract):
    model = ApqpProject
    api_prefix = "design/apqp-projects"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("title", "Edited APQP title")

    def existing(self, world: World, place: str) -> Any:
        return make_project(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "title": code,
            "product": module_model().pk,
            "site": world.where(place).pk,
            "start_date": "2026-01-05",
            "launch_date": "2026-10-05",
        }

    def created(self, code: str) -> Any:
        return ApqpProject.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestApqpDeliverableScope(ScopedModelContract):
    model = ApqpDeliverable
    api_prefix = "design/apqp-deliverables"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("title", "Edited deliverable")

    def existing(self, world: World, place: str) -> Any:
        project = make_project(world, place)
        return gate(project, "launch").deliverables.get(kind="ppap")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        # a project without deliverables, so that the count of deliverables is untouched
        bare = ApqpGate.objects.filter(project__site=world.where(place), phase="validation")
        target = bare.first() or ApqpGate.objects.create(
            project=ApqpProject.objects.create(
                number=f"APQP-T-{place}", title="Bare", product=module_model(),
                site=world.where(place), start_date=date(2026, 1, 1),
                launch_date=date(2026, 6, 1), created_by=world.user("cqo"),
            ),
            phase="validation", sequence=4,
        )  # fmt: skip
        return {
            "gate": target.pk,
            "kind": "document",
            "title": code,
            "required": True,
            "cpk_target": 1.67,
        }

    def created(self, code: str) -> Any:
        return ApqpDeliverable.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.gate.project.number


def test_cancelled_project_refuses_reviews(world: World) -> None:
    project = make_project(world)
    transition(project, "cancel", actor=world.user("cqo"))
    gate(project, "plan").deliverables.update(required=False)
    with pytest.raises(ValidationError, match="Cancelled"):
        sign_off(world, gate(project, "plan"))


def test_demo_project_is_mid_way(settings, tmp_path) -> None:
    from qdm.core.demo import build_kernel
    from qdm.data.seeds import seed_all
    from qdm.design import demo
    from qdm.design.demo_apqp import APQP_TITLE, build_apqp

    settings.MEDIA_ROOT = tmp_path
    ctx = build_kernel(scale="small", seed=7)
    seed_all(ctx.sites, ctx.customers)
    demo.build(ctx)
    project = ApqpProject.objects.get(title=APQP_TITLE)
    states = dict(project.gates.values_list("phase", "status"))
    assert states == {
        "plan": "passed", "product_design": "passed", "process_design": "conditional",
        "validation": "open", "launch": "open",
    }  # fmt: skip
    assert project.current_gate.phase == "validation" and project.status == "active"
    validation = {d.kind: evaluate(d).state for d in gate(project, "validation").deliverables.all()}
    assert validation["msa"] == "done"  # the demo gel study: %GRR < 30 %, ndc ≥ 5
    assert validation["capability"] == "in_progress"  # Ppk 1.52 < 1.67
    # the IEC 61215 report: the demo's completed, passed programme of the TOPCon family
    from qdm.design.demo_qualification import CHANGE_TITLE, TITLE_61215
    from qdm.design.services.apqp import change_warnings

    report = gate(project, "validation").deliverables.get(kind="qualification")
    assert report.programme.title == TITLE_61215
    assert validation["qualification"] == "done"
    # the demo's open encapsulant change lists that programme: the project page warns
    warnings = change_warnings(project, ctx.users["cqo"])
    assert {w["change"].title for w in warnings} == {CHANGE_TITLE}
    assert any(report in w["deliverables"] for w in warnings)
    with pytest.raises(ValidationError, match="cannot pass with deliverables missing"):
        review_gate(gate(project, "validation"), actor=ctx.users["cqo"], decision="pass",
                    password="x", reason="x")  # fmt: skip
    # the module-line PFMEA got its structure net, every row attached, integrity clean
    from qdm.design.models import Fmea
    from qdm.design.services.fmea import net_integrity

    pfmea = Fmea.objects.filter(title=demo.PFMEA_TITLE, status="draft").latest("revision")
    assert set(pfmea.nodes.values_list("kind", flat=True)) == {
        "process_item", "process_step", "work_element",
    }  # fmt: skip
    assert not pfmea.items.filter(net_mode__isnull=True).exists()
    assert net_integrity(pfmea) == []
    nodes = pfmea.nodes.count()
    build_apqp(ctx)  # idempotent
    assert ApqpProject.objects.filter(title=APQP_TITLE).count() == 1
    assert pfmea.nodes.count() == nodes


def test_gate_and_review_pages(world: World, client_for, api_for) -> None:
    project = make_project(world)
    g = gate(project, "plan")
    g.deliverables.update(required=False)
    review = sign_off(world, g, comments="all optional")
    client = client_for("eng_a")
    for url in ("/design/apqp-gates/", "/design/gate-reviews/", g.get_absolute_url(),
                review.get_absolute_url(), g.deliverables.first().get_absolute_url(),
                "/design/apqp-projects/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        'data-testid="deliverable-state"'
        in client.get(g.deliverables.first().get_absolute_url()).content.decode()
    )
    # gates cannot be created or deleted through the API; reviews are read-only
    api = api_for("cqo")
    assert api.post("/api/v1/design/apqp-gates/", {}, format="json").status_code == 405
    deleted = api_for("eng_a").delete(f"/api/v1/design/gate-reviews/{review.pk}/")
    assert deleted.status_code == 405 and GateReview.objects.filter(pk=review.pk).exists()
    # the out-of-scope persona sees none of them
    assert client_for("eng_b").get(g.get_absolute_url()).status_code == 404
