"""UI of the integrated management system: registry, processes and their clause mapping,
certificates, internal audits, management reviews and the responsibility matrix.

The generic create/edit view shows a service's ``ValidationError`` on the form (the rules
live in the services, not in the forms), rolled back with everything else the save did."""

from __future__ import annotations

from typing import Any

from qdm.core.views.generic import (
    ModelUI,
)
from qdm.system import filtersets_ims as fs
from qdm.system import forms_ims as f
from qdm.system import tables_ims as t
from qdm.system.choices import NC_FINDINGS, ChecklistResult
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
    Nonconformity,
    Post,
    Process,
    QualityObjective,
    Responsibility,
    ReviewAction,
)
from qdm.system.services import audits as audit_services
from qdm.system.services import ims, responsibility, review


def saver(service: Any) -> Any:
    """``saver(form, user)`` for a service ``service(instance_or_None, /, *, actor, **data)``."""

    def save(form: Any, user: Any) -> Any:
        instance = form.instance if form.instance.pk else None
        return service(instance, actor=user, **form.cleaned_data)

    return save


def record(model: type) -> Any:
    def service(instance: Any, /, *, actor: Any, **fields: Any) -> Any:
        return ims.save_record(model, instance, actor=actor, **fields)

    return service


def save_finding(form: Any, user: Any) -> Finding:
    data = dict(form.cleaned_data)
    if form.instance.pk:
        return audit_services.update_finding(form.instance, actor=user, **data)
    return audit_services.record_finding(actor=user, **data)


# --- detail pages -----------------------------------------------------------------------


def system_context(obj: ManagementSystem, user: Any) -> dict[str, Any]:
    processes = Process.objects.for_user(user, "view")
    matrix = ims.coverage(processes, [obj])
    return {
        "clauses": matrix.clauses[obj.pk],
        "gaps": matrix.gaps[obj.pk],
        "covered": matrix.covered(obj),
        "certificates": Certificate.objects.for_user(user, "view")
        .filter(system=obj)
        .select_related("site"),
    }


def process_context(obj: Process, user: Any) -> dict[str, Any]:
    clauses = obj.clauses.select_related("system").order_by("system__code", "position")
    by_system: dict[Any, list[Clause]] = {}
    for clause in clauses:
        by_system.setdefault(clause.system, []).append(clause)
    return {
        "by_system": by_system,
        "sites": obj.sites.all(),
        "responsibilities": Responsibility.objects.for_user(user, "view")
        .filter(process=obj)
        .select_related("post"),
        "audits": Audit.objects.for_user(user, "view").filter(processes=obj).distinct(),
        "answerable": responsibility.responsible_for(obj),
    }


def audit_context(obj: Audit, user: Any) -> dict[str, Any]:
    items = obj.checklist.select_related("process", "clause")
    findings = obj.findings.select_related("process", "clause", "nonconformity", "capa")
    can_work = obj.is_open_for_work and user.has_perm("system.change_audit", obj)
    return {
        "team": obj.team(),
        "audit_score": obj.score,
        "processes": obj.processes.all(),
        "chosen_clauses": obj.clauses.all(),
        "checklist": items,
        "findings": findings,
        "nc_results": (ChecklistResult.MINOR, ChecklistResult.MAJOR),
        "can_generate": can_work and user.has_perm("system.add_checklistitem"),
        "can_edit_items": can_work and user.has_perm("system.change_checklistitem"),
        "can_add_finding": obj.status == "in_progress" and user.has_perm("system.add_finding"),
        "nonconformities": Nonconformity.objects.for_user(user, "view").filter(
            audit_findings__audit=obj
        ),
    }


def finding_context(obj: Finding, user: Any) -> dict[str, Any]:
    visible = Nonconformity.objects.for_user(user, "view")
    return {
        "nonconformity": visible.filter(pk=obj.nonconformity_id).first(),
        "opens_nc": obj.kind in NC_FINDINGS,
    }


def _labelled(counts: dict[str, int], choices: Any) -> list[tuple[str, int]]:
    """Snapshot counts keyed by stable codes, shown with today's translated labels."""
    labels = dict(choices)
    return [(str(labels.get(key, key)), count) for key, count in (counts or {}).items()]


def review_context(obj: ManagementReview, user: Any) -> dict[str, Any]:
    from qdm.system.choices import FindingKind, NonconformitySource, Severity

    editable = obj.status == "draft" and user.has_perm("system.change_managementreview", obj)
    inputs = obj.inputs or {}
    performance = inputs.get("process_performance", {})
    return {
        "inputs": inputs,
        "finding_kinds": _labelled(
            inputs.get("audits", {}).get("findings_by_kind", {}), FindingKind.choices
        ),
        "nc_sources": _labelled(performance.get("by_source", {}), NonconformitySource.choices),
        "nc_severities": _labelled(performance.get("by_severity", {}), Severity.choices),
        "actions": obj.actions.select_related("owner"),
        "attendees": obj.attendees.all(),
        "can_compile": editable,
        "can_add_action": obj.status != "closed" and user.has_perm("system.add_reviewaction"),
    }


