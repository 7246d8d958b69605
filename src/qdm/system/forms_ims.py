"""Forms of the integrated management system, audits, management review and responsibility
matrix. Rules live in the services; forms only shape the input (the edit view turns a
service's ValidationError into form errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.system.models import (
    Audit,
    AuditProgramme,
    Certificate,
    ChecklistItem,
    Clause,
    Department,
    Finding,
    ManagementReview,
    ManagementSystem,
    Post,
    Process,
    QualityObjective,
    Responsibility,
    ReviewAction,
)

TEXT = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"})
MULTI = forms.SelectMultiple(attrs={"size": 10})


class ManagementSystemForm(forms.ModelForm):
    class Meta:
        model = ManagementSystem
        fields = ["code", "standard", "name", "name_en", "active"]


class ClauseForm(forms.ModelForm):
    class Meta:
        model = Clause
        fields = ["system", "number", "title", "position"]


class ProcessForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = ["code", "name", "name_en", "owner", "sites", "clauses", "description"]
        widgets = {"clauses": forms.SelectMultiple(attrs={"size": 16}), "description": TEXT}


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = [
            "site",
            "system",
            "number",
            "body",
            "issued_on",
            "expires_on",
            "scope_statement",
            "owner",
        ]
        widgets = {"issued_on": DATE, "expires_on": DATE, "scope_statement": TEXT}


class AuditProgrammeForm(forms.ModelForm):
    class Meta:
        model = AuditProgramme
        fields = ["year", "site", "system", "objectives", "manager"]
        widgets = {"objectives": TEXT}


class AuditForm(forms.ModelForm):
    class Meta:
        model = Audit
        fields = [
            "programme",
            "title",
            "supplier",
            "planned_start",
            "planned_end",
            "processes",
            "clauses",
            "lead_auditor",
            "auditors",
            "summary",
        ]
        widgets = {
            "planned_start": DATE,
            "planned_end": DATE,
            "processes": MULTI,
            "clauses": MULTI,
            "summary": forms.Textarea(attrs={"rows": 5}),
        }


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["audit", "process", "clause", "question", "evidence", "result"]
        widgets = {"question": TEXT, "evidence": TEXT}


class FindingForm(forms.ModelForm):
    open_capa = forms.BooleanField(
        required=False,
        label=_("Also open a CAPA"),
        help_text=_("For a major or minor nonconformity: open a CAPA from its NC at once."),
    )

    class Meta:
        model = Finding
        fields = ["audit", "checklist_item", "kind", "process", "clause", "statement", "evidence"]
        widgets = {"statement": TEXT, "evidence": TEXT}


class QualityObjectiveForm(forms.ModelForm):
    class Meta:
        model = QualityObjective
        fields = [
            "site",
            "process",
            "metric",
            "unit",
            "target",
            "actual",
            "higher_is_better",
            "period_start",
            "period_end",
        ]
        widgets = {"period_start": DATE, "period_end": DATE}


class ManagementReviewForm(forms.ModelForm):
    class Meta:
        model = ManagementReview
        fields = [
            "site",
            "title",
            "period_start",
            "period_end",
            "meeting_date",
            "chair",
            "attendees",
            "conclusions",
        ]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "meeting_date": DATE,
            "conclusions": forms.Textarea(attrs={"rows": 5}),
        }


class ReviewActionForm(forms.ModelForm):
    class Meta:
        model = ReviewAction
        fields = ["review", "decision", "action", "owner", "due_date", "status"]
        widgets = {"decision": TEXT, "action": TEXT, "due_date": DATE}


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["company", "code", "name", "name_en", "site", "parent"]


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["department", "code", "name", "name_en", "site", "reports_to", "holders"]


class ResponsibilityForm(forms.ModelForm):
    class Meta:
        model = Responsibility
        fields = ["post", "process", "role", "description"]
        widgets = {"description": TEXT}
