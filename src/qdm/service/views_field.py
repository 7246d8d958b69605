"""Field IV/EL of a complaint's serials against the factory results of the same serials:
entry (pasted or uploaded), the comparison table and its XLSX export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import get_scoped_object, style_form
from qdm.service.forms import FieldResultsForm
from qdm.service.models import Complaint
from qdm.service.services import field
from qdm.service.services.complaints import IntakeError
from qdm.utilities.xlsx import build_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


def can_record(user: Any, complaint: Complaint) -> bool:
    return (
        user.has_perm("service.add_fieldmeasurement")
        and user.has_perm("service.change_fieldmeasurement")
        and complaint.status not in ("closed", "rejected")
    )


class FieldResultsView(LoginRequiredMixin, View):
    """GET: the comparison table (``?export=xlsx`` for the workbook); POST: record rows."""

    template_name = "service/complaint_field.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not request.user.has_perm("service.view_fieldmeasurement"):
            raise PermissionDenied
        if request.GET.get("export") == "xlsx":
            return self.export(complaint)
        return self.page(request, complaint, style_form(FieldResultsForm()))

    def page(
        self,
        request: HttpRequest,
        complaint: Complaint,
        form: Any,
        row_errors: list[Any] = (),  # type: ignore[assignment]
        status: int = 200,
    ) -> HttpResponse:
        rows = [field.as_row(c) for c in field.compare(complaint)]
        context = {
            "object": complaint,
            "form": form if can_record(request.user, complaint) else None,
            "row_errors": row_errors,
            "columns": field.columns(),
            "rows": [[r[k] for k, _label in field.columns()] for r in rows[:500]],
            "measured": sum(
                1 for r in rows if r["field_pmax_w"] is not None or r["field_el_grade"]
            ),
            "confirmed": sum(1 for r in rows if (r["confirmed_loss_pct"] or 0) > 0),
            "total": len(rows),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not can_record(request.user, complaint):
            raise PermissionDenied
        form = style_form(FieldResultsForm(request.POST, request.FILES))
        row_errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                if upload is not None:
                    if upload.size > MAX_UPLOAD:
                        raise ValidationError(_("The file is larger than 5 MB."))
                    table = field.read_table(upload.name, upload.read())
                else:
                    table = field.parse_text_table(form.cleaned_data["table"])
                saved = field.record_field_results(complaint, table, actor=request.user)
            except IntakeError as exc:
                row_errors = exc.rows
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("Field results of %(n)s serials recorded.") % {"n": len(saved)}
                )
                return HttpResponseRedirect(request.path)
        return self.page(request, complaint, form, row_errors, status=400)

    def export(self, complaint: Complaint) -> HttpResponse:
        columns = field.columns()
        rows = [field.as_row(c) for c in field.compare(complaint)]
        content = build_workbook(
            _("Field vs factory"),
            [label for _key, label in columns],
            ([r[key] for key, _label in columns] for r in rows),
        )
        response = HttpResponse(content, content_type=XLSX)
        name = f"field-vs-factory-{slugify(complaint.number)}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [
    path("complaints/<int:pk>/field/", FieldResultsView.as_view(), name="complaint_field"),
]
