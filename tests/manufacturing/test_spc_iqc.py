"""IQC control charts keyed on supplier × material (not on a line): only that supplier's
lots of that material at the chart's site are plotted; evaluation, holds of the lots, the
ingestion hook, the chart page, validation and scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from qdm.core.workflow import transition
from qdm.data.models import Measurement, Unit
from qdm.manufacturing.models import Hold, SpcChartConfig, SpcViolation
from qdm.manufacturing.services import evaluate_new_points, on_measurements_ingested
from qdm.manufacturing.services.spc import create_chart_config, measurements
from tests.manufacturing.builders import baseline_period
from tests.manufacturing.test_inspection_builders import glass, glass_characteristics
from tests.personas import PASSWORD, World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db

#: glass thickness of supplier X's lots at site A during the baseline, one lot per 8 hours
X_AT_A = np.random.default_rng(7).normal(3.2, 0.04, 30).round(4)
D2_2 = 1.128  # d2 for moving ranges of two (Montgomery, Appendix VI)


def lot_with_value(world: World, code: str, site, supplier, at, value: float) -> Unit:
    unit = Unit.objects.create(
        code=code,
        kind="material_lot",
        site=site,
        material=glass(),
        supplier=supplier,
        quantity=1000,
        produced_at=at,
    )
    Measurement.objects.create(
        characteristic=glass_characteristics()[0],
        subject=code,
        measured_at=at + timedelta(hours=3),
        value=value,
        site=site,
        line=None,
    )
    return unit


def iqc_chart(world: World, place: str = "A", **extra: Any) -> SpcChartConfig:
    start, end = baseline_period()
    return create_chart_config(
        actor=world.user("eng_a" if place == "A" else "eng_b"),
        **{
            "name": f"Glass thickness · Supplier X · {place}",
            "characteristic": glass_characteristics()[0],
            "supplier": world.supplier_x,
            "material": glass(),
            "site": world.site_a if place == "A" else world.site_b,
            "chart_type": "imr",
            "rule_set": "nelson",
            "baseline_from": start,
            "baseline_to": end,
            **extra,
        },
    )


def with_baseline(world: World, **extra: Any) -> SpcChartConfig:
    config = iqc_chart(world, **extra)
    start = config.baseline_from
    for i, value in enumerate(X_AT_A):
        at = start + timedelta(hours=8 * i)
        lot_with_value(world, f"GX-A-{i:03d}", world.site_a, world.supplier_x, at, value)
        # noise that must not be plotted: supplier Y at A, supplier X at site B
        lot_with_value(world, f"GY-A-{i:03d}", world.site_a, world.supplier_y, at, 3.5)
        lot_with_value(world, f"GX-B-{i:03d}", world.site_b, world.supplier_x, at, 2.0)
    return config


def frozen(world: World, **extra: Any) -> SpcChartConfig:
    config = with_baseline(world, **extra)
    transition(config, "freeze", actor=world.user("eng_a"), password=PASSWORD, reason="ok")
    config.refresh_from_db()
    return config


def test_only_the_suppliers_lots_of_the_material_at_the_site_are_plotted(world: World) -> None:
    config = frozen(world)
    assert measurements(config).count() == 30
    x = X_AT_A.astype(float)
    assert config.site == world.site_a and config.line is None and config.is_iqc
    assert config.center == pytest.approx(x.mean(), rel=1e-12)
    assert config.sigma == pytest.approx(np.mean(np.abs(np.diff(x))) / D2_2, rel=1e-12)


def test_a_bad_lot_is_a_violation_and_is_held(world: World) -> None:
    config = frozen(world, hold_on_violation=True, open_nc_on_violation=True)
    after = config.baseline_to + timedelta(hours=8)
    lot_with_value(world, "GX-A-NEW1", world.site_a, world.supplier_x, after, config.center)
    bad = config.center + 5 * config.sigma
    later = after + timedelta(hours=8)
    lot_with_value(world, "GX-A-BAD", world.site_a, world.supplier_x, later, bad)
    lot_with_value(world, "GY-A-BAD", world.site_a, world.supplier_y, after, 9.9)
    found = evaluate_new_points(config)
    # beyond 3σ, and its moving range beyond the MR chart's UCL: both at the bad lot
    assert {(v.part, v.rule) for v in found} == {("primary", 1), ("secondary", 1)}
    assert {tuple(v.subject_list) for v in found} == {("GX-A-BAD",)}
    hold = Hold.objects.get()
    assert list(hold.units.values_list("code", flat=True)) == ["GX-A-BAD"]
    assert hold.supplier == world.supplier_x
    assert all(v.hold == hold and v.nonconformity == hold.nonconformity for v in found)


def test_the_ingestion_hook_evaluates_iqc_charts_for_measurements_without_a_line(
    world: World,
) -> None:
    config = frozen(world)
    after = config.baseline_to + timedelta(hours=8)
    lot_with_value(world, "GX-A-N1", world.site_a, world.supplier_x, after, config.center)
    lot_with_value(
        world, "GX-A-N2", world.site_a, world.supplier_x, after + timedelta(hours=8), 9.0
    )
    char = glass_characteristics()[0].pk
    assert on_measurements_ingested(world.site_b, [None], [char]) == 0
    assert on_measurements_ingested(world.site_a, [world.line_a.pk], [char]) == 0
    assert on_measurements_ingested(world.site_a, [None], [char]) == 2  # X and MR
    assert {tuple(v.subject_list) for v in SpcViolation.objects.all()} == {("GX-A-N2",)}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"supplier": None, "material": None}, "line", "Choose a line, or a supplier"),
        ({"material": None}, "material", "needs the material"),
        ({"supplier": None}, "supplier", "needs the supplier"),
        ({"site": None}, "site", "needs the site"),
        ({"line": "A"}, "line", "not both"),
    ],
)
def test_the_keys_must_say_line_or_supplier_and_material(
    world: World, fields: dict, field: str, message: str
) -> None:
    if fields.get("line") == "A":
        fields = {"line": world.line_a}
    with pytest.raises(ValidationError) as exc:
        iqc_chart(world, **fields)
    assert message in " ".join(exc.value.message_dict[field])
    assert not SpcChartConfig.objects.exists()


def test_a_line_chart_takes_its_site_from_the_line(world: World) -> None:
    from tests.manufacturing.builders import make_chart

    chart = make_chart(world, "B")
    assert chart.site == world.site_b and not chart.is_iqc


def test_the_chart_page_of_an_iqc_chart(world: World, client_for) -> None:
    config = frozen(world)
    url = config.get_chart_url()
    page = client_for("eng_a").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Supplier X" in html and "GX-A-000" in html and "GY-A-000" not in html
    assert client_for("eng_b").get(url).status_code == 404
    assert client_for("supplier_x").get(url).status_code == 404
    api = client_for("cqo").get(f"/api/v1/manufacturing/spc-charts/{config.pk}/data/")
    assert api.status_code == 200 and api.json()["count"] == 30
    assert api.json()["spec"]["usl"] == 3.4  # the glass specification of the material


def test_the_api_validates_the_keys(world: World, api_for) -> None:
    start, end = baseline_period()
    body = {
        "name": "IQC chart",
        "characteristic": glass_characteristics()[0].pk,
        "supplier": world.supplier_x.pk,
        "site": world.site_a.pk,
        "chart_type": "imr",
        "baseline_from": start.isoformat(),
        "baseline_to": end.isoformat(),
    }
    refused = api_for("eng_a").post("/api/v1/manufacturing/spc-charts/", body, format="json")
    assert refused.status_code == 400
    assert "material" in refused.json()["error"]["fields"]
    assert not SpcChartConfig.objects.exists()
    body["material"] = glass().pk
    done = api_for("eng_a").post("/api/v1/manufacturing/spc-charts/", body, format="json")
    assert done.status_code == 201, done.json()
    assert done.json()["supplier"] == world.supplier_x.pk and done.json()["line"] is None


class TestIqcChartScope(ScopedModelContract):
    """IQC charts are scoped by their site; supplier users have no manufacturing permission
    (core/roles.py), so they see none — not even their own."""

    model = SpcChartConfig
    api_prefix = "manufacturing/spc-charts"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("name", "Edited IQC chart")

    def existing(self, world: World, place: str) -> Any:
        return iqc_chart(world, place, name=f"IQC chart at {place}")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        start, end = baseline_period()
        return {
            "name": code,
            "characteristic": glass_characteristics()[0].pk,
            "supplier": world.supplier_x.pk,
            "material": glass().pk,
            "site": world.where(place).pk,
            "chart_type": "imr",
            "subgroup_size": 1,
            "rule_set": "nelson",
            "baseline_from": start.strftime("%Y-%m-%dT%H:%M"),
            "baseline_to": end.strftime("%Y-%m-%dT%H:%M"),
            "notify": "on",
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = self.form_data(world, place, code)
        start, end = baseline_period()
        data.update(baseline_from=start.isoformat(), baseline_to=end.isoformat(), notify=True)
        return data

    def created(self, code: str) -> Any:
        return SpcChartConfig.objects.filter(name=code)

    def label(self, obj: Any) -> str:
        return obj.name


def test_the_demo_iqc_chart(world: World) -> None:
    from types import SimpleNamespace

    from qdm.core.demo import DEMO_PASSWORD
    from qdm.manufacturing.demo import build_iqc_chart
    from tests.personas import make_user

    manager = make_user("sqm.sa", "site_quality_manager", site=world.site_a)
    manager.set_password(DEMO_PASSWORD)
    manager.save()
    ctx = SimpleNamespace(users={"admin": world.user("cqo"), "sqm.sa": manager}, log=[])
    start = baseline_period()[0]
    for i, value in enumerate(X_AT_A[:16]):
        at = start + timedelta(hours=8 * i)
        lot_with_value(world, f"GX-A-{i:03d}", world.site_a, world.supplier_x, at, value)
    build_iqc_chart(ctx)
    config = SpcChartConfig.objects.get()
    assert config.name == "IQC-GLS-THK SUP-X GLS-AR-3.2 SA I-MR"
    assert (config.supplier, config.material, config.site) == (
        world.supplier_x,
        glass(),
        world.site_a,
    )
    assert config.status == "active" and config.baseline_points == 8  # half of the 16 lots
    assert config.center == pytest.approx(X_AT_A[:8].astype(float).mean(), rel=1e-12)
    build_iqc_chart(ctx)
    assert SpcChartConfig.objects.count() == 1


def test_results_typed_into_an_iqc_lot_become_the_lots_measurements_and_are_charted(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Inspectors type thickness results into an IQC lot; the supplier × material chart
    must see them as measurements of that lot (one per sample, in sample order) and
    evaluate them after commit. Re-recording a sample replaces its value."""
    from qdm.manufacturing.services.inspection import open_inspection_lot, record_results
    from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan

    config = frozen(world)
    plan = glass_plan(world)
    unit = glass_lot(world, "A", code="GLS-TYPED-001")
    lot = open_inspection_lot(actor=world.user("eng_a"), plan=plan, unit=unit, quantity=100)
    rows = [
        {"characteristic": "IQC-GLS-THK", "sample": i + 1, "result": v}
        for i, v in enumerate([3.21, 3.19, 4.10])  # 4.10 mm is far beyond the 3σ limits
    ]
    with django_capture_on_commit_callbacks(execute=True):
        record_results(lot, rows, actor=world.user("eng_a"))
    stored = list(
        Measurement.objects.filter(subject="GLS-TYPED-001")
        .order_by("measured_at")
        .values_list("value", flat=True)
    )
    assert stored == [3.21, 3.19, 4.10]
    assert list(
        measurements(config).filter(subject="GLS-TYPED-001").values_list("value", flat=True)
    )
    # the point of 4.10 mm is flagged by rule 1 on the IQC chart
    assert SpcViolation.objects.filter(config=config, rule=1).exists()
    # re-recording sample 3 replaces its measurement instead of adding one
    with django_capture_on_commit_callbacks(execute=True):
        record_results(
            lot,
            [{"characteristic": "IQC-GLS-THK", "sample": 3, "result": 3.20}],
            actor=world.user("eng_a"),
        )
    assert Measurement.objects.filter(subject="GLS-TYPED-001").count() == 3
    assert sorted(
        Measurement.objects.filter(subject="GLS-TYPED-001").values_list("value", flat=True)
    ) == [3.19, 3.20, 3.21]
