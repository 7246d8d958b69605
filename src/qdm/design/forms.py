from typing import Any, cast

from django import forms
from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from qdm.data.models import Characteristic
from qdm.design.choices import FourM
from qdm.design.models import (
    ControlPlan,
    ControlPlanLine,
    FailureElement,
    Fmea,
    FmeaFunction,
    FmeaItem,
    MsaStudy,
    StructureNode,
)
from qdm.design.models.fmea import RATINGS, RATINGS_AFTER, FailureKind, StructureKind

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


# The fields a user edits, one list per model: the form and the API serializer use it.
FMEA_FIELDS = [
    "kind",
    "title",
    "site",
    "product",
    "planning_scope",
    "team",
    "start_date",
    "due_date",
]


class FmeaForm(forms.ModelForm):
    class Meta:
        model = Fmea
        fields = FMEA_FIELDS
        widgets = {
            "planning_scope": forms.Textarea(attrs={"rows": 3}),
            "team": forms.Textarea(attrs={"rows": 3}),
            "start_date": DATE,
            "due_date": DATE,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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
        widgets = dict.fromkeys(LONG_TEXT, TEXTAREA) | {
            "action_due": DATE,
            "action_completed": DATE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        for name in (*RATINGS, *RATINGS_AFTER):
            field = self.fields[name]
            label = cast("Field[Any, Any]", FmeaItem._meta.get_field(name)).verbose_name
            # "2.5" or "x" never reach the model: name the rating, not just "whole number"
            message = str(
                _("%(field)s must be a whole number from 1 to 10.")
                % {"field": capfirst(str(label))}
            )
            for key in ("invalid", "min_value", "max_value"):
                field.error_messages[key] = message

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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


CONTROL_PLAN_FIELDS = ["phase", "title", "product", "process", "site", "line", "fmea"]


class ControlPlanForm(forms.ModelForm):
    class Meta:
        model = ControlPlan
        fields = CONTROL_PLAN_FIELDS


CONTROL_PLAN_LINE_FIELDS = [
    "plan",
    "sequence",
    "process_step",
    "machine",
    "characteristic",
    "special_class",
    "specification",
    "evaluation_technique",
    "sample_size",
    "frequency",
    "frequency_hours",
    "control_method",
    "chart_type",
    "reaction_plan",
    "msa_study",
]


class ControlPlanLineForm(forms.ModelForm):
    class Meta:
        model = ControlPlanLine
        fields = CONTROL_PLAN_LINE_FIELDS
        widgets = {"reaction_plan": TEXTAREA}


class MsaStudyForm(forms.ModelForm):
    # the form metaclass moves declared fields into base_fields: ``self.data`` stays the
    # bound data, which the stubs cannot know
    data = forms.CharField(  # type: ignore[assignment]
        label=_("Measurements"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One row per measurement: part, operator, value (a header line is optional)."),
    )

    class Meta:
        model = MsaStudy
        fields = [
            "title",
            "site",
            "characteristic",
            "gauge",
            "method",
            "tolerance",
            "study_date",
            "data",
        ]
        widgets = {"study_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["data"] = "\n".join(f"{p},{o},{v}" for p, o, v in self.instance.data)

    def clean_data(self) -> list[list[Any]]:
        rows = []
        for number, text in enumerate(self.cleaned_data["data"].splitlines(), start=1):
            cells = [c.strip() for c in text.split(",")]
            if not text.strip() or cells[0].lower() == "part":
                continue
            if len(cells) != 3:
                raise forms.ValidationError(
                    _("Line %(line)d: expected part, operator, value.") % {"line": number}
                )
            try:
                value = float(cells[2])
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(line)d: %(value)s is not a number.")
                    % {"line": number, "value": cells[2]}
                ) from None
            rows.append([cells[0], cells[1], value])
        return rows


# --- structure tree editor (one FMEA) ---------------------------------------------------------


class _FmeaBound(forms.Form):
    """A form whose choices are restricted to one FMEA's structure."""

    def __init__(self, *args: Any, fmea: Fmea, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fmea = fmea
        nodes = StructureNode.objects.filter(fmea=fmea).order_by("position", "pk")
        functions = FmeaFunction.objects.filter(node__fmea=fmea).select_related("node")
        failures = FailureElement.objects.filter(function__node__fmea=fmea)
        for name, field in self.fields.items():
            choice = cast(forms.ModelChoiceField, field)  # the names below are model choices
            if name in ("parent", "node"):
                choice.queryset = nodes
            elif name == "function":
                choice.queryset = functions
                # a per-instance label hook, which mypy only knows as a method
                choice.label_from_instance = (  # type: ignore[method-assign]
                    lambda obj: f"{obj.node.name} · {obj.description}"
                )
            elif name.startswith("net_"):
                choice.queryset = failures.filter(kind=name[4:])


class StructureNodeForm(_FmeaBound):
    parent = forms.ModelChoiceField(
        queryset=StructureNode.objects.none(), required=False, label=_("Parent")
    )
    kind = forms.ChoiceField(choices=StructureKind.choices, label=_("Level"))
    name = forms.CharField(max_length=200, label=_("Name"))
    four_m = forms.ChoiceField(
        choices=[("", "—"), *FourM.choices], required=False, label=_("4M type")
    )


class MoveNodeForm(_FmeaBound):
    node = forms.ModelChoiceField(queryset=StructureNode.objects.none(), label=_("Element"))
    parent = forms.ModelChoiceField(
        queryset=StructureNode.objects.none(), required=False, label=_("New parent")
    )


class FunctionForm(_FmeaBound):
    node = forms.ModelChoiceField(queryset=StructureNode.objects.none(), label=_("Element"))
    description = forms.CharField(max_length=300, label=_("Function"))
    requirement = forms.CharField(max_length=300, required=False, label=_("Requirement"))
    characteristic = forms.ModelChoiceField(
        queryset=Characteristic.objects.order_by("code"),
        required=False,
        label=_("Catalog characteristic"),
    )


class FailureForm(_FmeaBound):
    function = forms.ModelChoiceField(queryset=FmeaFunction.objects.none(), label=_("Function"))
    kind = forms.ChoiceField(choices=FailureKind.choices, label=_("Kind"))
    description = forms.CharField(max_length=300, label=_("Description"))


class ChainForm(_FmeaBound):
    net_effect = forms.ModelChoiceField(
        queryset=FailureElement.objects.none(), label=_("Failure effect (FE)")
    )
    net_mode = forms.ModelChoiceField(
        queryset=FailureElement.objects.none(), label=_("Failure mode (FM)")
    )
    net_cause = forms.ModelChoiceField(
        queryset=FailureElement.objects.none(), label=_("Failure cause (FC)")
    )
    severity = forms.IntegerField(min_value=1, max_value=10, label=_("Severity (S)"))
    occurrence = forms.IntegerField(min_value=1, max_value=10, label=_("Occurrence (O)"))
    detection = forms.IntegerField(min_value=1, max_value=10, label=_("Detection (D)"))
    prevention_controls = forms.CharField(
        required=False, widget=TEXTAREA, label=_("Current prevention controls (PC)")
    )
    detection_controls = forms.CharField(
        required=False, widget=TEXTAREA, label=_("Current detection controls (DC)")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RATINGS:
            label = cast("Field[Any, Any]", FmeaItem._meta.get_field(name)).verbose_name
            message = str(
                _("%(field)s must be a whole number from 1 to 10.")
                % {"field": capfirst(str(label))}
            )
            for key in ("invalid", "min_value", "max_value"):
                self.fields[name].error_messages[key] = message


class AttachRowForm(_FmeaBound):
    item = forms.ModelChoiceField(queryset=FmeaItem.objects.none(), label=_("Worksheet row"))
    net_effect = forms.ModelChoiceField(
        queryset=FailureElement.objects.none(), label=_("Failure effect (FE)")
    )
    net_mode = forms.ModelChoiceField(
        queryset=FailureElement.objects.none(), label=_("Failure mode (FM)")
    )
    net_cause = forms.ModelChoiceField(
        queryset=FailureElement.objects.none(), label=_("Failure cause (FC)")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["item"])
        field.queryset = self.fmea.items.filter(net_mode__isnull=True).order_by("position")
        # a per-instance label hook, which mypy only knows as a method
        field.label_from_instance = (  # type: ignore[method-assign]
            lambda obj: f"#{obj.position} {obj.failure_mode[:80]}"
        )
