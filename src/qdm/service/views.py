"""Pages of the service platform beyond the generic ones: serial intake, the commonality
analysis of a complaint, "open the customer 8D" and the at-risk list of a suspect lot."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import ScopeViolation, assert_in_scope, get_scoped_object, style_form
from qdm.service.forms import AssignForm, IntakeForm
from qdm.service.models import Complaint
from qdm.service.services import analysis
from qdm.service.services.assignment import assign_complaint
from qdm.service.services.complaints import (
    IntakeError,
    add_items,
    open_customer_8d,
    open_scar_for_lot,
    parse_text,
    parse_upload,
    take_ownership,
)
from qdm.utilities.xlsx import build_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


def _require(user: Any, *perms: str) -> None:
    if not all(user.has_perm(p) for p in perms):
        raise PermissionDenied


class IntakeView(LoginRequiredMixin, View):
    """Add serials to a complaint: typed, pasted or uploaded; all rows or none."""

    template_name = "service/complaint_intake.html"

    def setup_complaint(self, pk: int) -> Complaint:
        complaint = get_scoped_object(Complaint, self.request.user, "view", pk)
        _require(self.request.user, "service.add_complaintitem")
        return complaint

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = self.setup_complaint(pk)
        form = style_form(IntakeForm())
        return render(request, self.template_name, {"object": complaint, "form": form})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = self.setup_complaint(pk)
        form = style_form(IntakeForm(request.POST, request.FILES))
        row_errors: list[Any] = []
        if form.is_valid():
            default = form.cleaned_data.get("default_symptom") or ""
            upload = form.cleaned_data.get("file")
            try:
                if upload is not None:
                    if upload.size > MAX_UPLOAD:
                        raise ValidationError(_("The file is larger than 5 MB."))
                    rows = parse_upload(upload.name, upload.read(), default)
                else:
                    rows = parse_text(form.cleaned_data["serials"], default)
                items = add_items(complaint, rows, actor=request.user)
            except IntakeError as exc:
                row_errors = exc.rows
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("%(n)s serial numbers added.") % {"n": len(items)})
                return HttpResponseRedirect(complaint.get_absolute_url())
        context = {"object": complaint, "form": form, "row_errors": row_errors}
        return render(request, self.template_name, context, status=400)


class AnalysisView(LoginRequiredMixin, View):
    """The reverse trace of the complaint's modules and the ranked commonality table."""

    template_name = "service/complaint_analysis.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        _require(request.user, "data.view_unit")
        context: dict[str, Any] = {"object": complaint, "ran": False}
        if request.GET.get("run"):
            result = analysis.analyse_complaint(complaint)
            rows = [
                {**r.as_dict(), "dimension_label": analysis.dimension_label(r.dimension)}
                for r in result.rows[:60]
            ]
            context.update(
                can_scar=request.user.has_perm("system.add_eightd"),
                ran=True,
                result=result,
                rows=rows,
                significant=len(result.significant()),
                upstream=[
                    (analysis.dimension_label(k), v) for k, v in sorted(result.upstream.items())
                ],
            )
        return render(request, self.template_name, context)


class OpenEightDView(LoginRequiredMixin, View):
    """POST: open the customer 8D of a complaint in the system platform."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not (
            request.user.has_perm("service.change_complaint", complaint)
            and request.user.has_perm("system.add_eightd")
        ):
            raise PermissionDenied
        try:
            with transaction.atomic():
                capa = open_customer_8d(complaint, actor=request.user)
                assert_in_scope(capa, request.user, "add")
        except ScopeViolation:
            messages.error(request, _("You may not open an 8D at this site."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Opened %(number)s.") % {"number": capa.number})
            return HttpResponseRedirect(capa.get_absolute_url())
        return HttpResponseRedirect(complaint.get_absolute_url())


class TakeOwnershipView(LoginRequiredMixin, View):
    """POST: the current user becomes the complaint's owner (SLA reminders go to them)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not request.user.has_perm("service.change_complaint", complaint):
            raise PermissionDenied
        assert_in_scope(complaint, request.user, "change")
        try:
            take_ownership(complaint, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("You now own %(number)s.") % {"number": complaint.number})
        return HttpResponseRedirect(complaint.get_absolute_url())


