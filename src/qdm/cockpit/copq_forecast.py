"""Prediction of the next 12 months of COPQ of a site (or of several sites together), with
95 % prediction intervals and the backtest error beside every forecast.

Two parts, added month by month:

1. **Warranty returns** — the field-reliability forecast of service
   (``warranty_returns_forecast``: one Weibull fit of the site's shipped modules and
   decided field failures, the expected returns of the modules still running × the mean
   cost of a failure), converted into the reporting currency at the last month's rate.
   Its interval treats the returns of a month as Poisson: σ = unit cost × √(expected
   returns). Its **backtest**: the same forecast made as of six months ago (life data as
   known then) against the RMA costs actually booked in those six months (MAE).
2. **Everything else** (prevention, appraisal, internal failure, external failure other
   than RMA costs) — ``qdm.cockpit.forecast.forecast``: exponential smoothing candidates
   chosen by their backtest MAE on the last six months.

When the warranty forecast is not available (too few field failures to fit), the time
series forecasts the whole COPQ (RMA costs included) and the reason is shown. The two
intervals are combined as independent errors: half-width √(h₁² + h₂²).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from qdm.cockpit.copq import CopqResult, RateBook, compute_copq, reporting_currency
from qdm.cockpit.forecast import BACKTEST, Z95, Forecast, ForecastError, forecast
from qdm.core.models import Site
from qdm.service.selectors import RMA_COST_CURRENCY, warranty_returns_forecast
from qdm.utilities.periods import add_months, month_end

HISTORY = 36
HORIZON = 12


@dataclass
class WarrantyPart:
    values: list[float] = field(default_factory=list)
    half: list[float] = field(default_factory=list)
    backtest_mae: float | None = None
    reason: str = ""
    n_failures: int = 0
    n_running: int = 0


@dataclass
class CopqForecast:
    currency: str
    history_months: list[date]
    history: list[float]
    months: list[date] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    series: Forecast | None = None  # the time-series part
    includes_warranty_in_series: bool = True
    warranty: WarrantyPart = field(default_factory=WarrantyPart)
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "history": [
                {"month": m.strftime("%Y-%m"), "copq": v}
                for m, v in zip(self.history_months, self.history, strict=True)
            ],
            "forecast": [
                {"month": m.strftime("%Y-%m"), "copq": v, "lower": lo, "upper": up}
                for m, v, lo, up in zip(
                    self.months, self.values, self.lower, self.upper, strict=True
                )
            ],
            "method": self.series.method if self.series else None,
            "backtest_mae": self.series.backtest_mae if self.series else None,
            "candidates": self.series.candidates if self.series else {},
            "warranty": {
                "included": not self.includes_warranty_in_series,
                "expected_cost": self.warranty.values,
                "backtest_mae": self.warranty.backtest_mae,
                "reason": self.warranty.reason,
                "field_failures": self.warranty.n_failures,
                "modules_running": self.warranty.n_running,
            },
            "error": self.error,
        }


def combine(base: Forecast, warranty: WarrantyPart) -> tuple[list[float], list[float], list[float]]:
    """Add the warranty forecast to the time-series forecast; intervals in quadrature.
    The series' half-width is read from its upper bound (its lower bound is clipped at 0)."""
    values, lower, upper = [], [], []
    for k, v in enumerate(base.values):
        w = warranty.values[k] if k < len(warranty.values) else 0.0
        hw = warranty.half[k] if k < len(warranty.half) else 0.0
        half = math.hypot(base.upper[k] - v, hw)
        total = v + w
        values.append(total)
        lower.append(max(0.0, total - half))
        upper.append(total + half)
    return values, lower, upper


def _warranty(sites: Sequence[Site], last: date, result: CopqResult) -> WarrantyPart:
    ids = [s.pk for s in sites]
    book = RateBook(result.currency, ids)
    now = warranty_returns_forecast(ids, month_end(last), HORIZON)
    fitted = [f for f in now.values() if f.expected_cost]
    part = WarrantyPart(
        n_failures=sum(f.n_failures for f in now.values()),
        n_running=sum(f.n_running for f in now.values()),
    )
    if not fitted:
        reasons = sorted({f.reason for f in now.values() if f.reason})
        part.reason = "; ".join(reasons) or _("No warranty forecast.")
        return part
    by_id = {s.pk: s for s in sites}
    values = [0.0] * HORIZON
    var = [0.0] * HORIZON
    for f in fitted:
        rate = float(book.rate(RMA_COST_CURRENCY, last, by_id[f.site_id]))
        unit = (f.unit_cost or 0.0) * rate
        for k in range(min(HORIZON, len(f.expected_cost))):
            values[k] += f.expected_cost[k] * rate
            var[k] += (unit**2) * f.expected_returns[k]
    part.values = values
    part.half = [Z95 * math.sqrt(v) for v in var]
    # backtest: the forecast as of six months ago against the RMA costs booked since
    origin = add_months(last, -BACKTEST)
    then = warranty_returns_forecast(ids, month_end(origin), BACKTEST)
    predicted = [0.0] * BACKTEST
    for f in then.values():
        if f.expected_cost:
            rate = float(book.rate(RMA_COST_CURRENCY, origin, by_id[f.site_id]))
            for k in range(min(BACKTEST, len(f.expected_cost))):
                predicted[k] += f.expected_cost[k] * rate
    if any(f.expected_cost for f in then.values()):
        actual = [
            sum(float(result.cell(s, add_months(origin, k + 1)).warranty) for s in sites)
            for k in range(BACKTEST)
        ]
        part.backtest_mae = sum(abs(p - a) for p, a in zip(predicted, actual, strict=True)) / (
            BACKTEST
        )
    return part


def forecast_copq(
    sites: Sequence[Site], last: date, currency: str | None = None, history: int = HISTORY
) -> CopqForecast:
    """Forecast the 12 months after ``last`` (a month) of the COPQ of ``sites`` together,
    from up to ``history`` months ending with ``last`` (leading months without any cost
    are left out). Raises CurrencyError like ``compute_copq``."""
    currency = (currency or reporting_currency()).upper()
    first = add_months(last, -(history - 1))
    result = compute_copq(sites, first, last, currency)
    per_site = [result.series(s) for s in sites]
    totals = [sum(col) for col in zip(*per_site, strict=True)] if per_site else []
    start = next((i for i, v in enumerate(totals) if v), len(totals))
    months = result.months[start:]
    out = CopqForecast(currency, months, totals[start:])
    out.months = [add_months(last, k) for k in range(1, HORIZON + 1)]
    warranty = _warranty(sites, last, result)
    out.warranty = warranty
    series = out.history
    if warranty.values:
        out.includes_warranty_in_series = False
        rma = [sum(float(result.cell(s, m).warranty) for s in sites) for m in months]
        series = [t - w for t, w in zip(out.history, rma, strict=True)]
    try:
        base = forecast(series, HORIZON)
    except ForecastError as exc:
        out.error = str(exc)
        out.months = []
        return out
    out.series = base
    if warranty.values:
        out.values, out.lower, out.upper = combine(base, warranty)
    else:
        out.values, out.lower, out.upper = base.values, base.lower, base.upper
    return out