def post_context(obj: Post, user: Any) -> dict[str, Any]:
    return {
        "holders": obj.holders.all().order_by("username"),
        "reports": obj.reports.all(),
        "responsibilities": obj.responsibilities.select_related("process"),
    }


def department_context(obj: Department, user: Any) -> dict[str, Any]:
    return {
        "posts": Post.objects.for_user(user, "view").filter(department=obj),
        "children": Department.objects.for_user(user, "view").filter(parent=obj),
    }


IMS_MODEL_UIS = [
    ModelUI(
        ManagementSystem,
        t.ManagementSystemTable,
        fs.ManagementSystemFilterSet,
        f.ManagementSystemForm,
        saver=saver(record(ManagementSystem)),
        detail_template="system/managementsystem_detail.html",
        extra_context=system_context,
    ),
    ModelUI(Clause, t.ClauseTable, fs.ClauseFilterSet, f.ClauseForm, saver=saver(record(Clause))),
    ModelUI(
        Process,
        t.ProcessTable,
        fs.ProcessFilterSet,
        f.ProcessForm,
        saver=saver(ims.save_process),
        detail_template="system/process_detail.html",
        extra_context=process_context,
        detail_fields=("code", "name", "name_en", "owner", "description"),
    ),
    ModelUI(
        Certificate,
        t.CertificateTable,
        fs.CertificateFilterSet,
        f.CertificateForm,
        saver=saver(ims.save_certificate),
        detail_fields=(
            "number",
            "site",
            "system",
            "body",
            "issued_on",
            "expires_on",
            "scope_statement",
            "owner",
            "reminded_days",
        ),
    ),
    ModelUI(
        AuditProgramme,
        t.AuditProgrammeTable,
        fs.AuditProgrammeFilterSet,
        f.AuditProgrammeForm,
        saver=saver(audit_services.save_programme),
        detail_template="system/auditprogramme_detail.html",
        extra_context=lambda obj, user: {
            "audits": Audit.objects.for_user(user, "view").filter(programme=obj)
        },
    ),
    ModelUI(
        Audit,
        t.AuditTable,
        fs.AuditFilterSet,
        f.AuditForm,
        saver=saver(audit_services.save_audit),
        detail_template="system/audit_detail.html",
        extra_context=audit_context,
        detail_fields=(
            "number",
            "status",
            "programme",
            "site",
            "title",
            "planned_start",
            "planned_end",
            "lead_auditor",
            "summary",
            "created_by",
            "reported_at",
            "closed_at",
        ),
    ),
    ModelUI(
        ChecklistItem,
        t.ChecklistItemTable,
        fs.ChecklistItemFilterSet,
        f.ChecklistItemForm,
        saver=saver(audit_services.save_checklist_item),
    ),
    ModelUI(
        Finding,
        t.FindingTable,
        fs.FindingFilterSet,
        f.FindingForm,
        saver=save_finding,
        detail_template="system/finding_detail.html",
        extra_context=finding_context,
    ),
    ModelUI(
        QualityObjective,
        t.QualityObjectiveTable,
        fs.QualityObjectiveFilterSet,
        f.QualityObjectiveForm,
        saver=saver(review.save_objective),
    ),
    ModelUI(
        ManagementReview,
        t.ManagementReviewTable,
        fs.ManagementReviewFilterSet,
        f.ManagementReviewForm,
        saver=saver(review.save_review),
        detail_template="system/managementreview_detail.html",
        extra_context=review_context,
        detail_fields=(
            "number",
            "status",
            "site",
            "title",
            "period_start",
            "period_end",
            "meeting_date",
            "chair",
            "conclusions",
            "compiled_at",
            "closed_at",
        ),
    ),
    ModelUI(
        ReviewAction,
        t.ReviewActionTable,
        fs.ReviewActionFilterSet,
        f.ReviewActionForm,
        saver=saver(review.save_review_action),
    ),
    ModelUI(
        Department,
        t.DepartmentTable,
        fs.DepartmentFilterSet,
        f.DepartmentForm,
        saver=saver(responsibility.save_department),
        detail_template="system/department_detail.html",
        extra_context=department_context,
    ),
    ModelUI(
        Post,
        t.PostTable,
        fs.PostFilterSet,
        f.PostForm,
        saver=saver(responsibility.save_post),
        detail_template="system/post_detail.html",
        extra_context=post_context,
    ),
    ModelUI(
        Responsibility,
        t.ResponsibilityTable,
        fs.ResponsibilityFilterSet,
        f.ResponsibilityForm,
        saver=saver(responsibility.save_responsibility),
    ),
]
