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

from qdm.carbon.models import (
    CarbonDeclaration,
    EcsTableVersion,
    FactorLibrary,
    ProductFootprint,
    SupplierFactor,
)
from qdm.carbon.services import declarations, ecs
from qdm.carbon.services.activity import ImportFailed, import_activity, sites_for
from qdm.carbon.services.factors import load_library
from qdm.carbon.services.footprints import CATEGORY_FLOW, compute_product_footprint, what_if
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
    chosen = [v for v in request.GET.getlist("supplier_factor") if v.strip()]
    if chosen:
        visible = SupplierFactor.objects.for_user(request.user, "view").select_related(
            "supplier", "material__category"
        )
        factors = []
        for raw in chosen:
            sf = visible.filter(pk=raw).first() if raw.isdigit() else None
            if sf is None:
                raise ValidationError(
                    _("Supplier factor %(id)s: no such factor in your scope.") % {"id": raw}
                )
            factors.append(sf)
        options["supplier_factors"] = factors
    return options


def switchable_factors(user: Any) -> list[SupplierFactor]:
    """Verified supplier factors, valid today, of materials in the module chain."""
    today = dt.date.today()
    rows = (
        SupplierFactor.objects.for_user(user, "view")
        .filter(verified=True, valid_from__lte=today, material__category__code__in=CATEGORY_FLOW)
        .select_related("supplier", "material__category")
        .order_by("material__code", "supplier__code")
    )
    return [sf for sf in rows if not sf.valid_until or sf.valid_until >= today]


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
                "supplier_factors": switchable_factors(request.user),
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
    """The inputs, and the newest footprint of the other method (ISO 14067 beside ECS)."""
    other = "ecs" if obj.method == "iso14067" else "iso14067"
    visible = ProductFootprint.objects.for_user(user, "view")
    beside = ecs.latest(obj.module_model_id, obj.site_id, other, among=visible)
    return {
        "inputs_json": json.dumps(obj.inputs, indent=1, ensure_ascii=False),
        "iso": obj if obj.method == "iso14067" else beside,
        "ecs": obj if obj.method == "ecs" else beside,
    }


def ecs_table_context(obj: EcsTableVersion, user: Any) -> dict[str, Any]:
    table = obj.as_table()
    return {
        "table": table,
        "rows": [
            (c, table.units[c], k, v, table.losses.get(c, 1.0))
            for (c, k), v in sorted(table.gwp.items())
        ],
        "models": ModuleModel.objects.for_user(user).order_by("code"),
        "sites": sites_for(user, "carbon.add_productfootprint"),
        "footprints": ProductFootprint.objects.for_user(user, "view")
        .filter(method="ecs", method_version=obj.version)
        .select_related("module_model", "site")
        .order_by("-computed_at")[:50],
    }


class ModelCarbonView(LoginRequiredMixin, View):
    """The carbon page of a module model: per module base, the newest ISO 14067 footprint
    and the newest ECS score side by side."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        _need(request, "carbon.view_productfootprint")
        model = get_scoped_object(ModuleModel, request.user, "view", pk)
        rows: dict[str, dict[str, Any]] = {}
        visible = ProductFootprint.objects.for_user(request.user, "view").filter(module_model=model)
        for fp in visible.select_related("site", "library").order_by("computed_at", "pk"):
            rows.setdefault(fp.site.code, {"site": fp.site})[fp.method] = fp  # newest wins
        return render(
            request,
            "carbon/model_carbon.html",
            {"model": model, "rows": [rows[k] for k in sorted(rows)]},
        )


class EcsComputeView(LoginRequiredMixin, View):
    """POST ``table``, ``model``, ``site``: score the model with the table and store it."""

    def post(self, request: HttpRequest) -> HttpResponse:
        _need(request, "carbon.add_productfootprint")
        tv = get_scoped_object(EcsTableVersion, request.user, "view", request.POST.get("table"))
        model, site = _model_site(request, request.POST)
        if site not in sites_for(request.user, "carbon.add_productfootprint"):
            raise Http404
        try:
            fp = ecs.compute_ecs_footprint(model, site, tv, actor=request.user)
        except (ValidationError, pcf.PcfError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return HttpResponseRedirect(tv.get_absolute_url())
        messages.success(request, _("ECS footprint saved."))
        return HttpResponseRedirect(fp.get_absolute_url())


urlpatterns = [
    path("what-if/", WhatIfView.as_view(), name="whatif"),
    path("what-if/data/", WhatIfDataView.as_view(), name="whatif_data"),
    path("what-if/save/", WhatIfSaveView.as_view(), name="whatif_save"),
    path("inventory/", InventoryView.as_view(), name="inventory"),
    path("activity-records/import/", ActivityImportView.as_view(), name="activity_import"),
    path("declare/", DeclareView.as_view(), name="declare"),
    path("ecs/compute/", EcsComputeView.as_view(), name="ecs_compute"),
    path("models/<int:pk>/", ModelCarbonView.as_view(), name="model_carbon"),
    path(
        "carbon-declarations/<int:pk>/export.<str:fmt>",
        DeclarationExportView.as_view(),
        name="declaration_export",
    ),
]
