"""What higher layers (the cockpit) read of supplier quality: receipts waiting at IQC and
their results, open SCARs, scorecards and the monthly incoming ppm — always through
``for_user`` so that a supplier user reads only their own company's records."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Max, QuerySet, Sum

from qdm.supplier.choices import ReceiptStatus, ScarResponseStatus
from qdm.supplier.models import Receipt, ScarRequest, Scorecard


def receipts_in_iqc(user: Any) -> QuerySet:
    """Receipts ``user`` may see still waiting for their IQC verdict, oldest first."""
    return (
        Receipt.objects.for_user(user, "view")
        .filter(status=ReceiptStatus.IN_INSPECTION)
        .select_related("site", "supplier", "material")
        .order_by("received_at", "pk")
    )


def judged_receipts(user: Any) -> QuerySet:
    """Receipts ``user`` may see with an IQC verdict, newest first."""
    return (
        Receipt.objects.for_user(user, "view")
        .filter(status__in=(ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED))
        .select_related("site", "supplier", "material")
        .order_by("-judged_at", "-pk")
    )


def open_scars(user: Any) -> QuerySet:
    """SCARs ``user`` may see whose response is not accepted yet, by closure due date."""
    return (
        ScarRequest.objects.for_user(user, "view")
        .exclude(response_status=ScarResponseStatus.ACCEPTED)
        .select_related("capa", "supplier", "site")
        .order_by("closure_due", "pk")
    )


def latest_scorecards(user: Any) -> QuerySet:
    """The scorecards of the latest month with scorecards that ``user`` may see."""
    visible = Scorecard.objects.for_user(user, "view")
    month = visible.aggregate(m=Max("month"))["m"]
    if month is None:
        return visible.none()
    return visible.filter(month=month).select_related("supplier", "category")


def scorecard_history(user: Any, months: int = 12) -> QuerySet:
    """The scorecards ``user`` may see of the last ``months`` months with scorecards."""
    visible = Scorecard.objects.for_user(user, "view")
    recent = list(visible.values_list("month", flat=True).distinct().order_by("-month")[:months])
    return visible.filter(month__in=recent).select_related("supplier", "category")


def monthly_ppm(user: Any, months: int = 3) -> dict[int, list[tuple[date, float, int]]]:
    """Incoming ppm per supplier and month over the last ``months`` months with scorecards:
    Σ nonconforming items / Σ items sampled at IQC × 10⁶ over the supplier's categories
    (the scorecard's definition). ``{supplier id: [(month, ppm, items sampled)]}``, oldest
    month first; months without sampled items are left out."""
    visible = Scorecard.objects.for_user(user, "view")
    recent = sorted(visible.values_list("month", flat=True).distinct().order_by("-month")[:months])
    rows = (
        visible.filter(month__in=recent)
        .values("supplier_id", "month")
        .annotate(found=Sum("items_nonconforming"), sampled=Sum("items_sampled"))
        .order_by("supplier_id", "month")
    )
    out: dict[int, list[tuple[date, float, int]]] = defaultdict(list)
    for r in rows:
        if r["sampled"]:
            ppm = 1_000_000.0 * float(r["found"] or 0) / float(r["sampled"])
            out[r["supplier_id"]].append((r["month"], ppm, int(r["sampled"])))
    return dict(out)


# --- read by the cockpit KPI engine and its drill-down pages (issue 10) --------------------


def cockpit_judged_receipts(site_ids: list[int]) -> QuerySet:
    """Receipts at the sites with an IQC verdict (accepted or rejected), by ``judged_at``."""
    return Receipt.objects.filter(
        site_id__in=site_ids,
        status__in=(ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED),
        judged_at__isnull=False,
    )


#: worst first: a supplier graded in several material categories takes its worst grade
GRADE_ORDER = ("D", "C", "B", "A")


def cockpit_supplier_grades(on: date) -> dict[int, tuple[str, date, list[Any]]]:
    """Every scored supplier's grade on ``on``: the worst grade of its scorecards of the
    latest month scored on or before ``on`` (supplier id → (grade, month, scorecards))."""
    cards: dict[int, list[Any]] = defaultdict(list)
    latest: dict[int, date] = {}
    rows = Scorecard.objects.filter(month__lte=on).select_related("supplier", "category")
    for card in rows.order_by("supplier_id", "-month", "category_id"):
        month = latest.setdefault(card.supplier_id, card.month)
        if card.month == month:
            cards[card.supplier_id].append(card)
    out = {}
    for supplier_id, group in cards.items():
        grade = min((c.grade for c in group), key=GRADE_ORDER.index)
        out[supplier_id] = (grade, latest[supplier_id], group)
    return out


def scorecard_months(until: date) -> list[date]:
    """The distinct months scored on or before ``until``, oldest first: the supplier grades
    (``cockpit_supplier_grades``) change only on these dates."""
    return list(
        Scorecard.objects.filter(month__lte=until)
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )


def cockpit_supplier_grade_changes(on: date) -> dict[int, tuple[str, date, str | None, Any]]:
    """Every scored supplier's grade in its latest month scored on or before ``on`` and in
    the month scored before that (the worst grade of the month's scorecards, as
    ``cockpit_supplier_grades``): supplier id → (grade, month, previous grade or None,
    a worst scorecard of the latest month). Read by the cockpit's alert scan."""
    months: dict[int, dict[date, list[Any]]] = defaultdict(lambda: defaultdict(list))
    rows = Scorecard.objects.filter(month__lte=on).select_related("supplier", "category")
    for card in rows.order_by("supplier_id", "-month", "category_id"):
        by_month = months[card.supplier_id]
        if card.month in by_month or len(by_month) < 2:
            by_month[card.month].append(card)
    out: dict[int, tuple[str, date, str | None, Any]] = {}
    for supplier_id, by_month in months.items():
        ordered = sorted(by_month, reverse=True)
        cards = by_month[ordered[0]]
        worst = min(cards, key=lambda c: GRADE_ORDER.index(c.grade))
        previous = None
        if len(ordered) > 1:
            previous = min((c.grade for c in by_month[ordered[1]]), key=GRADE_ORDER.index)
        out[supplier_id] = (worst.grade, ordered[0], previous, worst)
    return out
