"""Forms of the kernel's models. Every field has a translated label (from verbose_name)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import ProcessStage
from qdm.core.models import (
    Customer,
    Grant,
    Line,
    NotificationChannel,
    Site,
    Station,
    Supplier,
    Workshop,
)


class SiteForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        choices=ProcessStage.choices,
        required=False,
        label=_("Process stages"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Site
        fields = [
            "code",
            "name",
            "name_en",
            "business_unit",
            "country",
            "timezone",
            "stages",
            "capacity_gw",
            "active",
        ]


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["code", "name", "name_en", "site", "stage"]


class LineForm(forms.ModelForm):
    class Meta:
        model = Line
        fields = ["code", "name", "name_en", "workshop", "capacity_per_day", "active"]


class StationForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = ["code", "name", "name_en", "line", "equipment_id"]


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["code", "name", "name_en", "country", "active"]


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["code", "name", "name_en", "country", "active"]


class GrantForm(forms.ModelForm):
    class Meta:
        model = Grant
        fields = ["user", "role", "site", "supplier", "customer"]


class NotificationChannelForm(forms.ModelForm):
    class Meta:
        model = NotificationChannel
        fields = ["name", "kind", "site", "webhook_url", "secret", "email_to", "active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


class SignatureForm(forms.Form):
    """Re-enter the password, say what the signature means and why."""

    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    comment = forms.CharField(label=_("Comment"), required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), required=False, max_length=255)
