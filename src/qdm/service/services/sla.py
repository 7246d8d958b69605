"""SLA clocks of complaints and their escalation (``qdm complaints escalate``, run daily).

Two levels, each notified once per complaint (``Complaint.escalation_level``):

1. **near due** — the SLA falls due within ``NEAR_DAYS`` days (today included): the owner;
2. **overdue** — the due date has passed and the complaint is still open: the owner and the
   owner's manager, per the responsibility matrix of the system platform (``manager_of``,
   at the site of the customer 8D if there is one), else the customer-service engineers.

A complaint first seen overdue gets level 2 directly. Changing the severity or the date of
receipt moves the due date and restarts the clock (``update_complaint``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.service.choices import ComplaintStatus
from qdm.service.models import Complaint
from qdm.system.services.responsibility import manager_of

#: the owner is reminded this many days before the due date
NEAR_DAYS = 1
NEAR, OVERDUE = 1, 2
OPEN = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.TRIAGED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.EIGHT_D,
)


@dataclass
class SlaEscalation:
    complaint: Complaint
    level: int
    recipients: list[Any]


def sla_level(complaint: Complaint, today: datetime.date) -> int:
    """0 on time, 1 near due, 2 overdue (open complaints with a due date only)."""
    if complaint.sla_due is None or complaint.status not in OPEN:
        return 0
    if today > complaint.sla_due:
        return OVERDUE
    if (complaint.sla_due - today).days <= NEAR_DAYS:
        return NEAR
    return 0


def customer_service_engineers() -> list[Any]:
    from qdm.core.models import User

    return list(
        User.objects.filter(
            is_active=True, grants__role__name="customer_service_engineer"
        ).distinct()
    )


def managers_for(complaint: Complaint) -> list[Any]:
    owner = complaint.owner
    site = complaint.capa.site if complaint.capa is not None else None
    managers = manager_of(owner, site) if owner is not None else []
    if managers:
        return managers
    return [u for u in customer_service_engineers() if owner is None or u.pk != owner.pk]


def escalate_complaints(now: datetime.datetime | None = None) -> list[SlaEscalation]:
    """Notify every open complaint whose SLA level rose since the last run."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=NEAR_DAYS)
    candidates = (
        Complaint.objects.filter(
            status__in=OPEN, sla_due__isnull=False, sla_due__lte=horizon, escalation_level__lt=2
        )
        .select_related("owner", "customer", "capa", "capa__site")
        .order_by("sla_due", "number")
    )
    done: list[SlaEscalation] = []
    for complaint in candidates:
        level = sla_level(complaint, today)
        if level <= complaint.escalation_level:
            continue
        owner = [complaint.owner] if complaint.owner_id else []
        values = {"number": complaint.number, "due": complaint.sla_due}
        if level == NEAR:
            recipients = owner
            title = _("SLA of complaint %(number)s falls due on %(due)s") % values
        else:
            recipients = owner + managers_for(complaint)
            values["days"] = (today - complaint.sla_due).days
            title = _("SLA overdue by %(days)d day(s): complaint %(number)s (due %(due)s)") % values
        with transaction.atomic():
            notify(
                recipients,
                title,
                body=f"{complaint.customer}: {complaint.title}",
                link=complaint.get_absolute_url(),
                site=complaint.capa.site if complaint.capa_id else None,
            )
            complaint.escalation_level = level
            complaint.escalated_at = now
            complaint.save(update_fields=["escalation_level", "escalated_at"])
            record_event(
                complaint,
                "sla_escalated",
                actor=None,
                message=title,
                data={"level": level, "recipients": [u.username for u in recipients]},
            )
        done.append(SlaEscalation(complaint, level, recipients))
    return done
