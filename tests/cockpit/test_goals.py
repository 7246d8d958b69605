"""Quality goals cascaded company → department → post: status and forecast measured from
hand-built monthly KPI values (expected numbers worked out in the comments), the cascade's
rules, PDCA reviews and scoping."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qdm.cockpit.models import GoalReview, Granularity, KpiValue, QualityGoal
from qdm.cockpit.services_goals import (
    AMBER,
    GREEN,
    NO_DATA,
    RED,
    measure_goal,
    save_goal,
    save_review,
)
from tests.personas import World
from tests.scoping import ScopedModelContract
from tests.system.builders_ims import make_department, make_post

pytestmark = pytest.mark.django_db

YEAR = 2026


def month_rows(site: Any, kpi: str, figures: list[tuple[float, float | None]]) -> None:
    """(numerator, denominator) for January, February, … of YEAR."""
    for i, (num, den) in enumerate(figures, start=1):
        KpiValue.objects.create(
            kpi=kpi,
            site=site,
            granularity=Granularity.MONTH,
            period_start=date(YEAR, i, 1),
            numerator=num,
            denominator=den,
            value=(100.0 * num / den) if den else num,
        )


def goal(world: World, code: str, kpi: str = "fpy", **fields: Any) -> QualityGoal:
    data = {
        "title": f"Goal {code}",
        "year": YEAR,
        "level": "company",
        "kpi": kpi,
        "target": 98.5,
        "amber_band": 0.5,
        "owner": world.user("cqo"),
        **fields,
    }
    return save_goal(None, actor=world.user("cqo"), code=code, **data)


def test_fpy_status_and_forecast(world: World) -> None:
    # Jan 98.0 %, Feb 99.0 %, Mar 98.5 % of 1000 modules each
    month_rows(world.site_a, "fpy", [(980, 1000), (990, 1000), (985, 1000)])
    g = goal(world, "G-FPY-A", site=world.site_a)
    assert g.direction == "at_least"  # the KPI's own direction (FPY: higher is better)
    m = measure_goal(g)
    # YTD rate 2955 / 3000 = 98.5 % → exactly on target → green
    assert m.actual == pytest.approx(98.5)
    assert m.status == GREEN
    # least squares through (1, 98.0), (2, 99.0), (3, 98.5): slope 0.25, intercept 98.0;
    # Apr..Dec = 99.0, 99.25, 99.5, 99.75, 100 and four more clipped to 100 → Σ 897.5;
    # weighted with 1000 each: (295 500 + 897 500) / 12 000 = 99.41667
    assert m.forecast == pytest.approx(1193000 / 12000)
    assert m.forecast_status == GREEN
    assert [round(v, 2) for _d, v in m.trend][:5] == [99.0, 99.25, 99.5, 99.75, 100.0]
    # the same values against tighter targets: 98.5 misses 99.0 by 0.5 = the band → amber,
    # misses 99.5 by 1.0 > 0.5 → red
    g.target = 99.0
    assert measure_goal(g).status == AMBER
    g.target = 99.5
    assert measure_goal(g).status == RED


def test_group_goal_combines_the_sites(world: World) -> None:
    month_rows(world.site_a, "fpy", [(980, 1000)])
    month_rows(world.site_b, "fpy", [(900, 1000)])
    g = goal(world, "G-FPY")
    m = measure_goal(g)
    # (980 + 900) / 2000 = 94.0 %; one month only → flat forecast 94.0
    assert m.actual == pytest.approx(94.0)
    assert m.forecast == pytest.approx(94.0)
    assert m.status == RED and m.forecast_status == RED


def test_count_goals_sum_and_last(world: World) -> None:
    # complaints (sum): 1, 2, 3 in Jan..Mar; goal ≤ 12 a year
    month_rows(world.site_a, "complaints", [(1, None), (2, None), (3, None)])
    g = goal(world, "G-CPL", kpi="complaints", site=world.site_a, target=12, amber_band=1)
    assert g.direction == "at_most"
    m = measure_goal(g)
    assert m.actual == 6  # YTD total
    # target pro-rated to March: 12 × 3 / 12 = 3; 6 misses it by 3 > 1 → red
    assert m.status == RED
    # trend slope 1, intercept 0 → Apr..Dec 4 + … + 12 = 72; forecast 6 + 72 = 78
    assert m.forecast == pytest.approx(78)
    # open findings (last): 8 then 6; actual is the latest month, forecast the mean 7
    month_rows(world.site_a, "open_findings", [(8, None), (6, None)])
    f = goal(world, "G-FIND", kpi="open_findings", site=world.site_a, target=6, amber_band=1)
    m = measure_goal(f)
    assert m.actual == 6 and m.status == GREEN
    assert m.forecast == pytest.approx(7) and m.forecast_status == AMBER


def test_ppm_goal_uses_the_kpi_scale(world: World) -> None:
    # complaint ppm: 2 complaint modules of 40 000 shipped in Jan, 1 of 50 000 in Feb
    month_rows(world.site_a, "complaint_ppm", [(2, 40_000), (1, 50_000)])
    g = goal(world, "G-PPM", kpi="complaint_ppm", site=world.site_a, target=50, amber_band=5)
    assert g.direction == "at_most"
    m = measure_goal(g)
    # YTD 3 / 90 000 × 10⁶ = 33.33 ppm (a percentage scale would give 0.0033) → green
    assert m.actual == pytest.approx(3 / 90_000 * 1e6)
    assert m.status == GREEN


def test_no_values_is_no_data(world: World) -> None:
    m = measure_goal(goal(world, "G-EMPTY", site=world.site_b))
    assert m.actual is None and m.status == NO_DATA and m.forecast_status == NO_DATA


def cascade(world: World) -> dict[str, Any]:
    qa_a = make_department(world, "QA-A", "A")
    qe_a = make_post(world, "QE-A", qa_a, [world.user("eng_a")], "A")
    top = goal(world, "G-1")
    dep = goal(world, "G-1-A", level="department", parent=top, site=world.site_a, department=qa_a)
    post = goal(
        world,
        "G-1-A-QE",
        level="post",
        parent=dep,
        site=world.site_a,
        department=qa_a,
        post=qe_a,
        owner=world.user("eng_a"),
    )
    return {"top": top, "dep": dep, "post": post, "qa_a": qa_a, "qe_a": qe_a}


def test_cascade_rules_name_the_problem_and_save_nothing(world: World) -> None:
    c = cascade(world)
    before = QualityGoal.objects.count()
    cases = [
        ({"level": "department", "department": c["qa_a"], "site": world.site_a}, "parent"),
        ({"level": "department", "parent": c["top"], "site": world.site_a}, "department"),
        ({"level": "post", "parent": c["top"], "post": c["qe_a"]}, "parent"),
        (
            {
                "level": "department",
                "parent": c["top"],
                "department": c["qa_a"],
                "kpi": "scrap_rate",
            },
            "kpi",
        ),
        (
            {
                "level": "department",
                "parent": c["top"],
                "department": c["qa_a"],
                "site": world.site_b,
            },
            "department",
        ),
        ({"level": "department", "parent": c["top"], "department": c["qa_a"]}, "department"),
        ({"kpi": "nonsense"}, "kpi"),
        ({"amber_band": -1}, "amber_band"),
        ({"parent": c["top"]}, "parent"),
    ]
    for fields, key in cases:
        with pytest.raises(ValidationError) as err:
            goal(world, "G-BAD", **fields)
        assert key in err.value.message_dict, (fields, err.value.message_dict)
    assert QualityGoal.objects.count() == before
    # a change that breaks the cascade is refused and leaves the row as it was
    with pytest.raises(ValidationError):
        save_goal(c["post"], actor=world.user("cqo"), kpi="scrap_rate")
    c["post"].refresh_from_db()
    assert c["post"].kpi == "fpy"


def test_review_stores_the_measure_at_the_time(world: World) -> None:
    month_rows(world.site_a, "fpy", [(970, 1000)])
    g = goal(world, "G-R", site=world.site_a)
    review = save_review(
        None,
        actor=world.user("cqo"),
        goal=g,
        reviewed_on=date(YEAR, 2, 5),
        phase="check",
        findings="January FPY 97.0 %: EL micro-cracks after stringer change.",
        actions="Re-qualify stringer 3 tab ribbon tension.",
    )
    assert review.actual_at_review == pytest.approx(97.0)
    assert review.status_at_review == RED  # misses 98.5 by 1.5 > 0.5
    assert review.reviewer == world.user("cqo")


def test_cascade_page_and_detail_are_scoped(world: World, client_for) -> None:
    c = cascade(world)
    b_goal = goal(world, "G-B", site=world.site_b)
    page = client_for("eng_b").get(reverse("cockpit:goals") + f"?year={YEAR}")
    html = page.content.decode()
    assert 'data-goal="G-B"' in html and 'data-goal="G-1"' in html  # group goal visible
    assert 'data-goal="G-1-A"' not in html and 'data-goal="G-1-A-QE"' not in html
    assert client_for("eng_b").get(c["dep"].get_absolute_url()).status_code == 404
    page = client_for("eng_a").get(reverse("cockpit:goals") + f"?year={YEAR}")
    html = page.content.decode()
    assert 'data-goal="G-1-A-QE"' in html and 'data-goal="G-B"' not in html
    bad = client_for("eng_a").get(reverse("cockpit:goals") + "?year=abc")
    assert "Year abc is not a year" in bad.content.decode()
    detail = client_for("cqo").get(b_goal.get_absolute_url())
    assert detail.status_code == 200 and 'data-testid="goal-measure"' in detail.content.decode()


def test_api_shows_the_measure_and_refuses_typing_it(world: World, api_for) -> None:
    month_rows(world.site_a, "fpy", [(985, 1000)])
    g = goal(world, "G-API", site=world.site_a)
    api = api_for("cqo")
    row = api.get(f"/api/v1/cockpit/quality-goals/{g.pk}/").json()
    assert row["measured"]["actual"] == pytest.approx(98.5)
    assert row["measured"]["status"] == GREEN
    resp = api.patch(
        f"/api/v1/cockpit/quality-goals/{g.pk}/", {"measured": {"actual": 100}}, format="json"
    )
    assert resp.status_code == 400
    assert api_for("eng_b").get(f"/api/v1/cockpit/quality-goals/{g.pk}/").status_code == 404


# --- scoping contracts ---------------------------------------------------------------------

VIEWERS = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}


class TestQualityGoalScope(ScopedModelContract):
    model = QualityGoal
    api_prefix = "cockpit/quality-goals"
    can_view = VIEWERS
    can_add = {"cqo": {"A", "B"}}
    can_change = {"cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited goal")

    def existing(self, world: World, place: str) -> Any:
        return goal(world, f"G-{place}", site=world.where(place))

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "title": "Module FPY",
            "year": YEAR,
            "level": "company",
            "kpi": "fpy",
            "direction": "at_least",
            "target": 98.5,
            "amber_band": 0.5,
            "site": world.where(place).pk,
            "owner": world.user("cqo").pk,
        }


class TestGoalReviewScope(ScopedModelContract):
    model = GoalReview
    api_prefix = "cockpit/goal-reviews"
    can_view = VIEWERS
    can_add = {"cqo": {"A", "B"}}
    can_change = {"cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("actions", "Edited actions")

    def goal_at(self, world: World, place: str) -> QualityGoal:
        found = QualityGoal.objects.filter(code=f"G-{place}").first()
        return found or goal(world, f"G-{place}", site=world.where(place))

    def existing(self, world: World, place: str) -> Any:
        return save_review(
            None,
            actor=world.user("cqo"),
            goal=self.goal_at(world, place),
            reviewed_on=date(YEAR, 3, 1),
            phase="check",
            findings=f"REV-{place}",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "goal": self.goal_at(world, place).pk,
            "reviewed_on": "2026-03-02",
            "phase": "act",
            "findings": code,
            "actions": "Tighten EL sampling",
        }

    def created(self, code: str) -> Any:
        return GoalReview.objects.filter(findings=code)

    def label(self, obj: Any) -> str:
        return str(obj.goal.code)


def test_demo_goals_cascade_and_are_idempotent(world: World) -> None:
    from types import SimpleNamespace

    from qdm.cockpit.demo_goals import build_goals

    for site, place in (("JX1", "A"), ("ZJ1", "B")):
        dep = make_department(world, f"{site}-QA", place)
        make_post(world, f"{site}-QE", dep, [world.user("eng_a")], place)
    users = {"admin": world.user("cqo"), "cqo": world.user("cqo")}
    ctx = SimpleNamespace(log=[], users=users, sites={"JX1": world.site_a, "ZJ1": world.site_b})
    build_goals(ctx)
    build_goals(ctx)
    # FPY: group → 2 sites → 2 posts (5); scrap: group → JX1 (2); complaints (1)
    assert QualityGoal.objects.count() == 8
    assert GoalReview.objects.count() == 1
    post_goal = QualityGoal.objects.get(code__endswith="-FPY-ZJ1-QE")
    assert post_goal.parent.parent.code.endswith("-FPY") and post_goal.site == world.site_b
