"""The framework of the cockpit's KPI engine: the definition of a KPI and the helpers its
compute functions share (site-local day bounds, per-day aggregate counts). The KPIs
themselves are in ``kpis.py`` (``REGISTRY``) and ``kpis_more.py``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models.functions import TruncDate
from django.utils.functional import Promise

from qdm.core.models import Site, User

Figures = dict[tuple, tuple[float | None, float | None]]
Compute = Callable[[Sequence[Site], date, date], Figures]
Span = Callable[[Sequence[Site], date, date], dict[int, tuple[float, float]]]
#: ``{(site_id, line_id, product_id): (value, n)}`` with one of line / product set
SpanParts = Callable[[Sequence[Site], date, date], dict[tuple, tuple[float, float]]]
Group = Callable[[date, date], dict[date, tuple[float, float]]]

HIGHER, LOWER = "higher", "lower"
RATIO, SUM, LAST, SPAN = "ratio", "sum", "last", "span"
LINE, PRODUCT = "line", "product"


def _no_figures(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    return {}


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    name: str | Promise
    unit: str | Promise
    direction: str  # HIGHER or LOWER is better
    aggregation: str  # RATIO, SUM, LAST or SPAN
    compute: Compute = _no_figures
    description: str | Promise = ""
    #: the ratio's factor: 100 (%), 1e6 (ppm) or 1 (kg/kWp)
    scale: float = 100.0
    #: the breakdowns the compute function returns (LINE, PRODUCT)
    dims: tuple[str, ...] = ()
    #: SPAN KPIs: the value over a whole period, per site
    span: Span | None = None
    #: SPAN KPIs: the value over a whole period per line and per product of each site
    #: (``dims`` names which), computed from the source like ``span``
    span_parts: SpanParts | None = None
    #: SPAN KPIs: the granularities that have a value ("day", "week", "month")
    granularities: tuple[str, ...] = ("day", "week", "month")
    #: company-wide KPIs (no site): the group's figures per day
    group: Group | None = None

    @property
    def company_wide(self) -> bool:
        return self.group is not None

    def value(self, numerator: float | None, denominator: float | None) -> float | None:
        """The displayed value from the (summed) numerator and denominator."""
        if self.aggregation == RATIO or (self.aggregation == LAST and denominator is not None):
            if not denominator:
                return None
            return self.scale * float(numerator or 0) / float(denominator)
        return None if numerator is None else float(numerator)


def system_reader() -> User:
    """An unsaved superuser: computes group-wide figures (never logs in, never saved)."""
    return User(username="qdm-kpi-engine", is_superuser=True, is_active=True)


def days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def bounds(site: Site, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The instants of the start of ``date_from`` and the end of ``date_to``, site-local."""
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def daily_counts(
    sites: Sequence[Site],
    date_from: date,
    date_to: date,
    queryset: Callable[[list[int]], Any],
    when: str,
    numerator: Any,
    denominator: Any,
    dims: dict[str, str] | None = None,
) -> Figures:
    """Numerator and denominator aggregates of ``queryset([site])`` per site-local day of
    ``when`` (a datetime field), for the site and, for each of ``dims`` ({LINE: field,
    PRODUCT: field}), per line or product — one query per site and grouping."""
    out: Figures = {}
    for site in sites:
        start, end = bounds(site, date_from, date_to)
        rows = (
            queryset([site.pk])
            .filter(**{f"{when}__gte": start, f"{when}__lt": end})
            .annotate(_day=TruncDate(when, tzinfo=ZoneInfo(site.timezone)))
        )
        groups: list[tuple[str, str]] = [("", ""), *(dims or {}).items()]
        for dim, field in groups:
            names = ["_day"] + ([field] if field else [])
            agg = rows.values(*names).annotate(_n=numerator, _d=denominator).order_by()
            for r in agg:
                num, den = r["_n"], r["_d"]
                if not dim:
                    key: tuple = (site.pk, r["_day"])
                elif r[field] is None:
                    continue  # no line / product: counted at the site only
                else:
                    key = (
                        site.pk,
                        r["_day"],
                        *((r[field], None) if dim == LINE else (None, r[field])),
                    )
                out[key] = (float(num or 0), None if den is None else float(den))
    return out
