"""COPQ prediction: the combination of the time-series forecast with the Weibull warranty-
returns forecast (reference values recomputed here from ``qdm.quality.reliability`` and
``qdm.cockpit.forecast`` on the same hand-typed data), the intervals, the backtest errors
and the page."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.cockpit.copq import save_cost_record, save_exchange_rate
from qdm.cockpit.copq_forecast import WarrantyPart, combine, forecast_copq
from qdm.cockpit.forecast import Forecast, forecast
from qdm.data.models import Unit
from qdm.quality.reliability import fit_weibull, forecast_returns
from qdm.service.models import ReturnedModule
from qdm.service.selectors import warranty_returns_forecast
from tests.personas import World
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db
SHIPPED = date(2026, 3, 20)
FAILURE_DAYS = [91, 182, 273, 303, 333]
COSTS = [300, 350, 400, 450, 500]  # USD; mean 400


def test_combine_adds_values_and_intervals_in_quadrature() -> None:
    base = Forecast("ses", 5.0, [100.0, 50.0], [80.4, 30.4], [119.6, 69.6])
    warranty = WarrantyPart(values=[10.0, 0.0], half=[14.7, 0.0])
    values, lower, upper = combine(base, warranty)
    # √(19.6² + 14.7²) = 24.5 (a 3-4-5 triangle × 4.9); no warranty half in month 2
    assert values == pytest.approx([110.0, 50.0])
    assert lower == pytest.approx([85.5, 30.4])
    assert upper == pytest.approx([134.5, 69.6])
    # the lower bound of a cost is never negative
    small = Forecast("ses", 1.0, [5.0], [0.0], [25.0])
    assert combine(small, WarrantyPart(values=[1.0], half=[0.0]))[1] == [0.0]


def monthly_records(world: World, first: date, amounts: list[float]) -> None:
    for k, amount in enumerate(amounts):
        month = date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
        save_cost_record(
            None,
            actor=world.user("cqo"),
            site=world.site_a,
            month=month,
            category="inspection_labour",
            amount=Decimal(str(amount)),
            currency="CNY",
        )


def test_without_field_failures_the_series_forecasts_everything(world: World) -> None:
    # 24 months with a yearly pattern: 1000 + 200 in Q4 each year
    amounts = [1000.0 + (200.0 if k % 12 >= 9 else 0.0) + 5 * k for k in range(24)]
    monthly_records(world, date(2024, 1, 1), amounts)
    fc = forecast_copq([world.site_a], date(2025, 12, 1), "CNY")
    ref = forecast(amounts, 12)  # reference: the engine on the hand-typed series
    assert fc.includes_warranty_in_series and "No module of this site shipped" in (
        fc.warranty.reason
    )
    assert fc.series is not None and fc.series.method == ref.method
    assert fc.series.backtest_mae == pytest.approx(ref.backtest_mae)
    assert fc.values == pytest.approx(ref.values)
    assert fc.months[0] == date(2026, 1, 1) and len(fc.months) == 12


@pytest.fixture
def returns(world):
    """400 site-A modules shipped on 20 March 2026; modules 0–4 failed in the field (returns
    decided, costs 300–500 USD, booked on the day of receipt)."""
    plant = make_plant(world, alternate=False)
    shipped = timezone.make_aware(datetime.datetime(2026, 3, 20, 4), datetime.UTC)
    Unit.objects.filter(pk__in=[s.pk for s in plant.shipments]).update(produced_at=shipped)
    for i, (days, cost) in enumerate(zip(FAILURE_DAYS, COSTS, strict=True)):
        received = SHIPPED + datetime.timedelta(days=days)
        complaint = make_complaint(world, received_on=received)
        [item] = with_serials(world, complaint, [plant.modules[i]])
        ReturnedModule.objects.create(
            number=f"RMA-F-{i}",
            item=item,
            status="decided",
            decision="replace",
            cost=cost,
            received_on=received,
        )
    return plant


def reference(as_of: date, periods: int) -> list[float]:
    """Expected warranty cost per month (USD) by hand: one Weibull fit of 5 failures and 395
    running modules of age (as_of − shipment), conditional forecast × mean cost 400."""
    age = (as_of - SHIPPED).days / 30.4375
    fit = fit_weibull([d / 30.4375 for d in FAILURE_DAYS] + [age] * 395, [0] * 5 + [1] * 395)
    [fc] = forecast_returns(fit.beta, fit.eta, {"A": [age] * 395}, periods=12, unit_cost=400.0)
    return fc.by_period_cost[:periods]


def test_warranty_selector_matches_the_reliability_library(world: World, returns) -> None:
    as_of = date(2027, 8, 31)
    [out] = warranty_returns_forecast([world.site_a.pk], as_of).values()
    assert (out.n_failures, out.n_running) == (5, 395)
    assert out.unit_cost == pytest.approx(400.0)
    assert out.expected_cost == pytest.approx(reference(as_of, 12), rel=1e-9)
    # as of the end of August 2026 only one failure was known: no fit, and the reason
    [early] = warranty_returns_forecast([world.site_a.pk], date(2026, 8, 31)).values()
    assert early.expected_cost == [] and "at least 2" in early.reason


def test_forecast_combines_series_and_warranty_with_backtests(
    world: World, returns, client_for
) -> None:
    save_exchange_rate(
        None,
        actor=world.user("cqo"),
        currency="USD",
        to_currency="CNY",
        rate=Decimal("7"),
        valid_from=date(2020, 1, 1),
    )
    amounts = [2000.0 + 10 * k for k in range(18)]  # Mar 2026 … Aug 2027
    monthly_records(world, date(2026, 3, 1), amounts)
    fc = forecast_copq([world.site_a], date(2027, 8, 1), "CNY")
    assert not fc.includes_warranty_in_series and fc.series is not None
    # the series forecasts COPQ without the RMA costs: exactly the recorded amounts
    assert fc.series.method == forecast(amounts, 12).method
    assert fc.series.values == pytest.approx(forecast(amounts, 12).values)
    warranty = [v * 7 for v in reference(date(2027, 8, 31), 12)]
    assert fc.warranty.values == pytest.approx(warranty, rel=1e-9)
    assert fc.values == pytest.approx(
        [b + w for b, w in zip(fc.series.values, warranty, strict=True)]
    )
    assert all(lo <= v <= up for v, lo, up in zip(fc.values, fc.lower, fc.upper, strict=True))
    # warranty backtest: forecast as of 28 Feb 2027 (all 5 failures known) vs the RMA costs
    # booked Mar–Aug 2027 (none): MAE = mean of the six predicted monthly costs
    predicted = [v * 7 for v in reference(date(2027, 2, 28), 6)]
    assert fc.warranty.backtest_mae == pytest.approx(sum(predicted) / 6, rel=1e-9)
    page = client_for("cqo").get(
        reverse("cockpit:copq") + "?site=SA&from=2026-03&to=2027-08&currency=CNY"
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Weibull field-reliability forecast" in html
    assert f"{fc.series.backtest_mae:,.2f}" in html and f"{fc.warranty.backtest_mae:,.2f}" in html
