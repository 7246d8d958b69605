"""The trace page: a code and a direction; the genealogy as an ECharts graph (data in a
``json_script`` block, drawn by ``static/qdm/trace.js``), the units below it, and
``?export=xlsx`` with every unit of the trace."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from qdm.data.trace import service
from qdm.utilities.xlsx import build_workbook

DIRECTIONS = ("backward", "forward")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns() -> list[tuple[str, str]]:
    return [
        ("code", _("Code")),
        ("kind", _("Kind")),
        ("depth", _("Depth")),
        ("material", _("Material")),
        ("supplier", _("Supplier")),
        ("supplier_lot", _("Supplier lot")),
        ("site", _("Site")),
        ("line", _("Line")),
        ("customer", _("Customer")),
        ("project", _("Project")),
        ("produced_at", _("Produced at")),
    ]


def _display(row: dict[str, Any]) -> dict[str, Any]:
    """A table row with labels for people: kind label, local time, the restricted marker."""
    shown = dict(row)
    shown["kind_label"] = service.kind_label(row["kind"])
    if row.get("produced_at"):
        shown["produced_at"] = timezone.localtime(parse_datetime(row["produced_at"]))
    return shown


class TraceView(LoginRequiredMixin, View):
    template_name = "data/trace/trace.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("data.view_unit"):
            raise PermissionDenied
        code = (request.GET.get("code") or "").strip()
        direction = request.GET.get("direction") or "backward"
        if direction not in DIRECTIONS:
            direction = "backward"
        context: dict[str, Any] = {
            "code": code,
            "direction": direction,
            "directions": [
                ("backward", _("Backward (where from)")),
                ("forward", _("Forward (where to)")),
            ],
            "columns": _columns(),
            "trace_url": reverse("data:trace"),
        }
        if not code:
            return render(request, self.template_name, context)
        limit, offset = service.DEFAULT_LIMIT, 0
        try:
            offset = max(0, int(request.GET.get("offset") or 0))
        except ValueError:
            offset = 0
        try:
            trace = (
                service.backward(code, request.user)
                if direction == "backward"
                else service.forward(code, request.user, limit=limit, offset=offset)
            )
        except service.UnitNotFound as exc:
            context["error"] = str(exc)
            return render(request, self.template_name, context, status=404)
        if request.GET.get("export") == "xlsx":
            return self.export(trace)
        context |= self.trace_context(trace, direction, code, limit, offset)
        return render(request, self.template_name, context)

    def trace_context(
        self, trace: service.Trace, direction: str, code: str, limit: int, offset: int
    ) -> dict[str, Any]:
        payload = trace.payload
        base = reverse("data:trace")
        context: dict[str, Any] = {
            "trace": payload,
            "start": trace.start,
            "start_kind": service.kind_label(trace.start.kind),
            "graph": service.graph(trace),
            "rows": [_display(row) for row in service.table_rows(trace)],
            "restricted": [
                (service.kind_label(kind), n) for kind, n in payload["restricted"].items()
            ],
            "export_url": f"{base}?{urlencode({'code': code, 'direction': direction})}&export=xlsx",
        }
        if direction == "forward":
            context["counts"] = [
                (service.kind_label(kind), n) for kind, n in payload["counts"].items()
            ]
            total = payload["modules_total"]

            def page(at: int) -> str:
                query: dict[str, str | int] = {"code": code, "direction": direction, "offset": at}
                return f"{base}?{urlencode(query)}"

            context["modules_page"] = {
                "first": offset + 1 if payload["modules"] else 0,
                "last": offset + len(payload["modules"]),
                "total": total,
                "previous": page(max(0, offset - limit)) if offset > 0 else None,
                "next": page(offset + limit) if offset + limit < total else None,
            }
        else:
            context["process"] = [
                {**m, "measured_at": timezone.localtime(parse_datetime(m["measured_at"]))}
                for m in payload["process"]
            ]
        return context

    def export(self, trace: service.Trace) -> HttpResponse:
        columns = _columns()
        rows = service.table_rows(trace, all_modules=True)

        def cell(row: dict[str, Any], key: str) -> Any:
            if key == "code" and row["restricted"]:
                return _("(outside your scope)")
            if key == "kind":
                return service.kind_label(row[key])
            if key == "produced_at" and row[key]:
                return timezone.localtime(parse_datetime(row[key]))
            return row.get(key)

        body = [[cell(row, key) for key, _label in columns] for row in rows]
        title = _("Trace %(code)s") % {"code": trace.start.code}
        content = build_workbook(title, [label for _key, label in columns], body)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        name = f"trace-{trace.direction}-{slugify(trace.start.code)}-{stamp}.xlsx"
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
