"""Materialising the KPI values (site values in ``KpiValue``; line, product and group
values in ``KpiBreakdown``) per day, ISO week and month.

``compute_kpis`` is incremental and idempotent: it replaces the day rows of the days it
computes (per KPI, in one transaction) and then re-derives the week and month rows of the
weeks and months those days fall in from *all* their day rows — or, for ``span`` KPIs
(medians, Cpk), recomputes those whole weeks and months from the source, site, line and
product values alike — so recomputing any set of days gives the same table as recomputing
everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.cockpit import kpis_more
from qdm.cockpit.kpis import LAST, REGISTRY, SPAN, SUM, KpiDefinition, clear_caches, days
from qdm.cockpit.models import Dimension, Granularity, KpiBreakdown, KpiValue
from qdm.core.models import Site
from qdm.utilities.periods import month_end, month_start, week_end, week_start

MAX_DAYS = 731


class KpiError(ValueError):
    """Bad arguments to the KPI engine; the message names the problem."""


@dataclass
class ComputeResult:
    days: int
    sites: list[str]
    day_rows: int
    month_rows: int
    week_rows: int = 0
    breakdown_rows: int = 0


#: the roll-up periods: granularity → (first day of the period of a day, its last day)
PERIODS: dict[str, tuple[Callable[[date], date], Callable[[date], date]]] = {
    Granularity.WEEK: (week_start, week_end),
    Granularity.MONTH: (month_start, month_end),
}


def compute_kpis(
    date_to: date | None = None,
    n_days: int = 1,
    site_code: str | None = None,
    kpi_codes: list[str] | None = None,
) -> ComputeResult:
    """Compute the day values of ``n_days`` days ending ``date_to`` (default: yesterday)
    for every KPI and site (or one site), and roll up their ISO weeks and months."""
    if n_days < 1 or n_days > MAX_DAYS:
        raise KpiError(_("Choose between 1 and %(max)s days.") % {"max": MAX_DAYS})
    date_to = date_to or timezone.localdate() - timedelta(days=1)
    date_from = date_to - timedelta(days=n_days - 1)
    sites = list(Site.objects.order_by("code"))
    if site_code:
        sites = [s for s in sites if s.code == site_code]
        if not sites:
            raise KpiError(_("Unknown site %(code)s.") % {"code": site_code})
    codes = kpi_codes or list(REGISTRY)
    unknown = [c for c in codes if c not in REGISTRY]
    if unknown:
        raise KpiError(_("Unknown KPI %(code)s.") % {"code": ", ".join(unknown)})
    result = ComputeResult(n_days, [s.code for s in sites], 0, 0)
    run = _Run(sites, date_from, date_to, timezone.now(), result)
    clear_caches()
    kpis_more.clear_caches()
    try:
        for code in codes:
            kpi = REGISTRY[code]
            with transaction.atomic():
                if kpi.company_wide:
                    run.group(kpi)
                elif kpi.aggregation == SPAN:
                    run.span(kpi)
                else:
                    run.daily(kpi)
    finally:
        clear_caches()
        kpis_more.clear_caches()
    return result


@dataclass
class _Run:
    sites: list[Site]
    date_from: date
    date_to: date
    now: Any
    result: ComputeResult

    @property
    def site_ids(self) -> list[int]:
        return [s.pk for s in self.sites]

    @property
    def day_list(self) -> list[date]:
        return days(self.date_from, self.date_to)

    def periods(self, granularity: str) -> list[date]:
        start_of = PERIODS[granularity][0]
        return sorted({start_of(d) for d in self.day_list})

    def _count(self, granularity: str, n: int, breakdown: bool = False) -> None:
        if breakdown:
            self.result.breakdown_rows += n
        elif granularity == Granularity.DAY:
            self.result.day_rows += n
        elif granularity == Granularity.WEEK:
            self.result.week_rows += n
        else:
            self.result.month_rows += n

    # -- additive KPIs: day rows, then weeks and months rolled up from the day rows --------
    def daily(self, kpi: KpiDefinition) -> None:
        figures = kpi.compute(self.sites, self.date_from, self.date_to)
        site_ids = set(self.site_ids)
        rows, parts = [], []
        for site in self.sites:
            for day in self.day_list:
                num, den = figures.get((site.pk, day), (None, None))
                if kpi.aggregation != LAST and num is None and den is None:
                    num = 0.0 if kpi.aggregation == SUM else None
                if num is None and den is None:
                    continue  # nothing to measure (no modules started, no lots, …)
                rows.append(
                    self._value(KpiValue, kpi, Granularity.DAY, day, num, den, site_id=site.pk)
                )
        for key, (num, den) in figures.items():
            if len(key) != 4 or key[0] not in site_ids or (num is None and den is None):
                continue
            site_id, day, line_id, product_id = key
            if not self.date_from <= day <= self.date_to:
                continue
            dim = Dimension.LINE if line_id is not None else Dimension.PRODUCT
            parts.append(
                self._value(
                    KpiBreakdown, kpi, Granularity.DAY, day, num, den,
                    dimension=dim, site_id=site_id, line_id=line_id, product_id=product_id,
                )
            )  # fmt: skip
        days_q = {"period_start__gte": self.date_from, "period_start__lte": self.date_to}
        _delete(KpiValue, kpi=kpi.code, site_id__in=self.site_ids, granularity="day", **days_q)
        _delete(
            KpiBreakdown, kpi=kpi.code, site_id__in=self.site_ids, granularity="day",
            dimension__in=(Dimension.LINE, Dimension.PRODUCT), **days_q,
        )  # fmt: skip
        KpiValue.objects.bulk_create(rows, batch_size=2000)
        KpiBreakdown.objects.bulk_create(parts, batch_size=2000)
        self._count(Granularity.DAY, len(rows))
        self._count(Granularity.DAY, len(parts), breakdown=True)
        for granularity in PERIODS:
            self._roll_up(KpiValue, kpi, granularity, ("site_id",), site_id__in=self.site_ids)
            self._roll_up(
                KpiBreakdown, kpi, granularity, ("dimension", "site_id", "line_id", "product_id"),
                site_id__in=self.site_ids, dimension__in=(Dimension.LINE, Dimension.PRODUCT),
            )  # fmt: skip

    # -- company-wide KPIs: group rows --------------------------------------------------------
    def group(self, kpi: KpiDefinition) -> None:
        assert kpi.group is not None
        figures = kpi.group(self.date_from, self.date_to)
        rows = [
            self._value(
                KpiBreakdown, kpi, Granularity.DAY, day, num, den,
                dimension=Dimension.GROUP, site_id=None,
            )
            for day, (num, den) in sorted(figures.items())
            if self.date_from <= day <= self.date_to
        ]  # fmt: skip
        _delete(
            KpiBreakdown, kpi=kpi.code, dimension=Dimension.GROUP, granularity="day",
            period_start__gte=self.date_from, period_start__lte=self.date_to,
        )  # fmt: skip
        KpiBreakdown.objects.bulk_create(rows)
        self._count(Granularity.DAY, len(rows), breakdown=True)
        for granularity in PERIODS:
            self._roll_up(
                KpiBreakdown, kpi, granularity, ("dimension", "site_id"),
                dimension=Dimension.GROUP,
            )  # fmt: skip

    # -- span KPIs: every period computed from the source --------------------------------------
    def span(self, kpi: KpiDefinition) -> None:
        assert kpi.span is not None
        for granularity in kpi.granularities:
            if granularity == Granularity.DAY:
                periods = [(d, d) for d in self.day_list]
            else:
                end_of = PERIODS[granularity][1]
                periods = [(p, end_of(p)) for p in self.periods(granularity)]
            rows, parts = [], []
            for first, last in periods:
                for site_id, (value, n) in sorted(kpi.span(self.sites, first, last).items()):
                    rows.append(
                        self._value(KpiValue, kpi, granularity, first, value, n, site_id=site_id)
                    )
                if kpi.span_parts is None:
                    continue
                for (site_id, line_id, product_id), (value, n) in kpi.span_parts(
                    self.sites, first, last
                ).items():
                    dim = Dimension.LINE if line_id is not None else Dimension.PRODUCT
                    parts.append(
                        self._value(
                            KpiBreakdown, kpi, granularity, first, value, n, dimension=dim,
                            site_id=site_id, line_id=line_id, product_id=product_id,
                        )
                    )  # fmt: skip
            starts = [p for p, _e in periods]
            _delete(
                KpiValue, kpi=kpi.code, site_id__in=self.site_ids, granularity=granularity,
                period_start__in=starts,
            )  # fmt: skip
            _delete(
                KpiBreakdown, kpi=kpi.code, site_id__in=self.site_ids, granularity=granularity,
                dimension__in=(Dimension.LINE, Dimension.PRODUCT), period_start__in=starts,
            )  # fmt: skip
            KpiValue.objects.bulk_create(rows, batch_size=2000)
            KpiBreakdown.objects.bulk_create(parts, batch_size=2000)
            self._count(granularity, len(rows))
            self._count(granularity, len(parts), breakdown=True)

    def _value(
        self, model: Any, kpi: KpiDefinition, granularity: str, start: date, num: Any, den: Any,
        **fields: Any,
    ) -> Any:  # fmt: skip
        return model(
            kpi=kpi.code,
            granularity=granularity,
            period_start=start,
            value=kpi.value(num, den),
            numerator=num,
            denominator=den,
            computed_at=self.now,
            **fields,
        )

    def _roll_up(
        self, model: Any, kpi: KpiDefinition, granularity: str, keys: tuple[str, ...],
        **where: Any,
    ) -> None:  # fmt: skip
        """Replace the ``granularity`` rows of the periods touched from their day rows."""
        periods = self.periods(granularity)
        start_of, end_of = PERIODS[granularity]
        day_rows = model.objects.filter(
            kpi=kpi.code,
            granularity=Granularity.DAY,
            period_start__gte=periods[0],
            period_start__lte=end_of(periods[-1]),
            **where,
        ).values_list(*keys, "period_start", "numerator", "denominator")
        wanted = set(periods)
        sums: dict[tuple, list[Any]] = defaultdict(lambda: [None, None])
        for *key, day, num, den in day_rows.order_by("period_start"):
            period = start_of(day)
            if period not in wanted:
                continue
            cell = sums[(tuple(key), period)]
            if kpi.aggregation == LAST:
                cell[0], cell[1] = num, den  # ordered by day: the last day wins
            else:
                cell[0] = (cell[0] or 0.0) + num if num is not None else cell[0]
                cell[1] = (cell[1] or 0.0) + den if den is not None else cell[1]
        rows = [
            self._value(
                model, kpi, granularity, period, num, den, **dict(zip(keys, key, strict=True))
            )
            for (key, period), (num, den) in sums.items()
        ]
        _delete(model, kpi=kpi.code, granularity=granularity, period_start__in=periods, **where)
        model.objects.bulk_create(rows, batch_size=2000)
        self._count(granularity, len(rows), breakdown=model is KpiBreakdown)


def _delete(model: Any, **where: Any) -> None:
    """A fact table written in bulk: ``_raw_delete`` skips the per-row delete signals
    (audit log) that a queryset delete would fetch every row for."""
    model.objects.filter(**where)._raw_delete(model.objects.db)
