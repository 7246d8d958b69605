"""Field reliability per production cohort from the returns (``qdm.quality.reliability``).

For the shipped modules of one production month (the cohort):

- **failures**: modules whose return (RMA) was decided as a failure (replace, repair or
  refund — a rejected claim is no failure), at the time from shipment to the receipt of the
  complaint naming them;
- **censored**: every other shipped module of the cohort, still running, at the time from
  shipment to the analysis date (``as_of``).

Times are months in service (days / 30.4375). The 12-month forecast applies the fit to the
censored units at their ages; the unit cost is the mean cost of the decided failures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg

from qdm.quality.reliability import (
    CohortForecast,
    ReliabilityInputError,
    WeibullFit,
    fit_weibull,
    forecast_returns,
    probability_plot,
)
from qdm.service.models import ReturnDecision, ReturnedModule
from qdm.service.services.satisfaction import month

DAYS_PER_MONTH = 30.4375
FAILED = (ReturnDecision.REPLACE, ReturnDecision.REPAIR, ReturnDecision.REFUND)


def months_between(start: datetime.date, end: datetime.date) -> float:
    return (end - start).days / DAYS_PER_MONTH


@dataclass
class CohortData:
    cohort: str
    times: list[float]
    censored: list[int]  # 1 = still running
    unit_cost: float | None = None

    @property
    def n_failures(self) -> int:
        return len(self.censored) - sum(self.censored)

    @property
    def n_censored(self) -> int:
        return sum(self.censored)


@dataclass
class CohortResult:
    data: CohortData
    fit: WeibullFit | None
    reason: str = ""
    forecast: CohortForecast | None = None
    plot: dict[str, Any] | None = None


def cohort_data(user: Any, as_of: datetime.date) -> dict[str, CohortData]:
    """Life data of every production cohort the user may see, keyed ``YYYY-MM``."""
    from qdm.data.models import Unit, UnitLink

    shipments = Unit.objects.for_user(user, "view").filter(
        kind="shipment", customer__isnull=False, produced_at__isnull=False
    )
    pallet_ship = dict(
        UnitLink.objects.filter(child__in=shipments, parent__kind="pallet").values_list(
            "parent_id", "child__produced_at"
        )
    )
    modules: dict[int, tuple[datetime.date, str]] = {}
    rows = UnitLink.objects.filter(
        child_id__in=list(pallet_ship), parent__kind="module"
    ).values_list("parent_id", "child_id", "parent__produced_at")
    for module, pallet, produced in rows.iterator(chunk_size=5000):
        shipped = pallet_ship[pallet]
        modules[module] = (shipped.date(), month(produced or shipped))
    failed = {
        unit: (received, cost)
        for unit, received, cost in ReturnedModule.objects.for_user(user, "view")
        .filter(status="decided", decision__in=FAILED)
        .values_list("item__unit_id", "item__complaint__received_on", "cost")
    }
    cohorts: dict[str, CohortData] = {}
    costs: dict[str, list[float]] = {}
    for unit, (shipped, cohort) in modules.items():
        data = cohorts.setdefault(cohort, CohortData(cohort, [], []))
        if unit in failed:
            received, cost = failed[unit]
            data.times.append(max(months_between(shipped, received), 0.0))
            data.censored.append(0)
            if cost is not None:
                costs.setdefault(cohort, []).append(float(cost))
        elif shipped <= as_of:
            data.times.append(months_between(shipped, as_of))
            data.censored.append(1)
    overall = ReturnedModule.objects.for_user(user, "view").filter(
        status="decided", decision__in=FAILED
    )
    mean_cost = overall.aggregate(v=Avg("cost"))["v"]
    for cohort, data in cohorts.items():
        values = costs.get(cohort)
        data.unit_cost = sum(values) / len(values) if values else mean_cost and float(mean_cost)
    return dict(sorted(cohorts.items()))


def analyse(data: CohortData, method: str = "mle", *, detail: bool = False) -> CohortResult:
    # a unit with zero time in service cannot be fitted on a log scale: half a day
    times = [max(t, 0.5 / DAYS_PER_MONTH) for t in data.times]
    try:
        fit = fit_weibull(times, data.censored, method=method)
    except ReliabilityInputError as exc:
        return CohortResult(data, None, str(exc))
    result = CohortResult(data, fit)
    if detail:
        ages = [t for t, c in zip(times, data.censored, strict=True) if c]
        result.forecast = forecast_returns(
            fit.beta, fit.eta, {data.cohort: ages}, periods=12, unit_cost=data.unit_cost
        )[0]
        result.plot = probability_plot(times, data.censored, fit)
    return result
