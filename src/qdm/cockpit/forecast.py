"""Forecasting monthly series (numpy only) for the quality-loss prediction: exponential
smoothing chosen by backtest error.

Candidates (each fits its smoothing constants by a grid search minimising the in-sample
one-step-ahead squared error):

* ``seasonal_naive`` — the same month one year earlier (needs ≥ 12 months);
* ``ses`` — simple exponential smoothing (level only);
* ``holt`` — Holt's linear trend (level + additive trend);
* ``holt_winters`` — additive Holt-Winters, season of 12 months (needs ≥ 24 months to fit).

**Choice by backtest**: every candidate that can be fitted on the series without its last
``BACKTEST`` (6) months forecasts those 6 months; the one with the lowest mean absolute
error (MAE) wins, is refitted on the whole series and forecasts ``horizon`` (12) months.
The backtest MAE of every candidate is returned, to be shown beside the forecast.

**Prediction intervals**: ± z·σ·√h around the h-step forecast, σ the standard deviation of
the chosen method's in-sample one-step errors, z = 1.96 (95 %) — the random-walk
approximation of the error growth; the lower bound is clipped at 0 for costs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np

SEASON = 12
BACKTEST = 6
Z95 = 1.96
GRID = (0.1, 0.3, 0.5, 0.7, 0.9)
GRID_SMALL = (0.05, 0.2, 0.4)


class ForecastError(ValueError):
    """The series cannot be forecast; the message names the problem."""


@dataclass
class Forecast:
    method: str
    backtest_mae: float
    values: list[float]
    lower: list[float]
    upper: list[float]
    candidates: dict[str, float] = field(default_factory=dict)


# Each fitter returns (one-step in-sample predictions for t = 1..n-1, forecaster(h) → h values)
Fitted = tuple[np.ndarray, Callable[[int], np.ndarray]]


def _ses_run(y: np.ndarray, alpha: float) -> Fitted:
    level = y[0]
    preds = []
    for t in range(1, len(y)):
        preds.append(level)
        level = alpha * y[t] + (1 - alpha) * level
    final = level
    return np.array(preds), lambda h: np.full(h, final)


def _holt_run(y: np.ndarray, alpha: float, beta: float) -> Fitted:
    level, trend = y[0], y[1] - y[0]
    preds = []
    for t in range(1, len(y)):
        preds.append(level + trend)
        prev = level
        level = alpha * y[t] + (1 - alpha) * (level + trend)
        trend = beta * (level - prev) + (1 - beta) * trend
    lv, tr = level, trend
    return np.array(preds), lambda h: lv + tr * np.arange(1, h + 1)


def _hw_run(y: np.ndarray, alpha: float, beta: float, gamma: float) -> Fitted:
    m = SEASON
    first, second = y[:m].mean(), y[m : 2 * m].mean()
    trend = (second - first) / m
    # first season's deviations from its own linear trend (centred on mid-season)
    season = list(y[:m] - (first + trend * (np.arange(m) - (m - 1) / 2)))
    level = first + trend * (m - 1) / 2  # the trend line at the end of the first season
    preds = [np.nan] * (m - 1)  # the first season only initialises
    for t in range(m, len(y)):
        s = season[t - m]
        preds.append(level + trend + s)
        prev = level
        level = alpha * (y[t] - s) + (1 - alpha) * (level + trend)
        trend = beta * (level - prev) + (1 - beta) * trend
        season.append(gamma * (y[t] - level) + (1 - gamma) * s)
    lv, tr, n = level, trend, len(y)
    seas = list(season)

    def ahead(h: int) -> np.ndarray:
        return np.array([lv + tr * k + seas[n - m + (k - 1) % m] for k in range(1, h + 1)])

    return np.array(preds), ahead


def _seasonal_naive_run(y: np.ndarray) -> Fitted:
    m = SEASON
    preds = np.concatenate([np.full(m - 1, np.nan), y[: len(y) - m]])
    last = y[-m:]
    return preds, lambda h: np.array([last[k % m] for k in range(h)])


def _sse(y: np.ndarray, preds: np.ndarray) -> float:
    err = y[1:] - preds
    return float(np.nansum(err**2))


def _best(y: np.ndarray, run: Callable[..., Fitted], grids: Sequence[Sequence[float]]) -> Fitted:
    best: Fitted | None = None
    best_sse = np.inf
    for params in product(*grids):
        fitted = run(y, *params)
        sse = _sse(y, fitted[0])
        if sse < best_sse:
            best, best_sse = fitted, sse
    assert best is not None
    return best


METHODS: dict[str, tuple[int, Callable[[np.ndarray], Fitted]]] = {
    # name: (minimum length to fit, fitter)
    "seasonal_naive": (SEASON, _seasonal_naive_run),
    "ses": (2, lambda y: _best(y, _ses_run, (GRID,))),
    "holt": (3, lambda y: _best(y, _holt_run, (GRID, GRID_SMALL))),
    "holt_winters": (2 * SEASON, lambda y: _best(y, _hw_run, (GRID, GRID_SMALL, GRID_SMALL))),
}


def forecast(series: Sequence[float], horizon: int = 12, *, non_negative: bool = True) -> Forecast:
    """Forecast ``horizon`` months after ``series`` (monthly, oldest first, no gaps) with
    the candidate of lowest backtest MAE on the last ``BACKTEST`` months."""
    y = np.asarray(series, dtype=float)
    if y.ndim != 1 or np.isnan(y).any():
        raise ForecastError("The series must be a list of monthly numbers without gaps.")
    if len(y) < BACKTEST + 3:
        raise ForecastError(
            f"At least {BACKTEST + 3} months are needed to forecast with a backtest "
            f"({len(y)} given)."
        )
    if horizon < 1 or horizon > 36:
        raise ForecastError(f"The horizon must be 1 to 36 months ({horizon} given).")
    train, test = y[:-BACKTEST], y[-BACKTEST:]
    candidates: dict[str, float] = {}
    for name, (minimum, fit) in METHODS.items():
        if len(train) < minimum:
            continue
        _preds, ahead = fit(train)
        candidates[name] = float(np.mean(np.abs(ahead(BACKTEST) - test)))
    method = min(candidates, key=lambda k: candidates[k])
    preds, ahead = METHODS[method][1](y)
    values = ahead(horizon)
    resid = (y[1:] - preds)[~np.isnan(preds)]
    sigma = float(np.std(resid, ddof=1)) if len(resid) > 1 else 0.0
    half = Z95 * sigma * np.sqrt(np.arange(1, horizon + 1))
    lower, upper = values - half, values + half
    if non_negative:
        values, lower, upper = (np.clip(a, 0.0, None) for a in (values, lower, upper))
    return Forecast(
        method=method,
        backtest_mae=candidates[method],
        values=[float(v) for v in values],
        lower=[float(v) for v in lower],
        upper=[float(v) for v in upper],
        candidates=candidates,
    )
