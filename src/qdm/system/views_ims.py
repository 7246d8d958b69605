"""Pages of the integrated management system beyond the generic ones: the processes ×
systems matrix (HTML and XLSX), checklist generation, the audit report (HTML and XLSX) and
compiling a management review's inputs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.models import Site
from qdm.core.views.generic import get_scoped_object
from qdm.system.exports_ims import audit_workbook, matrix_workbook
from qdm.system.models import Audit, ManagementReview, ManagementSystem, Process
from qdm.system.services.audits import audit_report, generate_checklist
from qdm.system.services.ims import coverage
from qdm.system.services.review import compile_review

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class MatrixView(LoginRequiredMixin, View):
    """Processes × management systems: clauses covered per cell, gaps per system.
    ``?site=<pk>`` limits to the processes run at that site (and the group's);
    ``?export=xlsx`` downloads it."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("system.view_process"):
            raise PermissionDenied
        processes = Process.objects.for_user(request.user, "view").select_related("owner")
        sites = Site.objects.for_user(request.user, "view")
        site = None
        if request.GET.get("site"):
            site = sites.filter(pk=request.GET["site"]).first()
            if site is not None:
                processes = processes.filter(Q(sites=site) | Q(sites__isnull=True))
        systems = ManagementSystem.objects.for_user(request.user, "view").filter(active=True)
        matrix = coverage(processes.distinct().order_by("code"), systems.order_by("code"))
        if request.GET.get("export") == "xlsx":
            stamp = timezone.now().strftime("%Y%m%d")
            return _xlsx(matrix_workbook(matrix), f"ims-matrix-{stamp}.xlsx")
        totals = [
            {
                "system": s,
                "covered": matrix.covered(s),
                "clauses": len(matrix.clauses[s.pk]),
                "gaps": matrix.gaps[s.pk],
            }
            for s in matrix.systems
        ]
        return render(
            request,
            "system/ims_matrix.html",
            {
                "matrix": matrix,
                "rows": matrix.rows(),
                "totals": totals,
                "sites": sites,
                "site": site,
            },
        )


class GenerateChecklistView(LoginRequiredMixin, View):
    """POST: (re)generate the audit's checklist from the process-clause mapping."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = get_scoped_object(Audit, request.user, "change", pk)
        if not request.user.has_perm("system.add_checklistitem"):
            raise PermissionDenied
        try:
            items = generate_checklist(audit, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The checklist has %(count)d item(s).") % {"count": len(items)}
            )
        return HttpResponseRedirect(audit.get_absolute_url())


class AuditReportView(LoginRequiredMixin, View):
    """The audit report; ``?export=xlsx`` downloads it as a workbook."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = get_scoped_object(Audit, request.user, "view", pk)
        report = audit_report(audit)
        if request.GET.get("export") == "xlsx":
            return _xlsx(audit_workbook(report), f"{audit.number}-report.xlsx")
        return render(request, "system/audit_report.html", {"report": report, "audit": audit})


class CompileReviewView(LoginRequiredMixin, View):
    """POST: compile the management review's inputs for its period and store them."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = get_scoped_object(ManagementReview, request.user, "change", pk)
        try:
            compile_review(review, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Inputs compiled."))
        return HttpResponseRedirect(review.get_absolute_url())


urlpatterns = [
    path("ims-matrix/", MatrixView.as_view(), name="ims_matrix"),
    path(
        "internal-audits/<int:pk>/generate-checklist/",
        GenerateChecklistView.as_view(),
        name="audit_generate_checklist",
    ),
    path("internal-audits/<int:pk>/report/", AuditReportView.as_view(), name="audit_report"),
    path(
        "management-reviews/<int:pk>/compile/",
        CompileReviewView.as_view(),
        name="managementreview_compile",
    ),
]
