"""Decision support: each risk rule on hand-built data (with its evidence, score and next
action), the ranking, scoping (a site-B manager sees no site-A risk, a supplier none), the
page and the API with bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.cockpit import risks, widgets
from qdm.cockpit.models import KpiValue, QualityGoal
from qdm.core.workflow import transition
from qdm.data.models import Characteristic, Specification
from tests.cockpit.test_widgets import scorecard
from tests.design.builders import make_fmea, make_item
from tests.manufacturing.builders import add_measurements, baseline_period, make_chart
from tests.personas import PASSWORD, World, make_user

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def manager_b(world: World):
    return make_user("mgr_b", "site_quality_manager", site=world.site_b)


# --- rule 1: high-AP FMEA item × weak live capability -------------------------------------


def characteristic(code: str) -> Characteristic:
    char = Characteristic.objects.create(
        code=code, name=code, name_en=code, kind="process", stage="module", unit="°C"
    )
    Specification.objects.create(
        characteristic=char, lsl=145.0, target=150.0, usl=155.0,
        valid_from=timezone.now() - timedelta(days=60),
    )  # fmt: skip
    return char


def active_chart(world: World, place: str, char: Characteristic, spread: float):
    """An I-MR chart whose baseline alternates 150 ± ``spread``: every moving range is
    2 × spread, so σ_within = MR̄ / d2 = 2 × spread / 1.128 (d2 for n = 2, AIAG SPC manual,
    2nd ed., appendix) and Cpk = (155 − 150) / (3 σ_within)."""
    start, _end = baseline_period()
    line = world.line_a if place == "A" else world.line_b
    config = make_chart(world, place, name=f"{char.code} {line.code}", characteristic=char)
    add_measurements(line, char, [150 + spread * (-1) ** i for i in range(60)], start)
    engineer = world.user("eng_a" if place == "A" else "eng_b")
    transition(config, "freeze", actor=engineer, password=PASSWORD, reason="baseline approved")
    config.refresh_from_db()
    return config


def cpk_of(spread: float) -> float:
    return 5.0 / (3 * (2 * spread / 1.128))


def test_high_ap_item_with_weak_capability(world: World) -> None:
    weak, capable = characteristic("LAM-WEAK"), characteristic("LAM-GOOD")
    active_chart(world, "A", weak, 1.0)  # Cpk = 5 / (3 × 1.773) = 0.940
    active_chart(world, "A", capable, 0.2)  # Cpk = 4.70
    fmea = make_fmea(world, "A")
    item = make_item(fmea, s=9, o=6, d=6, characteristic=weak)
    make_item(fmea, s=9, o=6, d=6, characteristic=capable)
    make_item(fmea, s=2, o=2, d=2, characteristic=weak)  # action priority L: not a risk
    assert item.action_priority == "H"
    found = risks.fmea_capability_risks(world.user("cqo"))
    assert len(found) == 1
    risk = found[0]
    cpk = dict(risk.evidence)["Cpk"]
    assert float(cpk) == pytest.approx(cpk_of(1.0), abs=0.01)
    # 50 + 3 × 9 + 50 × (1.33 − 0.940) = 96.5
    assert risk.score == pytest.approx(50 + 27 + 50 * (1.33 - cpk_of(1.0)), abs=0.6)
    assert risk.site == "SA" and "LAM-WEAK" in risk.title
    assert risk.action_url.startswith(reverse("system:eightd_add"))
    assert risk.record_url == item.get_absolute_url()
    # scoping: the chart is at site A; a site-B manager sees no site-A capability
    assert risks.fmea_capability_risks(manager_b(world)) == []


# --- rule 2: supplier with rising incoming ppm --------------------------------------------


def test_supplier_with_rising_ppm(world: World) -> None:
    # X: 1, 2, 4 nonconforming per 1000 sampled → 1000, 2000, 4000 ppm (rising);
    # Y: 4000, 2000, 1000 (falling) — not a risk
    for month, x, y in ((1, 1000, 4000), (2, 2000, 2000), (3, 4000, 1000)):
        scorecard(world, world.supplier_x, date(2026, month, 1), "B", 80, x)
        scorecard(world, world.supplier_y, date(2026, month, 1), "B", 80, y)
    sqe = make_user("sqe", "supplier_quality_engineer")
    found = risks.supplier_ppm_risks(sqe)
    assert [r.title for r in found] == ["SUP-X: incoming ppm 1000 → 4000"]
    risk = found[0]
    assert risk.score == pytest.approx(40 + 60 * 3000 / 4000)  # 85.0
    assert risk.evidence == [
        ("2026-01", "1000 ppm (1000)"),
        ("2026-02", "2000 ppm (1000)"),
        ("2026-03", "4000 ppm (1000)"),
    ]
    assert risk.action_url.startswith(reverse("supplier:switchingstate_list"))


def test_two_months_are_not_a_trend(world: World) -> None:
    for month, x in ((2, 1000), (3, 4000)):
        scorecard(world, world.supplier_x, date(2026, month, 1), "B", 80, x)
    assert risks.supplier_ppm_risks(world.user("cqo")) == []


# --- rule 3: lots at risk from an open complaint ------------------------------------------


def test_suspect_lot_of_an_open_complaint(world: World) -> None:
    from tests.service.builders import make_complaint, make_plant, with_serials

    plant = make_plant(world)
    complaint = make_complaint(world)
    # the planted lot of tests/service/test_analysis.py: ML-SA-ENC-0002 feeds modules 200–299
    with_serials(world, complaint, plant.modules[216:300][::5][:15])
    found = risks.complaint_lot_risks(world.user("cqo"))
    by_lot = {r.title.split(" ")[0]: r for r in found}
    risk = by_lot["ML-SA-ENC-0002"]
    evidence = dict(risk.evidence)
    assert evidence["Failing modules with the lot"] == "15 / 15"
    assert evidence["Comparison modules with the lot"] == "85 / 385"
    q = float(evidence["q value"])
    assert q < 0.05 and risk.score == pytest.approx(60 + 40 * (1 - q), abs=0.1)
    assert risk.action_url == f"{reverse('service:at_risk')}?code=ML-SA-ENC-0002"
    assert all(r.kind == "complaint_lot" for r in found)
    # a closed complaint is no longer a risk
    type(complaint).objects.filter(pk=complaint.pk).update(status="closed")
    assert risks.complaint_lot_risks(world.user("cqo")) == []


# --- rule 4: goals forecast to miss -------------------------------------------------------


def fpy(site, month: int, good: int) -> None:
    KpiValue.objects.create(
        kpi="fpy", site=site, granularity="month", period_start=date(YEAR, month, 1),
        value=good / 10, numerator=good, denominator=1000,
    )  # fmt: skip


def test_goal_forecast_to_miss(world: World) -> None:
    # B: 99.0, 98.5, 98.0 % in January–March → trend −0.5 / month; forecast (services_goals):
    # (990 + 985 + 980 + Σ_{m=4..12}(99.5 − 0.5 m) × 10) / 12000 = (2955 + 8595) / 12000
    # = 96.25 % against a target of 99.5 → red, gap 3.25 → score 70 + min(30, 32.5) = 100
    for month, good in ((1, 990), (2, 985), (3, 980)):
        fpy(world.site_b, month, good)
    fpy(world.site_a, 1, 999)
    cqo = world.user("cqo")
    goal_b = QualityGoal.objects.create(
        code="G-B", title="FPY of B", year=YEAR, kpi="fpy", direction="at_least",
        target=99.5, amber_band=0.5, site=world.site_b, owner=cqo,
    )  # fmt: skip
    QualityGoal.objects.create(
        code="G-A", title="FPY of A", year=YEAR, kpi="fpy", direction="at_least",
        target=99.0, amber_band=0.5, site=world.site_a, owner=cqo,
    )  # fmt: skip
    QualityGoal.objects.create(
        code="G-GRP", title="Group FPY", year=YEAR, kpi="fpy", direction="at_least",
        target=99.9, amber_band=0.1, owner=cqo,
    )  # fmt: skip
    found = {r.title.split(" ")[0]: r for r in risks.goal_forecast_risks(cqo)}
    assert set(found) == {"G-B", "G-GRP"}  # A (99.9 % flat) is green
    risk = found["G-B"]
    assert dict(risk.evidence)["Forecast"] == "96.25"
    assert risk.score == 100.0
    assert risk.action_url == f"{reverse('cockpit:goalreview_add')}?goal={goal_b.pk}"
    # a site-B manager: B's goal, not the group goal (its measure spans site A)
    only_b = risks.goal_forecast_risks(manager_b(world))
    assert [r.title.split(" ")[0] for r in only_b] == ["G-B"]


# --- ranking, page, API, scoping ---------------------------------------------------------


def test_ranking_page_and_api(world: World, client_for, api_for) -> None:
    for month, x in ((1, 1000), (2, 2000), (3, 4000)):
        scorecard(world, world.supplier_x, date(2026, month, 1), "B", 80, x)
    for month, good in ((1, 990), (2, 985), (3, 980)):
        fpy(world.site_b, month, good)
    QualityGoal.objects.create(
        code="G-B", title="FPY of B", year=YEAR, kpi="fpy", direction="at_least",
        target=99.5, amber_band=0.5, site=world.site_b, owner=world.user("cqo"),
    )  # fmt: skip
    ranked = risks.open_risks(world.user("cqo"))
    assert [(r.kind, r.score) for r in ranked] == [("goal_forecast", 100.0), ("supplier_ppm", 85.0)]
    page = client_for("cqo").get(reverse("cockpit:risks"))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("G-B") < body.index("SUP-X") and "Tighten sampling" in body
    only = client_for("cqo").get(reverse("cockpit:risks"), {"kind": "supplier_ppm"})
    assert "G-B" not in only.content.decode() and "SUP-X" in only.content.decode()
    bad = client_for("cqo").get(reverse("cockpit:risks"), {"kind": "weather"})
    assert bad.status_code == 400 and "Unknown risk kind weather" in bad.content.decode()
    api = api_for("cqo").get(reverse("cockpit:api_risks"))
    assert api.status_code == 200
    assert [r["kind"] for r in api.json()["results"]] == ["goal_forecast", "supplier_ppm"]
    assert api.json()["results"][0]["evidence"][2] == {"label": "Forecast", "value": "96.25"}
    bad_api = api_for("cqo").get(reverse("cockpit:api_risks"), {"kind": "weather"})
    assert bad_api.status_code == 400 and bad_api.json()["fields"] == ["kind"]
    # the site-A engineer sees neither B's goal nor (being at a site) any ppm beyond scope
    eng_a = {r.title for r in risks.open_risks(world.user("eng_a"))}
    assert not any(t.startswith("G-B") for t in eng_a)
    # a supplier user has no risk view (internal) and no risk widget
    assert client_for("supplier_x").get(reverse("cockpit:risks")).status_code == 404
    assert api_for("supplier_x").get(reverse("cockpit:api_risks")).status_code == 404
    assert not widgets.REGISTRY["top_risks"].visible_to(world.user("supplier_x"))
    # the CQO's risk widget lists the same ranking
    rows = widgets.top_risks(world.user("cqo"))["rows"]
    assert rows[0]["title"].startswith("100 · G-B")


def test_risk_view_needs_a_login(client) -> None:
    response = client.get(reverse("cockpit:risks"))
    assert response.status_code == 302 and "/login/" in response.url
