"""Downloads of the 8D report (PDF and XLSX) in the UI and the API, and the list of
controlled documents due for their periodic review.

The report is read through ``for_user(user, "view")``: a CAPA outside the user's scope is a
404, and a supplier's user can download the SCARs addressed to their company (the only
CAPAs they can see). The language is ``?lang=en|zh-hans``, else the user's language; any
other value is refused with a message naming it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from qdm.core.api.errors import ApiError, ErrorCode
from qdm.core.api.permissions import GrantPermission
from qdm.core.views.generic import get_scoped_object
from qdm.system.exports import LANGUAGES, eightd_workbook
from qdm.system.exports_pdf import eightd_pdf
from qdm.system.models import ControlledDocument, EightD
from qdm.system.services.documents import REVIEW_WINDOW_DAYS, due_for_review

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("pdf", "xlsx")


class BadLanguage(ValueError):
    """``?lang=`` names a language the report is not written in."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.message = _("Unknown report language %(value)s: use one of %(choices)s.") % {
            "value": repr(value),
            "choices": ", ".join(LANGUAGES),
        }


def report_language(query: Any, user: Any) -> str:
    """``?lang=`` when given (``BadLanguage`` if unknown), else the user's language, else
    the active one."""
    raw = query.get("lang")
    if raw not in (None, ""):
        if raw not in LANGUAGES:
            raise BadLanguage(raw)
        return str(raw)
    preferred = getattr(user, "language", "") or translation.get_language() or "en"
    return "zh-hans" if preferred.lower().startswith("zh") else "en"


def report_file(capa: EightD, fmt: str, language: str) -> HttpResponse:
    """The report as a download: ``<number>-<language>.pdf`` or ``.xlsx``."""
    if fmt == "pdf":
        content, content_type = eightd_pdf(capa, language), PDF
    else:
        content, content_type = eightd_workbook(capa, language)[0], XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{capa.number}-{language}.{fmt}"'
    return response


class EightDPdfView(LoginRequiredMixin, View):
    """GET ``?lang=en|zh-hans``: the 8D report as PDF."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        capa = get_scoped_object(EightD, request.user, "view", pk)
        try:
            language = report_language(request.GET, request.user)
        except BadLanguage as exc:
            return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
        return report_file(capa, "pdf", language)


class _JsonErrors(BaseContentNegotiation):
    """The report views answer a file, or an error in the usual JSON envelope — whatever the
    client's Accept header or ``?format=`` asks for."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class EightDReportApiView(APIView):
    """``GET /api/v1/system/capas/{id}/report.pdf`` (or ``report.xlsx``) ``?lang=``."""

    permission_classes = [GrantPermission]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JsonErrors
    scoped_model = EightD
    permission_action = "view"
    http_method_names = ["get", "head", "options"]
    fmt = "pdf"

    def get(self, request: Request, pk: int) -> HttpResponse:
        capa = get_scoped_object(EightD, request.user, "view", pk)
        try:
            language = report_language(request.query_params, request.user)
        except BadLanguage as exc:
            raise ApiError(
                ErrorCode.INVALID, exc.message, fields={"lang": [exc.message]}, status_code=400
            ) from exc
        return report_file(capa, self.fmt, language)


_LANG = OpenApiParameter(
    "lang", str, enum=list(LANGUAGES), description="report language (default: the user's)"
)


class EightDPdfApiView(EightDReportApiView):
    fmt = "pdf"

    @extend_schema(
        summary="8D report as PDF",
        parameters=[_LANG],
        responses={(200, PDF): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return super().get(request, pk)


class EightDXlsxApiView(EightDReportApiView):
    fmt = "xlsx"

    @extend_schema(
        summary="8D report as XLSX",
        parameters=[_LANG],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return super().get(request, pk)


# --- Periodic review ------------------------------------------------------------------


class DocumentsDueView(LoginRequiredMixin, View):
    """GET ``?days=30``: the controlled documents the user can see whose periodic review is
    due within that many days, or overdue."""

    template_name = "system/controlleddocument_due.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        raw = request.GET.get("days") or str(REVIEW_WINDOW_DAYS)
        if not raw.isdigit() or int(raw) > 3650:
            message = _("Enter a number of days from 0 to 3650, not %(value)s.") % {
                "value": repr(raw)
            }
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        days = int(raw)
        today = timezone.localdate()
        visible = ControlledDocument.objects.for_user(request.user, "view")
        rows = [
            {
                "document": doc,
                "days_left": (doc.next_review_date - today).days,
                "days_late": (today - doc.next_review_date).days,
                "overdue": doc.next_review_date < today,
            }
            for doc in due_for_review(visible, today, days).select_related("owner")
        ]
        return render(request, self.template_name, {"rows": rows, "days": days, "today": today})


urlpatterns = [
    path("capas-and-8ds/<int:pk>/report.pdf", EightDPdfView.as_view(), name="eightd_pdf"),
    path(
        "controlled-documents/due-for-review/",
        DocumentsDueView.as_view(),
        name="controlleddocument_due",
    ),
]

API_URLS = [
    path(
        "system/capas/<int:pk>/report.pdf",
        EightDPdfApiView.as_view(),
        name="system-capas-report-pdf",
    ),
    path(
        "system/capas/<int:pk>/report.xlsx",
        EightDXlsxApiView.as_view(),
        name="system-capas-report-xlsx",
    ),
]
