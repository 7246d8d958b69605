"""Read-only queries of the management-system platform that higher layers use (the
supplier scorecards read supplier audit scores from here; ``system`` never imports
``supplier``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from qdm.system.choices import AuditStatus
from qdm.system.models import Audit
from qdm.system.models.audits import audit_score

#: audits that count: the report is issued (reported or closed)
SCORED_STATUSES = (AuditStatus.REPORTED, AuditStatus.CLOSED)


@dataclass(frozen=True)
class SupplierAuditScore:
    supplier_id: int
    audit_id: int
    number: str
    reported_on: datetime.date
    score: float


def supplier_audit_scores(
    start: datetime.date, end: datetime.date, suppliers: Any = None
) -> dict[int, SupplierAuditScore]:
    """The latest scored audit per supplier whose report was issued from ``start`` to
    ``end`` (both included): ``{supplier_id: SupplierAuditScore}``. Only reported or closed
    audits that name a supplier and have at least one answered checklist item count; of
    several, the one reported last (then the higher number) wins. ``suppliers`` (ids or
    Supplier rows) limits the answer."""
    audits = Audit.objects.filter(
        supplier__isnull=False,
        status__in=SCORED_STATUSES,
        reported_at__date__gte=start,
        reported_at__date__lte=end,
    )
    if suppliers is not None:
        ids = [getattr(s, "pk", s) for s in suppliers]
        audits = audits.filter(supplier_id__in=ids)
    latest: dict[int, SupplierAuditScore] = {}
    for audit in audits.order_by("reported_at", "number").prefetch_related("checklist"):
        score = audit_score(item.result for item in audit.checklist.all())
        if score is None:
            continue
        latest[audit.supplier_id] = SupplierAuditScore(
            supplier_id=audit.supplier_id,
            audit_id=audit.pk,
            number=audit.number,
            reported_on=audit.reported_at.date(),
            score=score,
        )
    return latest


def open_capa_actions(user: Any, *, owner: Any = None) -> Any:
    """Open CAPA actions ``user`` may see (of ``owner`` when given) whose CAPA is still
    open, by due date — read by the cockpit's home widgets."""
    from qdm.system.choices import ActionStatus
    from qdm.system.models import CapaAction

    rows = (
        CapaAction.objects.for_user(user, "view")
        .filter(status=ActionStatus.OPEN)
        .exclude(capa__status__in=("closed", "cancelled"))
        .select_related("capa__site", "owner")
        .order_by("due_date", "pk")
    )
    return rows.filter(owner=owner) if owner is not None else rows


# --- nonconformities of a month (cockpit monthly quality report, issue 10 §8) ---


@dataclass(frozen=True)
class NonconformityLine:
    nc_id: int
    number: str
    site_id: int
    title: str
    severity: str
    source: str
    status: str
    quantity: int | None
    raised_on: datetime.date
    url: str

    @property
    def severity_label(self) -> Any:
        from qdm.system.choices import Severity

        return Severity(self.severity).label if self.severity in Severity.values else self.severity

    @property
    def status_label(self) -> Any:
        from qdm.system.choices import NonconformityStatus as S

        return S(self.status).label if self.status in S.values else self.status


#: severities, most severe first
SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}


def top_nonconformities(
    site_ids: list[int], start: datetime.date, end: datetime.date, limit: int = 10
) -> list[NonconformityLine]:
    """The nonconformities raised at ``site_ids`` from ``start`` to ``end`` (local dates,
    cancelled ones left out), most severe first, then the largest quantity affected, then
    the earliest. Not user-scoped: callers scope the sites."""
    from django.utils import timezone

    from qdm.system.models import Nonconformity

    rows = Nonconformity.objects.filter(
        site_id__in=site_ids,
        raised_at__date__gte=start - datetime.timedelta(days=1),
        raised_at__date__lte=end + datetime.timedelta(days=1),
    ).exclude(status="cancelled")
    lines = []
    for nc in rows:
        day = timezone.localdate(nc.raised_at)
        if start <= day <= end:
            lines.append(
                NonconformityLine(
                    nc.pk,
                    nc.number,
                    nc.site_id,
                    nc.title,
                    nc.severity,
                    nc.source,
                    nc.status,
                    nc.quantity,
                    day,
                    nc.get_absolute_url(),
                )
            )
    lines.sort(key=lambda n: (SEVERITY_RANK.get(n.severity, 9), -(n.quantity or 0), n.raised_on))
    return lines[:limit]


# --- read by the cockpit KPI engine and its drill-down pages (issue 10) --------------------
# Plain querysets over the sites asked for, so that the cockpit never imports system models.


def cockpit_capa_actions(site_ids: list[int]) -> Any:
    """CAPA actions of the CAPAs of the sites, neither they nor their CAPA cancelled."""
    from qdm.system.choices import ActionStatus, CapaStatus
    from qdm.system.models import CapaAction

    return (
        CapaAction.objects.filter(capa__site_id__in=site_ids)
        .exclude(status=ActionStatus.CANCELLED)
        .exclude(capa__status=CapaStatus.CANCELLED)
    )


