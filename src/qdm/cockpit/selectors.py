"""What the cockpit pages read, always within the user's scope: materialised KPI values
(cross-site view, landing tiles) and the open alerts of the platforms (alerts centre).

Every other platform is read through its ``selectors`` module only (open SPC alerts,
overdue CAPA actions, expiring site certificates, complaint SLA breaches). ``alerts`` and
``alert_count`` compute the open conditions live (monthly report); the alerts centre, the
home page's alert count and the factory wall read the rows materialised by
``qdm alerts scan`` (``materialised_alerts``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _t

from qdm.cockpit.kpis import HIGHER, REGISTRY, SPAN, KpiDefinition
from qdm.cockpit.models import Dimension, Granularity, KpiBreakdown, KpiValue
from qdm.core.models import Site
from qdm.manufacturing import selectors as mfg
from qdm.service import selectors as svc
from qdm.system import selectors as ims
from qdm.utilities.periods import month_start

CERTIFICATE_DAYS = 90
TREND_MONTHS = 12
ALERT_LIMIT = 200


def drill_url(code: str, site: Site | None, month: date, granularity: str = "month") -> str:
    """The page listing the records behind the value of ``code`` at ``site`` (None: the
    group) for the period starting ``month``."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {"period": month.isoformat(), "granularity": granularity}
    if site is not None:
        query["site"] = site.code
    return f"{reverse('cockpit:kpi_drill', args=[code])}?{urlencode(query)}"


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
    """The business units, countries and technologies of the sites the user may see."""
    from qdm.data.choices import Technology

    labels = {k: str(v) for k, v in Technology.choices}
    sites = Site.objects.for_user(user, "view").select_related("business_unit")
    units = {s.business_unit.code: s.business_unit.display_name for s in sites}
    return {
        "business_units": sorted(units.items()),
        "countries": sorted({(str(s.country), str(s.country)) for s in sites}),
        "technologies": sorted(
            {
                (t, labels.get(t, t))
                for techs in site_technologies([s.pk for s in sites]).values()
                for t in techs
            }
        ),
    }


def site_technologies(site_ids: list[int]) -> dict[int, set[str]]:
    """The cell technologies (PERC, TOPCon, HJT, BC) each site makes: the families of the
    module models in its materialised product breakdown (one query)."""
    out: dict[int, set[str]] = defaultdict(set)
    rows = (
        KpiBreakdown.objects.filter(
            dimension=Dimension.PRODUCT, site_id__in=site_ids, product__isnull=False
        )
        .values_list("site_id", "product__family__technology")
        .distinct()
    )
    for site_id, technology in rows:
        if technology:
            out[site_id].add(technology)
    return out


def cross_site(
    user: Any,
    month: date,
    *,
    business_unit: str = "",
    country: str = "",
    technology: str = "",
) -> dict[str, Any]:
    """For each KPI: the sites the user may see (of one business unit, country and/or
    technology) side by side for ``month``, ranked, with the trend of the last
    ``TREND_MONTHS`` months (one query for all of it); company-wide KPIs show the group."""
    month = month_start(month)
    first = _shift_months(month, -(TREND_MONTHS - 1))
    months = [_shift_months(first, i) for i in range(TREND_MONTHS)]
    site_qs = Site.objects.for_user(user, "view").order_by("code")
    if business_unit:
        site_qs = site_qs.filter(business_unit__code=business_unit)
    if country:
        site_qs = site_qs.filter(country=country)
    sites = list(site_qs)
    if technology:
        made = site_technologies([s.pk for s in sites])
        sites = [s for s in sites if technology in made.get(s.pk, set())]
    rows = (
        KpiValue.objects.for_user(user, "view")
        .filter(site__in=[s.pk for s in sites])
        .filter(granularity=Granularity.MONTH, period_start__gte=first, period_start__lte=month)
        .values_list("kpi", "site__code", "period_start", "value")
    )
    series: dict[tuple[str, str], dict[date, float | None]] = defaultdict(dict)
    for code, site, start, value in rows:
        series[(code, site)][start] = value
    group_rows = (
        KpiBreakdown.objects.for_user(user, "view")
        .filter(
            dimension=Dimension.GROUP,
            granularity=Granularity.MONTH,
            period_start__gte=first,
            period_start__lte=month,
        )
        .values_list("kpi", "period_start", "value")
    )
    for code, start, value in group_rows:
        series[(code, "")][start] = value
    kpis = []
    for kpi in REGISTRY.values():
        if kpi.company_wide and not sites:
            continue  # no site in scope (a supplier, an outsider): no group figures either
        if kpi.company_wide:
            cells = [
                {
                    "site": "",
                    "site_name": "",
                    "url": drill_url(kpi.code, None, month),
                    "value": series[(kpi.code, "")].get(month),
                    "trend": [series[(kpi.code, "")].get(m) for m in months],
                    "rank": None,
                }
            ]
        else:
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
                "company_wide": kpi.company_wide,
                "aggregation": kpi.aggregation,
                "sites": cells if kpi.company_wide else _ranked(kpi, cells),
            }
        )
    return {
        "month": month.strftime("%Y-%m"),
        "months": [m.strftime("%Y-%m") for m in months],
        "kpis": kpis,
    }


