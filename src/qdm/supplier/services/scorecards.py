"""Monthly supplier scorecards per material category (``qdm supplier-scorecards``).

Each measure is turned into 0–100 points and weighted by the active
:class:`~qdm.supplier.models.ScorecardWeights` (the six measure weights add up to 100; the
audit weight is a separate share of the total, see below):

* incoming ppm = nonconforming items found in the IQC samples / items sampled × 10⁶ (the
  defect rate IQC observes; the rejected quantity is kept beside it); points = 100 ×
  max(0, 1 − ppm / ppm_limit);
* lot acceptance rate = accepted lots / judged lots × 100; points = the rate;
* SCARs opened in the month: points = max(0, 100 − 25 × count);
* SCAR on-time closure: of the SCARs whose D8 closure was due in the month, the share
  accepted by that date; points = 100 × share (100 when none was due);
* repeat defects: rejected lots of the month failing a characteristic that already failed
  in a rejected lot of the same supplier × category in the 180 days before; points =
  max(0, 100 − 50 × count);
* certificate status on the month's last day (ISO 9001 or IATF 16949): valid 100,
  expiring within 60 days 50, expired or missing 0.

* supplier audit: the score (0–100) of the latest supplier audit reported (or closed) in
  the 12 months up to the month's last day, from the system audit engine
  (:func:`qdm.system.selectors.supplier_audit_scores`; the audit score rule is in
  :data:`qdm.system.models.audits.RESULT_POINTS`). It weighs ``audit_weight`` percent
  (``ScorecardWeights.weight_audit`` when set on the weights row, else — blank — the
  setting ``QDM_SCORECARD_AUDIT_WEIGHT``, default 15) and the six measures above share the rest in
  their own proportions: score = (1 − w/100) × measures + w/100 × audit. Without an audit
  in the window the audit's weight is redistributed: score = measures.

* field failures: failed modules of complaints received in the month whose
  responsibility is "supplier" (not rejected as invalid, RMA claim not rejected) and whose
  suspect lots — the supplier-delivered lots every failing module of the complaint has in
  its backward genealogy — include a lot of this supplier and category
  (:func:`qdm.service.selectors.supplier_field_failures`); each module counts once.
  Points = max(0, 100 − 25 × count). Like the audit it is a separate share of the total:
  ``field_failure_weight`` percent (``ScorecardWeights.weight_field_failure`` when set,
  else the setting ``QDM_SCORECARD_FIELD_FAILURE_WEIGHT``, default 10), counted only in a
  month with at least one attributed failure (a month without any keeps the score of the
  other measures, so a field failure can only lower it). With both shares:
  score = (1 − a/100 − f/100) × measures + a/100 × audit + f/100 × field points; audit and
  field-failure weights together must not exceed 100.

Grade A/B/C/D by the weights' limits. A D grade moves every material of that category
from that supplier to tightened inspection.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qdm.manufacturing import selectors as iqc
from qdm.service.selectors import supplier_field_failures
from qdm.supplier.choices import CertificateKind, CertificateState, Grade, ReceiptStatus
from qdm.supplier.models import Certificate, Receipt, ScarRequest, Scorecard, ScorecardWeights
from qdm.supplier.services import switching
from qdm.system.selectors import supplier_audit_scores

REPEAT_WINDOW = datetime.timedelta(days=180)
QMS_CERTIFICATES = (CertificateKind.ISO9001, CertificateKind.IATF16949)
CERTIFICATE_POINTS: dict[str, int] = {CertificateState.VALID: 100, CertificateState.EXPIRING: 50}


DEFAULT_AUDIT_WEIGHT = 15
DEFAULT_FIELD_FAILURE_WEIGHT = 10
FIELD_FAILURE_PENALTY = 25
AUDIT_WINDOW_MONTHS = 12


def audit_weight(weights: ScorecardWeights) -> int:
    """Percent of the score the supplier audit weighs (0–100)."""
    value: int | None = getattr(weights, "weight_audit", None)
    if value is None:
        value = getattr(settings, "QDM_SCORECARD_AUDIT_WEIGHT", DEFAULT_AUDIT_WEIGHT)
    value = int(value)
    if not 0 <= value <= 100:
        raise ValueError(f"the supplier-audit weight must be from 0 to 100, not {value}")
    return value


def field_failure_weight(weights: ScorecardWeights) -> int:
    """Percent of the score the field failures weigh in a month that has any (0–100)."""
    value: int | None = getattr(weights, "weight_field_failure", None)
    if value is None:
        value = getattr(
            settings, "QDM_SCORECARD_FIELD_FAILURE_WEIGHT", DEFAULT_FIELD_FAILURE_WEIGHT
        )
    value = int(value)
    if not 0 <= value <= 100:
        raise ValueError(f"the field-failure weight must be from 0 to 100, not {value}")
    return value


def with_field_failures(
    measures: float,
    audit: float | None,
    audit_weight: int,
    failures: int,
    weight: int,
) -> float:
    """The total score: the measures' score blended with the audit score and the
    field-failure points, each a separate share of the total; a share without data (no
    audit, no field failure) goes back to the measures."""
    a = audit_weight if audit is not None else 0
    f = weight if failures else 0
    if a + f > 100:
        raise ValueError(
            f"the supplier audit ({a}) and field-failure ({f}) weights exceed 100 together"
        )
    if f == 0:
        return with_audit(measures, audit, audit_weight)
    field = max(0, 100 - FIELD_FAILURE_PENALTY * failures)
    total = (100 - a - f) / 100 * measures + f / 100 * field
    if a:
        total += a / 100 * audit  # type: ignore[operator]
    return round(total, 2)


def field_failure_counts(
    start: datetime.date, end: datetime.date
) -> dict[tuple[int, int], set[int]]:
    """``{(supplier_id, category_id): {complaint item ids}}`` of the field failures
    attributed from ``start`` to ``end`` (both included)."""
    found: dict[tuple[int, int], set[int]] = {}
    for row in supplier_field_failures(start, end):
        found.setdefault((row.supplier_id, row.category_id), set()).add(row.item_id)
    return found


def audit_window(last_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 months ending on ``last_day``: (first day, last day), both included."""
    month = last_day.month - AUDIT_WINDOW_MONTHS + 1
    year = last_day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, 1), last_day


