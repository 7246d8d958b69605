"""Materialising the KPI values, and the read functions of the cockpit pages.

``compute_kpis`` is incremental and idempotent: it replaces the day rows of the days it
computes (per KPI and site, in one transaction) and then re-derives the month rows of the
months those days fall in from *all* their day rows, so recomputing any set of days gives
the same table as recomputing everything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.cockpit.kpis import LAST, REGISTRY, SUM, days
from qdm.cockpit.models import Granularity, KpiValue
from qdm.core.models import Site

MAX_DAYS = 731


class KpiError(ValueError):
    """Bad arguments to the KPI engine; the message names the problem."""


@dataclass
class ComputeResult:
    days: int
    sites: list[str]
    day_rows: int
    month_rows: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def compute_kpis(
    date_to: date | None = None,
    n_days: int = 1,
    site_code: str | None = None,
    kpi_codes: list[str] | None = None,
) -> ComputeResult:
    """Compute the day values of ``n_days`` days ending ``date_to`` (default: yesterday)
    for every KPI and site (or one site), and roll up their months."""
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
    site_ids = [s.pk for s in sites]
    now = timezone.now()
    day_list = days(date_from, date_to)
    months = sorted({month_start(d) for d in day_list})
    day_rows = month_rows = 0
    for code in codes:
        kpi = REGISTRY[code]
        figures = kpi.compute(sites, date_from, date_to)
        rows = []
        for site in sites:
            for day in day_list:
                num, den = figures.get((site.pk, day), (None, None))
                if kpi.aggregation != LAST and num is None and den is None:
                    num = 0.0 if kpi.aggregation == SUM else None
                if num is None and den is None:
                    continue  # nothing to measure (no modules started, no lots, …)
                rows.append(
                    KpiValue(
                        kpi=code,
                        site=site,
                        granularity=Granularity.DAY,
                        period_start=day,
                        value=kpi.value(num, den),
                        numerator=num,
                        denominator=den,
                        computed_at=now,
                    )
                )
        with transaction.atomic():
            # a fact table written in bulk: _raw_delete skips the per-row delete signals
            # (audit log) that a queryset delete would fetch every row for
            KpiValue.objects.filter(
                kpi=code,
                site_id__in=site_ids,
                granularity=Granularity.DAY,
                period_start__gte=date_from,
                period_start__lte=date_to,
            )._raw_delete(KpiValue.objects.db)
            KpiValue.objects.bulk_create(rows, batch_size=2000)
            month_rows += _roll_up(code, site_ids, months, now)
        day_rows += len(rows)
    return ComputeResult(len(day_list), [s.code for s in sites], day_rows, month_rows)


def _roll_up(code: str, site_ids: list[int], months: list[date], now: Any) -> int:
    """Replace the month rows of ``months`` from the day rows stored for them."""
    kpi = REGISTRY[code]
    if not months:
        return 0
    first, last = months[0], month_end(months[-1])
    day_rows = KpiValue.objects.filter(
        kpi=code,
        site_id__in=site_ids,
        granularity=Granularity.DAY,
        period_start__gte=first,
        period_start__lte=last,
    ).values_list("site_id", "period_start", "numerator", "denominator")
    wanted = set(months)
    sums: dict[tuple[int, date], list[Any]] = defaultdict(lambda: [None, None, None])
    for site_id, day, num, den in day_rows.order_by("period_start"):  # one row per site-day
        month = month_start(day)
        if month not in wanted:
            continue
        cell = sums[(site_id, month)]
        if kpi.aggregation == LAST:
            cell[0], cell[1] = num, den  # ordered by day: the last day wins
        else:
            cell[0] = (cell[0] or 0.0) + (num or 0.0) if num is not None else cell[0]
            cell[1] = (cell[1] or 0.0) + (den or 0.0) if den is not None else cell[1]
    rows = [
        KpiValue(
            kpi=code,
            site_id=site_id,
            granularity=Granularity.MONTH,
            period_start=month,
            value=kpi.value(num, den),
            numerator=num,
            denominator=den,
            computed_at=now,
        )
        for (site_id, month), (num, den, _unused) in sorted(sums.items())
    ]
    KpiValue.objects.filter(
        kpi=code, site_id__in=site_ids, granularity=Granularity.MONTH, period_start__in=months
    )._raw_delete(KpiValue.objects.db)
    KpiValue.objects.bulk_create(rows)
    return len(rows)
