"""The KPI definitions of the cockpit, registered in code (``REGISTRY``).

Each KPI has a compute function over a list of sites and a range of site-local days that
returns ``{key: (numerator, denominator)}`` — aggregated by the database (a few queries per
site, never one per record). A key is ``(site_id, day)`` for the site's figure, or
``(site_id, day, line_id, product_id)`` where one of line or product is set for the figure
of one line or one module model (product) of the site, and both are None for the site.
Breakdowns are returned explicitly, never summed by the engine: a complaint naming modules
of two models counts once at the site and once at each model.

``aggregation`` says how days roll up to ISO weeks and months:

* ``ratio`` — Σ numerators / Σ denominators × ``scale`` (100 for %, 10⁶ for ppm);
* ``sum`` — sum of the daily counts (denominator ``None``);
* ``last`` — a snapshot at the end of the day (open items, the read-and-understood rate, the
  supplier grades): the week and the month show their last day;
* ``span`` — not additive (a median, a Cpk): computed from the source for each day, each
  ISO week and each month by ``span(sites, first, last) → {site_id: (value, n)}``; stored
  with ``numerator`` = the value and ``denominator`` = the number of observations.

KPIs with ``company_wide`` (the supplier grade distribution) are computed once for the
group, by ``group(date_from, date_to) → {day: (num, den)}``, and stored as group rows of
``KpiBreakdown``. The platforms are read only through their ``selectors`` modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from qdm.cockpit.kpis_base import (  # noqa: F401  (re-exported: the engine's vocabulary)
    HIGHER,
    LAST,
    LINE,
    LOWER,
    PRODUCT,
    RATIO,
    SPAN,
    SUM,
    Compute,
    Figures,
    KpiDefinition,
    bounds,
    daily_counts,
    days,
    system_reader,
)
from qdm.core.models import Site
from qdm.manufacturing import selectors as mfg
from qdm.service import selectors as svc
from qdm.system import selectors as ims

_bounds = bounds


# --- yield (manufacturing's yield report), per site, line and module model ---------------
#: the yield report's rows per day, line and model of one computation, shared by FPY, scrap
#: and downgrade rates (emptied by ``clear_caches`` at the start and end of every
#: ``compute_kpis``)
_YIELD_ROWS: dict[tuple, list[dict]] = {}


def clear_caches() -> None:
    _YIELD_ROWS.clear()


def _yield_rows(sites: Sequence[Site], date_from: date, date_to: date) -> list[dict]:
    key = (tuple(s.pk for s in sites), date_from, date_to)
    if key not in _YIELD_ROWS:
        rows: list[dict] = []
        start = date_from
        while start <= date_to:  # the yield report takes at most a year at a time
            end = min(date_to, start + timedelta(days=365))
            only = sites[0] if len(sites) == 1 else None  # one site: let the report filter
            rows += mfg.cockpit_yield_days_by_model(system_reader(), start, end, only)
            start = end + timedelta(days=1)
        _YIELD_ROWS[key] = rows
    return _YIELD_ROWS[key]


def _yield(metric: str) -> Compute:
    """``metric`` / started of the yield report's rows (one statement for all days, lines
    and module models), summed for the site, each line and each module model."""

    def compute(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
        site_ids = {s.pk for s in sites}
        out: dict[tuple, list[float]] = {}
        for row in _yield_rows(sites, date_from, date_to):
            site_id, day = row["site_id"], row["day"]
            if site_id not in site_ids:
                continue
            keys: list[tuple] = [(site_id, day)]
            if row["line_id"] is not None:
                keys.append((site_id, day, row["line_id"], None))
            if row["module_model_id"] is not None:
                keys.append((site_id, day, None, row["module_model_id"]))
            for key in keys:
                cell = out.setdefault(key, [0.0, 0.0])
                cell[0] += row[metric]
                cell[1] += row["started"]
        return {k: (v[0], v[1]) for k, v in out.items()}

    return compute


# --- IQC lot acceptance (manufacturing inspection lots) ----------------------------------
def iqc_acceptance(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Completed IQC lots with a verdict, by the site-local day they were inspected:
    numerator the passed lots, denominator the passed and failed ones."""
    return daily_counts(
        sites, date_from, date_to, mfg.cockpit_iqc_lots, "inspected_at",
        Count("pk", filter=Q(verdict="pass")), Count("pk"),
    )  # fmt: skip


