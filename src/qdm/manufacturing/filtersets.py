import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Line, Site
from qdm.data.models import Characteristic
from qdm.manufacturing.choices import ChartPart, ChartStatus, ChartType
from qdm.manufacturing.models import SpcChartConfig, SpcViolation


class SpcChartConfigFilterSet(ScopedFilterSet):
    search_fields = ("name", "characteristic__code", "line__code")
    site = django_filters.ModelChoiceFilter(
        field_name="line__workshop__site", queryset=Site.objects.all(), label=_("Site")
    )
    line = django_filters.ModelChoiceFilter(queryset=Line.objects.all(), label=_("Line"))
    characteristic = django_filters.ModelChoiceFilter(
        queryset=Characteristic.objects.all(), label=_("Characteristic")
    )
    chart_type = django_filters.ChoiceFilter(choices=ChartType.choices, label=_("Chart type"))
    status = django_filters.ChoiceFilter(choices=ChartStatus.choices, label=_("Status"))

    class Meta:
        model = SpcChartConfig
        fields = ["site", "line", "characteristic", "chart_type", "status"]


class SpcViolationFilterSet(ScopedFilterSet):
    search_fields = ("config__name", "subjects", "config__characteristic__code")
    site = django_filters.ModelChoiceFilter(
        field_name="config__line__workshop__site", queryset=Site.objects.all(), label=_("Site")
    )
    config = django_filters.ModelChoiceFilter(
        queryset=SpcChartConfig.objects.all(), label=_("SPC chart")
    )
    part = django_filters.ChoiceFilter(choices=ChartPart.choices, label=_("Chart"))
    rule = django_filters.NumberFilter(label=_("Rule"))

    class Meta:
        model = SpcViolation
        fields = ["site", "config", "part", "rule"]
