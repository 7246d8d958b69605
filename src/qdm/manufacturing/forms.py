from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.manufacturing.models import SpcAnnotation, SpcChartConfig

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class SpcChartConfigForm(forms.ModelForm):
    class Meta:
        model = SpcChartConfig
        fields = [
            "name",
            "characteristic",
            "line",
            "chart_type",
            "subgroup_size",
            "rule_set",
            "baseline_from",
            "baseline_to",
            "open_nc_on_violation",
            "notify",
        ]
        widgets = {"baseline_from": datetime_input(), "baseline_to": datetime_input()}


class SpcAnnotationForm(forms.ModelForm):
    class Meta:
        model = SpcAnnotation
        fields = ["point_time", "text"]
        widgets = {"point_time": datetime_input()}
        help_texts = {"text": _("What caused the signal, and what was done.")}
