"""Control plans: generation from a PFMEA, release, publication to manufacturing (inspection
plan + SPC chart), the "no live control" report, locking, scoping; MSA studies."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from qdm.core.workflow import TransitionError, transition
from qdm.design.models import ControlPlan, ControlPlanLine, MsaStudy
from qdm.design.services.control_plan import (
    generate_from_pfmea,
    no_live_control,
    publish,
    save_line,
    save_msa_study,
)
from qdm.manufacturing.models import InspectionPlan, SpcChartConfig
from tests.design.builders import (
    make_characteristic,
    make_control_plan,
    make_cp_line,
    make_fmea,
    make_item,
    module_model,
    release_plan,
)
from tests.personas import PASSWORD, World
from tests.quality.test_msa import ROWS
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


def pfmea_with_chains(world: World) -> Any:
    fmea = make_fmea(world, "A", product=module_model())
    gel = make_characteristic("LAM-GEL", special="SC")
    peel = make_characteristic("MOD-PEEL")
    make_item(
        fmea, 8, 4, 5, characteristic=gel, focus_element="Lamination",
        lower_level="Laminator L1", prevention_controls="Recipe lock",
        detection_controls="Gel content per shift", failure_mode="Under-cured EVA",
    )  # fmt: skip
    make_item(
        fmea, 9, 3, 4, characteristic=gel, special_class="CC", focus_element="Lamination",
        prevention_controls="Platen temperature PM", detection_controls="Peel test",
        failure_mode="Delamination in damp heat",
    )  # fmt: skip
    make_item(fmea, 6, 3, 3, characteristic=peel, four_m="man", prevention_controls="")
    make_item(fmea, 5, 2, 2)  # no characteristic: no control-plan line
    return fmea


def test_generate_from_pfmea_one_line_per_characteristic(world: World) -> None:
    fmea = pfmea_with_chains(world)
    plan = generate_from_pfmea(fmea, actor=world.user("cqo"), phase="pre_launch", line=world.line_a)
    assert plan.number.startswith("CP-SA-") and plan.status == "draft" and plan.fmea == fmea
    lines = {ln.characteristic.code: ln for ln in plan.lines.all()}
    assert set(lines) == {"LAM-GEL", "MOD-PEEL"}
    gel = lines["LAM-GEL"]
    assert gel.process_step == "Lamination" and gel.machine == "Laminator L1"
    assert gel.special_class == "CC"  # the CC cause wins over the catalog's SC
    assert gel.evaluation_technique == "Gel content per shift; Peel test"
    assert gel.control_method == "Recipe lock; Platen temperature PM"
    assert gel.chart_type == "imr" and gel.sample_size == 1
    peel = lines["MOD-PEEL"]
    assert peel.machine == "" and peel.chart_type == "" and peel.control_method == "-"
    assert peel.reaction_plan


def test_generate_refuses_dfmea_and_fmea_without_characteristics(world: World) -> None:
    dfmea = make_fmea(world, "A", kind="dfmea")
    with pytest.raises(ValidationError, match="process FMEA"):
        generate_from_pfmea(dfmea, actor=world.user("cqo"), phase="production")
    bare = make_fmea(world, "A")
    make_item(bare)
    with pytest.raises(ValidationError, match="no failure chain tied to a catalog"):
        generate_from_pfmea(bare, actor=world.user("cqo"), phase="production")
    assert not ControlPlan.objects.exists()


def test_release_needs_lines_and_signature_then_locks(world: World) -> None:
    plan = make_control_plan(world)
    with pytest.raises(TransitionError):
        transition(plan, "release", actor=world.user("cqo"), password=PASSWORD, reason="x")
    line = make_cp_line(plan, make_characteristic("LAM-GEL"))
    with pytest.raises(TransitionError):
        transition(plan, "release", actor=world.user("cqo"), password="wrong", reason="x")
    plan.refresh_from_db()
    assert plan.status == "draft"
    release_plan(world, plan)
    assert plan.status == "released" and plan.released_at
    line.specification = "changed"
    with pytest.raises(ValidationError, match="released and can no longer be changed"):
        save_line(line, actor=world.user("cqo"))
    line.refresh_from_db()
    assert line.specification == "gel content 75 – 95 %"


def test_line_validation_names_the_problem(world: World) -> None:
    plan = make_control_plan(world)
    char = make_characteristic("LAM-GEL")
    with pytest.raises(ValidationError) as exc:
        make_cp_line(plan, char, chart_type="xbar-r", sample_size=1)
    assert "2 to 25" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        make_cp_line(plan, char, frequency="hours")
    assert "every how many hours" in str(exc.value)
    no_line = make_control_plan(world, line=None)
    with pytest.raises(ValidationError, match="line first"):
        make_cp_line(no_line, char, chart_type="imr")
    assert not ControlPlanLine.objects.exists()


def test_publish_creates_then_updates_inspection_plan_and_chart(world: World) -> None:
    plan = make_control_plan(world)
    gel = make_characteristic("LAM-GEL")
    make_cp_line(plan, gel, chart_type="imr")
    make_cp_line(plan, make_characteristic("MOD-PEEL"), sequence=20, sample_size=3)
    with pytest.raises(ValidationError, match="Only a released control plan"):
        publish(plan, actor=world.user("cqo"))
    assert not InspectionPlan.objects.exists()
    release_plan(world, plan)

    done = publish(plan, actor=world.user("cqo"))
    ip = done.inspection_plan
    assert (ip.code, ip.version, ip.status, ip.stage) == (plan.number, 1, "draft", "ipqa")
    assert ip.site == world.site_a and ip.module_model == plan.product
    rows = {ln.characteristic.code: ln for ln in ip.lines.all()}
    assert set(rows) == {"LAM-GEL", "MOD-PEEL"}
    assert rows["MOD-PEEL"].sample_size == 3 and rows["MOD-PEEL"].frequency == "per_shift"
    assert rows["LAM-GEL"].method == "Soxhlet extraction"
    [chart] = done.charts
    assert (chart.characteristic, chart.line, chart.chart_type, chart.status) == (
        gel, world.line_a, "imr", "draft",
    )  # fmt: skip
    plan.refresh_from_db()
    assert plan.published_at

    # idempotent: same draft plan, same chart
    again = publish(plan, actor=world.user("cqo"))
    assert again.inspection_plan.pk == ip.pk and again.charts[0].pk == chart.pk
    assert InspectionPlan.objects.count() == 1 and SpcChartConfig.objects.count() == 1

    # manufacturing released it: publishing makes version 2 (a draft)
    transition(ip, "release", actor=world.user("cqo"), password=PASSWORD, reason="ok")
    v2 = publish(plan, actor=world.user("cqo")).inspection_plan
    assert (v2.code, v2.version, v2.status) == (plan.number, 2, "draft")
    assert v2.lines.count() == 2


def test_no_live_control_report(world: World) -> None:
    plan = make_control_plan(world)
    gel = make_characteristic("LAM-GEL")
    make_cp_line(plan, gel, chart_type="imr")
    make_cp_line(plan, make_characteristic("MOD-PEEL"), sequence=20)
    draft = make_control_plan(world)  # a draft plan's lines are not reported
    make_cp_line(draft, make_characteristic("MOD-EL"))
    user = world.user("cqo")
    assert no_live_control(user) == []
    release_plan(world, plan)
    gaps = {g.line.characteristic.code: g for g in no_live_control(user)}
    assert set(gaps) == {"LAM-GEL", "MOD-PEEL"}
    assert gaps["LAM-GEL"].missing_inspection and gaps["LAM-GEL"].missing_chart
    assert gaps["MOD-PEEL"].missing_inspection and not gaps["MOD-PEEL"].missing_chart

    done = publish(plan, actor=user)  # drafts in manufacturing are not live yet
    assert len(no_live_control(user)) == 2
    transition(done.inspection_plan, "release", actor=user, password=PASSWORD, reason="ok")
    gaps = no_live_control(user)
    assert [(g.line.characteristic.code, g.missing_inspection, g.missing_chart) for g in gaps] == [
        ("LAM-GEL", False, True)
    ]
    # manufacturing froze the chart's limits (status active)
    SpcChartConfig.objects.filter(pk=done.charts[0].pk).update(status="active")
    assert no_live_control(user) == []
    # scoped: an engineer of site B sees none of site A's lines
    SpcChartConfig.objects.update(status="draft")
    assert no_live_control(world.user("eng_b")) == []
    assert len(no_live_control(world.user("eng_a"))) == 1


def test_publish_and_report_through_api_and_ui(world: World, api_for, client_for) -> None:
    plan = make_control_plan(world)
    make_cp_line(plan, make_characteristic("LAM-GEL"), chart_type="imr")
    release_plan(world, plan)
    api = api_for("cqo")
    response = api.post(f"/api/v1/design/control-plans/{plan.pk}/publish/")
    assert response.status_code == 200, response.content
    assert response.json()["inspection_plan_code"] == plan.number
    report = api.get("/api/v1/design/control-plans/no-live-control/").json()
    assert report == [
        {
            "line": plan.lines.get().pk,
            "plan": plan.number,
            "characteristic": "LAM-GEL",
            "missing_inspection": True,
            "missing_chart": True,
        }
    ]
    page = client_for("cqo").get("/design/control-plans/no-live-control/")
    assert page.status_code == 200 and "LAM-GEL" in page.content.decode()
    # eng_b may only view design records: publishing is refused, nothing changes
    before = InspectionPlan.objects.count()
    response = api_for("eng_b").post(f"/api/v1/design/control-plans/{plan.pk}/publish/")
    assert response.status_code in (403, 404)
    assert InspectionPlan.objects.count() == before


def test_generate_through_api(world: World, api_for) -> None:
    fmea = pfmea_with_chains(world)
    response = api_for("eng_a").post(
        "/api/v1/design/control-plans/from-fmea/", {"fmea": fmea.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert ControlPlan.objects.get(pk=response.json()["id"]).lines.count() == 2
    response = api_for("eng_b").post(
        "/api/v1/design/control-plans/from-fmea/", {"fmea": fmea.pk}, format="json"
    )
    assert response.status_code in (403, 404)
    assert ControlPlan.objects.count() == 1


def test_msa_study_computes_aiag_results_and_refuses_bad_data(world: World) -> None:
    # AIAG MSA 4th ed. ANOVA example (expected values and source in tests/quality/test_msa.py)
    study = MsaStudy(
        title="Gel content Soxhlet R&R",
        site=world.site_a,
        characteristic=make_characteristic("LAM-GEL"),
        gauge="Soxhlet extractor SX-02",
        data=[list(r) for r in ROWS],
        tolerance=5.0,
    )
    save_msa_study(study, actor=world.user("cqo"))
    study.refresh_from_db()
    assert study.grr == pytest.approx(0.302373, abs=2e-6) and study.ndc == 4
    assert study.pct_study_var_grr == pytest.approx(27.86, abs=0.01)
    assert study.verdict == "Marginal"
    bad = MsaStudy(
        title="bad", site=world.site_a, characteristic=study.characteristic, gauge="g",
        data=[list(r) for r in ROWS[:-1]],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="unbalanced"):
        save_msa_study(bad, actor=world.user("cqo"))
    assert MsaStudy.objects.count() == 1


class TestControlPlanScope(ScopedModelContract):
    model = ControlPlan
    api_prefix = "design/control-plans"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_control_plan(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        from tests.design.builders import module_model

        return {
            "phase": "production",
            "title": code,
            "product": module_model().pk,
            "process": "Lamination",
            "site": world.where(place).pk,
        }

    def created(self, code: str) -> Any:
        return ControlPlan.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestMsaStudyScope(ScopedModelContract):
    model = MsaStudy
    api_prefix = "design/msa-studies"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("gauge", "Caliper CL-9")

    def existing(self, world: World, place: str) -> Any:
        char = make_characteristic(f"MSA-{place}")
        study = MsaStudy(
            title=f"Gauge study {place}", site=world.where(place), characteristic=char,
            gauge="Soxhlet SX-01", data=[list(r) for r in ROWS],
        )  # fmt: skip
        return save_msa_study(study, actor=world.user("cqo"))

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        char = make_characteristic(f"C-{code}"[:30])
        return {
            "title": code,
            "site": world.where(place).pk,
            "characteristic": char.pk,
            "gauge": "Soxhlet SX-01",
            "method": "anova",
            "study_date": "2026-11-20",
            "data": "\n".join(f"{p},{o},{v}" for p, o, v in ROWS),
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = self.form_data(world, place, code)
        data["data"] = [list(r) for r in ROWS]
        return data

    def created(self, code: str) -> Any:
        return MsaStudy.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.title


class TestControlPlanLineScope(ScopedModelContract):
    model = ControlPlanLine
    api_prefix = "design/control-plan-lines"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "cqo": {"A", "B"}}
    can_delete = {"eng_a": {"A"}}
    change = ("specification", "gel content 80 – 95 %")

    def existing(self, world: World, place: str) -> Any:
        plan = make_control_plan(world, place)
        return make_cp_line(plan, make_characteristic(f"GEL-{place}"), process_step=f"Step{place}")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        plan = make_control_plan(world, place)
        return {
            "plan": plan.pk,
            "sequence": 10,
            "process_step": code,
            "machine": "Laminator L1",
            "characteristic": make_characteristic(f"C-{code}"[:30]).pk,
            "special_class": "SC",
            "specification": "75 – 95 %",
            "evaluation_technique": "Soxhlet",
            "sample_size": 1,
            "frequency": "per_shift",
            "control_method": "Recipe lock",
            "chart_type": "",
            "reaction_plan": "Hold",
        }

    def created(self, code: str) -> Any:
        return ControlPlanLine.objects.filter(process_step=code)

    def label(self, obj: Any) -> str:
        return obj.process_step


def test_generate_and_publish_buttons_in_the_ui(world: World, client_for) -> None:
    fmea = pfmea_with_chains(world)
    client = client_for("eng_a")
    page = client.get(fmea.get_absolute_url()).content.decode()
    assert 'data-testid="generate-control-plan"' in page
    response = client.post(f"/design/fmeas/{fmea.pk}/control-plan/", {"phase": "prototype"})
    plan = ControlPlan.objects.get(fmea=fmea)
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.phase == "prototype" and plan.lines.count() == 2
    # a draft cannot be published: the message names why, nothing is created
    response = client.post(f"/design/control-plans/{plan.pk}/publish/", follow=True)
    assert "Only a released control plan can be published" in response.content.decode()
    assert not InspectionPlan.objects.exists()
    # eng_b (view-only on design) cannot generate
    response = client_for("eng_b").post(f"/design/fmeas/{fmea.pk}/control-plan/")
    assert response.status_code in (403, 404)
    assert ControlPlan.objects.count() == 1


def test_msa_study_form_shows_the_library_message(world: World, client_for) -> None:
    char = make_characteristic("LAM-GEL")
    data = {
        "title": "Gel R&R",
        "site": world.site_a.pk,
        "characteristic": char.pk,
        "gauge": "Soxhlet SX-02",
        "method": "xbar-r",
        "study_date": "2026-11-20",
        "data": "part,operator,value\n" + "\n".join(f"{p},{o},{v}" for p, o, v in ROWS[:-1]),
    }
    response = client_for("eng_a").post("/design/msa-studies/add/", data)
    assert response.status_code == 400  # the form again, with the error
    assert "unbalanced" in response.content.decode()
    assert not MsaStudy.objects.exists()
    data["data"] = "\n".join(f"{p},{o},{v}" for p, o, v in ROWS)
    response = client_for("eng_a").post("/design/msa-studies/add/", data)
    study = MsaStudy.objects.get()
    assert response.status_code == 302 and study.ndc == 5  # average and range: ndc 5