def with_audit(measures: float, audit: float | None, weight: int) -> float:
    """Blend the six measures' score with the audit score; no audit: the measures alone
    (the audit's weight redistributed over them in their proportions)."""
    if audit is None or weight == 0:
        return measures
    return round((100 - weight) / 100 * measures + weight / 100 * audit, 2)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    tz = datetime.UTC
    return (
        datetime.datetime.combine(start, datetime.time(), tz),
        datetime.datetime.combine(end, datetime.time(), tz),
    )


def active_weights() -> ScorecardWeights:
    weights = ScorecardWeights.objects.filter(active=True).order_by("pk").first()
    return weights or ScorecardWeights(name="default")


@dataclass
class Points:
    ppm: float
    acceptance: float
    scar: float
    on_time: float
    repeat: float
    certificate: float

    def weighted(self, w: ScorecardWeights) -> float:
        total = (
            w.weight_ppm * self.ppm
            + w.weight_acceptance * self.acceptance
            + w.weight_scar * self.scar
            + w.weight_on_time * self.on_time
            + w.weight_repeat * self.repeat
            + w.weight_certificate * self.certificate
        )
        return round(total / w.total_weight, 2)


def grade_for(score: float, w: ScorecardWeights) -> str:
    if score >= w.grade_a:
        return Grade.A
    if score >= w.grade_b:
        return Grade.B
    if score >= w.grade_c:
        return Grade.C
    return Grade.D


