"""Demo: a second-party audit of the front-glass supplier on the system audit engine. Its
score (minor 0.5, observation 0.9, conforming 1 per checklist item: 85.0) counts in that
supplier's scorecards, and the supplier's portal user sees the audit and its findings."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from qdm.core.models import Supplier
from qdm.core.workflow import transition
from qdm.system.models import Audit, AuditProgramme, ChecklistItem, ManagementSystem, Process
from qdm.system.services import audits as audit_services

SUPPLIER = "SUP-GLS1"
#: (process, clause) → result and what the auditors saw at the glass plant
ANSWERS = {
    ("P04", "8.4"): (
        "minor",
        "Tempering furnace TF-2 temperature profile not recorded for three night shifts of "
        "batch AG-2409; the sheets were shipped to Shangrao.",
    ),
    ("P04", "8.6"): (
        "observation",
        "AR-coating transmittance measured on one sheet per shift, not per 500 sheets as "
        "the quality agreement asks.",
    ),
}
CONFORMING = "Records sampled for three months; no deviation."


def build_supplier_audit(ctx: Any) -> Audit | None:
    """Plan, run, and report the audit (once); its report date is set back so that the
    scorecards of the last months include it."""
    supplier = Supplier.objects.filter(code=SUPPLIER).first()
    if supplier is None or "JX1" not in ctx.sites or "auditor" not in ctx.users:
        return None
    if Audit.objects.filter(supplier=supplier).exists():
        return None
    processes = list(Process.objects.filter(code__in=["P04", "P05"]).order_by("code"))
    system = ManagementSystem.objects.filter(code="ISO9001").first()
    if len(processes) < 2 or system is None:
        return None
    today = timezone.localdate()
    lead = ctx.users["auditor"]
    programme = AuditProgramme.objects.filter(
        year=today.year, site=ctx.sites["JX1"], system=system
    ).first() or audit_services.save_programme(
        None, actor=lead, year=today.year, site=ctx.sites["JX1"], system=system, manager=lead
    )
    start = today - datetime.timedelta(days=110)
    audit = audit_services.save_audit(
        None,
        actor=lead,
        programme=programme,
        supplier=supplier,
        title="Second-party process audit: Anhui Guangming PV Glass, Fengyang plant",
        planned_start=start,
        planned_end=start + datetime.timedelta(days=1),
        processes=processes,
        lead_auditor=lead,
    )
    audit_services.generate_checklist(audit, actor=lead)
    transition(audit, "start", actor=lead)
    items = ChecklistItem.objects.filter(audit=audit).select_related("process", "clause")
    for item in items:
        result, evidence = ANSWERS.get((item.process.code, item.clause.number), ("", ""))
        audit_services.save_checklist_item(
            item, actor=lead, result=result or "conforming", evidence=evidence or CONFORMING
        )
        if result:
            audit_services.record_finding(
                actor=lead,
                audit=audit,
                kind=result,
                statement=evidence,
                evidence="Furnace logs and QC records at the Fengyang plant.",
                checklist_item=item,
            )
    Audit.objects.filter(pk=audit.pk).update(
        summary="The glass plant's quality system is effective; one minor nonconformity on "
        "tempering records, one observation on AR-coating test frequency."
    )
    audit.refresh_from_db()
    transition(audit, "report", actor=lead)
    reported = timezone.now() - datetime.timedelta(days=108)
    Audit.objects.filter(pk=audit.pk).update(reported_at=reported)
    audit.refresh_from_db()
    ctx.log.append(f"supplier demo: supplier audit {audit.number} of {SUPPLIER}, {audit.score}")
    return audit
