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


class CustomerProfileForm(forms.ModelForm):
    class Meta:
        model = CustomerProfile
        fields = [
            "customer",
            "region",
            "segment",
            "language",
            "contact_name",
            "contact_email",
            "requirements",
        ]
        widgets = {"requirements": TEXTAREA}


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "customer",
            "name",
            "country",
            "location",
            "capacity_mwp",
            "commissioning_date",
            "module_models",
        ]
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

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
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


class SatisfactionSurveyForm(forms.ModelForm):
    class Meta:
        model = SatisfactionSurvey
        fields = [
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
        widgets = {"comment": TEXTAREA, "answered_on": forms.DateInput(attrs={"type": "date"})}

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean_period(self) -> str:
        return (self.cleaned_data.get("period") or "").strip().upper()


class CustomerRequirementForm(forms.ModelForm):
    class Meta:
        model = CustomerRequirement
        fields = [
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
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
            "notes": TEXTAREA,
        }


class WarrantyContractForm(forms.ModelForm):
    class Meta:
        model = WarrantyContract
        fields = [
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
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
        }
