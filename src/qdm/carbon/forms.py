from django import forms

from qdm.carbon.models import (
    ActivityRecord,
    CarbonTarget,
    EmissionFactor,
    FactorLibrary,
    SupplierFactor,
)

DATE = forms.DateInput(attrs={"type": "date"})


class FactorLibraryForm(forms.ModelForm):
    class Meta:
        model = FactorLibrary
        fields = ["code", "version", "name", "kind", "publisher", "valid_from", "notes"]
        widgets = {"valid_from": DATE, "notes": forms.Textarea(attrs={"rows": 3})}


class EmissionFactorForm(forms.ModelForm):
    class Meta:
        model = EmissionFactor
        fields = [
            "library", "category", "key", "material", "country", "grid_region", "accounting",
            "value", "unit", "gas", "boundary", "gwp", "source", "year",
        ]  # fmt: skip


class SupplierFactorForm(forms.ModelForm):
    class Meta:
        model = SupplierFactor
        fields = [
            "supplier", "material", "value", "unit", "gas", "boundary", "gwp", "source", "year",
            "verifier", "certificate", "valid_from", "valid_until", "verified",
        ]  # fmt: skip
        widgets = {"valid_from": DATE, "valid_until": DATE}


class ActivityRecordForm(forms.ModelForm):
    class Meta:
        model = ActivityRecord
        fields = ["site", "month", "kind", "key", "quantity", "unit", "certificate_scheme", "notes"]
        widgets = {"month": DATE}


class CarbonTargetForm(forms.ModelForm):
    class Meta:
        model = CarbonTarget
        fields = ["site", "year", "kg_per_kwp", "notes"]
