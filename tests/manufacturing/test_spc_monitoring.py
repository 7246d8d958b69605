"""SPC monitoring: freezing limits with an e-signature, evaluating new points against them
(exactly the expected violations, idempotently), alerts and nonconformities."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from qdm.core.models import ElectronicSignature, Notification
from qdm.core.workflow import TransitionError, transition
from qdm.manufacturing.models import SpcChartConfig, SpcViolation
from qdm.manufacturing.services import evaluate_new_points, on_measurements_ingested
from qdm.manufacturing.services.spc import update_chart_config
from qdm.system.models import Nonconformity
from tests.manufacturing.builders import add_measurements, lam_temp, line_of, make_chart
from tests.personas import PASSWORD, World, make_user

pytestmark = pytest.mark.django_db

BASELINE = np.random.default_rng(4).normal(150.0, 0.8, 100).round(3)
D2_2 = 1.128  # d2 for moving ranges of two
D4_2 = 3.267  # D4 for moving ranges of two (Montgomery, Appendix VI)


def chart_with_baseline(world: World, place: str = "A", **extra) -> SpcChartConfig:
    config = make_chart(world, place, **extra)
    add_measurements(line_of(world, place), lam_temp(), BASELINE, config.baseline_from)
    return config


def frozen_chart(world: World, place: str = "A", **extra) -> SpcChartConfig:
    config = chart_with_baseline(world, place, **extra)
    engineer = world.user("eng_a" if place == "A" else "eng_b")
    transition(config, "freeze", actor=engineer, password=PASSWORD, reason="baseline approved")
    config.refresh_from_db()
    return config


def new_points(world: World, config: SpcChartConfig, sigmas: list[float], offset_h: int = 1):
    """Measurements at ``center + k sigma`` after the baseline period; returns their times."""
    values = [config.center + k * config.sigma for k in sigmas]
    start = config.baseline_to + timedelta(hours=offset_h)
    return add_measurements(config.line, config.characteristic, values, start)


def recorded(config: SpcChartConfig) -> set[tuple[str, int, object]]:
    return set(SpcViolation.objects.filter(config=config).values_list("part", "rule", "point_time"))


# --- freezing --------------------------------------------------------------------------------


def test_freeze_computes_the_textbook_imr_limits_from_the_baseline(world: World) -> None:
    config = frozen_chart(world)
    x = BASELINE.astype(float)
    mr_bar = np.mean(np.abs(np.diff(x)))
    center, sigma = x.mean(), mr_bar / D2_2
    assert config.status == "active"
    assert config.baseline_points == 100
    assert config.center == pytest.approx(center, rel=1e-12)
    assert config.sigma == pytest.approx(sigma, rel=1e-12)
    assert config.ucl == pytest.approx(center + 3 * sigma, rel=1e-12)
    assert config.lcl == pytest.approx(center - 3 * sigma, rel=1e-12)
    assert config.secondary_limits["chart"] == "MR"
    assert config.secondary_limits["center"] == pytest.approx(mr_bar, rel=1e-12)
    assert config.secondary_limits["ucl"] == pytest.approx(D4_2 * mr_bar, rel=1e-3)
    assert config.secondary_limits["lcl"] == 0
    signature = ElectronicSignature.objects.get(object_id=str(config.pk), action="freeze")
    assert signature.meaning == "approved"


@pytest.mark.parametrize("password", [None, "", "wrong password"])
def test_freeze_without_the_right_password_is_refused_and_changes_nothing(
    world: World, password
) -> None:
    config = chart_with_baseline(world)
    with pytest.raises(TransitionError) as exc:
        transition(config, "freeze", actor=world.user("eng_a"), password=password, reason="ok")
    assert exc.value.code == "signature_password"
    config.refresh_from_db()
    assert (config.status, config.center, config.sigma, config.limits_frozen_at) == (
        "draft",
        None,
        None,
        None,
    )
    assert not ElectronicSignature.objects.filter(object_id=str(config.pk)).exists()


def test_freeze_without_baseline_data_is_refused_and_rolled_back(world: World) -> None:
    config = make_chart(world)  # no measurements at all
    with pytest.raises(TransitionError) as exc:
        transition(config, "freeze", actor=world.user("eng_a"), password=PASSWORD, reason="ok")
    assert exc.value.code == "guard_failed"
    assert "baseline period holds 0 points" in exc.value.message
    config.refresh_from_db()
    assert config.status == "draft" and config.center is None
    assert not ElectronicSignature.objects.filter(object_id=str(config.pk)).exists()


def test_recalculate_needs_a_signature_and_uses_the_new_baseline(world: World) -> None:
    config = frozen_chart(world)
    old_center = config.center
    with pytest.raises(TransitionError):
        transition(config, "recalculate", actor=world.user("eng_a"), password="nope", reason="x")
    config.refresh_from_db()
    assert config.center == old_center
    # only the first half of the baseline
    half = config.baseline_from + timedelta(hours=49)
    update_chart_config(config, actor=world.user("eng_a"), baseline_to=half)
    transition(config, "recalculate", actor=world.user("eng_a"), password=PASSWORD, reason="new")
    config.refresh_from_db()
    assert config.status == "active"
    assert config.baseline_points == 50
    assert config.center == pytest.approx(BASELINE[:50].astype(float).mean(), rel=1e-12)


def test_settings_the_limits_depend_on_cannot_change_while_active(world: World) -> None:
    config = frozen_chart(world)
    with pytest.raises(ValidationError) as exc:
        update_chart_config(config, actor=world.user("eng_a"), chart_type="ewma")
    assert "chart_type" in exc.value.message_dict


def test_freeze_through_the_api_needs_the_password(world: World, api_for) -> None:
    config = chart_with_baseline(world)
    url = f"/api/v1/manufacturing/spc-charts/{config.pk}/transition/"
    api = api_for("eng_a")
    refused = api.post(url, {"action": "freeze", "reason": "ok"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "signature_password"
    config.refresh_from_db()
    assert config.status == "draft"
    done = api.post(url, {"action": "freeze", "password": PASSWORD, "reason": "ok"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "active"
    assert done.json()["center"] == pytest.approx(BASELINE.astype(float).mean())
    # and site B's engineer cannot even find it
    other = api_for("eng_b").post(
        url, {"action": "retire", "password": PASSWORD, "reason": "x"}, format="json"
    )
    assert other.status_code == 404


# --- evaluation ------------------------------------------------------------------------------


def test_one_point_beyond_3_sigma_is_rule_1_at_that_point(world: World) -> None:
    config = frozen_chart(world)
    times = new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    found = evaluate_new_points(config)
    assert {(v.part, v.rule, v.point_time) for v in found} == {("primary", 1, times[3])}
    assert recorded(config) == {("primary", 1, times[3])}
    violation = SpcViolation.objects.get(config=config)
    assert violation.value == pytest.approx(config.center + 3.2 * config.sigma)
    assert violation.subject_list == [f"{config.line.code}-LAM-{times[3]:%Y%m%d%H%M}"]
    config.refresh_from_db()
    assert config.last_evaluated_at == times[-1]


def test_nine_in_a_row_above_the_center_is_rule_2_at_the_ninth(world: World) -> None:
    config = frozen_chart(world)
    times = new_points(world, config, [-0.5, 0.3, 0.4, 0.3, 0.5, 0.2, 0.6, 0.3, 0.4, 0.5])
    evaluate_new_points(config)
    assert recorded(config) == {("primary", 2, times[9])}


def test_evaluation_is_idempotent(world: World) -> None:
    config = frozen_chart(world)
    new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    first = evaluate_new_points(config)
    rows = recorded(config)
    assert len(first) == 1
    assert evaluate_new_points(config) == []
    # even when asked to look at the same period again
    assert evaluate_new_points(config, since=config.baseline_to) == []
    assert recorded(config) == rows
    assert SpcViolation.objects.filter(config=config).count() == 1


def test_a_run_split_over_two_evaluations_is_found_with_the_history(world: World) -> None:
    config = frozen_chart(world)
    first = new_points(world, config, [-0.5, 0.3, 0.4, 0.3, 0.5])
    assert evaluate_new_points(config) == []
    later = new_points(world, config, [0.2, 0.6, 0.3, 0.4, 0.5], offset_h=1 + len(first))
    found = evaluate_new_points(config)
    assert [(v.part, v.rule, v.point_time) for v in found] == [("primary", 2, later[4])]


def test_a_draft_chart_is_not_evaluated(world: World) -> None:
    config = chart_with_baseline(world)
    add_measurements(config.line, config.characteristic, [500.0] * 5, config.baseline_to)
    assert evaluate_new_points(config) == []
    assert not SpcViolation.objects.exists()


def test_a_violation_notifies_the_site_and_opens_a_nonconformity(
    world: World, django_capture_on_commit_callbacks
) -> None:
    manager_a = make_user("sqm_a", "site_quality_manager", site=world.site_a)
    manager_b = make_user("sqm_b", "site_quality_manager", site=world.site_b)
    config = frozen_chart(world, open_nc_on_violation=True, notify=True)
    times = new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    with django_capture_on_commit_callbacks(execute=True):
        found = evaluate_new_points(config)
    assert len(found) == 1
    alarms = Notification.objects.filter(title__startswith="SPC alarm")
    assert set(alarms.values_list("recipient__username", flat=True)) == {"eng_a", "sqm_a"}
    assert not Notification.objects.filter(recipient__in=[manager_b, world.user("eng_b")]).exists()
    assert alarms.first().link == config.get_chart_url()
    nc = Nonconformity.objects.get(source="spc")
    assert nc.site == world.site_a
    assert f"{config.line.code}-LAM-{times[3]:%Y%m%d%H%M}" in nc.lots
    assert SpcViolation.objects.get(config=config).nonconformity == nc
    assert Notification.objects.filter(recipient=manager_a, title__contains=nc.number).exists()


def test_no_alert_and_no_nc_when_not_configured(world: World) -> None:
    make_user("sqm_a", "site_quality_manager", site=world.site_a)
    config = frozen_chart(world, open_nc_on_violation=False, notify=False)
    new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    assert len(evaluate_new_points(config)) == 1
    assert not Notification.objects.exists()
    assert not Nonconformity.objects.exists()


def test_the_ingestion_hook_evaluates_only_the_affected_active_charts(world: World) -> None:
    chart_a = frozen_chart(world, "A")
    chart_b = frozen_chart(world, "B")
    new_points(world, chart_a, [0.0, 3.5, 0.5])
    new_points(world, chart_b, [0.0, 3.5, 0.5])
    assert on_measurements_ingested(world.site_a, [world.line_a.pk, None], [lam_temp().pk]) == 1
    assert SpcViolation.objects.filter(config=chart_a).count() == 1
    assert not SpcViolation.objects.filter(config=chart_b).exists()
    # the wrong site for the line: nothing
    assert on_measurements_ingested(world.site_a, [world.line_b.pk], [lam_temp().pk]) == 0


def test_xbar_r_subgroups_and_the_dispersion_chart(world: World) -> None:
    config = make_chart(world, chart_type="xbar-r", subgroup_size=5, name="LAM-TEMP X-R")
    add_measurements(config.line, config.characteristic, BASELINE, config.baseline_from)
    transition(config, "freeze", actor=world.user("eng_a"), password=PASSWORD, reason="ok")
    config.refresh_from_db()
    matrix = BASELINE.astype(float).reshape(20, 5)
    r_bar = np.mean(matrix.max(axis=1) - matrix.min(axis=1))
    assert config.center == pytest.approx(matrix.mean(), rel=1e-12)
    assert config.sigma == pytest.approx(r_bar / 2.326, rel=1e-12)  # d2(5) = 2.326
    assert config.secondary_limits["center"] == pytest.approx(r_bar, rel=1e-12)
    # 12 new measurements: 2 complete subgroups; the second has a mean beyond the UCL
    s = config.sigma
    values = [config.center] * 5 + [config.center + 2 * s] * 4 + [config.center + 4 * s] + [0, 0]
    times = add_measurements(
        config.line, config.characteristic, values, config.baseline_to + timedelta(hours=1)
    )
    found = evaluate_new_points(config)
    assert {(v.part, v.rule, v.point_time) for v in found} == {("primary", 1, times[9])}
    assert SpcViolation.objects.get(config=config).subject_list == [
        f"{config.line.code}-LAM-{t:%Y%m%d%H%M}" for t in times[5:10]
    ]
    config.refresh_from_db()
    assert config.last_evaluated_at == times[9]  # the incomplete third subgroup waits


def test_the_evaluate_command(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    config = frozen_chart(world)
    new_points(world, config, [0.0, 3.5, 0.5])
    out = StringIO()
    call_command("spc-evaluate", "--config", str(config.pk), stdout=out)
    assert "1 new violation(s)" in out.getvalue()
    call_command("spc-evaluate", stdout=out)
    assert SpcViolation.objects.filter(config=config).count() == 1
