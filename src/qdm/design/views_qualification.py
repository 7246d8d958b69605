"""Pages of qualification and engineering changes beyond the generic ones: expiring
certificates, "what does this BOM change invalidate", re-running a change's impact
assessment, and the effectivity export (modules built before/after a change)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import get_scoped_object
from qdm.data.models import Material, MaterialCategory, ModuleModel
from qdm.design.models import ChangeRequest
from qdm.design.services.change import assess_impact, effectivity_rows
from qdm.design.services.qualification import (
    EXPIRY_HORIZON_DAYS,
    expiring_certificates,
    invalidated_by,
)


def _int(value: str | None, name: str, default: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationError(
            _("%(name)s must be a whole number (got %(value)s).") % {"name": name, "value": value}
        ) from None


class ExpiringCertificatesView(LoginRequiredMixin, View):
    """Certificates expiring within ``?days=`` (default 90) or already expired."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("design.view_certificate"):
            raise PermissionDenied
        error = ""
        try:
            days = _int(request.GET.get("days"), "days", EXPIRY_HORIZON_DAYS)
            if days is not None and not 0 <= days <= 3650:
                raise ValidationError(_("days must be between 0 and 3650."))
        except ValidationError as exc:
            error, days = " ".join(exc.messages), EXPIRY_HORIZON_DAYS
        rows = expiring_certificates(request.user, within=days or 0)
        context = {"rows": rows, "days": days, "error": error}
        return render(
            request, "design/expiring_certificates.html", context, status=400 if error else 200
        )


class BomChangeImpactView(LoginRequiredMixin, View):
    """``?material=<id>`` or ``?category=<id>`` (and ``&module_model=<id>``): the programmes
    and certificates whose qualified BOM contains it, with the sequences to repeat."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("design.view_qualificationprogramme"):
            raise PermissionDenied
        context: dict = {
            "materials": Material.objects.select_related("category").order_by("code"),
            "categories": MaterialCategory.objects.order_by("code"),
            "models": ModuleModel.objects.order_by("code"),
            "report": None,
            "error": "",
        }
        status = 200
        params = request.GET
        if params.get("material") or params.get("category"):
            try:
                material = category = model = None
                material_id = _int(params.get("material"), "material")
                category_id = _int(params.get("category"), "category")
                model_id = _int(params.get("module_model"), "module_model")
                if material_id is not None:
                    material = Material.objects.filter(pk=material_id).first()
                    if material is None:
                        raise ValidationError(_("No material %(id)s.") % {"id": material_id})
                if category_id is not None:
                    category = MaterialCategory.objects.filter(pk=category_id).first()
                    if category is None:
                        raise ValidationError(
                            _("No material category %(id)s.") % {"id": category_id}
                        )
                if model_id is not None:
                    model = ModuleModel.objects.filter(pk=model_id).first()
                    if model is None:
                        raise ValidationError(_("No module model %(id)s.") % {"id": model_id})
                context["report"] = invalidated_by(
                    material=material,
                    category=category,
                    module_models=[model] if model else None,
                    user=request.user,
                )
                shown = category or getattr(material, "category", None)
                context.update(material=material, category=shown, model=model)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
                status = 400
        return render(request, "design/bom_change_impact.html", context, status=status)


class ChangeAssessView(LoginRequiredMixin, View):
    """POST: (re)run the impact assessment of a change before its approval."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        change = get_scoped_object(ChangeRequest, request.user, "change", pk)
        try:
            rows = assess_impact(change, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Impact assessed: %(count)d item(s)") % {"count": len(rows)}
            )
        return HttpResponseRedirect(change.get_absolute_url())


class _Echo:
    def write(self, value: str) -> str:
        return value


class ChangeEffectivityExportView(LoginRequiredMixin, View):
    """GET: CSV of the change's modules (visible to the user) with before/after."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        change = get_scoped_object(ChangeRequest, request.user, "view", pk)
        if not request.user.has_perm("data.view_unit"):
            raise PermissionDenied
        try:
            rows = effectivity_rows(change, request.user)
            first = next(rows, None)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(change.get_absolute_url())
        writer = csv.writer(_Echo())
        header = ["serial", "module_model", "site", "line", "produced_at", "effectivity"]

        def stream():  # type: ignore[no-untyped-def]
            yield writer.writerow(header)
            if first is not None:
                yield writer.writerow(first)
            for row in rows:
                yield writer.writerow(row)

        response = StreamingHttpResponse(stream(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{change.number}-effectivity.csv"'
        return response


urlpatterns = [
    path(
        "certificates/expiring/",
        ExpiringCertificatesView.as_view(),
        name="certificates_expiring",
    ),
    path("qualification/bom-change/", BomChangeImpactView.as_view(), name="bom_change_impact"),
    path("change-requests/<int:pk>/assess/", ChangeAssessView.as_view(), name="change_assess"),
    path(
        "change-requests/<int:pk>/effectivity.csv",
        ChangeEffectivityExportView.as_view(),
        name="change_effectivity_export",
    ),
]
