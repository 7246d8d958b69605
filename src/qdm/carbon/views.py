"""Pages of the carbon platform beyond the generic ones: the what-if page (and its JSON
feed), the corporate inventory, the activity XLSX import, shipment declarations and their
exports."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from qdm.carbon.models import CarbonDeclaration, FactorLibrary, ProductFootprint
from qdm.carbon.services import declarations
from qdm.carbon.services.activity import ImportFailed, import_activity, sites_for
from qdm.carbon.services.factors import load_library
from qdm.carbon.services.footprints import compute_product_footprint, what_if
from qdm.carbon.services.inventory import inventory
from qdm.core.models import Site
from qdm.core.views.generic import get_scoped_object
from qdm.data.models import ModuleModel, Unit
from qdm.quality import pcf

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def default_library(user: Any) -> FactorLibrary:
    library = (
        FactorLibrary.objects.for_user(user, "view")
        .filter(kind="group")
        .order_by("-version")
        .first()
    )
    if library is None:
        raise Http404(_("No group emission-factor library yet."))
    return library


def _float(request: HttpRequest, name: str, label: str) -> float | None:
    raw = request.GET.get(name, "").strip()
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(
            _("%(field)s: %(value)r is not a number.") % {"field": label, "value": raw}
        ) from None


def what_if_options(request: HttpRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    share = _float(request, "renewable", _("Renewable share (%)"))
    if share is not None:
        options["renewable_share"] = share / 100
    materials = {}
    for key in ("glass", "frame", "encapsulant", "backsheet", "silver"):
        value = _float(request, key, key)
        if value is not None:
            if value < 0:
                raise ValidationError(_("%(field)s cannot be negative.") % {"field": key})
            materials[key] = value
    if materials:
        options["materials"] = materials
    grid = _float(request, "grid_si", _("Electricity of the silicon chain (kg CO₂e/kWh)"))
    if grid is not None:
        options["electricity"] = {"electricity si": grid}
    return options


class WhatIfView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.view_productfootprint")
        return render(
            request,
            "carbon/whatif.html",
            {
                "models": ModuleModel.objects.for_user(request.user).order_by("code"),
                "sites": Site.objects.for_user(request.user).order_by("code"),
                "masses": pcf.MODULE_MASS_KG_M2,
                "can_save": request.user.has_perm("carbon.add_productfootprint"),
            },
        )


def _model_site(request: HttpRequest, source: Any) -> tuple[ModuleModel, Site]:
    model = get_scoped_object(ModuleModel, request.user, "view", source.get("model"))
    site = get_scoped_object(Site, request.user, "view", source.get("site"))
    return model, site


class WhatIfDataView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.view_productfootprint")
        model, site = _model_site(request, request.GET)
        try:
            data = what_if(model, site, default_library(request.user), **what_if_options(request))
        except (ValidationError, pcf.PcfError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return JsonResponse({"error": {"code": "invalid", "message": message}}, status=400)
        return JsonResponse(data)


class WhatIfSaveView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.add_productfootprint")
        model, site = _model_site(request, request.POST)
        if site not in sites_for(request.user, "carbon.add_productfootprint"):
            raise Http404
        request.GET = request.POST  # the same option parser
        try:
            fp = compute_product_footprint(
                model, site, default_library(request.user), actor=request.user,
                **what_if_options(request),
            )  # fmt: skip
        except (ValidationError, pcf.PcfError) as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.path.replace("save/", ""))
        messages.success(request, _("Footprint saved."))
        return HttpResponseRedirect(fp.get_absolute_url())


class InventoryView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.view_activityrecord")
        try:
            year = int(request.GET.get("year") or dt.date.today().year)
        except ValueError:
            raise Http404(_("Unknown year.")) from None
        library = default_library(request.user)
        try:
            rows = inventory(request.user, load_library(library), year)
        except pcf.PcfError as exc:
            messages.error(request, str(exc))
            rows = []
        totals = {
            k: sum(r[k] for r in rows)
            for k in ("scope1", "scope2_location", "scope2_market", "scope3_cat1", "mwh", "mw")
        }
        chart = {
            "months": sorted({r["month"] for r in rows}),
            "sites": sorted({r["site"] for r in rows}),
            "rows": [[r["site"], r["month"], round(r["scope2_market"], 1)] for r in rows],
        }
        return render(
            request,
            "carbon/inventory.html",
            {"rows": rows, "totals": totals, "year": year, "library": library, "chart": chart},
        )


class ActivityImportView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.add_activityrecord")
        return render(request, "carbon/activity_import.html", {})

    def post(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.add_activityrecord")
        upload = request.FILES.get("file")
        if upload is None:
            return render(
                request,
                "carbon/activity_import.html",
                {"errors": [_("Choose an XLSX file.")]},
                status=400,
            )
        try:
            count = import_activity(upload, user=request.user)
        except ImportFailed as exc:
            return render(
                request,
                "carbon/activity_import.html",
                {"errors": [str(e) for e in exc.errors]},
                status=400,
            )
        messages.success(request, _("%(n)d activity rows imported.") % {"n": count})
        return HttpResponseRedirect("../")


class DeclareView(LoginRequiredMixin, View):
    """POST ``unit``: compute and store the declaration of a shipment or pallet."""

    def post(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.add_carbondeclaration")
        unit = get_scoped_object(Unit, request.user, "view", request.POST.get("unit"))
        try:
            with transaction.atomic():
                decl = declarations.declare(unit, default_library(request.user), actor=request.user)
                # the new declaration must be inside the user's add scope, else nothing stays
                added = CarbonDeclaration.objects.for_user(request.user, "add")
                if not added.filter(pk=decl.pk).exists():
                    raise Http404(_("No such record, or it is outside your scope."))
        except (ValidationError, pcf.PcfError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return HttpResponseRedirect(unit.get_absolute_url())
        return HttpResponseRedirect(decl.get_absolute_url())


class DeclarationExportView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        decl = get_scoped_object(CarbonDeclaration, request.user, "view", pk)
        language = request.GET.get("lang", "en")
        if language not in declarations.LANGUAGES:
            raise Http404(_("Unknown language."))
        if fmt == "xlsx":
            body, kind = declarations.declaration_xlsx(decl, language), XLSX
        else:
            body, kind = declarations.declaration_pdf(decl, language), "application/pdf"
        response = HttpResponse(body, content_type=kind)
        response["Content-Disposition"] = (
            f'attachment; filename="carbon-{decl.unit.code}-{language}.{fmt}"'
        )
        return response


def footprint_context(obj: ProductFootprint, user: Any) -> dict[str, Any]:
    return {"inputs_json": json.dumps(obj.inputs, indent=1, ensure_ascii=False)}


urlpatterns = [
    path("what-if/", WhatIfView.as_view(), name="whatif"),
    path("what-if/data/", WhatIfDataView.as_view(), name="whatif_data"),
    path("what-if/save/", WhatIfSaveView.as_view(), name="whatif_save"),
    path("inventory/", InventoryView.as_view(), name="inventory"),
    path("activity-records/import/", ActivityImportView.as_view(), name="activity_import"),
    path("declare/", DeclareView.as_view(), name="declare"),
    path(
        "carbon-declarations/<int:pk>/export.<str:fmt>",
        DeclarationExportView.as_view(),
        name="declaration_export",
    ),
]
