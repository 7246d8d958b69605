from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.service.choices import Symptom
from qdm.service.models import (
    Complaint,
    CustomerProfile,
    CustomerRequirement,
    Project,
    ReturnedModule,
    SatisfactionSurvey,
    WarrantyContract,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})

# The fields a user edits, one list per model: the form and the API serializer use it.
CUSTOMER_PROFILE_FIELDS = [
    "customer",
    "region",
    "segment",
    "language",
    "contact_name",
    "contact_email",
    "requirements",
]


class CustomerProfileForm(forms.ModelForm):
    class Meta:
        model = CustomerProfile
        fields = CUSTOMER_PROFILE_FIELDS
        widgets = {"requirements": TEXTAREA}


PROJECT_FIELDS = [
    "customer",
    "name",
    "country",
    "location",
    "capacity_mwp",
    "commissioning_date",
    "module_models",
]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        widgets = {"commissioning_date": forms.DateInput(attrs={"type": "date"})}


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = [
            "customer",
            "project",
            "title",
            "description",
            "received_on",
            "severity",
            "responsibility",
            "resolution",
        ]
        widgets = {
            "description": TEXTAREA,
            "resolution": TEXTAREA,
            "received_on": forms.DateInput(attrs={"type": "date"}),
        }


class IntakeForm(forms.Form):
    """Serials typed or pasted (one per line: serial, symptom, notes) or a CSV/XLSX file."""

    serials = forms.CharField(
        label=_("Serial numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "JX1M01-2603-000123\tDELAM"}),
        help_text=_(
            "One per line: serial, then optionally the symptom code and notes, separated by "
            "a tab, comma or semicolon."
        ),
    )
    file = forms.FileField(
        label=_("or a CSV/XLSX file"),
        required=False,
        help_text=_("Columns: serial, symptom, notes (header row required)."),
    )
    default_symptom = forms.ChoiceField(
        label=_("Symptom for rows without one"),
        choices=[("", "—"), *Symptom.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("serials") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Type or paste serial numbers, or upload a file."))
        return data


class ReturnedModuleForm(forms.ModelForm):
    class Meta:
        model = ReturnedModule
        fields = [
            "item",
            "received_on",
            "retest_pmax_w",
            "retest_el_grade",
            "visual_findings",
            "uncertainty_pct",
            "decision",
            "cost",
        ]
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}),
            "visual_findings": TEXTAREA,
        }


SATISFACTION_SURVEY_FIELDS = [
    "customer",
    "period",
    "region",
    "country",
    "respondent",
    "answered_on",
    "product_quality",
    "delivery",
    "complaint_handling",
    "technical_support",
    "documents",
    "nps",
    "comment",
]


class SatisfactionSurveyForm(forms.ModelForm):
    class Meta:
        model = SatisfactionSurvey
        fields = SATISFACTION_SURVEY_FIELDS
        widgets = {"comment": TEXTAREA, "answered_on": forms.DateInput(attrs={"type": "date"})}

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean_period(self) -> str:
        return (self.cleaned_data.get("period") or "").strip().upper()


CUSTOMER_REQUIREMENT_FIELDS = [
    "customer",
    "project",
    "module_model",
    "version",
    "effective_from",
    "effective_to",
    "allowed_classes_w",
    "positive_tolerance_w",
    "imp_sorting_required",
    "imp_bin_width_a",
    "modules_per_pallet",
    "orientation",
    "max_el_grade",
    "refused_defect_codes",
    "deliver_flash_list",
    "deliver_el_images",
    "deliver_coc",
    "deliver_carbon_declaration",
    "notes",
]


class CustomerRequirementForm(forms.ModelForm):
    class Meta:
        model = CustomerRequirement
        fields = CUSTOMER_REQUIREMENT_FIELDS
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
            "notes": TEXTAREA,
        }


WARRANTY_CONTRACT_FIELDS = [
    "customer",
    "project",
    "module_model",
    "reference",
    "version",
    "effective_from",
    "effective_to",
    "product_years",
    "power_years",
    "first_year_loss_pct",
    "annual_loss_pct",
    "uncertainty_pct",
]


class WarrantyContractForm(forms.ModelForm):
    class Meta:
        model = WarrantyContract
        fields = WARRANTY_CONTRACT_FIELDS
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
        }


class UserChoiceField(forms.ModelChoiceField):
    """A user shown by full name and username (the username alone when no name is set)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} ({obj.username})" if obj.get_full_name() else obj.username


class AssignForm(forms.Form):
    """Assign a complaint: the choices are the users who may handle it."""

    assignee = UserChoiceField(queryset=None, label=_("Assign to"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=TEXTAREA)

    def __init__(self, *args, users=None, **kwargs):  # type: ignore[no-untyped-def]
        """``users``: a queryset of the users offered (on POST, every active user: the
        service refuses, with a clear message, one who may not handle the complaint)."""
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["assignee"]).queryset = users.order_by("username")


class FieldResultsForm(forms.Form):
    """Field IV/EL per complaint serial: pasted table or a CSV/XLSX file (header row)."""

    table = forms.CharField(
        label=_("Field results"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": "serial\tpmax_w\tvoc_v\tisc_a\tff_pct\tel_grade\tel_defects",
            }
        ),
        help_text=_(
            "Header row, then one row per serial. Columns: serial, pmax_w, voc_v, isc_a, "
            "ff_pct, irradiance_wm2, module_temp_c, stc_corrected (yes/no), uncertainty_pct "
            "(default 5), el_grade (A–D), el_defects, measured_on (YYYY-MM-DD), notes."
        ),
    )
    file = forms.FileField(label=_("or a CSV/XLSX file"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("table") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the field results or upload a file."))
        return data
