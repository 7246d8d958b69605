"""Goal statuses read as their translated labels (goal-breach alert titles, the risk view's
evidence), and the home page and the factory wall count the stored alerts the alerts centre
lists: open, unacknowledged, within the user's scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from qdm.cockpit import alerts_sources, risks
from qdm.cockpit.models import CockpitAlert, QualityGoal
from qdm.cockpit.views_home import wall_data
from tests.cockpit.test_alerts import TODAY, kpi_goals
from tests.cockpit.test_risks import YEAR, fpy
from tests.personas import World

pytestmark = pytest.mark.django_db


# --- goal statuses by their labels --------------------------------------------------------


def test_goal_breach_titles_carry_the_translated_status(world: World) -> None:
    red, amber = kpi_goals(world)  # test_alerts: A 95.5 % → red, B 98.2 % → amber
    titles = {c.key: c.title for c in alerts_sources.kpi_goal_breach({"status": "amber"}, TODAY)}
    assert titles[f"goal:{red.pk}"] == "G-A FPY A: 95.50 / 98.5 (Off target)"
    assert titles[f"goal:{amber.pk}"] == "G-B FPY B: 98.20 / 98.5 (At risk)"
    with translation.override("zh-hans"):
        found = alerts_sources.kpi_goal_breach({"status": "amber"}, TODAY)
    # the catalogue: "Off target" → 未达标, "At risk" → 有风险
    assert sorted(c.title for c in found) == [
        "G-A FPY A: 95.50 / 98.5 (未达标)",
        "G-B FPY B: 98.20 / 98.5 (有风险)",
    ]


def test_goal_forecast_evidence_carries_the_translated_status(world: World) -> None:
    # test_risks.test_goal_forecast_to_miss: B's forecast 96.25 % against 99.5 → red
    for month, good in ((1, 990), (2, 985), (3, 980)):
        fpy(world.site_b, month, good)
    QualityGoal.objects.create(
        code="G-B", title="FPY of B", year=YEAR, kpi="fpy", direction="at_least",
        target=99.5, amber_band=0.5, site=world.site_b, owner=world.user("cqo"),
    )  # fmt: skip
    (risk,) = risks.goal_forecast_risks(world.user("cqo"))
    assert dict(risk.evidence)["Forecast status"] == "Off target"
    with translation.override("zh-hans"):
        (risk,) = risks.goal_forecast_risks(world.user("cqo"))
    assert risk.evidence[-1][1] == "未达标"  # the catalogue: "Off target" → 未达标


# --- the home page's and the wall's alert count -----------------------------------------


def stored(world: World, site, key: str, *, acknowledged: bool = False) -> CockpitAlert:
    now = timezone.now()
    return CockpitAlert.objects.create(
        kind="spc", key=key, site=site, title=f"Alert {key}", raised_at=now,
        acknowledged_at=now if acknowledged else None,
        acknowledged_by=world.user("cqo") if acknowledged else None,
    )  # fmt: skip


def home_count(client) -> int:
    body = client.get("/").content.decode()
    marker = 'data-testid="home-alert-count"'
    assert marker in body
    return int(body.split(marker, 1)[1].split(">", 1)[1].split("<", 1)[0])


def test_home_counts_the_users_open_unacknowledged_stored_alerts(world: World, client_for) -> None:
    eng_a = client_for("eng_a")
    assert home_count(eng_a) == 0
    stored(world, world.site_a, "a-open")
    stored(world, world.site_a, "a-acknowledged", acknowledged=True)
    stored(world, world.site_b, "b-open")  # outside eng_a's grants
    closed = stored(world, world.site_a, "a-closed")
    CockpitAlert.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    assert home_count(eng_a) == 1
    assert home_count(client_for("eng_b")) == 1
    assert home_count(client_for("cqo")) == 2  # both sites' open, unacknowledged alerts
    # the link opens the alerts centre on the same rows
    body = eng_a.get("/").content.decode()
    assert f"{reverse('cockpit:alerts')}?state=open&amp;acknowledged=no" in body


def test_the_wall_counts_the_sites_stored_alerts(world: World) -> None:
    stored(world, world.site_a, "a-open")
    stored(world, world.site_a, "a-acknowledged", acknowledged=True)
    stored(world, world.site_b, "b-open")
    data = wall_data(world.user("cqo"), world.site_a, today=date(2026, 3, 3))
    assert data["alert_count"] == 1
    assert [a.title for a in data["alerts"]] == ["Alert a-open"]
