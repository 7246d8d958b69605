from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qdm.core.models import Site
from qdm.system.choices import Severity
from qdm.system.models import (
    CapaAction,
    ControlledDocument,
    DocumentRevision,
    EightD,
    Nonconformity,
    RevisionFile,
    RootCause,
    TeamMember,
    Verification,
)
from qdm.system.services.nonconformity import split_codes

TEXTAREA = forms.Textarea(attrs={"rows": 3})
LONG_TEXT = (
    "symptom",
    "problem_what",
    "problem_where",
    "problem_when",
    "problem_who",
    "problem_why",
    "problem_how",
    "problem_how_many",
    "closure_summary",
)


class UnitCodesField(forms.CharField):
    """Lot or serial codes, one per line, checked against the genealogy units the user may
    see (``restrict_form_choices`` narrows ``queryset`` to the user's scope)."""

    def __init__(self, **kwargs: Any) -> None:
        from qdm.data.models import Unit

        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        kwargs.setdefault("label", _("Affected units (genealogy codes)"))
        kwargs.setdefault(
            "help_text", _("Lot, serial or pallet codes known to the genealogy, one per line.")
        )
        super().__init__(**kwargs)
        self.queryset = Unit.objects.all()

    def clean(self, value: Any) -> list[str]:
        codes = split_codes(super().clean(value))
        known = set(self.queryset.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValidationError(
                _("Unknown lot or serial code(s): %(codes)s"),
                code="unknown_units",
                params={"codes": ", ".join(unknown)},
            )
        return codes


# The fields a user edits, one list per model: the form and the API serializer use it.
NONCONFORMITY_FIELDS = [
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


class NonconformityForm(forms.ModelForm):
    unit_codes = UnitCodesField()

    class Meta:
        model = Nonconformity
        fields = NONCONFORMITY_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "lots": forms.Textarea(attrs={"rows": 3}),
            "containment": forms.Textarea(attrs={"rows": 3}),
            "disposition": forms.Textarea(attrs={"rows": 3}),
        }


class NonconformityReportForm(forms.Form):
    """The short "everyone takes part" form: what, where, how bad, a photo."""

    site = forms.ModelChoiceField(queryset=Site.objects.all(), label=_("Site"))
    title = forms.CharField(max_length=200, label=_("What is wrong?"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label=_("Describe what you saw")
    )
    item = forms.CharField(max_length=200, required=False, label=_("Product or material"))
    lots = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Lot or serial numbers (if known)"),
    )
    severity = forms.ChoiceField(
        choices=Severity.choices,
        initial="minor",
        label=_("How bad is it?"),
    )
    photo = forms.FileField(
        required=False,
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class LockedCapaMixin:
    """Forms of a CAPA and its parts refuse changes once the CAPA is closed or cancelled."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        instance = self.instance  # type: ignore[attr-defined]
        capa = instance if isinstance(instance, EightD) else cleaned.get("capa")
        if isinstance(instance, EightD) and not instance.pk:
            capa = None
        if capa is None and not isinstance(instance, EightD) and instance.pk:
            capa = instance.capa
        if capa is not None and capa.pk:
            capa.refresh_from_db(fields=["status"])
            if capa.is_locked:
                raise ValidationError(
                    _("%(number)s is %(status)s and can no longer be changed."),
                    code="capa_locked",
                    params={"number": capa.number, "status": capa.get_status_display()},
                )
        return cleaned


EIGHT_D_FIELDS = [
    "kind",
    "site",
    "supplier",
    "customer",
    "title",
    "nonconformities",
    "champion",
    "due_date",
    "symptom",
    "problem_what",
    "problem_where",
    "problem_when",
    "problem_who",
    "problem_why",
    "problem_how",
    "problem_how_many",
    "is_what",
    "is_not_what",
    "is_where",
    "is_not_where",
    "is_when",
    "is_not_when",
    "is_extent",
    "is_not_extent",
    "closure_summary",
]


class EightDForm(LockedCapaMixin, forms.ModelForm):
    class Meta:
        model = EightD
        fields = EIGHT_D_FIELDS
        widgets = dict.fromkeys(LONG_TEXT, TEXTAREA) | {
            "due_date": forms.DateInput(attrs={"type": "date"})
        }


TEAM_MEMBER_FIELDS = ["capa", "user", "role", "department"]


class TeamMemberForm(LockedCapaMixin, forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = TEAM_MEMBER_FIELDS


ROOT_CAUSE_FIELDS = [
    "capa",
    "cause_type",
    "category",
    "statement",
    "why_1",
    "why_2",
    "why_3",
    "why_4",
    "why_5",
    "verified",
]


class RootCauseForm(LockedCapaMixin, forms.ModelForm):
    class Meta:
        model = RootCause
        fields = ROOT_CAUSE_FIELDS
        widgets = {"statement": TEXTAREA}


CAPA_ACTION_FIELDS = [
    "capa",
    "discipline",
    "description",
    "root_cause",
    "prevention_target",
    "reference",
    "target_site",
    "owner",
    "manager",
    "due_date",
    "status",
]


class CapaActionForm(LockedCapaMixin, forms.ModelForm):
    class Meta:
        model = CapaAction
        fields = CAPA_ACTION_FIELDS
        widgets = {"description": TEXTAREA, "due_date": forms.DateInput(attrs={"type": "date"})}


VERIFICATION_FIELDS = ["capa", "method", "result", "effective", "verified_by", "verified_on"]


class VerificationForm(LockedCapaMixin, forms.ModelForm):
    class Meta:
        model = Verification
        fields = VERIFICATION_FIELDS
        widgets = {
            "method": TEXTAREA,
            "result": TEXTAREA,
            "verified_on": forms.DateInput(attrs={"type": "date"}),
        }


CONTROLLED_DOCUMENT_FIELDS = [
    "code",
    "title",
    "doc_type",
    "owner",
    "process",
    "sites",
    "language",
    "review_months",
    "next_review_date",
    "distributed_to",
]


class ControlledDocumentForm(forms.ModelForm):
    class Meta:
        model = ControlledDocument
        fields = CONTROLLED_DOCUMENT_FIELDS
        widgets = {"next_review_date": forms.DateInput(attrs={"type": "date"})}


DOCUMENT_REVISION_FIELDS = ["document", "revision", "change_summary", "content"]


class DocumentRevisionForm(forms.ModelForm):
    class Meta:
        model = DocumentRevision
        fields = DOCUMENT_REVISION_FIELDS
        widgets = {"change_summary": TEXTAREA, "content": forms.Textarea(attrs={"rows": 10})}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk:
            status = DocumentRevision.objects.values_list("status", flat=True).get(
                pk=self.instance.pk
            )
            if status != "draft":
                raise ValidationError(
                    _("Only a draft revision can be edited: start a new revision."),
                    code="revision_locked",
                )
        return cleaned


REVISION_FILE_FIELDS = ["revision", "language", "title"]


class RevisionFileForm(forms.ModelForm):
    """One language version of a draft revision: its title in that language and the file."""

    upload = forms.FileField(
        label=_("file"),
        required=False,
        help_text=_("Required when adding; choose a new file to replace the current one."),
    )

    class Meta:
        model = RevisionFile
        fields = REVISION_FILE_FIELDS

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.instance.pk and not cleaned.get("upload"):
            self.add_error("upload", _("Choose the file of this language version."))
        return cleaned
