"""UI of lessons learned: the review-task list/detail (evidence edit through the service),
accept and reject pages, and "scan closed 8Ds now"."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.tables import BaseTable
from qdm.core.views.generic import ModelUI, ObjectListView, get_scoped_object
from qdm.design.models import FmeaReviewTask
from qdm.design.models.lessons import ReviewTaskKind, ReviewTaskStatus
from qdm.design.ratings import RATING_TABLES
from qdm.design.services.lessons import (
    accept_task,
    reject_task,
    scan_closed_capas,
    set_evidence,
)


class ReviewTaskTable(BaseTable):
    fmea_number = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = FmeaReviewTask
        fields = (
            "fmea_number",
            "row",
            "kind",
            "capa",
            "failure_mode",
            "current_occurrence",
            "proposed_occurrence",
            "current_detection",
            "proposed_detection",
            "status",
            "created_at",
        )


class ReviewTaskFilterSet(ScopedFilterSet):
    search_fields = ("fmea_number", "capa__number", "failure_mode", "failure_cause")
    status = django_filters.ChoiceFilter(
        choices=ReviewTaskStatus.choices, label=gettext_lazy("Status")
    )
    kind = django_filters.ChoiceFilter(choices=ReviewTaskKind.choices, label=gettext_lazy("Kind"))

    class Meta:
        model = FmeaReviewTask
        fields = ["status", "kind"]


class ReviewTaskEvidenceForm(forms.ModelForm):
    class Meta:
        model = FmeaReviewTask
        fields = ["field_ppm", "internal_ppm", "cpk", "escape_count", "evidence"]


def save_evidence(form: Any, user: Any) -> FmeaReviewTask:
    task = form.instance
    if task.pk is None:
        raise PermissionDenied(
            _("Review tasks are created from closed 8D/CAPA records (qdm fmea lessons).")
        )
    data = form.cleaned_data
    task = set_evidence(
        FmeaReviewTask.objects.get(pk=task.pk),
        actor=user,
        field_ppm=data.get("field_ppm"),
        internal_ppm=data.get("internal_ppm"),
        cpk=data.get("cpk"),
        escape_count=data.get("escape_count"),
        evidence=data.get("evidence"),
    )
    return task


def task_context(obj: FmeaReviewTask, user: Any) -> dict[str, Any]:
    return {
        "can_decide": obj.is_open and user.has_perm("design.change_fmea"),
        "rating_tables": RATING_TABLES.values(),
        "new_chain": obj.kind == ReviewTaskKind.NEW_CHAIN,
    }


REVIEW_TASK_UI = ModelUI(
    FmeaReviewTask,
    ReviewTaskTable,
    ReviewTaskFilterSet,
    ReviewTaskEvidenceForm,
    saver=save_evidence,
    detail_template="design/fmeareviewtask_detail.html",
    extra_context=task_context,
)


class DecideView(LoginRequiredMixin, View):
    """POST ``decision=accept|reject`` with the ratings (accept) or the reason (reject)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_scoped_object(FmeaReviewTask, request.user, "change", pk)
        data = request.POST
        try:
            if data.get("decision") == "accept":
                accept_task(
                    task,
                    actor=request.user,
                    occurrence=data.get("occurrence") or None,
                    detection=data.get("detection") or None,
                    severity=data.get("severity") or None,
                    focus_element=data.get("focus_element", ""),
                    failure_effect=data.get("failure_effect", ""),
                    reason=data.get("reason", ""),
                )
                messages.success(
                    request,
                    _("Accepted: the change is in %(fmea)s rev %(revision)d.")
                    % {"fmea": task.applied_to.number, "revision": task.applied_to.revision},
                )
                return HttpResponseRedirect(task.applied_to.get_absolute_url())
            if data.get("decision") == "reject":
                reject_task(task, actor=request.user, reason=data.get("reason", ""))
                messages.success(request, _("Proposal rejected."))
            else:
                messages.error(request, _("Choose accept or reject."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(task.get_absolute_url())


class ScanView(LoginRequiredMixin, View):
    """POST: run the lessons-learned scan now (same as ``qdm fmea lessons``)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("design.change_fmea"):
            raise PermissionDenied
        result = scan_closed_capas()
        messages.success(
            request,
            _("%(count)d review task(s) created from closed 8D/CAPA records.")
            % {"count": len(result.created)},
        )
        return HttpResponseRedirect(reverse("design:fmeareviewtask_list"))


class ReviewTaskListView(ObjectListView):
    """The generic list with "scan closed 8Ds now" instead of "Add" (tasks are never
    entered by hand)."""

    model = FmeaReviewTask
    model_ui = REVIEW_TASK_UI
    template_name = "design/fmeareviewtask_list.html"


urlpatterns = [
    path("fmea-review-tasks/", ReviewTaskListView.as_view()),
    path("fmea-review-tasks/scan/", ScanView.as_view(), name="fmea_lessons_scan"),
    path("fmea-review-tasks/<int:pk>/decide/", DecideView.as_view(), name="fmeareviewtask_decide"),
]
