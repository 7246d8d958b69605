"""The quality-loss forecaster: choice by backtest on synthetic series whose structure is
known, prediction intervals, and the errors for series it cannot forecast."""

from __future__ import annotations

import numpy as np
import pytest

from qdm.cockpit.forecast import BACKTEST, ForecastError, forecast


def seasonal(n: int, noise: float = 0.5, seed: int = 7) -> np.ndarray:
    """Level 100, trend +0.5 a month, seasonal amplitude 10 (period 12), N(0, noise)."""
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise, n)


def test_known_seasonality_picks_holt_winters_and_forecasts_it() -> None:
    y = seasonal(48)
    result = forecast(list(y), 12)
    assert result.method == "holt_winters"
    # every candidate is backtested and shown; the seasonal method beats the others clearly
    assert set(result.candidates) == {"seasonal_naive", "ses", "holt", "holt_winters"}
    assert result.backtest_mae == min(result.candidates.values())
    assert result.candidates["holt_winters"] < 2.0 < result.candidates["ses"]
    # the true next year (noise-free): within 2 on average, inside the 95 % interval
    t = np.arange(48, 60)
    truth = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12)
    values = np.array(result.values)
    assert np.mean(np.abs(values - truth)) < 2.0
    lower, upper = np.array(result.lower), np.array(result.upper)
    assert np.all(lower <= truth) and np.all(truth <= upper)
    # the interval widens with the horizon
    widths = upper - lower
    assert np.all(np.diff(widths) > 0)


def test_short_series_without_two_seasons_skips_holt_winters() -> None:
    y = seasonal(20)  # 14 months to fit the backtest: no two seasons
    result = forecast(list(y), 12)
    assert "holt_winters" not in result.candidates
    assert "seasonal_naive" in result.candidates


def test_a_straight_line_is_forecast_by_a_trend_method() -> None:
    y = [50 + 2.0 * i for i in range(30)]
    result = forecast(y, 6)
    assert result.method in {"holt", "holt_winters"}
    assert result.values[0] == pytest.approx(110, abs=1.0)  # 50 + 2 × 30


def test_costs_are_never_forecast_negative() -> None:
    y = [max(0.0, 60 - 6.0 * i) for i in range(12)]
    result = forecast(y, 12)
    assert min(result.lower) >= 0 and min(result.values) >= 0


@pytest.mark.parametrize(
    ("series", "horizon", "message"),
    [
        ([1.0] * (BACKTEST + 2), 12, "At least 9 months"),
        ([1.0, float("nan")] * 10, 12, "without gaps"),
        ([1.0] * 20, 0, "horizon must be 1 to 36"),
    ],
)
def test_bad_series_name_the_problem(series: list[float], horizon: int, message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        forecast(series, horizon)
