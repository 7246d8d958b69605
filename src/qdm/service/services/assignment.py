"""Assigning a complaint to another user: a customer-service or quality engineer who may
change the complaint (its customer is within their grants). The assignee becomes the
complaint's owner — the SLA reminders go to them and it shows in their "assigned to me"
list — is notified through the kernel's notifications, and the change is audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.querysets import users_with_access
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.service.models import Complaint
from qdm.service.services.complaints import LOCKED, _internal

#: the roles whose holders may be given a complaint
ASSIGNABLE_ROLES = ("customer_service_engineer", "quality_engineer")
CHANGE_COMPLAINT = "service.change_complaint"


def _may_handle(user: Any, complaint: Complaint) -> bool:
    """May change complaints and this one is within their grants (a key-account engineer
    granted one customer handles only that customer's complaints)."""
    return (
        user.is_active
        and user.has_perm(CHANGE_COMPLAINT)
        and Complaint.objects.for_user(user, "change").filter(pk=complaint.pk).exists()
    )


def assignable_users(complaint: Complaint) -> list[Any]:
    """Active internal users holding an assignable role who may change this complaint
    (the kernel's ``users_with_access``: one query, whatever the number of candidates)."""
    return list(
        users_with_access(Complaint, "change", complaint)
        .filter(grants__role__name__in=ASSIGNABLE_ROLES)
        .distinct()
        .order_by("username")
    )


def assign_complaint(
    complaint: Complaint, assignee: Any, *, actor: Any, note: str = ""
) -> Complaint:
    """Make ``assignee`` the owner of ``complaint``, notify them and audit it.

    Refused (``ValidationError`` naming the problem) when the actor is not customer-service
    staff, the complaint is closed or rejected, the assignee is already the owner, holds
    no customer-service or quality-engineer role, or may not change this complaint (its
    customer is outside their grants)."""
    if not _internal(actor):
        raise ValidationError(_("Only customer-service staff can assign a complaint."))
    if assignee is None:
        raise ValidationError({"assignee": _("Choose the user to assign the complaint to.")})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("The note is longer than 500 characters.")})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status in LOCKED:
            raise ValidationError(_("A closed or rejected complaint can no longer be changed."))
        if complaint.owner_id == assignee.pk:
            raise ValidationError(
                {
                    "assignee": _("%(number)s is already assigned to %(user)s.")
                    % {"number": complaint.number, "user": assignee.username}
                }
            )
        has_role = assignee.grants.filter(role__name__in=ASSIGNABLE_ROLES).exists()
        if not has_role:
            raise ValidationError(
                {
                    "assignee": _(
                        "%(user)s is not a customer-service or quality engineer and cannot "
                        "be assigned complaints."
                    )
                    % {"user": assignee.username}
                }
            )
        if not _may_handle(assignee, complaint):
            raise ValidationError(
                {
                    "assignee": _(
                        "%(user)s may not handle complaints of customer %(customer)s "
                        "(outside their scope)."
                    )
                    % {"user": assignee.username, "customer": complaint.customer.code}
                }
            )
        previous = complaint.owner
        complaint.owner = assignee
        complaint.save(update_fields=["owner"])
        record_event(
            complaint,
            "assigned",
            actor=actor,
            message=_("Assigned to %(user)s") % {"user": assignee.username},
            data={
                "from": previous.username if previous else None,
                "to": assignee.username,
                "note": note,
            },
        )
        body = _("%(actor)s assigned you complaint %(number)s (%(customer)s): %(title)s.") % {
            "actor": actor.get_full_name() or actor.username,
            "number": complaint.number,
            "customer": complaint.customer.code,
            "title": complaint.title,
        }
        if note:
            body += "\n" + note
        if complaint.sla_due:
            body += "\n" + _("SLA due %(due)s.") % {"due": complaint.sla_due}
        notify(
            [assignee],
            _("Complaint %(number)s assigned to you") % {"number": complaint.number},
            body,
            complaint.get_absolute_url(),
        )
    return complaint
