"""UI of the cascaded quality goals and their PDCA reviews: the generic list / detail /
edit pages (``ModelUI``) and the cascade page with the measured status and forecast."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from qdm.cockpit.kpis import REGISTRY
from qdm.cockpit.models import GoalLevel, GoalReview, PdcaPhase, QualityGoal
from qdm.cockpit.services_goals import goal_tree, measure_goal, save_goal, save_review
from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.core.tables import BaseTable
from qdm.core.views.generic import ModelUI

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})


def kpi_choices() -> list[tuple[str, Any]]:
    return [(k.code, k.name) for k in REGISTRY.values()]


class QualityGoalForm(forms.ModelForm):
    kpi = forms.ChoiceField(label=_("KPI"), choices=kpi_choices)

    class Meta:
        model = QualityGoal
        fields = [
            "code",
            "title",
            "year",
            "level",
            "parent",
            "kpi",
            "direction",
            "target",
            "amber_band",
            "site",
            "department",
            "post",
            "owner",
        ]


class GoalReviewForm(forms.ModelForm):
    class Meta:
        model = GoalReview
        fields = ["goal", "reviewed_on", "phase", "findings", "actions"]
        widgets = {"reviewed_on": DATE, "findings": TEXT, "actions": TEXT}


class QualityGoalTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = QualityGoal
        fields = ("code", "title", "year", "level", "kpi", "direction", "target", "site", "owner")


class GoalReviewTable(BaseTable):
    goal = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = GoalReview
        fields = ("goal", "reviewed_on", "phase", "status_at_review", "reviewer")


class QualityGoalFilterSet(ScopedFilterSet):
    search_fields = ("code", "title", "kpi")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    level = django_filters.ChoiceFilter(choices=GoalLevel.choices, label=_("level"))

    class Meta:
        model = QualityGoal
        fields = ["year", "level", "kpi", "site"]


class GoalReviewFilterSet(ScopedFilterSet):
    search_fields = ("goal__code", "findings")
    phase = django_filters.ChoiceFilter(choices=PdcaPhase.choices, label=_("PDCA phase"))

    class Meta:
        model = GoalReview
        fields = ["goal", "phase"]


def _saver(service: Any) -> Any:
    def save(form: Any, user: Any) -> Any:
        instance = form.instance if form.instance.pk else None
        return service(instance, actor=user, **form.cleaned_data)

    return save


def goal_context(obj: QualityGoal, user: Any) -> dict[str, Any]:
    return {
        "measure": measure_goal(obj),
        "kpi_def": REGISTRY.get(obj.kpi),
        "children": QualityGoal.objects.for_user(user, "view").filter(parent=obj),
        "reviews": GoalReview.objects.for_user(user, "view").filter(goal=obj),
    }


GOAL_UIS = [
    ModelUI(
        QualityGoal,
        QualityGoalTable,
        QualityGoalFilterSet,
        QualityGoalForm,
        saver=_saver(save_goal),
        detail_template="cockpit/qualitygoal_detail.html",
        extra_context=goal_context,
    ),
    ModelUI(
        GoalReview,
        GoalReviewTable,
        GoalReviewFilterSet,
        GoalReviewForm,
        saver=_saver(save_review),
    ),
]


class GoalCascadeView(LoginRequiredMixin, TemplateView):
    """The goals of a year in cascade order with their measured status and forecast."""

    template_name = "cockpit/goals.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("year", "")
        year = timezone.localdate().year
        error = ""
        if raw:
            if raw.isdigit() and 2000 <= int(raw) <= 2100:
                year = int(raw)
            else:
                error = _("Year %(value)s is not a year between 2000 and 2100.") % {"value": raw}
        context.update(
            rows=goal_tree(self.request.user, year), year=year, error=error, kpis=REGISTRY
        )
        return context
