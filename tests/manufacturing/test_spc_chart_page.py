"""The chart page and its data: points, frozen limits, zones, violations, the dispersion
chart, histogram and capability; annotations; scope (404 outside it)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.data.models import Specification
from qdm.manufacturing.models import SpcAnnotation
from qdm.manufacturing.services import evaluate_new_points
from tests.manufacturing.test_spc_monitoring import frozen_chart, new_points
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

DATA_BLOCK = re.compile(r'<script id="spc-chart-data" type="application/json">(.*?)</script>', re.S)


def page_data(response: Any) -> dict[str, Any]:
    match = DATA_BLOCK.search(response.content.decode())
    assert match, "no JSON data block on the page"
    return json.loads(match.group(1))


@pytest.fixture
def chart(world: World) -> Any:
    config = frozen_chart(world)
    Specification.objects.create(
        characteristic=config.characteristic,
        lsl=145.0,
        target=150.0,
        usl=155.0,
        valid_from=config.baseline_from - timedelta(days=1),
    )
    times = new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    evaluate_new_points(config)
    config.refresh_from_db()
    config.violation_time = times[3]
    return config


def window(config: Any) -> dict[str, str]:
    start = timezone.localtime(config.baseline_from).date()
    end = timezone.localtime(config.last_evaluated_at).date()
    return {"from": start.isoformat(), "to": end.isoformat()}


def test_the_chart_page_carries_points_limits_zones_and_violations(chart: Any, client_for) -> None:
    response = client_for("eng_a").get(chart.get_chart_url(), window(chart))
    assert response.status_code == 200
    data = page_data(response)
    assert data["count"] == 106 and len(data["points"]) == 106 and len(data["t"]) == 106
    assert data["frozen"] is True
    assert data["center"] == pytest.approx(chart.center)
    assert (data["lcl"], data["ucl"]) == (pytest.approx(chart.lcl), pytest.approx(chart.ucl))
    zones = data["zones"]
    assert zones["plus1"] == pytest.approx(chart.center + chart.sigma)
    assert zones["minus2"] == pytest.approx(chart.center - 2 * chart.sigma)
    assert [(v["index"], v["rule"], v["part"]) for v in data["violations"]] == [(103, 1, "primary")]
    assert data["subjects"][103] == [f"{chart.line.code}-LAM-{chart.violation_time:%Y%m%d%H%M}"]
    assert data["secondary"]["chart"] == "MR" and data["secondary"]["offset"] == 1
    assert data["spec"] == {"lsl": 145.0, "target": 150.0, "usl": 155.0, "version": 1}
    assert sum(data["histogram"]["counts"]) == 106
    assert data["capability"]["n"] == 106 and data["capability"]["cpk"] > 0
    html = response.content.decode()
    assert 'src="/static/qdm/spc.js"' in html
    assert "One point beyond 3σ" in html  # the violation list under the chart
    assert f"?code={chart.line.code}-LAM-" in html  # linked to the units behind the point


def test_the_default_window_is_the_last_30_days(chart: Any, client_for) -> None:
    data = page_data(client_for("eng_a").get(chart.get_chart_url()))
    assert data["count"] == 106  # baseline 20 days ago … new points after it, all in 30 days


def test_the_api_gives_the_same_chart_data(chart: Any, api_for) -> None:
    url = f"/api/v1/manufacturing/spc-charts/{chart.pk}/data/"
    response = api_for("eng_a").get(url, window(chart))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 106 and data["violations"][0]["rule"] == 1
    assert data["ucl"] == pytest.approx(chart.ucl)
    violations = api_for("eng_a").get("/api/v1/manufacturing/spc-violations/").json()
    assert [v["rule"] for v in violations["results"]] == [1]


def test_site_b_engineer_gets_404_on_a_site_a_chart(chart: Any, client_for, api_for) -> None:
    assert client_for("eng_b").get(chart.get_chart_url()).status_code == 404
    assert (
        api_for("eng_b").get(f"/api/v1/manufacturing/spc-charts/{chart.pk}/data/").status_code
        == 404
    )
    assert client_for("cqo").get(chart.get_chart_url()).status_code == 200
    annotate = reverse("manufacturing:spcchartconfig_annotate", args=[chart.pk])
    response = client_for("eng_b").post(annotate, {"point_time": "2026-01-01T08:00", "text": "x"})
    assert response.status_code == 404
    assert not SpcAnnotation.objects.exists()
    assert api_for("eng_b").get("/api/v1/manufacturing/spc-violations/").json()["results"] == []


def test_an_outsider_and_a_supplier_user_cannot_open_charts(chart: Any, client_for) -> None:
    for persona in ("outsider", "supplier_x"):
        assert client_for(persona).get(chart.get_chart_url()).status_code == 404


def test_an_annotation_is_added_on_the_page_and_shown(chart: Any, client_for) -> None:
    client = client_for("eng_a")
    annotate = reverse("manufacturing:spcchartconfig_annotate", args=[chart.pk])
    when = chart.violation_time.strftime("%Y-%m-%dT%H:%M")
    bad = client.post(annotate, {"point_time": when, "text": ""})
    assert bad.status_code == 400
    response = client.post(annotate, {"point_time": when, "text": "Heater zone 3 relay replaced"})
    assert response.status_code == 302
    note = SpcAnnotation.objects.get()
    assert note.author.username == "eng_a"
    data = page_data(client.get(chart.get_chart_url(), window(chart)))
    assert [(a["text"], a["author"]) for a in data["annotations"]] == [
        ("Heater zone 3 relay replaced", "eng_a")
    ]


def test_the_detail_page_offers_the_chart_and_the_signed_freeze(world: World, client_for) -> None:
    from tests.manufacturing.test_spc_monitoring import chart_with_baseline

    config = chart_with_baseline(world)
    client = client_for("eng_a")
    html = client.get(config.get_absolute_url()).content.decode()
    assert config.get_chart_url() in html
    assert "Freeze limits" in html and 'name="password"' in html
    url = reverse("core:transition", args=["manufacturing", "spcchartconfig", config.pk, "freeze"])
    client.post(url, {"password": "wrong", "reason": "ok", "meaning": "approved"})
    config.refresh_from_db()
    assert config.status == "draft"
    client.post(url, {"password": PASSWORD, "reason": "ok", "meaning": "approved"})
    config.refresh_from_db()
    assert config.status == "active" and config.center is not None


def test_a_draft_chart_page_is_a_preview(world: World, client_for) -> None:
    from tests.manufacturing.test_spc_monitoring import chart_with_baseline

    config = chart_with_baseline(world)
    response = client_for("eng_a").get(config.get_chart_url())
    data = page_data(response)
    assert data["frozen"] is False and data["count"] == 100 and data["center"] is not None
    assert "this is a preview" in response.content.decode()


def test_the_lists_and_navigation(chart: Any, client_for) -> None:
    client = client_for("eng_a")
    listing = client.get(reverse("manufacturing:spcchartconfig_list")).content.decode()
    assert chart.name in listing and chart.get_chart_url() in listing
    violations = client.get(reverse("manufacturing:spcviolation_list")).content.decode()
    assert chart.name in violations
    index = client.get(reverse("manufacturing:index")).content.decode()
    assert "SPC charts" in index and "SPC violations" in index
