from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from qdm.design.models import Fmea, FmeaItem
from qdm.design.models.fmea import RATINGS, RATINGS_AFTER

TEXTAREA = forms.Textarea(attrs={"rows": 2})
DATE = forms.DateInput(attrs={"type": "date"})
LONG_TEXT = (
    "higher_function",
    "focus_function",
    "lower_function",
    "failure_effect",
    "failure_mode",
    "failure_cause",
    "prevention_controls",
    "detection_controls",
    "preventive_action",
    "detection_action",
    "action_taken",
    "remarks",
)


class FmeaForm(forms.ModelForm):
    class Meta:
        model = Fmea
        fields = [
            "kind",
            "title",
            "site",
            "product",
            "planning_scope",
            "team",
            "start_date",
            "due_date",
        ]
        widgets = {
            "planning_scope": forms.Textarea(attrs={"rows": 3}),
            "team": forms.Textarea(attrs={"rows": 3}),
            "start_date": DATE,
            "due_date": DATE,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk:
            stored = Fmea.objects.get(pk=self.instance.pk)
            if stored.is_locked:
                raise stored.locked_error()
        return cleaned


class FmeaItemForm(forms.ModelForm):
    class Meta:
        model = FmeaItem
        fields = [
            "fmea",
            "position",
            "higher_level",
            "focus_element",
            "lower_level",
            "four_m",
            "higher_function",
            "focus_function",
            "lower_function",
            "characteristic",
            "failure_effect",
            "severity",
            "failure_mode",
            "failure_cause",
            "prevention_controls",
            "occurrence",
            "detection_controls",
            "detection",
            "special_class",
            "preventive_action",
            "detection_action",
            "action_owner",
            "action_due",
            "action_status",
            "action_taken",
            "action_completed",
            "severity_after",
            "occurrence_after",
            "detection_after",
            "remarks",
        ]
        widgets = dict.fromkeys(
            (
                "higher_function",
                "focus_function",
                "lower_function",
                "failure_effect",
                "failure_mode",
                "failure_cause",
                "prevention_controls",
                "detection_controls",
                "preventive_action",
                "detection_action",
                "action_taken",
                "remarks",
            ),
            TEXTAREA,
        ) | {"action_due": DATE, "action_completed": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        for name in (*RATINGS, *RATINGS_AFTER):
            field = self.fields[name]
            label = FmeaItem._meta.get_field(name).verbose_name
            # "2.5" or "x" never reach the model: name the rating, not just "whole number"
            message = str(
                _("%(field)s must be a whole number from 1 to 10.")
                % {"field": capfirst(str(label))}
            )
            for key in ("invalid", "min_value", "max_value"):
                field.error_messages[key] = message

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("position") is None:
            cleaned["position"] = 0  # the service numbers the row
        fmeas = [cleaned.get("fmea")]
        if self.instance.pk:
            fmeas.append(Fmea.objects.get(pk=self.instance.fmea_id))
        for fmea in fmeas:
            if fmea is not None and fmea.pk:
                fmea.refresh_from_db(fields=["status"])
                if fmea.is_locked:
                    raise fmea.locked_error()
        return cleaned
