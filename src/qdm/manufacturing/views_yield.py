"""The yield page: FPY, scrap and downgrade rates by period, line and shift, and the defect
Pareto (ECharts from a ``json_script`` block, drawn by ``static/qdm/yield.js``), with
``?export=xlsx`` for the period × line table. The filter form is shared with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from qdm.core.models import Line, Site
from qdm.core.views.generic import style_form
from qdm.data.models import ModuleModel
from qdm.manufacturing.services.yields import (
    GRANULARITIES,
    SHIFT_PATTERN_LABELS,
    YieldError,
    YieldQuery,
    default_dates,
    default_shift_pattern,
    local_today,
    scoped_sites,
    yield_report,
)
from qdm.utilities.xlsx import build_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the permission that opens the page and the API: FPY is computed from flash tests
PERMISSION = "data.view_flashtest"
SOURCE_LABELS = {
    "el": gettext_lazy("EL"),
    "flash": gettext_lazy("Flash test"),
    "oqc": gettext_lazy("OQC"),
    "inspection": gettext_lazy("Inspection"),
}


class YieldFilterForm(forms.Form):
    """The filters of the page and of ``GET /api/v1/manufacturing/yield/``; every field is
    optional (the default period is the last 30 days, site-local)."""

    site = forms.ModelChoiceField(
        Site.objects.all(), required=False, label=gettext_lazy("Site"), to_field_name="code"
    )
    line = forms.ModelChoiceField(
        Line.objects.filter(workshop__stage="module").select_related("workshop"),
        required=False,
        label=gettext_lazy("Line"),
        to_field_name="code",
    )
    module_model = forms.ModelChoiceField(
        ModuleModel.objects.all(),
        required=False,
        label=gettext_lazy("Product"),
        to_field_name="code",
    )
    date_from = forms.DateField(
        required=False,
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        required=False,
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    granularity = forms.ChoiceField(
        choices=list(GRANULARITIES.items()), required=False, label=gettext_lazy("Period")
    )
    shifts = forms.ChoiceField(
        choices=list(SHIFT_PATTERN_LABELS.items()),
        required=False,
        label=gettext_lazy("Shift pattern"),
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        self.user = user
        for name in ("site", "line", "module_model"):
            field = self.fields[name]
            field.queryset = field.queryset.for_user(user, "view")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        sites = scoped_sites(self.user, data.get("site"), data.get("line"))
        start, end = default_dates(local_today(sites))
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_to and not date_from:
            date_from = date_to - (end - start)
        query = YieldQuery(
            date_from=date_from or start,
            date_to=date_to or end,
            site=data.get("site"),
            line=data.get("line"),
            module_model=data.get("module_model"),
            granularity=data.get("granularity") or "day",
            shifts=data.get("shifts") or default_shift_pattern(),
        )
        try:
            query.check()
        except YieldError as exc:
            self.add_error(exc.field, str(exc))
            return data
        data["query"] = query
        return data

    @property
    def query(self) -> YieldQuery:
        return self.cleaned_data["query"]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def with_percentages(report: dict[str, Any]) -> dict[str, Any]:
    """Rates as percentages (``fpy_pct`` …) for the template and the workbook."""
    rows = [report["totals"], *report["periods"], *report["lines"], *report["shifts"]]
    rows += [*report["line_shifts"], *report["rows"]]
    for row in rows:
        for name in ("fpy", "scrap_rate", "downgrade_rate"):
            row[f"{name}_pct"] = _pct(row[name])
    for item in report["pareto"]:
        item["share_pct"] = _pct(item["share"])
        item["cumulative_pct"] = _pct(item["cumulative"])
        item["source_label"] = str(SOURCE_LABELS.get(item["source"], item["source"]))
    return report


def chart_data(report: dict[str, Any]) -> dict[str, Any]:
    """What ``yield.js`` draws: the trend per period (all lines and each line) and the
    Pareto with its cumulative share."""
    periods = [p["period"] for p in report["periods"]]
    index = {p: i for i, p in enumerate(periods)}
    per_line: dict[str, list[float | None]] = {}
    for row in report["rows"]:
        name = row["line"] or row["line_name"]
        series = per_line.setdefault(name, [None] * len(periods))
        series[index[row["period"]]] = row["fpy_pct"]
    return {
        "periods": periods,
        "started": [p["started"] for p in report["periods"]],
        "fpy": [p["fpy_pct"] for p in report["periods"]],
        "lines": [{"name": k, "fpy": v} for k, v in sorted(per_line.items())],
        "pareto": {
            "codes": [p["code"] for p in report["pareto"]],
            "counts": [p["count"] for p in report["pareto"]],
            "cumulative": [p["cumulative_pct"] for p in report["pareto"]],
        },
    }


def pareto_by_line(report: dict[str, Any], top: int = 8) -> dict[str, Any]:
    """The Pareto's leading codes (columns) per line (rows), the rest summed as "other"."""
    codes = [p["code"] for p in report["pareto"][:top]]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for item in report["pareto_lines"]:
        key = (item["site"] or "", item["line"] or item["line_name"])
        row = rows.setdefault(key, {"site": key[0], "line": key[1], "counts": {}, "other": 0})
        if item["code"] in codes:
            row["counts"][item["code"]] = row["counts"].get(item["code"], 0) + item["count"]
        else:
            row["other"] += item["count"]
    table = []
    for row in rows.values():
        cells = [row["counts"].get(code, 0) for code in codes]
        table.append({**row, "cells": cells, "total": sum(cells) + row["other"]})
    return {"codes": codes, "rows": table}


def table_columns() -> list[str]:
    return [
        _("Period"),
        _("Site"),
        _("Line"),
        _("Started"),
        _("First-pass good"),
        _("FPY %"),
        _("Scrapped"),
        _("Scrap %"),
        _("Downgraded"),
        _("Downgrade %"),
    ]


class YieldView(LoginRequiredMixin, View):
    template_name = "manufacturing/yield.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        form = YieldFilterForm(request.GET, user=request.user)
        context: dict[str, Any] = {"form": style_form(form)}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        report = with_percentages(yield_report(request.user, form.query))
        if request.GET.get("export") == "xlsx":
            return self.export(report)
        shown = request.GET.copy()  # the form shows the dates in effect, defaults included
        shown["date_from"] = form.query.date_from.isoformat()
        shown["date_to"] = form.query.date_to.isoformat()
        form.data = shown
        query = request.GET.copy()
        query["export"] = "xlsx"
        context |= {
            "report": report,
            "chart": chart_data(report),
            "pareto_lines": pareto_by_line(report),
            "query": form.query,
            "export_query": query.urlencode(),
        }
        return render(request, self.template_name, context)

    def export(self, report: dict[str, Any]) -> HttpResponse:
        body = [
            [
                row["period"],
                row["site"],
                row["line"] or row["line_name"],
                row["started"],
                row["first_pass"],
                row["fpy_pct"],
                row["scrapped"],
                row["scrap_rate_pct"],
                row["downgraded"],
                row["downgrade_rate_pct"],
            ]
            for row in report["rows"]
        ]
        filters = report["filters"]
        title = _("Yield %(start)s to %(end)s") % {
            "start": filters["date_from"],
            "end": filters["date_to"],
        }
        content = build_workbook(title, table_columns(), body)
        name = f"yield-{filters['date_from']}-{filters['date_to']}.xlsx"
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [path("yield/", YieldView.as_view(), name="yield")]
