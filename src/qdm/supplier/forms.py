"""Forms of the supplier quality platform."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    Receipt,
    ScorecardWeights,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
)
from qdm.system.choices import SixM

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SupplierProfileForm(forms.ModelForm):
    class Meta:
        model = SupplierProfile
        fields = ["supplier", "categories", "sqe", "website", "notes"]


# The fields a user edits, one list per model: the form and the API serializer use it.
SUPPLIER_PLANT_FIELDS = ["supplier", "name", "country", "city", "address", "products"]


class SupplierPlantForm(forms.ModelForm):
    class Meta:
        model = SupplierPlant
        fields = SUPPLIER_PLANT_FIELDS


SUPPLIER_CONTACT_FIELDS = ["supplier", "name", "function", "email", "phone", "primary"]


class SupplierContactForm(forms.ModelForm):
    class Meta:
        model = SupplierContact
        fields = SUPPLIER_CONTACT_FIELDS


APPROVED_MATERIAL_FIELDS = [
    "supplier",
    "material",
    "customer",
    "plant",
    "status",
    "valid_until",
    "note",
]


class ApprovedMaterialForm(forms.ModelForm):
    class Meta:
        model = ApprovedMaterial
        fields = APPROVED_MATERIAL_FIELDS
        widgets = {"valid_until": DATE}


CERTIFICATE_FIELDS = [
    "supplier",
    "plant",
    "kind",
    "number",
    "issuer",
    "scope_text",
    "valid_from",
    "valid_until",
]


class CertificateForm(forms.ModelForm):
    file = forms.FileField(label=_("Scanned certificate"), required=False)

    class Meta:
        model = Certificate
        fields = CERTIFICATE_FIELDS
        widgets = {"valid_from": DATE, "valid_until": DATE}


SCORECARD_WEIGHTS_FIELDS = [
    "name",
    "active",
    "weight_ppm",
    "weight_acceptance",
    "weight_scar",
    "weight_on_time",
    "weight_repeat",
    "weight_certificate",
    "weight_audit",
    "weight_field_failure",
    "ppm_limit",
    "grade_a",
    "grade_b",
    "grade_c",
]


class ScorecardWeightsForm(forms.ModelForm):
    class Meta:
        model = ScorecardWeights
        fields = SCORECARD_WEIGHTS_FIELDS


RECEIPT_FIELDS = [
    "site",
    "supplier",
    "material",
    "supplier_lot",
    "purchase_order",
    "quantity",
    "received_at",
]


class ReceiptForm(forms.ModelForm):
    """Receive a lot: the IQC lot is opened under the current switching severity."""

    class Meta:
        model = Receipt
        fields = RECEIPT_FIELDS
        widgets = {"received_at": DATETIME}


class OriginForm(forms.Form):
    producer = forms.CharField(label=_("Polysilicon producer"), max_length=200)
    plant = forms.CharField(label=_("Polysilicon plant"), max_length=200)
    lot = forms.CharField(label=_("Polysilicon lot"), max_length=100)


class ScarAnswerForm(forms.Form):
    containment = forms.CharField(
        label=_("D3 containment (what was sorted, where, how many)"), widget=forms.Textarea
    )
    root_cause = forms.CharField(label=_("D4 root cause"), widget=forms.Textarea)
    category = forms.ChoiceField(label=_("6M category"), choices=SixM.choices)
    why_1 = forms.CharField(label=_("Why 1"), required=False, max_length=300)
    why_2 = forms.CharField(label=_("Why 2"), required=False, max_length=300)
    why_3 = forms.CharField(label=_("Why 3"), required=False, max_length=300)
    corrective = forms.CharField(
        label=_("D5/D6 permanent corrective action"), widget=forms.Textarea
    )
    preventive = forms.CharField(
        label=_("D7 prevention of recurrence"), widget=forms.Textarea, required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return"))]
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea, required=False)
    password = forms.CharField(
        label=_("Password (signature, to accept)"), widget=forms.PasswordInput, required=False
    )


class SignForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    reason = forms.CharField(label=_("Reason"), max_length=300)


def form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