# --- snapshots: open items at the end of each day ----------------------------------------
def open_levels(
    site: Site, date_from: date, date_to: date, queryset: Any, opened: str, closed: Any,
    by: str = "",
) -> dict[Any, dict[date, tuple[int, bool]]]:  # fmt: skip
    """How many rows of ``queryset`` are open at the end of each site-local day — opened (at
    ``opened``) by then and not closed (at ``closed``, null = still open) by then — and
    whether any opened or closed that day: ``{group: {day: (level, changed)}}``, the group
    being the value of the field ``by`` (``None`` for all the rows without ``by``). Three
    aggregate queries: before the range, openings per day, closings per day."""
    tz = ZoneInfo(site.timezone)
    start, end = bounds(site, date_from, date_to)
    qs = queryset.annotate(_closed=closed)
    fields = [by] if by else []
    counts = {"o": Count("pk"), "c": Count("pk", filter=Q(_closed__lt=start))}
    before_qs = qs.filter(**{f"{opened}__lt": start})
    before = (
        before_qs.values(*fields).annotate(**counts).order_by() if by
        else [before_qs.aggregate(**counts)]
    )  # fmt: skip
    levels = {(r[by] if by else None): r["o"] - r["c"] for r in before}
    moves: dict[Any, dict[date, int]] = {}
    for field, sign in ((opened, 1), ("_closed", -1)):
        rows = (
            qs.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .annotate(_day=TruncDate(field, tzinfo=tz))
            .values(*fields, "_day")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for r in rows:
            group = moves.setdefault(r[by] if by else None, {})
            group[r["_day"]] = group.get(r["_day"], 0) + sign * r["n"]
    out: dict[Any, dict[date, tuple[int, bool]]] = {}
    for group in {*levels, *moves}:
        level, changes = levels.get(group, 0), moves.get(group, {})
        series = out[group] = {}
        for day in days(date_from, date_to):
            level += changes.get(day, 0)
            series[day] = (level, day in changes)
    return out


def open_at_day_end(
    site: Site, date_from: date, date_to: date, queryset: Any, opened: str, closed: Any
) -> dict[date, int]:
    """How many rows of ``queryset`` are open at the end of each site-local day."""
    levels = open_levels(site, date_from, date_to, queryset, opened, closed)[None]
    return {day: level for day, (level, _changed) in levels.items()}


def open_spc_alerts(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """SPC violations detected and not acknowledged at the end of each day, at the site
    (every day: all the chart lines together) and per line of the chart (a day where the
    line has some open or where one opened or closed: the last of a week or month is then
    its end level, or 0, or none); IQC charts have no line. Three grouped queries a site."""
    out: Figures = {}
    for site in sites:
        by_line = open_levels(
            site, date_from, date_to, mfg.cockpit_spc_violations([site.pk]), "detected_at",
            F("acknowledged_at"), by="config__line_id",
        )  # fmt: skip
        for day in days(date_from, date_to):
            total = sum(series[day][0] for series in by_line.values())
            out[(site.pk, day)] = (float(total), None)
        for line_id, series in by_line.items():
            if line_id is None:
                continue
            for day, (level, changed) in series.items():
                if level or changed:
                    out[(site.pk, day, line_id, None)] = (float(level), None)
    return out


def open_findings(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Audit findings that are nonconformities (major, minor) raised and not closed at the
    end of each day; a finding closes with its nonconformity (else its CAPA)."""
    out: Figures = {}
    for site in sites:
        counts = open_at_day_end(
            site, date_from, date_to, ims.cockpit_nc_findings([site.pk]), "raised_at",
            Coalesce("nonconformity__closed_at", "capa__closed_at"),
        )  # fmt: skip
        out.update({(site.pk, d): (float(n), None) for d, n in counts.items()})
    return out


# --- CAPA on-time closure (system) -------------------------------------------------------
def capa_on_time(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """CAPA actions by due date: numerator those done by their due date (site-local date of
    completion), denominator all due that day that are not cancelled (nor their CAPA)."""
    out: Figures = {}
    for site in sites:
        rows = (
            ims.cockpit_capa_actions([site.pk])
            .filter(due_date__gte=date_from, due_date__lte=date_to)
            .annotate(done_on=TruncDate("completed_at", tzinfo=ZoneInfo(site.timezone)))
            .values("due_date")
            .annotate(
                n=Count("pk"),
                ok=Count("pk", filter=Q(status="done", done_on__lte=F("due_date"))),
            )
            .order_by()
        )
        for r in rows:
            out[(site.pk, r["due_date"])] = (float(r["ok"]), float(r["n"]))
    return out


# --- complaints (service) ----------------------------------------------------------------
def complaint_count(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Complaints received (not rejected as invalid) by day, attributed to the site that
    made a module they name (a complaint naming modules of two sites counts at both), and
    per line that made and module model of a module named (line, product) — one grouped
    query each."""
    items = (
        svc.cockpit_complaint_items([s.pk for s in sites])
        .exclude(complaint__status="rejected")
        .filter(complaint__received_on__gte=date_from, complaint__received_on__lte=date_to)
    )
    out: Figures = {}
    for field, dim in (("", ""), ("unit__line", LINE), ("unit__module_model", PRODUCT)):
        rows = items.exclude(**{f"{field}__isnull": True}) if field else items
        names = ["unit__site", "complaint__received_on"] + ([field] if field else [])
        for r in rows.values(*names).annotate(n=Count("complaint", distinct=True)).order_by():
            key: tuple = (r["unit__site"], r["complaint__received_on"])
            if dim:
                key += (r[field], None) if dim == LINE else (None, r[field])
            out[key] = (float(r["n"]), None)
    return out


def _registry() -> dict[str, KpiDefinition]:
    from qdm.cockpit.kpis_more import MORE_KPIS

    base = (
        KpiDefinition(
            "fpy", _("First-pass yield"), "%", HIGHER, RATIO, _yield("first_pass"),
            _("Modules first-pass good / modules started (manufacturing yield report)."),
            dims=(LINE, PRODUCT),
        ),
        KpiDefinition(
            "scrap_rate", _("Scrap rate"), "%", LOWER, RATIO, _yield("scrapped"),
            _("Modules scrapped / modules started."), dims=(LINE, PRODUCT),
        ),
        KpiDefinition(
            "downgrade_rate", _("Downgrade rate"), "%", LOWER, RATIO, _yield("downgraded"),
            _("Modules downgraded / modules started."), dims=(LINE, PRODUCT),
        ),
        KpiDefinition(
            "iqc_acceptance", _("IQC lot acceptance rate"), "%", HIGHER, RATIO,
            iqc_acceptance, _("Passed IQC lots / IQC lots with a verdict."),
        ),
        KpiDefinition(
            "open_spc_alerts", _("Open SPC alerts"), "", LOWER, LAST, open_spc_alerts,
            _("SPC violations not acknowledged at the end of the period."), dims=(LINE,),
        ),
        KpiDefinition(
            "capa_on_time", _("CAPA on-time closure"), "%", HIGHER, RATIO, capa_on_time,
            _("CAPA actions done by their due date / actions due in the period."),
        ),
        KpiDefinition(
            "open_findings", _("Open audit findings"), "", LOWER, LAST, open_findings,
            _("Nonconformity findings not closed at the end of the period."),
        ),
        KpiDefinition(
            "complaints", _("Customer complaints"), "", LOWER, SUM, complaint_count,
            _("Complaints received in the period naming modules of the site."),
            dims=(LINE, PRODUCT),
        ),
    )  # fmt: skip
    return {k.code: k for k in (*base, *MORE_KPIS)}


REGISTRY: dict[str, KpiDefinition] = _registry()