def group_tiles(user: Any, month: date) -> list[dict[str, Any]]:
    """The KPIs of the user's sites together for ``month``: ratios re-computed from the
    summed numerators and denominators, counts summed (see ``group_tiles_by_month``)."""
    return group_tiles_by_month(user, [month])[month]


def group_tiles_by_month(user: Any, months: list[date]) -> dict[date, list[dict[str, Any]]]:
    """``group_tiles`` for each of ``months`` — two queries however many months."""
    sums: dict[tuple[date, str], list[float | None]] = {}
    rows = (
        KpiValue.objects.for_user(user, "view")
        .filter(granularity=Granularity.MONTH, period_start__in=months)
        .values_list("period_start", "kpi", "numerator", "denominator")
    )
    group = (
        KpiBreakdown.objects.for_user(user, "view")
        .filter(dimension=Dimension.GROUP, granularity=Granularity.MONTH)
        .filter(period_start__in=months)
        .values_list("period_start", "kpi", "numerator", "denominator")
    )
    for start, code, num, den in [*rows, *group]:
        kpi = REGISTRY.get(code)
        if kpi is None:
            continue
        cell = sums.setdefault((start, code), [None, None])
        if kpi.aggregation == SPAN and num is not None:
            # medians and Cpk: the sites' values weighted by their observations
            num, den = num * (den or 0.0), den
        if num is not None:
            cell[0] = (cell[0] or 0.0) + num
        if den is not None:
            cell[1] = (cell[1] or 0.0) + den
    out: dict[date, list[dict[str, Any]]] = {}
    for month in months:
        tiles = []
        for kpi in REGISTRY.values():
            num, den = sums.get((month, kpi.code), [None, None])
            if kpi.aggregation == SPAN:
                num, den = (num / den if num is not None and den else None), den
            tiles.append(
                {
                    "code": kpi.code,
                    "name": kpi.name,
                    "unit": kpi.unit,
                    "value": kpi.value(num, den),
                    "direction": kpi.direction,
                }
            )
        out[month] = tiles
    return out


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
        for v in mfg.open_spc_alerts(user).select_related("config__created_by")[:ALERT_LIMIT]
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
        for a in ims.cockpit_overdue_capa_actions(user, today)
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
        for c in ims.cockpit_expiring_certificates(user, today + timedelta(days=CERTIFICATE_DAYS))
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
        for c in svc.cockpit_complaints_past_sla(user, today)
        .select_related("customer", "owner")
        .order_by("sla_due", "pk")[:ALERT_LIMIT]
    ]
    return {"spc": spc, "capa": capa, "certificate": certificates, "complaint": complaints}


def alert_count(user: Any, today: date | None = None) -> int:
    """How many open alerts ``user`` may see (counted by the database)."""
    today = today or timezone.localdate()
    return (
        mfg.open_spc_alerts(user).count()
        + ims.cockpit_overdue_capa_actions(user, today).count()
        + ims.cockpit_expiring_certificates(user, today + timedelta(days=CERTIFICATE_DAYS)).count()
        + svc.cockpit_complaints_past_sla(user, today).count()
    )


def materialised_alerts(
    user: Any,
    *,
    site: str = "",
    kind: str = "",
    acknowledged: str = "",
    state: str = "",
) -> Any:
    """The alerts raised by ``qdm alerts scan`` that ``user`` may see — open first, then by
    kind and newest — filtered by site code, kind, acknowledged (``yes``/``no``) and state
    (``open``/``closed``; anything else: both)."""
    from django.db.models import F

    from qdm.cockpit.models import CockpitAlert

    rows = CockpitAlert.objects.for_user(user, "view").select_related(
        "site", "owner", "acknowledged_by"
    )
    if site:
        rows = rows.filter(site__code=site)
    if kind:
        rows = rows.filter(kind=kind)
    if acknowledged == "yes":
        rows = rows.filter(acknowledged_at__isnull=False)
    elif acknowledged == "no":
        rows = rows.filter(acknowledged_at__isnull=True)
    if state == "open":
        rows = rows.filter(closed_at__isnull=True)
    elif state == "closed":
        rows = rows.filter(closed_at__isnull=False)
    return rows.order_by(F("closed_at").desc(nulls_first=True), "kind", "-raised_at", "-pk")


