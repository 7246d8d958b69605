"""The reaction to an SPC violation: one hold of what was produced since the last good point
(through the holds service, linked to the NC and the violations), idempotent; the open alert
and its acknowledgement (service, UI, API) with the denied cases changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qdm.core.models import Notification
from qdm.data.models import Unit
from qdm.manufacturing.models import Hold, SpcViolation
from qdm.manufacturing.services import evaluate_new_points
from qdm.manufacturing.services.holds import HoldError, create_shipment
from qdm.manufacturing.services.spc_reaction import (
    acknowledge_violation,
    open_alerts,
    pattern_length,
    suspect_window,
)
from qdm.system.models import Nonconformity
from tests.manufacturing.test_spc_monitoring import frozen_chart, new_points
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db


def module(code: str, line, at) -> Unit:
    return Unit.objects.create(
        code=code, kind="module", site=line.workshop.site, line=line, produced_at=at
    )


def held_codes(hold: Hold) -> list[str]:
    return sorted(hold.units.values_list("code", flat=True))


# --- the window --------------------------------------------------------------------------------


def test_the_window_reaches_back_over_the_pattern_and_flagged_points(world: World) -> None:
    config = frozen_chart(world)
    times = list(range(20))
    # rule 1 at 10, nothing flagged before: the last good point is 9
    assert suspect_window(config, "primary", 1, 10, {10}, times)[:3] == (10, 10, 9)
    # rule 2 (nine in a row) at 10: the pattern starts at 2, the last good point is 1
    assert pattern_length(config, "primary", 2) == 9
    assert suspect_window(config, "primary", 2, 10, {10}, times)[:3] == (2, 10, 1)
    # rule 1 at 10 after flagged points 8 and 9: back to 7
    assert suspect_window(config, "primary", 1, 10, {8, 9, 10}, times)[:3] == (8, 10, 7)
    # no good point in the data read: from the first point, and no "after"
    window = suspect_window(config, "primary", 7, 10, {10}, times)
    assert (window.first, window.after, window.since) == (0, None, 0)


# --- the hold ----------------------------------------------------------------------------------


def test_a_violation_holds_what_the_line_made_since_the_last_good_point(
    world: World, django_capture_on_commit_callbacks
) -> None:
    config = frozen_chart(world, open_nc_on_violation=True, hold_on_violation=True)
    times = new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    line = config.line
    # the last good point is times[2]; the violating point times[3]
    module("M-AT-GOOD", line, times[2])  # made at the good point: not suspect
    module("M-1", line, times[2] + timedelta(minutes=20))
    module("M-2", line, times[3])
    module("M-AFTER", line, times[3] + timedelta(minutes=10))
    module("M-OTHER-LINE", world.line_b, times[3] - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        [violation] = evaluate_new_points(config)
    hold = Hold.objects.get()
    assert held_codes(hold) == ["M-1", "M-2"]
    assert hold.source == "spc" and hold.site == world.site_a
    assert hold.number.startswith("HOLD-SA-")
    nc = Nonconformity.objects.get(source="spc")
    assert hold.nonconformity == nc
    violation.refresh_from_db()
    assert (violation.hold, violation.nonconformity) == (hold, nc)
    alarm = Notification.objects.get(recipient=world.user("eng_a"), title__startswith="SPC alarm")
    assert hold.number in alarm.body and nc.number in alarm.body
    # held modules cannot ship
    pallet = Unit.objects.create(code="PAL-SPC", kind="pallet", site=world.site_a)
    from qdm.data.models import UnitLink

    UnitLink.objects.create(parent=Unit.objects.get(code="M-2"), child=pallet)
    with pytest.raises(HoldError, match="PAL-SPC"):
        create_shipment(actor=world.user("eng_a"), code="CNT-SPC", unit_codes=["PAL-SPC"])


def test_the_chart_pages_show_the_hold_and_the_open_alert(world: World, client_for) -> None:
    config = frozen_chart(world, hold_on_violation=True)
    times = new_points(world, config, [0.5, 3.2])
    module("M-1", config.line, times[1])
    [violation] = evaluate_new_points(config)
    number = Hold.objects.get().number
    detail = client_for("eng_a").get(config.get_absolute_url()).content.decode()
    assert "1 open alert" in detail and number in detail
    start = f"{times[0]:%Y-%m-%d}"
    chart = client_for("eng_a").get(f"{config.get_chart_url()}?from={start}").content.decode()
    assert number in chart and "Open alert" in chart
    acknowledge_violation(violation, actor=world.user("eng_a"))
    detail = client_for("eng_a").get(config.get_absolute_url()).content.decode()
    assert 'data-testid="open-alerts"' not in detail


def test_the_hold_is_made_once_and_a_later_signal_holds_only_new_units(world: World) -> None:
    config = frozen_chart(world, hold_on_violation=True)
    times = new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    module("M-1", config.line, times[3])
    assert len(evaluate_new_points(config)) == 1
    assert evaluate_new_points(config) == []
    assert evaluate_new_points(config, since=config.baseline_to) == []
    assert Hold.objects.count() == 1
    # a new signal at times[6]: the last good point is times[5]
    later = new_points(world, config, [3.5], offset_h=1 + len(times))
    module("M-2", config.line, later[0] - timedelta(minutes=30))
    [second] = evaluate_new_points(config)
    assert Hold.objects.count() == 2
    assert held_codes(second.hold) == ["M-2"]


def test_violations_of_one_run_share_one_hold_covering_their_windows(world: World) -> None:
    config = frozen_chart(world, hold_on_violation=True)
    # 3.2σ and 3.3σ in a row: rule 1 twice and rule 5 (two of three beyond 2σ)
    times = new_points(world, config, [0.1, 3.2, 3.3, 0.0])
    module("M-1", config.line, times[1])
    module("M-2", config.line, times[2])
    found = evaluate_new_points(config)
    assert {(v.rule, v.point_time) for v in found} >= {(1, times[1]), (1, times[2])}
    assert Hold.objects.count() == 1
    assert {v.hold_id for v in SpcViolation.objects.all()} == {Hold.objects.get().pk}
    assert held_codes(Hold.objects.get()) == ["M-1", "M-2"]


def test_when_everything_is_already_held_the_violation_joins_that_hold(world: World) -> None:
    config = frozen_chart(world, hold_on_violation=True)
    times = new_points(world, config, [0.1, 3.2])
    module("M-1", config.line, times[1])
    [first] = evaluate_new_points(config)
    # the next point is beyond the other limit: the point before it was flagged too, so the
    # window reaches back to times[0] again and holds nothing new
    new_points(world, config, [-3.4], offset_h=1 + len(times))
    found = evaluate_new_points(config)
    assert found and all(v.hold_id == first.hold_id for v in found)
    assert Hold.objects.count() == 1


def test_no_hold_without_the_option_and_none_when_nothing_was_made(world: World) -> None:
    config = frozen_chart(world)
    times = new_points(world, config, [0.5, 3.2])
    module("M-1", config.line, times[1])
    assert len(evaluate_new_points(config)) == 1
    assert not Hold.objects.exists()
    other = frozen_chart(world, "B", hold_on_violation=True)
    new_points(world, other, [0.5, 3.2])
    [violation] = evaluate_new_points(other)
    assert violation.hold is None and not Hold.objects.exists()


# --- open alerts and acknowledgement -----------------------------------------------------------


def violation_at(world: World, place: str = "A") -> SpcViolation:
    config = frozen_chart(world, place)
    new_points(world, config, [0.5, 3.2])
    [violation] = evaluate_new_points(config)
    return violation


def test_open_alerts_are_the_unacknowledged_violations_in_scope(world: World) -> None:
    mine, theirs = violation_at(world, "A"), violation_at(world, "B")
    assert list(open_alerts(world.user("eng_a"))) == [mine]
    assert set(open_alerts(world.user("cqo"))) == {mine, theirs}
    assert not open_alerts(world.user("supplier_x")).exists()
    acknowledge_violation(mine, actor=world.user("eng_a"), note="Heater zone 3 replaced")
    assert not open_alerts(world.user("eng_a")).exists()
    mine.refresh_from_db()
    assert mine.acknowledged_by == world.user("eng_a")
    assert mine.acknowledgement == "Heater zone 3 replaced"


def test_acknowledging_twice_or_without_permission_is_refused(world: World) -> None:
    from django.core.exceptions import ValidationError

    violation = violation_at(world)
    inspector = make_user("insp_a", "inspector", site=world.site_a)
    with pytest.raises(ValidationError, match="may not acknowledge"):
        acknowledge_violation(violation, actor=inspector)
    violation.refresh_from_db()
    assert violation.acknowledged_at is None
    acknowledge_violation(violation, actor=world.user("eng_a"))
    with pytest.raises(ValidationError, match="already acknowledged"):
        acknowledge_violation(violation, actor=world.user("cqo"), note="again")
    violation.refresh_from_db()
    assert violation.acknowledged_by == world.user("eng_a") and violation.acknowledgement == ""


def test_acknowledge_in_the_ui(world: World, client_for) -> None:
    violation = violation_at(world)
    url = f"/manufacturing/spc-violations/{violation.pk}/acknowledge/"
    page = client_for("eng_a").get(violation.get_absolute_url()).content.decode()
    assert 'data-testid="acknowledge-form"' in page
    assert client_for("eng_b").post(url, {"note": "x"}).status_code == 404
    assert client_for("supplier_x").post(url, {"note": "x"}).status_code == 404
    from django.test import Client

    inspector = Client()
    inspector.force_login(make_user("insp_a", "inspector", site=world.site_a))
    assert inspector.post(url, {"note": "x"}).status_code == 403
    violation.refresh_from_db()
    assert violation.acknowledged_at is None
    done = client_for("eng_a").post(url, {"note": "Recipe restored"})
    assert done.status_code == 302
    violation.refresh_from_db()
    assert violation.acknowledgement == "Recipe restored"
    page = client_for("eng_a").get(violation.get_absolute_url()).content.decode()
    assert 'data-testid="open-alert"' not in page


def test_acknowledge_through_the_api(world: World, api_for) -> None:
    violation = violation_at(world)
    url = f"/api/v1/manufacturing/spc-violations/{violation.pk}/acknowledge/"
    listed = api_for("eng_a").get("/api/v1/manufacturing/spc-violations/?open_alert=true")
    assert [r["id"] for r in listed.json()["results"]] == [violation.pk]
    assert api_for("eng_b").post(url, {"note": "x"}, format="json").status_code == 404
    # no permission on manufacturing at all: refused before any lookup
    assert api_for("supplier_x").post(url, {"note": "x"}, format="json").status_code == 403
    violation.refresh_from_db()
    assert violation.acknowledged_at is None
    ok = api_for("eng_a").post(url, {"note": "Checked"}, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["acknowledgement"] == "Checked"
    again = api_for("cqo").post(url, {"note": "x"}, format="json")
    assert again.status_code == 400 and "already acknowledged" in again.json()["error"]["message"]
    listed = api_for("eng_a").get("/api/v1/manufacturing/spc-violations/?open_alert=true")
    assert listed.json()["results"] == []
    # violations are never created through the API
    created = api_for("cqo").post(
        "/api/v1/manufacturing/spc-violations/", {"config": violation.config_id}, format="json"
    )
    assert created.status_code == 405
    assert SpcViolation.objects.count() == 1
