"""Pages of quality loss and reports: the COPQ page of a site (or all sites in scope) with its
12-month prediction, its XLSX export, and the monthly quality report page and download.

Query parameters of the COPQ page, export and API: ``site`` (a site code; empty = every
site in scope together), ``from`` / ``to`` (``YYYY-MM``; default the last 12 months),
``currency`` (default the reporting currency). A site out of scope answers 404."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from qdm.cockpit.copq import (
    CLASSES,
    CopqError,
    CopqResult,
    compute_copq,
    parse_month,
    reporting_currency,
    visible_sites,
)
from qdm.cockpit.copq_forecast import CopqForecast, forecast_copq
from qdm.cockpit.models_copq import CopqClass
from qdm.cockpit.reports import (
    FORMATS,
    LANGUAGES,
    ReportNotFound,
    build_report,
    render_report,
)
from qdm.core.models import Site
from qdm.utilities.periods import add_months, month_start


@dataclass
class CopqQuery:
    sites: list[Site]
    site_code: str
    first: date
    last: date
    currency: str


def copq_query(user: Any, params: Any) -> CopqQuery:
    """Parse the COPQ parameters; Http404 for a site out of scope, CopqError for bad input."""
    sites = visible_sites(user)
    code = (params.get("site") or "").strip()
    if code:
        sites = [s for s in sites if s.code.upper() == code.upper()]
        if not sites:
            raise Http404(code)
    this_month = month_start(timezone.localdate())
    last = parse_month(params["to"]) if params.get("to") else this_month
    first = parse_month(params["from"]) if params.get("from") else add_months(last, -11)
    if last < first:
        raise CopqError(_("The last month is before the first."))
    if (last.year - first.year) * 12 + last.month - first.month >= 60:
        raise CopqError(_("Choose at most 60 months."))
    currency = (params.get("currency") or reporting_currency()).strip().upper()
    return CopqQuery(sites, code.upper(), first, last, currency)


def copq_table(result: CopqResult) -> list[dict[str, Any]]:
    """One row per month (the sites of the result together)."""
    rows = []
    for m in result.months:
        cell = result.group(m)
        rows.append({"month": m.strftime("%Y-%m"), **cell.as_dict()})
    return rows


def copq_payload(q: CopqQuery, result: CopqResult, fc: CopqForecast | None) -> dict[str, Any]:
    return {
        "currency": result.currency,
        "sites": [s.code for s in result.sites],
        "months": copq_table(result),
        "by_site": {
            s.code: [
                {"month": m.strftime("%Y-%m"), **result.cell(s, m).as_dict()} for m in result.months
            ]
            for s in result.sites
        },
        "uncosted": result.uncosted,
        "forecast": fc.as_dict() if fc is not None else None,
    }


class CopqView(LoginRequiredMixin, TemplateView):
    template_name = "cockpit/copq.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        context.update(
            all_sites=visible_sites(self.request.user),
            classes=[(c, CopqClass(c).label) for c in CLASSES],
            params=params,
        )
        try:
            q = copq_query(self.request.user, params)
            result = compute_copq(q.sites, q.first, q.last, q.currency)
            fc = forecast_copq(q.sites, q.last, q.currency) if q.sites else None
        except CopqError as exc:
            context["error"] = str(exc)
            return context
        rows = copq_table(result)
        chart = {
            "months": [r["month"] for r in rows],
            "series": {c: [r[c] for r in rows] for c in CLASSES},
            "labels": {c: str(CopqClass(c).label) for c in CLASSES},
            "forecast": fc.as_dict() if fc else None,
            "label_forecast": _("Forecast"),
            "label_interval": _("95 % prediction interval"),
        }
        context.update(
            q=q,
            result=result,
            rows=rows,
            lines=result.lines[:300],
            more_lines=max(0, len(result.lines) - 300),
            forecast=fc,
            forecast_rows=list(zip(fc.months, fc.values, fc.lower, fc.upper, strict=True))
            if fc
            else [],
            chart=chart,
            export_query=self.request.GET.urlencode(),
        )
        return context


class CopqExportView(LoginRequiredMixin, View):
    """The COPQ of the page as XLSX: the months (the sites together), every site per month,
    and every amount behind the figures."""

    def get(self, request: Any) -> HttpResponse:
        from openpyxl import Workbook

        try:
            q = copq_query(request.user, request.GET)
            result = compute_copq(q.sites, q.first, q.last, q.currency)
        except CopqError as exc:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        labels = [str(CopqClass(c).label) for c in CLASSES]
        wb = Workbook()
        ws = wb.active
        ws.title = _("COPQ")[:31]
        ws.append(
            [
                _("Month"),
                *labels,
                _("Total"),
                _("Revenue"),
                _("Share of revenue (%)"),
                _("Currency"),
            ]
        )
        for row in copq_table(result):
            ws.append(
                [
                    row["month"],
                    *(row[c] for c in CLASSES),
                    row["total"],
                    row["revenue"],
                    row["share_of_revenue_pct"],
                    result.currency,
                ]
            )
        by_site = wb.create_sheet(_("By site")[:31])
        by_site.append([_("Site"), _("Month"), *labels, _("Total"), _("Revenue")])
        for s in result.sites:
            for m in result.months:
                d = result.cell(s, m).as_dict()
                by_site.append(
                    [
                        s.code,
                        m.strftime("%Y-%m"),
                        *(d[c] for c in CLASSES),
                        d["total"],
                        d["revenue"],
                    ]
                )
        lines = wb.create_sheet(_("Amounts")[:31])
        lines.append(
            [
                _("Site"),
                _("Month"),
                _("Class"),
                _("Source"),
                _("Item"),
                _("Quantity"),
                _("Unit cost"),
                _("Amount"),
                _("Currency"),
                _("Amount in %(currency)s") % {"currency": result.currency},
            ]
        )
        for line in result.lines:
            lines.append(
                [
                    line.site,
                    line.month.strftime("%Y-%m"),
                    str(CopqClass(line.copq_class).label),
                    line.source,
                    line.label,
                    None if line.quantity is None else float(line.quantity),
                    None if line.unit_cost is None else float(line.unit_cost),
                    float(line.amount),
                    line.currency,
                    float(line.converted),
                ]
            )
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"copq-{q.site_code or 'all'}-{q.first:%Y-%m}-{q.last:%Y-%m}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ReportView(LoginRequiredMixin, TemplateView):
    """Choose a site (or the group), a month, a language and a format; download."""

    template_name = "cockpit/report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sites = visible_sites(self.request.user)
        context.update(
            sites=sites,
            group_allowed=bool(sites) and len(sites) >= Site.objects.filter(active=True).count(),
            month=add_months(month_start(timezone.localdate()), -1).strftime("%Y-%m"),
            languages=[("en", "English"), ("zh-hans", "简体中文")],
            formats=FORMATS,
        )
        return context


def report_response(user: Any, params: Any) -> HttpResponse:
    """The report file for ``params`` (site, month, lang, format); 404 when out of scope,
    400 naming the bad parameter."""
    site = (params.get("site") or "").strip()
    fmt = (params.get("format") or "pdf").strip().lower()
    lang = (params.get("lang") or "en").strip().lower()
    if fmt not in FORMATS:
        message = _("Unknown format %(fmt)s: choose %(choices)s.") % {
            "fmt": fmt,
            "choices": ", ".join(FORMATS),
        }
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    if lang not in LANGUAGES:
        message = _("Unknown language %(lang)s: choose %(choices)s.") % {
            "lang": lang,
            "choices": ", ".join(LANGUAGES),
        }
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    try:
        data = build_report(
            user, None if site.lower() in ("", "group") else site, params.get("month"), lang
        )
        content, ctype, name = render_report(data, fmt)
    except ReportNotFound as exc:
        raise Http404(str(exc)) from exc
    except CopqError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ReportDownloadView(LoginRequiredMixin, View):
    def get(self, request: Any) -> HttpResponse:
        return report_response(request.user, request.GET)
