"""Writes of internal audits: programmes, audits (with the auditor-independence rule), the
checklist generated from the process-clause mapping, checklist answers and findings — a
major or minor finding opens a system nonconformity through the NC service and, on
request, a CAPA through the CAPA service. States change through the kernel workflow."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.system.choices import NC_FINDINGS, AuditStatus, FindingKind, NonconformitySource
from qdm.system.models import Audit, AuditProgramme, ChecklistItem, Clause, Finding, Process
from qdm.system.services.ims import save_record


def _name(user: Any) -> str:
    return user.get_full_name() or user.username


def independence_problems(
    audit: Any, team: Iterable[Any], processes: Iterable[Process]
) -> list[str]:
    """One message per (auditor, process) where the auditor owns the audited process."""
    people = {u.pk: u for u in team if u is not None}
    problems = []
    for process in processes:
        if process.owner_id in people:
            problems.append(
                _("%(auditor)s may not audit %(process)s: they own this process.")
                % {"auditor": _name(people[process.owner_id]), "process": process.code}
            )
    return problems


def check_independence(team: Iterable[Any], processes: Iterable[Process]) -> None:
    """Raise a ValidationError naming every auditor who owns an audited process."""
    problems = independence_problems(None, team, processes)
    if problems:
        raise ValidationError(
            {"auditors": [ValidationError(p, code="auditor_owns_process") for p in problems]}
        )


def save_programme(
    programme: AuditProgramme | None, /, *, actor: Any, **fields: Any
) -> AuditProgramme:
    return save_record(AuditProgramme, programme, actor=actor, **fields)


def _ensure_open(audit: Audit) -> None:
    status = Audit.objects.filter(pk=audit.pk).values_list("status", flat=True).first()
    if status is not None and status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise ValidationError(
            _("%(number)s is %(status)s and can no longer be changed.")
            % {"number": audit.number, "status": AuditStatus(status).label},
            code="audit_locked",
        )


def save_audit(audit: Audit | None, /, *, actor: Any, **fields: Any) -> Audit:
    """Plan (``audit`` None) or change an audit. Its site is its programme's site; the
    number is ``AUD-<site>-<year>-<seq>``. Refused when an auditor owns an audited process,
    when the dates are reversed, and once the audit is reported."""
    with transaction.atomic():
        creating = audit is None or audit.pk is None
        if audit is not None and not creating:
            _ensure_open(audit)
        obj = audit if audit is not None else Audit(created_by=actor)
        processes = fields.pop("processes", None)
        clauses = fields.pop("clauses", None)
        auditors = fields.pop("auditors", None)
        for name, value in fields.items():
            setattr(obj, name, value)
        if obj.programme_id:
            obj.site = obj.programme.site
        if obj.planned_start and obj.planned_end and obj.planned_end < obj.planned_start:
            raise ValidationError({"planned_end": _("The audit cannot end before it starts.")})
        if processes is None:
            processes = list(obj.processes.all()) if obj.pk else []
        if auditors is None:
            auditors = list(obj.auditors.all()) if obj.pk else []
        check_independence([*auditors, obj.lead_auditor], processes)
        if clauses and obj.programme_id:
            foreign = [c for c in clauses if c.system_id != obj.programme.system_id]
            if foreign:
                raise ValidationError(
                    {
                        "clauses": _("Clauses %(clauses)s are not of %(system)s.")
                        % {
                            "clauses": ", ".join(str(c) for c in foreign),
                            "system": obj.programme.system.standard,
                        }
                    }
                )
        obj.full_clean(exclude=["number", "created_by", "site", "processes", "clauses", "auditors"])
        if creating:
            obj.number = next_number("AUD", obj.programme.site.code)
        obj.save()
        if processes is not None:
            obj.processes.set(processes)
        if clauses is not None:
            obj.clauses.set(clauses)
        if auditors is not None:
            obj.auditors.set(auditors)
        record_event(
            obj,
            "planned" if creating else "changed",
            actor=actor,
            message=(_("Planned %(number)s") if creating else _("Changed %(number)s"))
            % {"number": obj.number},
        )
    return obj


def checklist_pairs(audit: Audit) -> list[tuple[Process, Clause]]:
    """(process, clause) for every audited process and every clause of the programme's
    system the process is mapped to — restricted to the audit's clauses when it names
    some."""
    system_id = audit.programme.system_id
    chosen = set(audit.clauses.values_list("pk", flat=True))
    pairs = []
    for process in audit.processes.order_by("code"):
        clauses = process.clauses.filter(system_id=system_id).order_by("position", "number")
        for clause in clauses:
            if not chosen or clause.pk in chosen:
                pairs.append((process, clause))
    return pairs


def question_for(process: Process, clause: Clause) -> str:
    return _(
        "How does the process “%(process)s” meet clause %(number)s (%(title)s)? "
        "Show the records and interview the people doing the work."
    ) % {"process": process.name_en or process.name, "number": clause.number, "title": clause.title}


def generate_checklist(audit: Audit, *, actor: Any) -> list[ChecklistItem]:
    """One checklist item per audited process × mapped clause; existing items (and their
    answers) are kept, so generating again only adds what the scope gained."""
    with transaction.atomic():
        _ensure_open(audit)
        pairs = checklist_pairs(audit)
        if not pairs:
            raise ValidationError(
                _(
                    "No clause of %(system)s is mapped to the audited processes: map the "
                    "processes to clauses first."
                )
                % {"system": audit.programme.system.standard},
                code="empty_checklist",
            )
        existing = set(audit.checklist.values_list("process_id", "clause_id"))
        new = [
            ChecklistItem(audit=audit, process=p, clause=c, question=question_for(p, c))
            for p, c in pairs
            if (p.pk, c.pk) not in existing
        ]
        ChecklistItem.objects.bulk_create(new)
        record_event(
            audit,
            "checklist_generated",
            actor=actor,
            message=_("Checklist: %(new)d item(s) added, %(total)d in all")
            % {"new": len(new), "total": len(existing) + len(new)},
        )
    return list(audit.checklist.all())


def save_checklist_item(
    item: ChecklistItem | None, /, *, actor: Any, **fields: Any
) -> ChecklistItem:
    """Record the evidence and result of a checklist item; refused once the audit is
    reported."""
    audit = fields.get("audit") or item.audit  # type: ignore[union-attr]
    with transaction.atomic():
        _ensure_open(audit)
        return save_record(ChecklistItem, item, actor=actor, **fields)


def record_finding(
    *,
    actor: Any,
    audit: Audit,
    kind: str,
    statement: str,
    evidence: str = "",
    checklist_item: ChecklistItem | None = None,
    process: Process | None = None,
    clause: Clause | None = None,
    open_capa: bool = False,
) -> Finding:
    """Record a finding of an audit in progress. A major or minor nonconformity opens a
    system NC (source internal audit, same severity) through ``raise_nonconformity`` and,
    with ``open_capa``, a CAPA through ``open_capa_from_nc``; all in one transaction."""
    from qdm.system.services.capa import open_capa_from_nc
    from qdm.system.services.nonconformity import raise_nonconformity

    with transaction.atomic():
        audit = Audit.objects.select_for_update().get(pk=audit.pk)
        if audit.status != AuditStatus.IN_PROGRESS:
            raise ValidationError(
                _(
                    "Findings are recorded while the audit is in progress "
                    "(%(number)s is %(status)s)."
                )
                % {"number": audit.number, "status": audit.get_status_display()},
                code="audit_not_in_progress",
            )
        if checklist_item is not None:
            if checklist_item.audit_id != audit.pk:
                raise ValidationError(
                    {"checklist_item": _("This checklist item belongs to another audit.")}
                )
            process = process or checklist_item.process
            clause = clause or checklist_item.clause
        if open_capa and kind not in NC_FINDINGS:
            raise ValidationError(
                {"open_capa": _("Only a major or minor nonconformity opens a CAPA.")}
            )
        sequence = audit.findings.count() + 1
        finding = Finding(
            audit=audit,
            reference=f"{audit.number}-F{sequence:02d}",
            checklist_item=checklist_item,
            kind=kind,
            process=process,
            clause=clause,
            statement=statement,
            evidence=evidence,
            raised_by=actor,
        )
        finding.full_clean(exclude=["reference", "raised_by", "nonconformity", "capa"])
        if kind in NC_FINDINGS:
            where = " ".join(x for x in (process and process.code, clause and str(clause)) if x)
            finding.nonconformity = raise_nonconformity(
                actor=actor,
                site=audit.site,
                source=NonconformitySource.INTERNAL_AUDIT,
                severity=kind,
                title=(f"{finding.reference} {where}".strip())[:200],
                description="\n\n".join(x for x in (statement, evidence) if x),
                owner=process.owner if process else None,
            )
            if open_capa:
                finding.capa = open_capa_from_nc(
                    finding.nonconformity,
                    actor=actor,
                    kind="capa",
                    champion=process.owner if process else actor,
                )
        finding.save()
        record_event(
            audit,
            "finding",
            actor=actor,
            message=_("Finding %(reference)s: %(kind)s")
            % {"reference": finding.reference, "kind": finding.get_kind_display()},
            data={
                "finding": finding.pk,
                "nonconformity": finding.nonconformity_id,
                "capa": finding.capa_id,
            },
        )
    return finding


def update_finding(finding: Finding, /, *, actor: Any, **fields: Any) -> Finding:
    """Correct the wording of a finding while its audit is open; the kind and the NC it
    opened do not change."""
    fields.pop("open_capa", None)
    if "audit" in fields and fields["audit"].pk != finding.audit_id:
        raise ValidationError({"audit": _("A finding cannot move to another audit.")})
    if "kind" in fields and fields["kind"] != finding.kind:
        raise ValidationError(
            {"kind": _("The kind of a finding cannot change: record a new finding.")}
        )
    with transaction.atomic():
        _ensure_open(finding.audit)
        return save_record(Finding, finding, actor=actor, **fields)


@dataclass
class AuditReport:
    audit: Audit
    items: list[ChecklistItem]
    findings: list[Finding]
    results: dict[str, int]
    kinds: dict[str, int]


def audit_report(audit: Audit) -> AuditReport:
    """What the report page and its workbook show."""
    items = list(audit.checklist.select_related("process", "clause", "clause__system"))
    findings = list(audit.findings.select_related("process", "clause", "nonconformity", "capa"))
    results = Counter(i.result or "" for i in items)
    kinds = Counter(f.kind for f in findings)
    return AuditReport(
        audit,
        items,
        findings,
        {
            str(k): results.get(k, 0)
            for k in ("conforming", "minor", "major", "observation", "ofi", "")
        },
        {str(k): kinds.get(k, 0) for k in FindingKind.values},
    )
