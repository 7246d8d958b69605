from django import forms

from qdm.system.models import Nonconformity


class NonconformityForm(forms.ModelForm):
    class Meta:
        model = Nonconformity
        fields = [
            "site",
            "source",
            "severity",
            "title",
            "description",
            "item",
            "lots",
            "quantity",
            "supplier",
            "owner",
            "containment",
            "disposition",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "lots": forms.Textarea(attrs={"rows": 3}),
            "containment": forms.Textarea(attrs={"rows": 3}),
            "disposition": forms.Textarea(attrs={"rows": 3}),
        }