def certificate_state(supplier: Any, day: datetime.date) -> str:
    states = [
        c.state_on(day)
        for c in Certificate.objects.filter(
            supplier=supplier, kind__in=QMS_CERTIFICATES, valid_from__lte=day
        )
    ]
    for wanted in (CertificateState.VALID, CertificateState.EXPIRING):
        if wanted in states:
            return wanted
    return CertificateState.EXPIRED if states else "missing"


def repeat_defects(rejected: list[Receipt], supplier: Any, category: Any) -> int:
    if not rejected:
        return 0
    earliest = min(r.received_at for r in rejected) - REPEAT_WINDOW
    history = list(
        Receipt.objects.filter(
            supplier=supplier,
            material__category=category,
            status=ReceiptStatus.REJECTED,
            received_at__gte=earliest,
            received_at__lte=max(r.received_at for r in rejected),
        ).order_by("received_at", "pk")
    )
    failing = iqc.failing_characteristics(
        [r.inspection_lot_id for r in history if r.inspection_lot_id]
    )
    count = 0
    for receipt in rejected:
        lot_id = receipt.inspection_lot_id
        mine = failing.get(lot_id, set()) if lot_id is not None else set()
        earlier = [
            h
            for h in history
            if (h.received_at, h.pk) < (receipt.received_at, receipt.pk)
            and h.received_at >= receipt.received_at - REPEAT_WINDOW
        ]
        if any(mine & failing.get(h.inspection_lot_id, set()) for h in earlier):
            count += 1
    return count


def compute_scorecard(
    supplier: Any,
    category: Any,
    month: datetime.date,
    weights: ScorecardWeights | None = None,
    field_failures: dict[tuple[int, int], set[int]] | None = None,
) -> Scorecard:
    """Compute (or recompute) one scorecard; a D grade tightens the category's materials."""
    weights = weights or active_weights()
    start, end = month_bounds(month)
    last_day = (end - datetime.timedelta(days=1)).date()
    receipts = list(
        Receipt.objects.filter(
            supplier=supplier,
            material__category=category,
            received_at__gte=start,
            received_at__lt=end,
            status__in=(ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED),
        )
    )
    rejected = [r for r in receipts if r.status == ReceiptStatus.REJECTED]
    received_qty = sum((r.quantity for r in receipts), Decimal(0))
    rejected_qty = sum((r.quantity for r in rejected), Decimal(0))
    sampled = sum(r.sample_size or 0 for r in receipts)
    found = sum(r.nonconforming or 0 for r in receipts)
    ppm = found / sampled * 1_000_000 if sampled else 0.0
    acceptance = (len(receipts) - len(rejected)) / len(receipts) * 100 if receipts else 100.0
    scars = ScarRequest.objects.filter(supplier=supplier, receipt__material__category=category)
    opened = scars.filter(created__gte=start, created__lt=end).count()
    due = scars.filter(closure_due__gte=start.date(), closure_due__lte=last_day)
    due_count = due.count()
    on_time = sum(
        1
        for s in due
        if s.accepted_at is not None and timezone.localdate(s.accepted_at) <= s.closure_due
    )
    repeats = repeat_defects(rejected, supplier, category)
    cert = certificate_state(supplier, last_day)
    points = Points(
        ppm=100 * max(0.0, 1 - ppm / weights.ppm_limit),
        acceptance=acceptance,
        scar=max(0, 100 - 25 * opened),
        on_time=100 * on_time / due_count if due_count else 100.0,
        repeat=max(0, 100 - 50 * repeats),
        certificate=CERTIFICATE_POINTS.get(cert, 0),
    )
    window = audit_window(last_day)
    audit = supplier_audit_scores(*window, suppliers=[supplier]).get(supplier.pk)
    weight = audit_weight(weights)
    if field_failures is None:  # compute_month passes the month's map once for all cards
        field_failures = field_failure_counts(start.date(), last_day)
    failures = len(field_failures.get((supplier.pk, category.pk), ()))
    f_weight = field_failure_weight(weights)
    score = with_field_failures(
        points.weighted(weights), audit.score if audit else None, weight, failures, f_weight
    )
    counted = audit is not None and weight > 0
    grade = grade_for(score, weights)
    with transaction.atomic():
        card, _created = Scorecard.objects.update_or_create(
            supplier=supplier,
            category=category,
            month=start.date(),
            defaults={
                "lots_received": len(receipts),
                "lots_rejected": len(rejected),
                "quantity_received": received_qty,
                "quantity_rejected": rejected_qty,
                "items_sampled": sampled,
                "items_nonconforming": found,
                "ppm": round(ppm, 1),
                "acceptance_rate": round(acceptance, 2),
                "scar_count": opened,
                "scars_due": due_count,
                "scars_on_time": on_time,
                "repeat_defects": repeats,
                "certificate_status": cert,
                "supplier_audit_id": audit.audit_id if audit else None,
                "audit_score": audit.score if audit else None,
                "audit_weight": weight if counted else None,
                "field_failures": failures,
                "field_failure_weight": f_weight if failures and f_weight else None,
                "score": score,
                "grade": grade,
                "computed_at": timezone.now(),
            },
        )
        if grade == Grade.D:
            materials = {r.material for r in receipts}
            for material in materials:
                state = switching.state_for(supplier, material)
                switching.tighten(
                    state,
                    reason=f"scorecard {start:%Y-%m} {category.code}: grade D ({score})",
                )
    card.audit = audit  # the SupplierAuditScore found (stored as supplier_audit/audit_score)
    return card


