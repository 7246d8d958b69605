from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Line, Site
from qdm.data.models import Characteristic
from qdm.manufacturing.choices import (
    ChartPart,
    ChartStatus,
    ChartType,
    DispositionDecision,
    DispositionStatus,
    HoldSource,
    HoldStatus,
    InspectionStage,
    InspectionStatus,
    PlanStatus,
    ReleaseStatus,
    Verdict,
)
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    ModuleRelease,
    MrbDisposition,
    SpcChartConfig,
    SpcViolation,
)


class SpcChartConfigFilterSet(ScopedFilterSet):
    search_fields = (
        "name",
        "characteristic__code",
        "line__code",
        "supplier__code",
        "material__code",
    )
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    line = django_filters.ModelChoiceFilter(queryset=Line.objects.all(), label=_("Line"))
    iqc = django_filters.BooleanFilter(
        field_name="line", lookup_expr="isnull", label=_("IQC chart (supplier × material)")
    )
    characteristic = django_filters.ModelChoiceFilter(
        queryset=Characteristic.objects.all(), label=_("Characteristic")
    )
    chart_type = django_filters.ChoiceFilter(choices=ChartType.choices, label=_("Chart type"))
    status = django_filters.ChoiceFilter(choices=ChartStatus.choices, label=_("Status"))

    class Meta:
        model = SpcChartConfig
        fields = ["site", "line", "iqc", "characteristic", "chart_type", "status"]


class SpcViolationFilterSet(ScopedFilterSet):
    search_fields = ("config__name", "subjects", "config__characteristic__code")
    site = django_filters.ModelChoiceFilter(
        field_name="config__site", queryset=Site.objects.all(), label=_("Site")
    )
    config = django_filters.ModelChoiceFilter(
        queryset=SpcChartConfig.objects.all(), label=_("SPC chart")
    )
    part = django_filters.ChoiceFilter(choices=ChartPart.choices, label=_("Chart"))
    rule = django_filters.NumberFilter(label=_("Rule"))
    open_alert = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", label=_("Open alert (unacknowledged)")
    )

    class Meta:
        model = SpcViolation
        fields = ["site", "config", "part", "rule", "open_alert"]


def site_filter(path: str = "site") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=path, queryset=Site.objects.all(), label=_("Site")
    )


class InspectionPlanFilterSet(ScopedFilterSet):
    search_fields = ("code", "name", "material__code", "module_model__code")
    site = site_filter()
    stage = django_filters.ChoiceFilter(choices=InspectionStage.choices, label=_("Stage"))
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Status"))

    class Meta:
        model = InspectionPlan
        fields = ["site", "stage", "status"]


class InspectionPlanLineFilterSet(ScopedFilterSet):
    search_fields = ("plan__code", "characteristic__code", "method", "gauge")
    plan = django_filters.ModelChoiceFilter(queryset=InspectionPlan.objects.all(), label=_("Plan"))

    class Meta:
        model = InspectionPlanLine
        fields = ["plan"]


class InspectionLotFilterSet(ScopedFilterSet):
    search_fields = ("number", "unit__code", "reference", "plan__code")
    site = site_filter()
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices, label=_("Status"))
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, label=_("Verdict"))

    class Meta:
        model = InspectionLot
        fields = ["site", "status", "verdict"]


class HoldFilterSet(ScopedFilterSet):
    search_fields = ("number", "reason", "units__code")
    site = site_filter()
    status = django_filters.ChoiceFilter(choices=HoldStatus.choices, label=_("Status"))
    source = django_filters.ChoiceFilter(choices=HoldSource.choices, label=_("Source"))

    class Meta:
        model = Hold
        fields = ["site", "status", "source"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return super().search(queryset, name, value).distinct()


class MrbDispositionFilterSet(ScopedFilterSet):
    search_fields = ("hold__number", "note")
    site = site_filter("hold__site")
    decision = django_filters.ChoiceFilter(choices=DispositionDecision.choices, label=_("Decision"))
    status = django_filters.ChoiceFilter(choices=DispositionStatus.choices, label=_("Status"))

    class Meta:
        model = MrbDisposition
        fields = ["site", "decision", "status"]


class BinningRuleFilterSet(ScopedFilterSet):
    search_fields = ("module_model__code", "module_model__name_en")

    class Meta:
        model = BinningRule
        fields: list[str] = []


class ModuleReleaseFilterSet(ScopedFilterSet):
    search_fields = ("unit__code", "reasons")
    site = site_filter()
    status = django_filters.ChoiceFilter(choices=ReleaseStatus.choices, label=_("Status"))
    power_class_w = django_filters.NumberFilter(label=_("Nameplate class, W"))
    el_grade = django_filters.CharFilter(label=_("EL grade"))

    class Meta:
        model = ModuleRelease
        fields = ["site", "status", "power_class_w", "el_grade"]
