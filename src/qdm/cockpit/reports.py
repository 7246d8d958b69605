"""The monthly quality report of a site or of the group (PDF and XLSX, English or Chinese),
compiled from what the cockpit already holds:

* **KPIs** — the materialised month values (``KpiValue``) of the month and the month
  before; for the group, ratios are recomputed from the summed numerators and
  denominators, counts are summed;
* **goals** — the quality goals of the year at the site (group goals for the group report)
  measured up to the end of the month (``measure_goal``);
* **COPQ** — the four classes of the month, the month before and the year to date
  (``compute_copq``), with the share of revenue when one was entered;
* **complaints** received in the month naming modules of the site(s), the **top
  nonconformities** raised in the month (through the platforms' selectors), and the
  **open alerts** at the time the report is made.

Scope: a site report needs the site in the user's view scope, the group report every active
site — otherwise ``ReportNotFound`` (a 404 for the pages). Rendering: ``reports_pdf`` and
``reports_xlsx``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qdm.cockpit.copq import CLASSES, CopqCell, CopqError, compute_copq, parse_month, visible_sites
from qdm.cockpit.kpis import LAST, REGISTRY, SUM
from qdm.cockpit.models import Granularity, KpiValue, QualityGoal
from qdm.cockpit.models_copq import CopqClass
from qdm.cockpit.services_goals import STATUS_LABELS, measure_goal
from qdm.core.models import Site
from qdm.service.selectors import complaints_at_sites
from qdm.system.selectors import top_nonconformities
from qdm.utilities.periods import add_months, month_end

LANGUAGES = ("en", "zh-hans")
FORMATS = ("pdf", "xlsx")


class ReportNotFound(LookupError):
    """The site is unknown or out of the user's scope (shown as a 404)."""


@dataclass
class ReportData:
    title: str
    scope_label: str
    month: date
    language: str
    generated_at: Any
    currency: str = ""
    kpis: list[dict[str, Any]] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)
    copq: list[dict[str, Any]] = field(default_factory=list)
    copq_note: str = ""
    complaints: list[dict[str, Any]] = field(default_factory=list)
    nonconformities: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def filename_stem(self) -> str:
        return f"quality-report-{self.scope_label}-{self.month:%Y-%m}-{self.language}"


def report_sites(user: Any, site_code: str | None) -> tuple[list[Site], str]:
    """The sites of a report and its label: one site in scope, or (``None``) the group —
    every active site, which the user must all see."""
    sites = visible_sites(user)
    if site_code:
        found = [s for s in sites if s.code.upper() == site_code.upper()]
        if not found:
            raise ReportNotFound(site_code)
        return found, found[0].code
    if not sites or len(sites) < Site.objects.filter(active=True).count():
        raise ReportNotFound("group")
    return sites, "GROUP"


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}" if unit else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def _kpis(user: Any, sites: list[Site], month: date) -> list[dict[str, Any]]:
    prev = add_months(month, -1)
    qs = KpiValue.objects.for_user(user, "view").filter(
        site__in=sites, granularity=Granularity.MONTH, period_start__in=[month, prev]
    )
    names = {f.name for f in KpiValue._meta.fields}
    for dim in ("line", "product", "module_model"):
        if dim in names:
            qs = qs.filter(**{f"{dim}__isnull": True})
    sums: dict[tuple[str, date], list[float | None]] = {}
    for code, period, num, den, val in qs.values_list(
        "kpi", "period_start", "numerator", "denominator", "value"
    ):
        cell = sums.setdefault((code, period), [None, None, None])
        for i, v in enumerate((num, den, val)):
            if v is not None:
                cell[i] = (cell[i] or 0.0) + v
    rows = []
    for kpi in REGISTRY.values():
        values = []
        for period in (month, prev):
            num, den, val = sums.get((kpi.code, period), [None, None, None])
            # one site: its stored value; the group: recomputed from the sums (counts: Σ)
            value = val if len(sites) == 1 else kpi.value(num, den)
            if value is None and kpi.aggregation in (SUM, LAST):
                value = val
            values.append(value)
        if values == [None, None]:
            continue
        rows.append(
            {
                "code": kpi.code,
                "name": str(kpi.name),
                "unit": kpi.unit,
                "value": values[0],
                "previous": values[1],
                "direction": kpi.direction,
            }
        )
    return rows


def _goals(user: Any, sites: list[Site], month: date, group: bool) -> list[dict[str, Any]]:
    qs = QualityGoal.objects.for_user(user, "view").filter(year=month.year)
    qs = qs.filter(site__isnull=True) if group else qs.filter(site__in=sites)
    rows = []
    for goal in qs.order_by("level", "code"):
        m = measure_goal(goal, until=month_end(month))
        rows.append(
            {
                "code": goal.code,
                "title": goal.title,
                "direction": goal.get_direction_display(),
                "target": goal.target,
                "actual": m.actual,
                "status": m.status,
                "status_label": str(STATUS_LABELS.get(m.status, m.status)),
                "forecast": m.forecast,
            }
        )
    return rows


