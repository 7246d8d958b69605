"""What higher layers (the cockpit) read of design quality: FMEA review tasks raised by the
lessons-learned loop ("review required") and the high action-priority failure chains —
always through ``for_user``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qdm.design.choices import ActionPriority, FmeaStatus
from qdm.design.models import FmeaItem, FmeaReviewTask
from qdm.design.models.lessons import ReviewTaskStatus


def fmeas_review_required(user: Any) -> QuerySet:
    """Open FMEA review tasks ``user`` may see (an FMEA flagged "review required" by a closed
    8D/CAPA or by field evidence), oldest first."""
    return (
        FmeaReviewTask.objects.for_user(user, "view")
        .filter(status=ReviewTaskStatus.OPEN)
        .select_related("fmea__site", "capa")
        .order_by("created_at", "pk")
    )


def high_ap_items(user: Any) -> QuerySet:
    """Failure chains of action priority High in FMEAs still in force (not superseded) that
    ``user`` may see and that name a catalogue characteristic."""
    return (
        FmeaItem.objects.for_user(user, "view")
        .filter(action_priority=ActionPriority.HIGH, characteristic__isnull=False)
        .exclude(fmea__status=FmeaStatus.SUPERSEDED)
        .select_related("fmea__site", "characteristic")
        .order_by("fmea__number", "position")
    )
