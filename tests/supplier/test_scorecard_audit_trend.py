"""Scorecard audit weight per weights row (stored audit score and link) and the 12-month
scorecard trend on the scorecard page, with portal isolation."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qdm.supplier.models import Scorecard, ScorecardWeights
from qdm.supplier.services.scorecards import (
    audit_weight,
    compute_scorecard,
    scorecard_trend,
    trend_months,
)
from tests.personas import World
from tests.supplier.builders import glass, judge, receive, setup_iqc

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
OCTOBER = datetime.date(2026, 10, 1)


def one_good_lot(world: World) -> None:
    """One accepted lot in October 2026, nothing else: the six measures score 90
    (test_scorecards.test_scorecard_command_recomputes_without_duplicates)."""
    setup_iqc(world)
    received = datetime.datetime(2026, 10, 3, 8, 0, tzinfo=UTC)
    judge(world, receive(world, supplier_lot="OCT-01", received_at=received), bad=0)


def weights(**values: object) -> ScorecardWeights:
    return ScorecardWeights.objects.create(name=values.pop("name", "2026"), **values)


# --- 1. audit weight per weights row ---------------------------------------------------


def test_blank_audit_weight_falls_back_to_the_setting(world: World, settings) -> None:
    settings.QDM_SCORECARD_AUDIT_WEIGHT = 25
    assert audit_weight(weights(name="blank")) == 25
    assert audit_weight(weights(name="forty", weight_audit=40)) == 40
    assert audit_weight(weights(name="zero", weight_audit=0)) == 0  # 0 is not blank


def test_row_audit_weight_is_used_and_the_audit_is_stored(world: World, settings) -> None:
    from tests.system.test_supplier_audits import supplier_audit

    settings.QDM_SCORECARD_AUDIT_WEIGHT = 15
    one_good_lot(world)
    row = weights(weight_audit=40)
    card = compute_scorecard(world.supplier_x, glass().category, OCTOBER, row)
    # no audit in Nov 2025 – Oct 2026: score = the measures' 90; nothing stored
    stored = Scorecard.objects.get(pk=card.pk)
    assert (stored.score, stored.audit_score, stored.supplier_audit, stored.audit_weight) == (
        90.0,
        None,
        None,
        None,
    )
    # audit 20 Sep 2026: conforming, conforming, minor, observation = 3.4 / 4 = 85.0
    audit = supplier_audit(
        world,
        world.supplier_x,
        ["conforming", "conforming", "minor", "observation"],
        "2026-09-20T09:00:00",
    )
    card = compute_scorecard(world.supplier_x, glass().category, OCTOBER, row)
    stored = Scorecard.objects.get(pk=card.pk)
    # the row's 40 %, not the setting's 15 %: 0.6 × 90 + 0.4 × 85 = 54 + 34 = 88 → B
    assert (stored.score, stored.grade) == (88.0, "B")
    assert (stored.audit_score, stored.supplier_audit_id, stored.audit_weight) == (
        85.0,
        audit.pk,
        40,
    )
    # weight 0: the audit is found and stored, but does not count
    card = compute_scorecard(
        world.supplier_x, glass().category, OCTOBER, weights(name="no audit", weight_audit=0)
    )
    stored = Scorecard.objects.get(pk=card.pk)
    assert (stored.score, stored.audit_score, stored.audit_weight) == (90.0, 85.0, None)


def test_weights_rule_six_measures_add_to_100_audit_apart(world: World) -> None:
    ok = ScorecardWeights(name="ok", weight_audit=20)  # 30+25+10+10+15+10 = 100
    ok.full_clean()
    with pytest.raises(ValidationError, match=r"must add up to 100 \(now 95\)"):
        ScorecardWeights(name="short", weight_ppm=25).full_clean()
    with pytest.raises(ValidationError) as error:
        ScorecardWeights(name="big", weight_audit=120).full_clean()
    assert "weight_audit" in error.value.message_dict


def test_api_takes_and_refuses_the_audit_weight(world: World, api_for) -> None:
    api = api_for("cqo")
    body = {
        "name": "FY2027",
        "active": False,
        "weight_ppm": 30,
        "weight_acceptance": 25,
        "weight_scar": 10,
        "weight_on_time": 10,
        "weight_repeat": 15,
        "weight_certificate": 10,
        "weight_audit": 20,
        "ppm_limit": 10000,
        "grade_a": 90,
        "grade_b": 75,
        "grade_c": 60,
    }
    created = api.post("/api/v1/supplier/scorecard-weights/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["weight_audit"] == 20
    bad = api.post(
        "/api/v1/supplier/scorecard-weights/",
        {**body, "name": "FY2028", "weight_audit": 120},
        format="json",
    )
    assert bad.status_code == 400 and "weight_audit" in json.dumps(bad.json())
    short = api.post(
        "/api/v1/supplier/scorecard-weights/",
        {**body, "name": "FY2029", "weight_ppm": 20},
        format="json",
    )
    assert short.status_code == 400 and "now 90" in json.dumps(short.json())
    assert list(ScorecardWeights.objects.values_list("name", flat=True)) == ["FY2027"]


# --- 2. trend --------------------------------------------------------------------------


def card(world: World, supplier: object, month: datetime.date, **values: object) -> Scorecard:
    return Scorecard.objects.create(
        supplier=supplier, category=glass().category, month=month, **values
    )


def test_trend_months_cross_the_year() -> None:
    months = trend_months(datetime.date(2026, 3, 17))
    assert len(months) == 12
    assert (months[0], months[-1]) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 1))


def test_trend_of_twelve_months_with_gaps(world: World) -> None:
    # months kept: Nov 2025 (the first of the 12), Mar 2026 and Oct 2026 (the card's)
    card(world, world.supplier_x, datetime.date(2025, 10, 1), score=10, grade="D")  # 13th: out
    card(world, world.supplier_x, datetime.date(2025, 11, 1), score=70, grade="C", ppm=900)
    card(world, world.supplier_x, datetime.date(2026, 3, 1), score=80.5, grade="B",
         ppm=450.0, acceptance_rate=95.0)  # fmt: skip
    last = card(world, world.supplier_x, OCTOBER, score=92, grade="A", ppm=0)
    card(world, world.supplier_y, datetime.date(2026, 9, 1), score=50, grade="D")  # other supplier
    trend = scorecard_trend(Scorecard.objects.all(), last)
    assert trend["months"][0] == "2025-11" and trend["months"][-1] == "2026-10"
    assert trend["score"] == [70, None, None, None, 80.5, None, None, None, None, None, None, 92]
    assert trend["grade"][0] == "C" and trend["grade"][4] == "B" and trend["grade"][11] == "A"
    assert trend["ppm"][4] == 450.0 and trend["acceptance"][4] == 95.0
    assert trend["score"][10] is None  # Y's September is not X's


def test_scorecard_page_shows_trend_and_audit(world: World, client_for) -> None:
    card(world, world.supplier_x, datetime.date(2026, 9, 1), score=80.5, grade="B")
    last = card(world, world.supplier_x, OCTOBER, score=88, grade="B", audit_score=85.0,
                audit_weight=40)  # fmt: skip
    for persona in ("cqo", "supplier_x"):
        page = client_for(persona).get(last.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="supplier-scorecard-data"' in html and "supplier_scorecard.js" in html
        assert 'data-testid="scorecard-score-chart"' in html
        assert "85.00" in html and "weighing 40 percent" in html
        data = page.context["trend"]
        assert data["score"][-2:] == [80.5, 88] and data["limits"] == {"A": 90, "B": 75, "C": 60}
    from django.test import Client

    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(world.user("supplier_x"))
    assert chinese.get(last.get_absolute_url()).status_code == 200
    api = client_for("supplier_x")
    assert "<script>" not in api.get(last.get_absolute_url()).content.decode()


def test_portal_user_gets_404_for_another_suppliers_trend(world: World, client_for) -> None:
    theirs = card(world, world.supplier_y, OCTOBER, score=50, grade="D")
    card(world, world.supplier_x, OCTOBER, score=92, grade="A")
    browser = client_for("supplier_x")
    assert browser.get(theirs.get_absolute_url()).status_code == 404
    assert (
        browser.get(reverse("supplier:scorecard_detail", args=[theirs.pk + 999])).status_code == 404
    )
