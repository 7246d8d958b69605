"""Pages beyond the generic ones: entering inspection results, drafting a new plan version,
and the OQC desk (release modules, pack pallets, create shipments)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import get_scoped_object, style_form
from qdm.manufacturing import forms
from qdm.manufacturing.models import InspectionLot, InspectionPlan, ModuleRelease
from qdm.manufacturing.services import binning, holds, inspection
from qdm.manufacturing.ui_quality import SERVICE_ERRORS


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


class InspectionResultsView(LoginRequiredMixin, View):
    """POST results (one per line) to an open inspection lot."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lot = get_scoped_object(InspectionLot, request.user, "view", pk)
        if not request.user.has_perm("manufacturing.add_inspectionrecord", lot):
            raise PermissionDenied
        form = forms.InspectionResultsForm(request.POST)
        if form.is_valid():
            try:
                rows = inspection.parse_results(form.cleaned_data["results"])
                saved = inspection.record_results(lot, rows, actor=request.user)
            except SERVICE_ERRORS as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(count)s results recorded.") % {"count": len(saved)})
        else:
            messages.error(request, _("No results given."))
        return HttpResponseRedirect(lot.get_absolute_url())


class NewPlanVersionView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "manufacturing.add_inspectionplan")
        plan = get_scoped_object(InspectionPlan, request.user, "change", pk)
        try:
            copy = inspection.new_plan_version(plan, actor=request.user)
        except SERVICE_ERRORS as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(plan.get_absolute_url())
        messages.success(request, _("Version %(version)s drafted.") % {"version": copy.version})
        return HttpResponseRedirect(copy.get_absolute_url())


class OqcDeskView(LoginRequiredMixin, View):
    """Release modules after flash test, EL, hi-pot and visual; pack released modules into
    pallets; create shipments of unheld pallets."""

    template_name = "manufacturing/oqc_desk.html"
    FORMS = {
        "release": forms.ReleaseModulesForm,
        "pack": forms.PackPalletForm,
        "ship": forms.ShipmentForm,
    }

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request, "manufacturing.view_modulerelease")
        return self.render_page(request, {})

    def render_page(
        self, request: HttpRequest, bound: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        context: dict[str, Any] = {
            name: style_form(bound.get(name) or self.scoped(request, cls()))
            for name, cls in self.FORMS.items()
        }
        context["recent"] = (
            ModuleRelease.objects.for_user(request.user, "view")
            .select_related("unit")
            .order_by("-decided_at")[:20]
        )
        context["can_release"] = request.user.has_perm("manufacturing.add_modulerelease")
        return render(request, self.template_name, context, status=status)

    @staticmethod
    def scoped(request: HttpRequest, form: Any) -> Any:
        """``form`` with its customer choices limited to the customers the user may see."""
        if "customer" in form.fields:
            field = form.fields["customer"]
            field.queryset = field.queryset.for_user(request.user, "view")
        return form

    def post(self, request: HttpRequest) -> HttpResponse:
        _require(request, "manufacturing.add_modulerelease")
        action = request.POST.get("action", "")
        if action not in self.FORMS:
            return self.render_page(request, {}, status=400)
        # the customer choice is scoped before validation: an id out of scope is invalid
        form = self.scoped(request, self.FORMS[action](request.POST))
        if form.is_valid():
            data = form.cleaned_data
            try:
                message = self.act(request, action, data)
            except SERVICE_ERRORS as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("manufacturing:oqc_desk"))
        return self.render_page(request, {action: form}, status=400)

    def act(self, request: HttpRequest, action: str, data: dict[str, Any]) -> str:
        user = request.user
        if action == "release":
            results = binning.release_modules(
                holds.split_codes(data["modules"]),
                actor=user,
                hipot_passed=data["hipot_passed"],
                visual_passed=data["visual_passed"],
            )
            released = sum(1 for r in results if r.status == "released")
            return _("%(released)s of %(count)s modules released.") % {
                "released": released,
                "count": len(results),
            }
        if action == "pack":
            pallet = binning.pack_pallet(
                data["pallet"],
                holds.split_codes(data["modules"]),
                actor=user,
                imp_sorting=data["imp_sorting"],
                customer=data.get("customer"),
            )
            return _("Pallet %(code)s packed.") % {"code": pallet.code}
        shipment = holds.create_shipment(
            actor=user, code=data["shipment"], unit_codes=data["units"], customer=data["customer"]
        )
        return _("Shipment %(code)s created.") % {"code": shipment.code}


class InspectionsDueView(LoginRequiredMixin, View):
    """Per site and line: the inspections due now and overdue (plan line frequencies)."""

    template_name = "manufacturing/inspections_due.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        from qdm.core.models import Site
        from qdm.manufacturing.services.schedule import OVERDUE, due_inspections

        _require(request, "manufacturing.view_inspectionplan")
        sites = Site.objects.for_user(request.user, "view").order_by("code")
        code = request.GET.get("site", "")
        site = sites.filter(code=code).first() if code else None
        items = due_inspections(request.user, site=site)
        groups: dict[tuple[str, str], list[Any]] = {}
        for item in items:
            key = (item.site.code, item.line.code if item.line is not None else "")
            groups.setdefault(key, []).append(item)
        context = {
            "sites": sites,
            "site": site,
            "groups": [
                {"site": s, "line": ln, "items": rows} for (s, ln), rows in sorted(groups.items())
            ],
            "due_count": len(items),
            "overdue_count": sum(1 for i in items if i.status == OVERDUE),
        }
        return render(request, self.template_name, context)


urlpatterns = [
    path("inspections/due/", InspectionsDueView.as_view(), name="inspections_due"),
    path(
        "inspection-lots/<int:pk>/results/",
        InspectionResultsView.as_view(),
        name="inspectionlot_results",
    ),
    path(
        "inspection-plans/<int:pk>/new-version/",
        NewPlanVersionView.as_view(),
        name="inspectionplan_new_version",
    ),
    path("oqc/", OqcDeskView.as_view(), name="oqc_desk"),
]
