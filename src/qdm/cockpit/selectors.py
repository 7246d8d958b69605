"""What the cockpit pages read, always within the user's scope: materialised KPI values
(cross-site view, landing tiles) and the open alerts of the platforms (alerts centre).

Alerts read manufacturing's ``open_alerts``; the overdue CAPA actions, expiring site
certificates and complaint SLA breaches are queried here (read-only, scoped with
``for_user``) because system and service have no read function for them yet — they should
move to ``system/selectors.py`` and ``service/selectors.py``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from qdm.cockpit.kpis import HIGHER, REGISTRY, KpiDefinition
from qdm.cockpit.models import Granularity, KpiValue
from qdm.cockpit.services import month_start
from qdm.core.models import Site
from qdm.manufacturing.services.spc_reaction import open_alerts
from qdm.service.choices import ComplaintStatus
from qdm.service.models import Complaint
from qdm.system.choices import ActionStatus
from qdm.system.models import CapaAction
from qdm.system.models import Certificate as SiteCertificate

CERTIFICATE_DAYS = 90
TREND_MONTHS = 12
ALERT_LIMIT = 200


#: where the records behind a KPI value are listed: (URL name, the site filter's value —
#: "pk", "code" or "" for none —, with the month as ``date_from``/``date_to``?)
DRILL: dict[str, tuple[str, str, bool]] = {
    "fpy": ("manufacturing:yield", "code", True),
    "scrap_rate": ("manufacturing:yield", "code", True),
    "downgrade_rate": ("manufacturing:yield", "code", True),
    "iqc_acceptance": ("manufacturing:inspectionlot_list", "pk", False),
    "open_spc_alerts": ("manufacturing:spcviolation_list", "pk", False),
    "capa_on_time": ("system:eightd_list", "pk", False),
    "open_findings": ("system:finding_list", "", False),
    "complaints": ("service:complaint_list", "", False),
}


def drill_url(code: str, site: Site, month: date) -> str:
    """The page listing the records behind the value of ``code`` at ``site`` in ``month``."""
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch, reverse

    name, site_key, dated = DRILL.get(code, ("", "", False))
    try:
        url = reverse(name) if name else ""
    except NoReverseMatch:
        return ""
    query: dict[str, Any] = {"site": getattr(site, site_key)} if site_key else {}
    if dated:
        end = _shift_months(month, 1) - timedelta(days=1)
        query.update(date_from=month.isoformat(), date_to=end.isoformat())
    return f"{url}?{urlencode(query)}" if url and query else url


def _shift_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def latest_month(user: Any) -> date | None:
    """The latest month with KPI values the user may see."""
    return (
        KpiValue.objects.for_user(user, "view")
        .filter(granularity=Granularity.MONTH)
        .aggregate(m=Max("period_start"))["m"]
    )


def _ranked(kpi: KpiDefinition, cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sites by value, best first (by the KPI's direction); sites without a value last."""
    known = [c for c in cells if c["value"] is not None]
    known.sort(key=lambda c: (-c["value"] if kpi.direction == HIGHER else c["value"], c["site"]))
    for rank, cell in enumerate(known, 1):
        cell["rank"] = rank
    return known + sorted((c for c in cells if c["value"] is None), key=lambda c: c["site"])


def site_filters(user: Any) -> dict[str, list[tuple[str, str]]]:
    """The business units and countries of the sites the user may see (filter choices)."""
    sites = Site.objects.for_user(user, "view").select_related("business_unit")
    units = {s.business_unit.code: s.business_unit.display_name for s in sites}
    return {
        "business_units": sorted(units.items()),
        "countries": sorted({(str(s.country), str(s.country)) for s in sites}),
    }


def cross_site(
    user: Any, month: date, *, business_unit: str = "", country: str = ""
) -> dict[str, Any]:
    """For each KPI: the sites the user may see (of one business unit and/or country) side
    by side for ``month``, ranked, with the trend of the last ``TREND_MONTHS`` months (one
    query for all of it)."""
    month = month_start(month)
    first = _shift_months(month, -(TREND_MONTHS - 1))
    months = [_shift_months(first, i) for i in range(TREND_MONTHS)]
    site_qs = Site.objects.for_user(user, "view").order_by("code")
    if business_unit:
        site_qs = site_qs.filter(business_unit__code=business_unit)
    if country:
        site_qs = site_qs.filter(country=country)
    sites = list(site_qs)
    rows = (
        KpiValue.objects.for_user(user, "view")
        .filter(site__in=[s.pk for s in sites])
        .filter(granularity=Granularity.MONTH, period_start__gte=first, period_start__lte=month)
        .values_list("kpi", "site__code", "period_start", "value")
    )
    series: dict[tuple[str, str], dict[date, float | None]] = defaultdict(dict)
    for code, site, start, value in rows:
        series[(code, site)][start] = value
    kpis = []
    for kpi in REGISTRY.values():
        cells = [
            {
                "site": s.code,
                "site_name": s.display_name,
                "url": drill_url(kpi.code, s, month),
                "value": series[(kpi.code, s.code)].get(month),
                "trend": [series[(kpi.code, s.code)].get(m) for m in months],
                "rank": None,
            }
            for s in sites
        ]
        kpis.append(
            {
                "code": kpi.code,
                "name": str(kpi.name),
                "unit": kpi.unit,
                "direction": kpi.direction,
                "description": str(kpi.description),
                "sites": _ranked(kpi, cells),
            }
        )
    return {
        "month": month.strftime("%Y-%m"),
        "months": [m.strftime("%Y-%m") for m in months],
        "kpis": kpis,
    }


