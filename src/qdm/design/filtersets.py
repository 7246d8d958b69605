import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.design.choices import (
    ActionPriority,
    ControlPlanPhase,
    ControlPlanStatus,
    FmeaKind,
    FmeaStatus,
    OptimisationStatus,
)
from qdm.design.models import ControlPlan, ControlPlanLine, Fmea, FmeaItem, MsaStudy


class FmeaFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "planning_scope")
    kind = django_filters.ChoiceFilter(choices=FmeaKind.choices, label=_("Kind"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.ChoiceFilter(choices=FmeaStatus.choices, label=_("Status"))

    class Meta:
        model = Fmea
        fields = ["kind", "site", "status", "product"]


class FmeaItemFilterSet(ScopedFilterSet):
    search_fields = ("fmea__number", "focus_element", "failure_mode", "failure_cause")
    action_priority = django_filters.ChoiceFilter(
        choices=ActionPriority.choices, label=_("Action priority")
    )
    action_status = django_filters.ChoiceFilter(
        choices=OptimisationStatus.choices, label=_("Action status")
    )

    class Meta:
        model = FmeaItem
        fields = ["fmea", "action_priority", "action_status", "characteristic"]


class ControlPlanFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "process")
    phase = django_filters.ChoiceFilter(choices=ControlPlanPhase.choices, label=_("Phase"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.ChoiceFilter(choices=ControlPlanStatus.choices, label=_("Status"))

    class Meta:
        model = ControlPlan
        fields = ["phase", "site", "status", "product"]


class ControlPlanLineFilterSet(ScopedFilterSet):
    search_fields = ("plan__number", "process_step", "characteristic__code")

    class Meta:
        model = ControlPlanLine
        fields = ["plan", "characteristic", "special_class"]


class MsaStudyFilterSet(ScopedFilterSet):
    search_fields = ("title", "gauge", "characteristic__code")

    class Meta:
        model = MsaStudy
        fields = ["site", "characteristic", "method"]