def _copq(data: ReportData, sites: list[Site], month: date, currency: str | None) -> None:
    first = date(month.year, 1, 1)
    start = min(first, add_months(month, -1))
    try:
        result = compute_copq(sites, start, month, currency)
    except CopqError as exc:
        data.copq_note = str(exc)
        return
    data.currency = result.currency

    def group(m: date) -> CopqCell:
        return result.group(m) if len(sites) > 1 else result.cell(sites[0], m)

    this, prev = group(month), group(add_months(month, -1))
    ytd = CopqCell()
    for m in result.months:
        if m.year == month.year and m <= month:
            c = group(m)
            for name in CLASSES:
                ytd.add(name, getattr(c, name))
    for name in CLASSES:
        data.copq.append(
            {
                "class": name,
                "label": str(CopqClass(name).label),
                "month": float(getattr(this, name)),
                "previous": float(getattr(prev, name)),
                "ytd": float(getattr(ytd, name)),
            }
        )
    data.copq.append(
        {
            "class": "total",
            "label": _("Total COPQ"),
            "month": float(this.total),
            "previous": float(prev.total),
            "ytd": float(ytd.total),
        }
    )
    if this.share is not None:
        data.copq.append(
            {
                "class": "share",
                "label": _("COPQ as share of revenue (%)"),
                "month": this.share,
                "previous": prev.share,
                "ytd": None,
            }
        )
    if result.uncosted:
        data.copq_note = _("%(count)s decisions or complaints have no standard cost.") % {
            "count": len(result.uncosted)
        }


def _alerts(user: Any, sites: list[Site], group: bool) -> list[dict[str, Any]]:
    from qdm.cockpit.selectors import alerts

    codes = {s.code for s in sites}
    kinds = {
        "spc": _("SPC alert"),
        "capa": _("Overdue CAPA action"),
        "certificate": _("Certificate expiring"),
        "complaint": _("Complaint SLA breach"),
    }
    rows = []
    for kind, items in alerts(user).items():
        for a in items:
            site = getattr(a, "site", "")
            if group or site in codes:
                due = getattr(a, "due", None)
                rows.append(
                    {
                        "kind": str(kinds.get(kind, kind)),
                        "title": getattr(a, "title", str(a)),
                        "site": site,
                        "due": due.isoformat() if due else "",
                    }
                )
    return rows


def build_report(
    user: Any,
    site_code: str | None,
    month: Any,
    language: str = "en",
    currency: str | None = None,
) -> ReportData:
    """The content of the report of ``site_code`` (``None``: the group) for ``month``
    (``YYYY-MM`` or a date), in ``language``. ReportNotFound when out of scope, CopqError
    for a bad month or language."""
    month = parse_month(month)
    if language not in LANGUAGES:
        raise CopqError(
            _("Unknown language %(lang)s: choose %(choices)s.")
            % {"lang": language, "choices": ", ".join(LANGUAGES)}
        )
    sites, label = report_sites(user, site_code)
    group = site_code is None
    with translation.override(language):
        if group:
            title = _("Monthly quality report of the group")
        else:
            title = _("Monthly quality report of site %(site)s") % {"site": sites[0].name}
        data = ReportData(title, label, month, language, timezone.localtime())
        start, end = month, month_end(month)
        ids = [s.pk for s in sites]
        codes = {s.pk: s.code for s in sites}
        data.kpis = _kpis(user, sites, month)
        data.goals = _goals(user, sites, month, group)
        _copq(data, sites, month, currency)
        data.complaints = [
            {
                "number": c.number,
                "site": codes[c.site_id],
                "title": c.title,
                "severity": str(c.severity_label),
                "status": str(c.status_label),
                "received_on": c.received_on.isoformat(),
            }
            for c in complaints_at_sites(ids, start, end)
        ]
        data.nonconformities = [
            {
                "number": n.number,
                "site": codes[n.site_id],
                "title": n.title,
                "severity": str(n.severity_label),
                "quantity": n.quantity,
                "status": str(n.status_label),
                "raised_on": n.raised_on.isoformat(),
            }
            for n in top_nonconformities(ids, start, end)
        ]
        data.alerts = _alerts(user, sites, group)
    return data


def render_report(data: ReportData, fmt: str) -> tuple[bytes, str, str]:
    """``(content, content type, file name)`` of the report in ``fmt`` (pdf or xlsx)."""
    if fmt == "pdf":
        from qdm.cockpit.reports_pdf import report_pdf

        return report_pdf(data), "application/pdf", f"{data.filename_stem}.pdf"
    if fmt == "xlsx":
        from qdm.cockpit.reports_xlsx import report_xlsx

        return (
            report_xlsx(data),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{data.filename_stem}.xlsx",
        )
    raise CopqError(
        _("Unknown format %(fmt)s: choose %(choices)s.")
        % {"fmt": fmt, "choices": ", ".join(FORMATS)}
    )


def fmt_value(value: float | None, unit: str = "") -> str:
    return _fmt(value, unit)