def group_tiles(user: Any, month: date) -> list[dict[str, Any]]:
    """The KPIs of the user's sites together for ``month``: ratios re-computed from the
    summed numerators and denominators, counts summed (one query)."""
    sums: dict[str, list[float | None]] = {}
    rows = (
        KpiValue.objects.for_user(user, "view")
        .filter(granularity=Granularity.MONTH, period_start=month)
        .values_list("kpi", "numerator", "denominator")
    )
    for code, num, den in rows:
        cell = sums.setdefault(code, [None, None])
        if num is not None:
            cell[0] = (cell[0] or 0.0) + num
        if den is not None:
            cell[1] = (cell[1] or 0.0) + den
    tiles = []
    for kpi in REGISTRY.values():
        num, den = sums.get(kpi.code, [None, None])
        tiles.append(
            {
                "code": kpi.code,
                "name": kpi.name,
                "unit": kpi.unit,
                "value": kpi.value(num, den),
                "direction": kpi.direction,
            }
        )
    return tiles


@dataclass
class Alert:
    kind: str
    title: str
    site: str
    owner: Any
    due: date | None
    url: str
    acknowledge_url: str = ""


def alerts(user: Any, today: date | None = None) -> dict[str, list[Alert]]:
    """The open alerts ``user`` may see, by kind."""
    from django.urls import reverse

    today = today or timezone.localdate()
    spc = [
        Alert(
            "spc",
            f"{v.config.name}: {v.rule_label}",
            v.config.site.code if v.config.site else "",
            v.config.created_by,
            timezone.localdate(v.detected_at),
            v.get_absolute_url(),
            reverse("manufacturing:spcviolation_acknowledge", args=[v.pk]),
        )
        for v in open_alerts(user).select_related("config__created_by")[:ALERT_LIMIT]
    ]
    capa = [
        Alert(
            "capa",
            f"{a.capa.number} {a.get_discipline_display()}: {a.description[:80]}",
            a.capa.site.code,
            a.owner,
            a.due_date,
            a.capa.get_absolute_url(),
        )
        for a in CapaAction.objects.for_user(user, "view")
        .filter(status=ActionStatus.OPEN, due_date__lt=today)
        .exclude(capa__status__in=("closed", "cancelled"))
        .select_related("capa__site", "owner")
        .order_by("due_date", "pk")[:ALERT_LIMIT]
    ]
    certificates = [
        Alert(
            "certificate",
            f"{c.number} ({c.body})",
            c.site.code,
            c.owner,
            c.expires_on,
            c.get_absolute_url(),
        )
        for c in SiteCertificate.objects.for_user(user, "view")
        .filter(expires_on__lte=today + timedelta(days=CERTIFICATE_DAYS))
        .select_related("site", "owner")
        .order_by("expires_on", "pk")[:ALERT_LIMIT]
    ]
    complaints = [
        Alert(
            "complaint",
            f"{c.number} {c.title}",
            c.customer.code if hasattr(c.customer, "code") else str(c.customer),
            c.owner,
            c.sla_due,
            c.get_absolute_url(),
        )
        for c in Complaint.objects.for_user(user, "view")
        .filter(sla_due__lt=today)
        .exclude(status__in=(ComplaintStatus.CLOSED, ComplaintStatus.REJECTED))
        .select_related("customer", "owner")
        .order_by("sla_due", "pk")[:ALERT_LIMIT]
    ]
    return {"spc": spc, "capa": capa, "certificate": certificates, "complaint": complaints}


def alert_count(user: Any, today: date | None = None) -> int:
    """How many open alerts ``user`` may see (counted by the database)."""
    today = today or timezone.localdate()
    return (
        open_alerts(user).count()
        + CapaAction.objects.for_user(user, "view")
        .filter(status=ActionStatus.OPEN, due_date__lt=today)
        .exclude(capa__status__in=("closed", "cancelled"))
        .count()
        + SiteCertificate.objects.for_user(user, "view")
        .filter(expires_on__lte=today + timedelta(days=CERTIFICATE_DAYS))
        .count()
        + Complaint.objects.for_user(user, "view")
        .filter(sla_due__lt=today)
        .exclude(status__in=(ComplaintStatus.CLOSED, ComplaintStatus.REJECTED))
        .count()
    )
