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


# The fields a user edits, one list per model: the form and the API serializer use it.
MANAGEMENT_SYSTEM_FIELDS = ["code", "standard", "name", "name_en", "active"]


class ManagementSystemForm(forms.ModelForm):
    class Meta:
        model = ManagementSystem
        fields = MANAGEMENT_SYSTEM_FIELDS


CLAUSE_FIELDS = ["system", "number", "title", "position"]


class ClauseForm(forms.ModelForm):
    class Meta:
        model = Clause
        fields = CLAUSE_FIELDS


PROCESS_FIELDS = ["code", "name", "name_en", "owner", "sites", "clauses", "description"]


class ProcessForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = PROCESS_FIELDS
        widgets = {"clauses": forms.SelectMultiple(attrs={"size": 16}), "description": TEXT}


CERTIFICATE_FIELDS = [
    "site",
    "system",
    "number",
    "body",
    "issued_on",
    "expires_on",
    "scope_statement",
    "owner",
]


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = CERTIFICATE_FIELDS
        widgets = {"issued_on": DATE, "expires_on": DATE, "scope_statement": TEXT}


AUDIT_PROGRAMME_FIELDS = ["year", "site", "system", "objectives", "manager"]


class AuditProgrammeForm(forms.ModelForm):
    class Meta:
        model = AuditProgramme
        fields = AUDIT_PROGRAMME_FIELDS
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


CHECKLIST_ITEM_FIELDS = ["audit", "process", "clause", "question", "evidence", "result"]


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = CHECKLIST_ITEM_FIELDS
        widgets = {"question": TEXT, "evidence": TEXT}


FINDING_FIELDS = ["audit", "checklist_item", "kind", "process", "clause", "statement", "evidence"]


class FindingForm(forms.ModelForm):
    open_capa = forms.BooleanField(
        required=False,
        label=_("Also open a CAPA"),
        help_text=_("For a major or minor nonconformity: open a CAPA from its NC at once."),
    )

    class Meta:
        model = Finding
        fields = FINDING_FIELDS
        widgets = {"statement": TEXT, "evidence": TEXT}


QUALITY_OBJECTIVE_FIELDS = [
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


class QualityObjectiveForm(forms.ModelForm):
    class Meta:
        model = QualityObjective
        fields = QUALITY_OBJECTIVE_FIELDS
        widgets = {"period_start": DATE, "period_end": DATE}


MANAGEMENT_REVIEW_FIELDS = [
    "site",
    "title",
    "period_start",
    "period_end",
    "meeting_date",
    "chair",
    "attendees",
    "conclusions",
]


class ManagementReviewForm(forms.ModelForm):
    class Meta:
        model = ManagementReview
        fields = MANAGEMENT_REVIEW_FIELDS
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "meeting_date": DATE,
            "conclusions": forms.Textarea(attrs={"rows": 5}),
        }


REVIEW_ACTION_FIELDS = ["review", "decision", "action", "owner", "due_date", "status"]


class ReviewActionForm(forms.ModelForm):
    class Meta:
        model = ReviewAction
        fields = REVIEW_ACTION_FIELDS
        widgets = {"decision": TEXT, "action": TEXT, "due_date": DATE}


DEPARTMENT_FIELDS = ["company", "code", "name", "name_en", "site", "parent"]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = DEPARTMENT_FIELDS


POST_FIELDS = ["department", "code", "name", "name_en", "site", "reports_to", "holders"]


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = POST_FIELDS


RESPONSIBILITY_FIELDS = ["post", "process", "role", "description"]


class ResponsibilityForm(forms.ModelForm):
    class Meta:
        model = Responsibility
        fields = RESPONSIBILITY_FIELDS
        widgets = {"description": TEXT}
