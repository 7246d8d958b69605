"""Pages of the design platform beyond the generic ones: the FMEA worksheet export, "new
revision" and "apply special characteristics"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import get_scoped_object
from qdm.design.exports import LANGUAGES, fmea_workbook
from qdm.design.models import ControlPlan, Fmea
from qdm.design.services.control_plan import generate_from_pfmea, no_live_control, publish
from qdm.design.services.fmea import apply_special_classes, new_revision

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FmeaExportView(LoginRequiredMixin, View):
    """GET ``?lang=en|zh-hans``: the worksheet as XLSX."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        fmea = get_scoped_object(Fmea, request.user, "view", pk)
        language = request.GET.get("lang", "en")
        if language not in LANGUAGES:
            raise Http404(_("Unknown language."))
        response = HttpResponse(fmea_workbook(fmea, language), content_type=XLSX)
        name = f"{fmea.number}-rev{fmea.revision}-{language}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class FmeaNewRevisionView(LoginRequiredMixin, View):
    """POST: copy this released FMEA into a draft revision N+1."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fmea = get_scoped_object(Fmea, request.user, "change", pk)
        if not request.user.has_perm("design.add_fmea"):
            raise PermissionDenied
        try:
            copy = new_revision(fmea, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(fmea.get_absolute_url())
        messages.success(request, _("Started revision %(revision)d.") % {"revision": copy.revision})
        return HttpResponseRedirect(copy.get_absolute_url())


class FmeaApplySpecialView(LoginRequiredMixin, View):
    """POST: write the proposed CC/SC classes into the characteristic catalog."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fmea = get_scoped_object(Fmea, request.user, "view", pk)
        if not request.user.has_perm("data.change_characteristic"):
            raise PermissionDenied
        try:
            applied = apply_special_classes(fmea, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(count)d characteristic(s) updated in the catalog.") % {"count": len(applied)},
            )
        return HttpResponseRedirect(fmea.get_absolute_url())


class ControlPlanPublishView(LoginRequiredMixin, View):
    """POST: publish a released control plan to manufacturing (inspection plan, charts)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = get_scoped_object(ControlPlan, request.user, "change", pk)
        try:
            done = publish(plan, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(plan.get_absolute_url())
        messages.success(
            request,
            _("Published as inspection plan %(plan)s with %(charts)d SPC chart(s).")
            % {"plan": done.inspection_plan, "charts": len(done.charts)},
        )
        return HttpResponseRedirect(plan.get_absolute_url())


class FmeaControlPlanView(LoginRequiredMixin, View):
    """POST: generate a draft control plan from this PFMEA."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fmea = get_scoped_object(Fmea, request.user, "view", pk)
        if not request.user.has_perm("design.add_controlplan"):
            raise PermissionDenied
        phase = request.POST.get("phase", "production")
        try:
            plan = generate_from_pfmea(fmea, actor=request.user, phase=phase)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(fmea.get_absolute_url())
        messages.success(
            request, _("Draft control plan %(number)s generated.") % {"number": plan.number}
        )
        return HttpResponseRedirect(plan.get_absolute_url())


class NoLiveControlView(LoginRequiredMixin, View):
    """Released control-plan lines with no live inspection-plan line or SPC chart."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("design.view_controlplan"):
            raise PermissionDenied
        return render(
            request, "design/no_live_control.html", {"gaps": no_live_control(request.user)}
        )


urlpatterns = [
    path("control-plans/no-live-control/", NoLiveControlView.as_view(), name="no_live_control"),
    path(
        "control-plans/<int:pk>/publish/",
        ControlPlanPublishView.as_view(),
        name="controlplan_publish",
    ),
    path("fmeas/<int:pk>/control-plan/", FmeaControlPlanView.as_view(), name="fmea_control_plan"),
    path("fmeas/<int:pk>/export/", FmeaExportView.as_view(), name="fmea_export"),
    path("fmeas/<int:pk>/new-revision/", FmeaNewRevisionView.as_view(), name="fmea_revise"),
    path(
        "fmeas/<int:pk>/special-characteristics/",
        FmeaApplySpecialView.as_view(),
        name="fmea_apply_special",
    ),
]