def cockpit_nc_findings(site_ids: list[int]) -> Any:
    """Audit findings that are nonconformities (major, minor) at the sites."""
    from qdm.system.choices import NC_FINDINGS
    from qdm.system.models import Finding

    return Finding.objects.filter(audit__site_id__in=site_ids, kind__in=NC_FINDINGS)


def cockpit_overdue_capa_actions(user: Any, today: datetime.date) -> Any:
    """Open CAPA actions ``user`` may see past their due date (CAPA not closed/cancelled):
    the home widget's open actions, overdue."""
    return open_capa_actions(user).filter(due_date__lt=today)


def cockpit_expiring_certificates(user: Any, until: datetime.date) -> Any:
    """Site certificates ``user`` may see that expire by ``until`` (or have expired)."""
    from qdm.system.models import Certificate

    return Certificate.objects.for_user(user, "view").filter(expires_on__lte=until)


def cockpit_closed_capas(site_ids: list[int]) -> Any:
    """Closed CAPAs / 8D reports of the sites (with ``opened_at`` and ``closed_at``)."""
    from qdm.system.choices import CapaStatus
    from qdm.system.models import EightD

    return EightD.objects.filter(
        site_id__in=site_ids, status=CapaStatus.CLOSED, closed_at__isnull=False
    )


def cockpit_acknowledgement_history(
    site_ids: list[int], start: datetime.datetime, end: datetime.datetime
) -> list[tuple]:
    """Read-and-understood duties over the instants ``start`` … ``end``: one row (site id,
    revision, user, acknowledged at or None) per revision of a document of the sites that is
    effective by ``end`` and not obsolete by ``start``, and per active user it is distributed
    to; acknowledgements after ``end`` read as None. Four queries however many sites."""
    from django.db.models import Q

    from qdm.system.models import Acknowledgement, ControlledDocument, DocumentRevision

    revisions = list(
        DocumentRevision.objects.filter(
            document__sites__in=site_ids, effective_at__isnull=False, effective_at__lte=end
        )
        .filter(Q(obsoleted_at__isnull=True) | Q(obsoleted_at__gt=start))
        .distinct()
    )
    if not revisions:
        return []
    sites: dict[int, set[int]] = {}
    readers: dict[int, list[Any]] = {}
    for doc in ControlledDocument.objects.filter(
        pk__in={r.document_id for r in revisions}
    ).prefetch_related("sites", "distributed_to"):
        sites[doc.pk] = {s.pk for s in doc.sites.all()} & set(site_ids)
        readers[doc.pk] = [u for u in doc.distributed_to.all() if u.is_active]
    acknowledged = {
        (rev_id, user_id): at
        for rev_id, user_id, at in Acknowledgement.objects.filter(
            revision__in=[r.pk for r in revisions], acknowledged_at__lte=end
        ).values_list("revision_id", "user_id", "acknowledged_at")
    }
    return [
        (site_id, rev, user, acknowledged.get((rev.pk, user.pk)))
        for rev in revisions
        for site_id in sorted(sites.get(rev.document_id, ()))
        for user in readers.get(rev.document_id, [])
    ]


def cockpit_acknowledgement_duties(site_ids: list[int], at: datetime.datetime) -> list[tuple]:
    """Read-and-understood duties at the instant ``at``: one row (site id, revision,
    document code, user, acknowledged?) per effective revision of a document of the site
    (effective by ``at`` and not obsolete by then) and per active user it is distributed
    to; acknowledged when the user's acknowledgement is dated ``at`` or earlier."""
    from django.db.models import Q

    from qdm.system.models import Acknowledgement, DocumentRevision

    revisions = list(
        DocumentRevision.objects.filter(
            document__sites__in=site_ids, effective_at__isnull=False, effective_at__lte=at
        )
        .filter(Q(obsoleted_at__isnull=True) | Q(obsoleted_at__gt=at))
        .select_related("document")
        .distinct()
    )
    if not revisions:
        return []
    doc_ids = {r.document_id for r in revisions}
    sites: dict[int, set[int]] = {}
    readers: dict[int, list[Any]] = {}
    from qdm.system.models import ControlledDocument

    for doc in ControlledDocument.objects.filter(pk__in=doc_ids).prefetch_related(
        "sites", "distributed_to"
    ):
        sites[doc.pk] = {s.pk for s in doc.sites.all()} & set(site_ids)
        readers[doc.pk] = sorted(
            (u for u in doc.distributed_to.all() if u.is_active), key=lambda u: u.username
        )
    done = set(
        Acknowledgement.objects.filter(
            revision__in=[r.pk for r in revisions], acknowledged_at__lte=at
        ).values_list("revision_id", "user_id")
    )
    rows = []
    for rev in sorted(revisions, key=lambda r: (r.document.code, r.revision)):
        for site_id in sorted(sites.get(rev.document_id, ())):
            for user in readers.get(rev.document_id, []):
                rows.append((site_id, rev, rev.document.code, user, (rev.pk, user.pk) in done))
    return rows