# --- drill-down ------------------------------------------------------------------------------
class DrillError(ValueError):
    """Bad drill-down parameters; the message names the parameter."""


def drill_scope(user: Any, kpi: KpiDefinition, params: Any) -> tuple[Any, str]:
    """The drill-down scope from the query parameters: ``site`` (code; required unless the
    KPI is company-wide — out of scope: 404), ``period`` (a date, moved to the start of its
    week or month), ``granularity`` (day/week/month), ``line`` (code, at the site) and
    ``product`` (module model code)."""
    from django.http import Http404

    from qdm.cockpit.kpis_drill import Scope
    from qdm.cockpit.services import PERIODS
    from qdm.core.models import Line
    from qdm.data import selectors as data

    granularity = params.get("granularity", "month").strip() or "month"
    if granularity not in Granularity.values:
        raise DrillError(_t("Unknown granularity %(value)s.") % {"value": granularity})
    raw = params.get("period", "").strip()
    try:
        first = date.fromisoformat(raw)
    except ValueError:
        msg = _t("period: “%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}
        raise DrillError(msg) from None
    last = first
    if granularity in PERIODS:
        start_of, end_of = PERIODS[granularity]
        first, last = start_of(first), end_of(first)
    site = None
    code = params.get("site", "").strip()
    if kpi.company_wide:
        if not KpiBreakdown.objects.for_user(user, "view").filter(site__isnull=True).exists():
            raise Http404(kpi.code)
    else:
        if not code:
            raise DrillError(_t("site: choose a site."))
        site = Site.objects.for_user(user, "view").filter(code=code).first()
        if site is None:
            raise Http404(code)
    scope = Scope(site, first, last)
    line_code = params.get("line", "").strip()
    if line_code:
        scope.line = Line.objects.filter(workshop__site=site, code=line_code).first()
        if scope.line is None:
            raise DrillError(_t("line: no line %(value)s at this site.") % {"value": line_code})
    product = params.get("product", "").strip()
    if product:
        scope.product = data.cockpit_module_model(product)
        if scope.product is None:
            raise DrillError(_t("product: unknown module model %(value)s.") % {"value": product})
    return scope, granularity


def kpi_period_values(
    user: Any, kpi: KpiDefinition, scope: Any, granularity: str
) -> dict[str, Any]:
    """The materialised value of the drill-down's period — the site's, or for a line or
    product drill that line's or product's breakdown value — and the site's line and
    product breakdowns (each with its own drill-down link)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    base = reverse("cockpit:kpi_drill", args=[kpi.code])
    period = {"granularity": granularity, "period": scope.first.isoformat()}
    out: dict[str, Any] = {"value": None, "numerator": None, "denominator": None, "parts": []}
    if scope.site is None:
        row = (
            KpiBreakdown.objects.for_user(user, "view")
            .filter(kpi=kpi.code, dimension=Dimension.GROUP, granularity=granularity)
            .filter(period_start=scope.first)
            .first()
        )
    else:
        row = (
            KpiValue.objects.for_user(user, "view")
            .filter(kpi=kpi.code, site=scope.site, granularity=granularity)
            .filter(period_start=scope.first)
            .first()
        )
        parts = (
            KpiBreakdown.objects.for_user(user, "view")
            .filter(kpi=kpi.code, site=scope.site, granularity=granularity)
            .filter(period_start=scope.first, dimension__in=(Dimension.LINE, Dimension.PRODUCT))
            .select_related("line", "product")
            .order_by("dimension", "line__code", "product__code")
        )
        if scope.line is not None or scope.product is not None:
            row = None  # a line or product drill: its own breakdown value, if any
        for p in parts:
            if (p.line_id, p.product_id) == (scope.line_id, scope.product_id):
                row = p
            key, code = ("line", p.line.code) if p.line_id else ("product", p.product.code)
            query = {"site": scope.site.code, **period, key: code}
            out["parts"].append(
                {
                    "dimension": p.get_dimension_display(),
                    "code": code,
                    "value": p.value,
                    "numerator": p.numerator,
                    "denominator": p.denominator,
                    "url": f"{base}?{urlencode(query)}",
                }
            )
    if row is not None:
        out.update(value=row.value, numerator=row.numerator, denominator=row.denominator)
    return out
