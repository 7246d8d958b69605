"""Pages of the design platform beyond the generic ones: the FMEA worksheet export, "new
revision", "apply special characteristics", the FMEA structure tree / failure-net editor and
"revise a control plan"."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import get_scoped_object, style_form
from qdm.design import forms as f
from qdm.design.exports import LANGUAGES, fmea_workbook
from qdm.design.models import ControlPlan, FailureElement, Fmea, FmeaFunction, StructureNode
from qdm.design.services import fmea as svc
from qdm.design.services.control_plan import (
    generate_from_pfmea,
    new_control_plan_revision,
    no_live_control,
    publish,
)
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


STRUCTURE_FORMS = {
    "add_node": f.StructureNodeForm,
    "move_node": f.MoveNodeForm,
    "add_function": f.FunctionForm,
    "add_failure": f.FailureForm,
    "link_chain": f.ChainForm,
    "attach_row": f.AttachRowForm,
}


def _apply(op: str, fmea: Fmea, data: dict, actor: object) -> str:
    """Run one editor operation through the service; returns the success message."""
    if op == "add_node":
        node = svc.save_node(StructureNode(fmea=fmea, **data), actor=actor)
        return _("%(node)s added.") % {"node": node}
    if op == "move_node":
        node = svc.move_node(data["node"], data["parent"], actor=actor)
        return _("%(node)s moved.") % {"node": node}
    if op == "add_function":
        svc.save_function(FmeaFunction(**data), actor=actor)
        return _("Function added.")
    if op == "add_failure":
        svc.save_failure(FailureElement(**data), actor=actor)
        return _("Failure added.")
    if op == "attach_row":
        row = svc.attach_row(
            data["item"], data["net_effect"], data["net_mode"], data["net_cause"], actor=actor
        )
        return _("Row %(row)d attached to the failure net.") % {"row": row.position}
    item = svc.link_chain(
        data.pop("net_effect"), data.pop("net_mode"), data.pop("net_cause"), actor=actor, **data
    )
    return _("Failure chain %(row)d added (AP %(ap)s).") % {
        "row": item.position,
        "ap": item.action_priority,
    }


def _remove(op: str, fmea: Fmea, pk: str, actor: object) -> str:
    removers: dict[
        str, tuple[type[StructureNode | FmeaFunction | FailureElement], Callable[..., None]]
    ] = {
        "remove_node": (StructureNode, svc.remove_node),
        "remove_function": (FmeaFunction, svc.remove_function),
        "remove_failure": (FailureElement, svc.remove_failure),
    }
    model, remover = removers[op]
    within = {"remove_node": "fmea", "remove_function": "node__fmea"}.get(
        op, "function__node__fmea"
    )
    obj = model.objects.filter(pk=int(pk) if str(pk).isdigit() else 0, **{within: fmea}).first()
    if obj is None:
        raise Http404
    label = str(obj)
    remover(obj, actor=actor)
    return _("%(what)s removed.") % {"what": label}


class FmeaStructureView(LoginRequiredMixin, View):
    """The structure tree and failure net of one FMEA (AIAG-VDA steps 2–4): the tree with
    functions and failures, the integrity check, and (on a draft with change permission) the
    editor: add / move / remove elements, functions and failures, and link failure chains."""

    def context(self, request: HttpRequest, fmea: Fmea, bound: dict) -> dict:
        can_edit = not fmea.is_locked and request.user.has_perm("design.change_fmea", fmea)
        forms = {
            op: style_form(bound.get(op) or cls(fmea=fmea, prefix=op))
            for op, cls in STRUCTURE_FORMS.items()
        }
        tree = svc.structure_tree(fmea)
        return {
            "object": fmea,
            "tree": tree,
            "rows": svc.flatten(tree),
            "problems": svc.net_integrity(fmea),
            "chains": fmea.items.filter(net_mode__isnull=False).order_by("position"),
            "can_edit": can_edit,
            "forms": forms,
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        fmea = get_scoped_object(Fmea, request.user, "view", pk)
        return render(
            request, "design/structure/fmea_structure.html", self.context(request, fmea, {})
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fmea = get_scoped_object(Fmea, request.user, "change", pk)
        op = request.POST.get("op", "")
        try:
            if op in ("remove_node", "remove_function", "remove_failure"):
                messages.success(
                    request, _remove(op, fmea, request.POST.get("pk", ""), request.user)
                )
                return HttpResponseRedirect(request.path)
            if op not in STRUCTURE_FORMS:
                raise Http404(_("Unknown operation."))
            form = STRUCTURE_FORMS[op](request.POST, fmea=fmea, prefix=op)
            if not form.is_valid():
                messages.error(request, _("Correct the errors below."))
                return render(
                    request,
                    "design/structure/fmea_structure.html",
                    self.context(request, fmea, {op: form}),
                    status=400,
                )
            keep = ("parent",)  # an empty parent is meaningful: the root
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k in keep}
            messages.success(request, _apply(op, fmea, data, request.user))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(request.path)


class ControlPlanReviseView(LoginRequiredMixin, View):
    """POST ``reason``: copy this released control plan into a draft revision N+1."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = get_scoped_object(ControlPlan, request.user, "change", pk)
        if not request.user.has_perm("design.add_controlplan"):
            raise PermissionDenied
        try:
            copy = new_control_plan_revision(
                plan, actor=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(plan.get_absolute_url())
        messages.success(request, _("Started revision %(revision)d.") % {"revision": copy.revision})
        return HttpResponseRedirect(copy.get_absolute_url())


urlpatterns = [
    path("fmeas/<int:pk>/structure/", FmeaStructureView.as_view(), name="fmea_structure"),
    path(
        "control-plans/<int:pk>/revise/", ControlPlanReviseView.as_view(), name="controlplan_revise"
    ),
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
