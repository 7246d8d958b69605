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