class AssignView(LoginRequiredMixin, View):
    """POST ``assignee`` (user id) and ``note``: give the complaint to another customer-
    service or quality engineer in scope; they are notified."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from qdm.core.models import User

        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not request.user.has_perm("service.change_complaint", complaint):
            raise PermissionDenied
        assert_in_scope(complaint, request.user, "change")
        form = AssignForm(request.POST, users=User.objects.filter(is_active=True))
        if not form.is_valid():
            messages.error(
                request, " ".join(str(m) for errors in form.errors.values() for m in errors)
            )
            return HttpResponseRedirect(complaint.get_absolute_url())
        assignee = form.cleaned_data["assignee"]
        try:
            assign_complaint(
                complaint, assignee, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(number)s assigned to %(user)s.")
                % {"number": complaint.number, "user": assignee.username},
            )
        return HttpResponseRedirect(complaint.get_absolute_url())


class OpenScarView(LoginRequiredMixin, View):
    """POST ``lot``: open a SCAR to the supplier of a suspect lot of this complaint."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from qdm.data.trace.service import UnitNotFound, find_unit

        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        _require(request.user, "system.add_eightd", "data.view_unit")
        back = reverse("service:complaint_analysis", args=[complaint.pk]) + "?run=1"
        try:
            lot = find_unit(request.POST.get("lot") or "", request.user)
            with transaction.atomic():
                capa = open_scar_for_lot(complaint, lot, actor=request.user)
                assert_in_scope(capa, request.user, "add")
        except UnitNotFound as exc:
            messages.error(request, str(exc))
        except ScopeViolation:
            messages.error(request, _("You may not open a SCAR at this site."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Opened %(number)s.") % {"number": capa.number})
            return HttpResponseRedirect(capa.get_absolute_url())
        return HttpResponseRedirect(back)


class AtRiskView(LoginRequiredMixin, View):
    """GET ``?code=<lot>``: every module built from a suspect lot, with its pallet,
    shipment and customer; ``&export=xlsx`` for containment."""

    template_name = "service/at_risk.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request.user, "data.view_unit", "service.view_complaint")
        from qdm.data.trace.service import UnitNotFound

        code = (request.GET.get("code") or "").strip()
        context: dict[str, Any] = {"code": code, "columns": analysis.at_risk_columns()}
        if code:
            try:
                lot, rows = analysis.at_risk(code, request.user)
            except UnitNotFound as exc:
                context["error"] = str(exc)
                return render(request, self.template_name, context, status=404)
            if request.GET.get("export") == "xlsx":
                return self.export(lot, rows)
            customers = sorted({r["customer"] for r in rows if r["customer"]})
            context.update(
                lot=lot,
                rows=rows[:500],
                total=len(rows),
                shipped=sum(1 for r in rows if r["shipment"]),
                customers=customers,
                complained=sum(1 for r in rows if r["complaints"]),
            )
        return render(request, self.template_name, context)

    def export(self, lot: Any, rows: list[dict[str, Any]]) -> HttpResponse:
        columns = analysis.at_risk_columns()

        def cell(row: dict[str, Any], key: str) -> Any:
            value = row[key]
            if key == "complaints":
                return ", ".join(value)
            if key == "produced_at" and value is not None:
                return timezone.localtime(value).replace(tzinfo=None)
            return value

        content = build_workbook(
            _("At-risk modules"),
            [label for _key, label in columns],
            ([cell(r, key) for key, _label in columns] for r in rows),
        )
        response = HttpResponse(content, content_type=XLSX)
        name = f"at-risk-{slugify(lot.code)}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [
    path("complaints/<int:pk>/intake/", IntakeView.as_view(), name="complaint_intake"),
    path("complaints/<int:pk>/analysis/", AnalysisView.as_view(), name="complaint_analysis"),
    path("complaints/<int:pk>/open-8d/", OpenEightDView.as_view(), name="complaint_open_8d"),
    path("complaints/<int:pk>/take/", TakeOwnershipView.as_view(), name="complaint_take"),
    path("complaints/<int:pk>/assign/", AssignView.as_view(), name="complaint_assign"),
    path("complaints/<int:pk>/open-scar/", OpenScarView.as_view(), name="complaint_open_scar"),
    path("at-risk/", AtRiskView.as_view(), name="at_risk"),
]
