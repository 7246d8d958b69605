"""The further KPIs of the cockpit (issue 10 §1): OQC first pass, EL A-grade share, Cpk of
special characteristics, incoming ppm, supplier grade distribution, complaint ppm, complaint
response and 8D closure times, document acknowledgement and carbon intensity. Formulas are
in ``docs/cockpit.md``; every read goes through a platform's ``selectors`` module."""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from qdm.cockpit.kpis_base import (
    HIGHER,
    LAST,
    LINE,
    LOWER,
    PRODUCT,
    RATIO,
    SPAN,
    Figures,
    KpiDefinition,
    bounds,
    daily_counts,
    days,
    system_reader,
)
from qdm.core.models import Site
from qdm.data import selectors as data
from qdm.manufacturing import selectors as mfg
from qdm.service import selectors as svc
from qdm.supplier import selectors as sup
from qdm.system import selectors as ims

GRADES = ("A", "B", "C", "D")
GRADE_NAMES = {
    "A": _("Suppliers graded A"),
    "B": _("Suppliers graded B"),
    "C": _("Suppliers graded C"),
    "D": _("Suppliers graded D"),
}


# --- OQC first pass (manufacturing module releases) -------------------------------------
def oqc_first_pass(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """OQC decisions by the site-local day they were taken: numerator the modules released
    with hi-pot and visual checks passed, denominator every decision; per line and model."""
    ok = Q(status="released", hipot_passed=True, visual_passed=True)
    return daily_counts(
        sites, date_from, date_to, mfg.cockpit_oqc_decisions, "decided_at",
        Count("pk", filter=ok), Count("pk"),
        {LINE: "unit__line_id", PRODUCT: "unit__module_model_id"},
    )  # fmt: skip


# --- EL A-grade share (data EL results after lamination) --------------------------------
def el_a_share(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """EL2 results by test day: numerator grade A, denominator all; per line and model."""
    return daily_counts(
        sites, date_from, date_to, data.cockpit_el2_results, "tested_at",
        Count("pk", filter=Q(grade="A")), Count("pk"),
        {LINE: "line_id", PRODUCT: "product_id"},
    )  # fmt: skip


# --- incoming ppm (supplier receipts judged at IQC) -------------------------------------
def incoming_ppm(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Receipts judged at IQC by judgement day: numerator the quantity of rejected
    receipts, denominator the quantity of all judged receipts (× 10⁶ = ppm)."""
    return daily_counts(
        sites, date_from, date_to, sup.cockpit_judged_receipts, "judged_at",
        Sum("quantity", filter=Q(status="rejected")), Sum("quantity"),
    )  # fmt: skip


# --- complaint ppm of shipped modules ---------------------------------------------------
def complaint_ppm(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Numerator: modules of the site named in validated complaints (triaged or later, not
    rejected) received that day; denominator: modules of the site shipped that day
    (site-local day the shipment left). Per line and module model; × 10⁶ = ppm."""
    out: dict[tuple, list[float]] = {}
    valid = svc.VALIDATED_STATUSES
    items = svc.cockpit_complaint_items([s.pk for s in sites]).filter(
        complaint__status__in=valid,
        complaint__received_on__gte=date_from,
        complaint__received_on__lte=date_to,
    )
    for field, dim in (("", ""), ("unit__line", LINE), ("unit__module_model", PRODUCT)):
        names = ["unit__site", "complaint__received_on"] + ([field] if field else [])
        for r in items.values(*names).annotate(n=Count("unit", distinct=True)).order_by():
            key = _key(r["unit__site"], r["complaint__received_on"], dim, r.get(field))
            if key:
                out.setdefault(key, [0.0, 0.0])[0] += r["n"]
    for site in sites:
        start, end = bounds(site, date_from, date_to)
        tz = ZoneInfo(site.timezone)
        shipped = data.cockpit_shipped_modules([site.pk], start, end).values_list(
            "pk", "line_id", "module_model_id", "shipped_at"
        )
        for _pk, line_id, model_id, at in shipped:
            day = at.astimezone(tz).date()
            for dim, value in (("", None), (LINE, line_id), (PRODUCT, model_id)):
                key = _key(site.pk, day, dim, value)
                if key:
                    out.setdefault(key, [0.0, 0.0])[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def _key(site_id: int, day: date, dim: str, value: int | None) -> tuple | None:
    if not dim:
        return (site_id, day)
    if value is None:
        return None
    return (site_id, day, value, None) if dim == LINE else (site_id, day, None, value)


# --- medians of days (span KPIs) ---------------------------------------------------------
def complaint_response_days(
    sites: Sequence[Site], first: date, last: date
) -> dict[int, tuple[float, float]]:
    """Complaints received ``first``–``last`` naming modules of the site and answered
    (triaged as valid or rejected): median calendar days from receipt to the first answer."""
    spans: dict[int, dict[int, int]] = {}
    for site_id, c, received, answered in svc.cockpit_complaint_responses(
        [s.pk for s in sites], first, last
    ):
        # keyed by complaint: the selector may list a complaint once per module it names
        spans.setdefault(site_id, {})[c.pk] = (answered - received).days
    return {k: (float(statistics.median(v.values())), float(len(v))) for k, v in spans.items()}


def complaint_response_days_parts(
    sites: Sequence[Site], first: date, last: date
) -> dict[tuple, tuple[float, float]]:
    """``complaint_response_days`` per line and per module model of the complained modules
    (one grouped read): a complaint naming modules of two lines counts once at each, once
    at a line however many of its modules it names."""
    spans: dict[tuple, dict[int, int]] = {}
    rows = svc.cockpit_complaint_responses_by_unit([s.pk for s in sites], first, last)
    for site_id, line_id, model_id, c, received, answered in rows:
        for key in ((site_id, line_id, None), (site_id, None, model_id)):
            if key[1] is not None or key[2] is not None:
                spans.setdefault(key, {})[c.pk] = (answered - received).days
    return {k: (float(statistics.median(v.values())), float(len(v))) for k, v in spans.items()}


def capa_closure_days(
    sites: Sequence[Site], first: date, last: date
) -> dict[int, tuple[float, float]]:
    """8D reports (CAPA, SCAR, customer 8D) closed ``first``–``last`` (site-local day):
    median days from opening to closure (fractional days)."""
    out = {}
    for site in sites:
        start, end = bounds(site, first, last)
        rows = ims.cockpit_closed_capas([site.pk]).filter(closed_at__gte=start, closed_at__lt=end)
        spans = [
            (closed - opened).total_seconds() / 86400.0
            for opened, closed in rows.values_list("opened_at", "closed_at")
        ]
        if spans:
            out[site.pk] = (float(statistics.median(spans)), float(len(spans)))
    return out


# --- Cpk of special characteristics ------------------------------------------------------
#: the Cpk of each chart and window of one computation, shared by the site and the line
#: values (emptied by ``clear_caches`` at the start and end of every ``compute_kpis``)
_CHART_CPKS: dict[tuple, tuple[float, int] | None] = {}


def clear_caches() -> None:
    _CHART_CPKS.clear()


def _chart_cpk(config: Any, start: datetime, end: datetime) -> tuple[float, int] | None:
    key = (config, start, end)
    if key not in _CHART_CPKS:
        _CHART_CPKS[key] = mfg.cockpit_chart_cpk(config, start, end)
    return _CHART_CPKS[key]


def special_cpk(sites: Sequence[Site], first: date, last: date) -> dict[int, tuple[float, float]]:
    """Mean Cpk of the site's active SPC charts on CC/SC characteristics over the data of the
    period (the capability of each chart page for that window); charts without enough data
    or specification limits do not count. Denominator: the number of charts."""
    out = {}
    for site in sites:
        start, end = bounds(site, first, last)
        cpks = []
        for config in mfg.cockpit_special_charts([site.pk]):
            found = _chart_cpk(config, start, end)
            if found is not None:
                cpks.append(found[0])
        if cpks:
            out[site.pk] = (sum(cpks) / len(cpks), float(len(cpks)))
    return out


def special_cpk_parts(
    sites: Sequence[Site], first: date, last: date
) -> dict[tuple, tuple[float, float]]:
    """``special_cpk`` per line: the mean Cpk of the line's charts (one read of the charts of
    every site; each chart's Cpk computed once for the site and its line)."""
    by_site = {s.pk: s for s in sites}
    cpks: dict[tuple, list[float]] = {}
    for config in mfg.cockpit_special_line_charts(list(by_site)):
        start, end = bounds(by_site[config.site_id], first, last)
        found = _chart_cpk(config, start, end)
        if found is not None:
            cpks.setdefault((config.site_id, config.line_id, None), []).append(found[0])
    return {k: (sum(v) / len(v), float(len(v))) for k, v in cpks.items()}


# --- document acknowledgement (snapshot at day end) -------------------------------------
def _day_end(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz) - timedelta(
        microseconds=1
    )


def document_acknowledgement(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Read-and-understood rate at the end of each day: acknowledged / required
    (effective revision × active distributed user) for the documents of the site — the
    duties of every site and day read at once, each day-end snapshot taken in memory."""
    if not sites:
        return {}
    zones = {site.pk: ZoneInfo(site.timezone) for site in sites}
    start = min(_day_end(date_from, tz) for tz in zones.values())
    end = max(_day_end(date_to, tz) for tz in zones.values())
    duties: dict[int, list[tuple]] = {}
    for site_id, rev, _user, acknowledged_at in ims.cockpit_acknowledgement_history(
        list(zones), start, end
    ):
        duties.setdefault(site_id, []).append((rev.effective_at, rev.obsoleted_at, acknowledged_at))
    out: Figures = {}
    for site_id, rows in duties.items():
        for day in days(date_from, date_to):
            at = _day_end(day, zones[site_id])
            live = [a for eff, obs, a in rows if eff <= at and (obs is None or obs > at)]
            if live:
                done = sum(1 for a in live if a is not None and a <= at)
                out[(site_id, day)] = (float(done), float(len(live)))
    return out


# --- supplier grade distribution (company-wide) ------------------------------------------
def _grade_share(grade: str) -> Any:
    def group(date_from: date, date_to: date) -> dict[date, tuple[float, float]]:
        out = {}
        # the grades change only on a scored month: read them once per such month, not per day
        months = sup.scorecard_months(date_to)
        by_last_month: dict[int, Any] = {}
        for day in days(date_from, date_to):
            key = bisect_right(months, day)
            if key not in by_last_month:
                by_last_month[key] = sup.cockpit_supplier_grades(day)
            grades = by_last_month[key]
            if grades:
                n = sum(1 for g, _m, _c in grades.values() if g == grade)
                out[day] = (float(n), float(len(grades)))
        return out

    return group


# --- carbon intensity per kWp (carbon, monthly) ------------------------------------------
def carbon_intensity(
    sites: Sequence[Site], first: date, last: date
) -> dict[int, tuple[float, float]]:
    """(Scope 1 + Scope 2 market-based) / power of the modules produced, kg CO₂e per kWp
    (= t/MW), per site and month from the carbon platform's inventory; the denominator is
    the MW produced (so that sites combine weighted by production)."""
    from qdm.carbon import selectors as carbon

    month = first.strftime("%Y-%m")
    by_code = {s.code: s.pk for s in sites}
    out = {}
    for row in carbon.intensity_by_site_month(system_reader(), first.year):
        if row["month"] == month and row["site"] in by_code and row["kg_per_kwp"] is not None:
            out[by_code[row["site"]]] = (float(row["kg_per_kwp"]), float(row["mw"]))
    return out


MORE_KPIS = (
    KpiDefinition(
        "oqc_first_pass", _("OQC first-pass rate"), "%", HIGHER, RATIO, oqc_first_pass,
        _("Modules released at OQC with hi-pot and visual passed / OQC decisions."),
        dims=(LINE, PRODUCT),
    ),
    KpiDefinition(
        "el_a_share", _("EL A-grade share"), "%", HIGHER, RATIO, el_a_share,
        _("EL results after lamination graded A / all EL results after lamination."),
        dims=(LINE, PRODUCT),
    ),
    KpiDefinition(
        "special_cpk", _("Cpk of special characteristics"), "", HIGHER, SPAN,
        description=_("Mean Cpk of the active SPC charts on CC/SC characteristics."),
        scale=1.0, span=special_cpk, granularities=("week", "month"), dims=(LINE,),
        span_parts=special_cpk_parts,
    ),
    KpiDefinition(
        "incoming_ppm", _("Incoming ppm"), "ppm", LOWER, RATIO, incoming_ppm,
        _("Quantity of rejected receipts / quantity received and judged at IQC × 10⁶."),
        scale=1e6,
    ),
    *(
        KpiDefinition(
            f"supplier_grade_{g.lower()}", GRADE_NAMES[g],
            "%", HIGHER if g in "AB" else LOWER, LAST,
            description=_("Share of scored suppliers with this latest grade (company-wide; "
                          "a supplier takes its worst grade over its categories)."),
            group=_grade_share(g),
        )
        for g in GRADES
    ),
    KpiDefinition(
        "complaint_ppm", _("Complaint ppm of shipped modules"), "ppm", LOWER, RATIO,
        complaint_ppm,
        _("Modules named in validated complaints / modules shipped × 10⁶."),
        scale=1e6, dims=(LINE, PRODUCT),
    ),
    KpiDefinition(
        "complaint_response_days", _("Complaint response time"), _("days"), LOWER, SPAN,
        description=_("Median days from receipt to the first answer (triage or rejection)."),
        scale=1.0, span=complaint_response_days, dims=(LINE, PRODUCT),
        span_parts=complaint_response_days_parts,
    ),
    KpiDefinition(
        "capa_closure_days", _("8D closure time"), _("days"), LOWER, SPAN,
        description=_("Median days from opening to closure of the 8D reports closed."),
        scale=1.0, span=capa_closure_days,
    ),
    KpiDefinition(
        "document_acknowledgement", _("Document acknowledgement"), "%", HIGHER, LAST,
        document_acknowledgement,
        _("Read-and-understood acknowledgements / required (effective revisions × "
          "distributed users) at the end of the period."),
    ),
    KpiDefinition(
        "carbon_intensity", _("Carbon intensity"), _("kg CO₂e/kWp"), LOWER, SPAN,
        description=_("Scope 1 + 2 (market-based) emissions per kWp of modules produced."),
        scale=1.0, span=carbon_intensity, granularities=("month",),
    ),
)  # fmt: skip
