from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.core.models import Customer
from qdm.manufacturing.choices import HoldStatus, PlanStatus
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    MrbDisposition,
    SpcAnnotation,
    SpcChartConfig,
)

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
            "site",
            "supplier",
            "material",
            "chart_type",
            "subgroup_size",
            "rule_set",
            "baseline_from",
            "baseline_to",
            "open_nc_on_violation",
            "hold_on_violation",
            "notify",
        ]
        widgets = {"baseline_from": datetime_input(), "baseline_to": datetime_input()}


class SpcAnnotationForm(forms.ModelForm):
    class Meta:
        model = SpcAnnotation
        fields = ["point_time", "text"]
        widgets = {"point_time": datetime_input()}
        help_texts = {"text": _("What caused the signal, and what was done.")}


# --- inspection, holds and MRB, OQC ----------------------------------------------------------
UNIT_CODES_HELP = _("One unit code per line (lots, modules or pallets).")


class InspectionPlanForm(forms.ModelForm):
    class Meta:
        model = InspectionPlan
        fields = ["code", "name", "stage", "site", "material", "module_model"]


# The fields a user edits, one list per model: the form and the API serializer use it.
INSPECTION_PLAN_LINE_FIELDS = [
    "plan",
    "sequence",
    "characteristic",
    "method",
    "gauge",
    "sampling",
    "sample_size",
    "aql",
    "inspection_level",
    "frequency",
    "frequency_hours",
    "reaction_plan",
]


class InspectionPlanLineForm(forms.ModelForm):
    class Meta:
        model = InspectionPlanLine
        fields = INSPECTION_PLAN_LINE_FIELDS
        widgets = {"reaction_plan": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = cast(forms.ModelChoiceField, self.fields["plan"])
        plans.queryset = InspectionPlan.objects.filter(status=PlanStatus.DRAFT)


class InspectionLotForm(forms.ModelForm):
    unit_code = forms.CharField(label=_("Unit inspected (code)"), max_length=60)

    class Meta:
        model = InspectionLot
        fields = ["plan", "unit_code", "quantity", "reference", "inspected_at"]
        widgets = {"inspected_at": datetime_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = cast(forms.ModelChoiceField, self.fields["plan"])
        plans.queryset = InspectionPlan.objects.filter(status=PlanStatus.RELEASED)
        if self.instance.pk:
            self.fields["unit_code"].initial = self.instance.unit.code


class InspectionResultsForm(forms.Form):
    results = forms.CharField(
        label=_("Results"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One result per line: CHARACTERISTIC SAMPLE RESULT, e.g. “IQC-GLS-THK 1 3.21” or "
            "“IQC-GLS-VIS 4 fail”."
        ),
    )


class HoldForm(forms.ModelForm):
    unit_codes = forms.CharField(
        label=_("Held units"), widget=forms.Textarea(attrs={"rows": 4}), help_text=UNIT_CODES_HELP
    )

    class Meta:
        model = Hold
        fields = [
            "site",
            "unit_codes",
            "include_downstream",
            "quantity",
            "reason",
            "nonconformity",
        ]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            from qdm.manufacturing.services.holds import named_units

            self.fields["unit_codes"].initial = "\n".join(
                u.code for u in named_units(self.instance)
            )


class MrbDispositionForm(forms.ModelForm):
    unit_codes = forms.CharField(
        label=_("Units concerned"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: which of the held units this decision applies to."),
    )

    class Meta:
        model = MrbDisposition
        fields = ["hold", "decision", "quantity", "unit_codes", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        holds = cast(forms.ModelChoiceField, self.fields["hold"])
        holds.queryset = Hold.objects.filter(status=HoldStatus.ON_HOLD)


BINNING_RULE_FIELDS = [
    "module_model",
    "first_class_w",
    "last_class_w",
    "class_width_w",
    "guard_band_w",
    "el_rules",
    "released_grades",
    "imp_class_width_a",
]


class BinningRuleForm(forms.ModelForm):
    class Meta:
        model = BinningRule
        fields = BINNING_RULE_FIELDS
        widgets = {"el_rules": forms.Textarea(attrs={"rows": 7})}


class ReleaseModulesForm(forms.Form):
    modules = forms.CharField(
        label=_("Modules"), widget=forms.Textarea(attrs={"rows": 4}), help_text=UNIT_CODES_HELP
    )
    hipot_passed = forms.BooleanField(label=_("Hi-pot passed"), required=False, initial=True)
    visual_passed = forms.BooleanField(
        label=_("Visual inspection passed"), required=False, initial=True
    )


class PackPalletForm(forms.Form):
    pallet = forms.CharField(label=_("Pallet code"), max_length=60)
    modules = forms.CharField(
        label=_("Modules"), widget=forms.Textarea(attrs={"rows": 4}), help_text=UNIT_CODES_HELP
    )
    imp_sorting = forms.BooleanField(
        label=_("Customer requires one Imp class per pallet"), required=False
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        required=False,
        help_text=_("Packed for this customer: its requirement in force is checked."),
    )


class ShipmentForm(forms.Form):
    shipment = forms.CharField(label=_("Shipment code"), max_length=60)
    units = forms.CharField(
        label=_("Pallets"), widget=forms.Textarea(attrs={"rows": 4}), help_text=UNIT_CODES_HELP
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.all(), required=False
    )