def compute_month(month: datetime.date) -> list[Scorecard]:
    """Every supplier × category with judged receipts in ``month``."""
    start, end = month_bounds(month)
    pairs = (
        Receipt.objects.filter(received_at__gte=start, received_at__lt=end)
        .filter(Q(status=ReceiptStatus.ACCEPTED) | Q(status=ReceiptStatus.REJECTED))
        .values_list("supplier", "material__category")
        .distinct()
    )
    from qdm.core.models import Supplier
    from qdm.data.models import MaterialCategory

    last_day = (end - datetime.timedelta(days=1)).date()
    # a supplier × category with field failures but no receipt in the month still gets a card
    failing = field_failure_counts(start.date(), last_day)
    weights = active_weights()
    cards = []
    for supplier_id, category_id in sorted(set(pairs) | set(failing)):
        cards.append(
            compute_scorecard(
                Supplier.objects.get(pk=supplier_id),
                MaterialCategory.objects.get(pk=category_id),
                month,
                weights,
                failing,
            )
        )
    return cards


TREND_MONTHS = 12


def trend_months(last: datetime.date, count: int = TREND_MONTHS) -> list[datetime.date]:
    """The ``count`` first-of-month dates ending with ``last``'s month, oldest first."""
    months = []
    year, month = last.year, last.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def scorecard_trend(cards: Any, card: Scorecard) -> dict[str, Any]:
    """Monthly score, grade, incoming ppm and lot acceptance of ``card``'s supplier ×
    category for the 12 months ending with ``card.month`` (a month without a scorecard is
    ``None``). ``cards`` is the caller's scoped Scorecard queryset, so a portal user never
    sees another supplier's months."""
    months = trend_months(card.month)
    rows = {
        c.month: c
        for c in cards.filter(
            supplier_id=card.supplier_id,
            category_id=card.category_id,
            month__gte=months[0],
            month__lte=months[-1],
        )
    }
    picked = [rows.get(m) for m in months]
    return {
        "months": [f"{m:%Y-%m}" for m in months],
        "score": [c.score if c else None for c in picked],
        "grade": [c.grade if c else None for c in picked],
        "ppm": [c.ppm if c else None for c in picked],
        "acceptance": [c.acceptance_rate if c else None for c in picked],
        "lots": [c.lots_received if c else None for c in picked],
    }
