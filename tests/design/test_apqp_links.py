"""APQP deliverables linked to the records behind them: the qualification report to a
qualification programme or certificate, the capability study to a manufacturing SPC chart
(live Cpk/Ppk through ``manufacturing.selectors.chart_capability``), and the warning on the
project page when an engineering change invalidates the project's qualification evidence."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qdm.core.workflow import transition
from qdm.data.models import Characteristic, ModuleModel, ProductFamily, Specification
from qdm.design.models import ApqpDeliverable, ApqpProject, Certificate, GateReview
from qdm.design.services.apqp import change_warnings, evaluate, save_deliverable
from qdm.manufacturing.selectors import chart_capability
from tests.design.builders import make_characteristic, make_fmea, module_model
from tests.design.test_apqp import gate, make_project, sign_off
from tests.design.test_change import make_change
from tests.design.test_qualification_programmes import (
    add_sample,
    complete,
    make_certificate,
    make_programme,
)
from tests.manufacturing.builders import add_measurements, make_chart
from tests.personas import World

pytestmark = pytest.mark.django_db


def qualification(project: ApqpProject) -> ApqpDeliverable:
    return gate(project, "validation").deliverables.get(kind="qualification")


def capability(project: ApqpProject) -> ApqpDeliverable:
    return gate(project, "validation").deliverables.get(kind="capability")


def passed_programme(world: World, place: str | None = "A", **extra: Any) -> Any:
    programme = make_programme(world, place, **extra)
    add_sample(programme, "tc200", "S-1", 620.0, 612.0)  # −1.3 % ≤ 5 %: pass
    complete(world, programme)
    programme.refresh_from_db()
    assert (programme.status, programme.verdict) == ("completed", "pass")
    return programme


def clear_gates_before_validation(world: World, project: ApqpProject) -> None:
    for phase in ("plan", "product_design", "process_design"):
        g = gate(project, phase)
        g.deliverables.update(required=False)
        sign_off(world, g)


# --- qualification report ------------------------------------------------------------------


def test_qualification_deliverable_follows_the_programme(world: World) -> None:
    project = make_project(world)
    d = qualification(project)
    assert evaluate(d).state == "missing"
    programme = make_programme(world, "A")
    d.programme = programme
    save_deliverable(d, actor=world.user("cqo"))
    state = evaluate(d)
    assert state.state == "in_progress"
    assert state.reason == f"Programme {programme.number} is Planned, not completed."
    add_sample(programme, "tc200", "S-1", 620.0, 612.0)
    complete(world, programme)
    d.refresh_from_db()
    state = evaluate(d)
    assert state.state == "done"
    assert state.reason == (
        f"Programme {programme.number} completed: "
        "IEC 61215-1/-2:2021 (design qualification) passed."
    )
    # a group-wide programme (no site) serves a site's project too
    d.programme = passed_programme(world, None, title="Group qualification")
    save_deliverable(d, actor=world.user("cqo"))
    assert evaluate(d).state == "done"


def test_a_failing_programme_keeps_the_gate_blocked_naming_it(world: World) -> None:
    project = make_project(world)
    clear_gates_before_validation(world, project)
    validation = gate(project, "validation")
    validation.deliverables.exclude(kind="qualification").update(required=False)
    programme = make_programme(world, "A")
    # two of the sequence's modules lose > 5 % Pmax (−6.5 %): fail (one alone: retest)
    add_sample(programme, "tc200", "S-1", 620.0, 580.0)
    add_sample(programme, "tc200", "S-2", 620.0, 579.0)
    complete(world, programme)
    programme.refresh_from_db()
    assert programme.verdict == "fail"
    d = qualification(project)
    d.programme = programme
    save_deliverable(d, actor=world.user("cqo"))
    assert evaluate(d).state == "in_progress"
    with pytest.raises(ValidationError) as err:
        sign_off(world, validation)
    message = " ".join(err.value.messages)
    assert "cannot pass with deliverables missing" in message
    assert f"Programme {programme.number} completed with the verdict Fail, not a pass" in message
    assert d.title in message
    validation.refresh_from_db()
    assert validation.status == "open"
    assert not GateReview.objects.filter(gate=validation).exists()
    # a passing programme unblocks it
    d.programme = passed_programme(world, "A", title="Second qualification")
    save_deliverable(d, actor=world.user("cqo"))
    assert sign_off(world, validation).decision == "pass"


def test_qualification_deliverable_by_certificate(world: World) -> None:
    project = make_project(world)
    d = qualification(project)
    cert = make_certificate(world, "A")  # covers module_model(), the project's product
    d.certificate = cert
    save_deliverable(d, actor=world.user("cqo"))
    state = evaluate(d)
    assert state.state == "done"
    assert state.reason == f"Certificate {cert} valid until 2030-01-09."
    Certificate.objects.filter(pk=cert.pk).update(withdrawn=True)
    d.refresh_from_db()
    assert evaluate(d).reason == f"Certificate {cert} is withdrawn."
    Certificate.objects.filter(pk=cert.pk).update(
        withdrawn=False, expiry_date=timezone.localdate() - timedelta(days=1)
    )
    d.refresh_from_db()
    state = evaluate(d)
    assert state.state == "in_progress" and "expired on" in state.reason
    # with a failed programme and a valid certificate, the certificate makes it done
    Certificate.objects.filter(pk=cert.pk).update(expiry_date=dt.date(2030, 1, 9))
    failed = make_programme(world, "A", title="Failed")
    add_sample(failed, "tc200", "S-8", 620.0, 560.0)
    add_sample(failed, "tc200", "S-9", 620.0, 560.0)
    complete(world, failed)
    d.refresh_from_db()
    d.programme = failed
    save_deliverable(d, actor=world.user("cqo"))
    assert evaluate(d).state == "done"


def test_qualification_links_are_checked_and_name_the_problem(world: World) -> None:
    project = make_project(world)
    d = qualification(project)
    hjt, _ = ProductFamily.objects.get_or_create(
        code="HJT", defaults={"name": "HJT", "name_en": "HJT", "technology": "hjt"}
    )
    base = module_model()
    other = ModuleModel.objects.create(
        code="HJT-700", name="HJT-700", name_en="HJT-700", family=hjt, pmax_w=700.0,
        voc_v=50.0, isc_a=17.0, vmp_v=42.0, imp_a=16.6, efficiency_pct=23.0,
        temp_coeff_pmax_pct_per_c=-0.24, temp_coeff_voc_pct_per_c=-0.22,
        temp_coeff_isc_pct_per_c=0.04, length_mm=base.length_mm, width_mm=base.width_mm,
        cell_count=132,
    )  # fmt: skip
    foreign = make_programme(world, "A", module_model=other, title="HJT qualification")
    d.programme = foreign
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert err.value.message_dict["programme"] == [
        f"{foreign.number} qualifies HJT-700, which is not TC-GG-620 or of its product family."
    ]
    # a sibling model of the same family qualifies by similarity
    d.programme = make_programme(world, "A", module_model=module_model("TC-GG-600"))
    save_deliverable(d, actor=world.user("cqo"))
    d.programme = make_programme(world, "B", title="Site B qualification")
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert "belongs to another site" in err.value.message_dict["programme"][0]
    d.refresh_from_db()
    d.certificate = q_cert = Certificate.objects.create(
        body="VDE", number="40051234", standard="iec61730:2023", issue_date=dt.date(2026, 1, 1)
    )
    q_cert.module_models.set([other])
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert err.value.message_dict["certificate"] == [
        "Certificate 40051234 does not cover TC-GG-620."
    ]
    # only a qualification deliverable links a programme
    dfmea = gate(project, "product_design").deliverables.get(kind="dfmea")
    dfmea.fmea = make_fmea(world, kind="dfmea")
    dfmea.programme = foreign
    with pytest.raises(ValidationError) as err:
        save_deliverable(dfmea, actor=world.user("cqo"))
    assert "does not link a qualification programme" in err.value.message_dict["programme"][0]


def test_qualification_link_through_the_api_refuses_out_of_scope(world: World, api_for) -> None:
    project = make_project(world)
    d = qualification(project)
    url = f"/api/v1/design/apqp-deliverables/{d.pk}/"
    programme = passed_programme(world, "A")
    response = api_for("eng_a").patch(url, {"programme": programme.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done"
    assert response.json()["change_warnings"] == []
    site_b = make_programme(world, "B", title="Site B")
    response = api_for("eng_a").patch(url, {"programme": site_b.pk}, format="json")
    assert response.status_code == 400  # not visible to eng_a: an unknown choice
    d.refresh_from_db()
    assert d.programme_id == programme.pk


# --- capability study from an SPC chart ------------------------------------------------------

#: I-MR chart of 100 individuals alternating 10.0, 10.2, spec 9.0 – 11.0 (target 10.0).
#: Hand computation, Montgomery, Introduction to SQC 7th ed. §6.4 (σ̂ = MR̄/d2, d2 = 1.128 for
#: n = 2, Appendix VI) and §8.3 (Cpk = min(USL − x̄, x̄ − LSL)/3σ̂; Ppk the same with the overall
#: sample standard deviation s, AIAG SPC manual 2nd ed. ch. IV):
#:   x̄ = 10.1; every moving range 0.2, MR̄ = 0.2, σ̂ = 0.2/1.128 = 0.177305
#:   Cpk = min(11.0 − 10.1, 10.1 − 9.0)/(3 × 0.177305) = 0.9/0.531915 = 1.6920
#:   s = √(100 × 0.1²/99) = 0.100504; Ppk = 0.9/(3 × 0.100504) = 2.9850
VALUES = [10.0, 10.2] * 50
CPK, PPK = 1.6920, 2.9850


def char(code: str) -> Any:
    return Characteristic.objects.filter(code=code).first() or make_characteristic(code)


def gel_chart(world: World, place: str = "A", values: list[float] = VALUES) -> Any:
    gel = char("MOD-EVA-GEL")
    Specification.objects.get_or_create(
        characteristic=gel,
        defaults={
            "lsl": 9.0,
            "target": 10.0,
            "usl": 11.0,
            "valid_from": timezone.now() - timedelta(days=90),
        },
    )
    line = world.line_a if place == "A" else world.line_b
    chart = make_chart(world, place, characteristic=gel, name=f"GEL {line.code} I-MR")
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(days=6)
    add_measurements(line, gel, values, start)
    return chart


def test_chart_capability_reads_the_chart_pages_figures(world: World) -> None:
    chart = gel_chart(world)
    live = chart_capability(chart.pk)
    assert live["n"] == 100 and live["characteristic_code"] == "MOD-EVA-GEL"
    assert live["cpk"] == pytest.approx(CPK, abs=5e-4)
    assert live["ppk"] == pytest.approx(PPK, abs=5e-4)
    assert (live["lsl"], live["target"], live["usl"]) == (9.0, 10.0, 11.0)
    assert live["problem"] == "" and live["url"] == chart.get_absolute_url()
    # scoped when a user is given; unknown chart: None
    assert chart_capability(chart.pk, world.user("eng_b")) is None
    assert chart_capability(chart.pk, world.user("eng_a"))["cpk"] == live["cpk"]
    assert chart_capability(10**9) is None


def test_capability_deliverable_reads_the_live_chart(world: World, client_for, api_for) -> None:
    project = make_project(world)
    d = capability(project)
    chart = gel_chart(world)
    d.spc_chart = chart
    save_deliverable(d, actor=world.user("cqo"))
    d.refresh_from_db()
    assert d.characteristic.code == "MOD-EVA-GEL"  # taken from the chart
    state = evaluate(d)
    assert state.state == "done"  # min(1.692, 2.985) ≥ 1.67
    assert state.reason == f"{chart.name} (live, n = 100): Cpk 1.69, Ppk 2.98 ≥ 1.67."
    d.cpk_target = 1.8
    save_deliverable(d, actor=world.user("cqo"))
    assert evaluate(d).state == "in_progress" and evaluate(d).reason.endswith("< 1.80.")
    # the page shows the live figures, the API carries them
    page = client_for("eng_a").get(d.get_absolute_url()).content.decode()
    assert 'data-testid="capability-cpk">1.69<' in page
    assert 'data-testid="capability-ppk">2.98<' in page
    body = api_for("eng_a").get(f"/api/v1/design/apqp-deliverables/{d.pk}/").json()
    assert body["capability"]["cpk"] == pytest.approx(CPK, abs=5e-4)
    assert body["state"] == "in_progress"


def test_capability_chart_links_are_checked(world: World) -> None:
    project = make_project(world)
    d = capability(project)
    chart = gel_chart(world)
    d.spc_chart, d.cpk = chart, 1.9
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert "leave the typed figure empty" in err.value.message_dict["cpk"][0]
    d.cpk, d.characteristic = None, char("MOD-PEEL")
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert err.value.message_dict["spc_chart"] == [
        f"The SPC chart {chart.name} charts MOD-EVA-GEL, not MOD-PEEL."
    ]
    d.characteristic = None
    d.spc_chart = other = gel_chart(world, "B", values=[10.0, 10.1, 10.2])
    with pytest.raises(ValidationError) as err:
        save_deliverable(d, actor=world.user("cqo"))
    assert err.value.message_dict["spc_chart"] == [
        f"The SPC chart {other.name} belongs to another site."
    ]
    d.refresh_from_db()
    assert d.spc_chart_id is None


def test_capability_from_too_few_values_or_no_specification(world: World) -> None:
    project = make_project(world)
    d = capability(project)
    d.spc_chart = gel_chart(world, values=VALUES[:40])
    save_deliverable(d, actor=world.user("cqo"))
    state = evaluate(d)
    assert state.state == "in_progress"
    assert "a preliminary study needs at least 100 values" in state.reason
    Specification.objects.all().delete()
    from django.core.cache import cache

    cache.clear()
    state = evaluate(d)
    assert state.state == "in_progress" and "no specification limits" in state.reason


# --- engineering changes that invalidate the qualification ----------------------------------


def test_change_invalidating_the_certificate_warns_on_the_project(world: World, client_for) -> None:
    project = make_project(world)
    programme = passed_programme(world, None)
    cert = make_certificate(world, None, programmes=[programme])
    d = qualification(project)
    d.certificate = cert
    save_deliverable(d, actor=world.user("cqo"))
    page = client_for("eng_a").get(project.get_absolute_url()).content.decode()
    assert 'data-testid="apqp-change-warnings"' not in page
    change = make_change(
        world, None, kind="product", title="Thinner frame", module_models=[module_model()]
    )
    transition(change, "assess", actor=world.user("cqo"))  # runs the impact assessment
    warnings = change_warnings(project, world.user("eng_a"))
    assert {(w["impact"].area, w["impact"].object_id) for w in warnings} == {
        ("certificate", cert.pk),
        ("programme", programme.pk),
    }
    by_area = {w["impact"].area: w["deliverables"] for w in warnings}
    assert by_area["certificate"] == [d]  # the linked certificate: that deliverable
    # the model's programme, not linked: every qualification deliverable of the project
    assert by_area["programme"] == list(
        ApqpDeliverable.objects.filter(gate__project=project, kind="qualification").order_by(
            "gate__sequence"
        )
    )
    assert len(by_area["programme"]) == 2  # design pre-tests and the validation report
    page = client_for("eng_a").get(project.get_absolute_url()).content.decode()
    assert 'data-testid="apqp-change-warnings"' in page and change.number in page
    detail = client_for("eng_a").get(d.get_absolute_url()).content.decode()
    assert 'data-testid="deliverable-change-warnings"' in detail
    # a user who may not see the change gets no warning; a rejected change warns no more
    assert change_warnings(project, world.user("outsider")) == []
    from qdm.design.models import ChangeRequest

    ChangeRequest.objects.filter(pk=change.pk).update(status="rejected")
    assert change_warnings(project, world.user("eng_a")) == []
    page = client_for("eng_a").get(project.get_absolute_url()).content.decode()
    assert 'data-testid="apqp-change-warnings"' not in page
