"""Writes of CAPA / SCAR / 8D records and their D1–D7 parts, and the escalation of overdue
actions. State changes go through the kernel workflow (``qdm.core.workflow.transition``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.system.choices import CAPA_PREFIXES, ActionStatus, CapaKind, NonconformitySource
from qdm.system.models import CapaAction, EightD, Nonconformity
from qdm.system.services.nonconformity import site_quality_managers
from qdm.system.services.responsibility import manager_of

#: after the owner was reminded of an overdue action, how long until the manager is told
MANAGER_AFTER = datetime.timedelta(days=3)


class CapaLocked(ValidationError):
    """The CAPA is closed or cancelled: nothing of it may change any more."""

    def __init__(self, capa: EightD) -> None:
        super().__init__(
            _("%(number)s is %(status)s and can no longer be changed.")
            % {"number": capa.number, "status": capa.get_status_display()},
            code="capa_locked",
        )


def ensure_editable(capa: EightD) -> None:
    fresh = EightD.objects.filter(pk=capa.pk).values_list("status", flat=True).first()
    if fresh is not None:
        capa.status = fresh
    if capa.is_locked:
        raise CapaLocked(capa)


def _check_kind(capa: EightD) -> None:
    if capa.kind == CapaKind.SCAR and not capa.supplier_id:
        raise ValidationError({"supplier": _("A SCAR needs the supplier it is addressed to.")})
    if capa.kind == CapaKind.CUSTOMER_8D and not capa.customer_id:
        raise ValidationError({"customer": _("A customer 8D needs the customer.")})


def open_capa(
    *,
    actor: Any,
    nonconformities: Iterable[Nonconformity] = (),
    **fields: Any,
) -> EightD:
    """Create a CAPA, SCAR or 8D numbered ``CAPA-|SCAR-|8D-<site>-<year>-<seq>``, link its
    nonconformities, write the event and tell the champion after commit."""
    with transaction.atomic():
        capa = EightD(opened_by=actor, **fields)
        capa.full_clean(exclude=["number", "opened_by", "nonconformities"])
        _check_kind(capa)
        capa.number = next_number(CAPA_PREFIXES[capa.kind], capa.site.code)
        capa.save()
        ncs = list(nonconformities or ())
        if ncs:
            capa.nonconformities.set(ncs)
        record_event(
            capa,
            "opened",
            actor=actor,
            message=_("Opened %(number)s (%(kind)s)")
            % {"number": capa.number, "kind": capa.get_kind_display()},
            data={"nonconformities": [nc.pk for nc in ncs]},
        )
        if capa.champion_id and capa.champion_id != getattr(actor, "pk", None):
            notify(
                [capa.champion],
                _("You are the champion of %(number)s: %(title)s")
                % {"number": capa.number, "title": capa.title},
                link=capa.get_absolute_url(),
                site=capa.site,
            )
    return capa


def update_capa(capa: EightD, *, actor: Any, **fields: Any) -> EightD:
    """Change the descriptive fields (D0, D2, D8); refused once the CAPA is closed."""
    with transaction.atomic():
        ensure_editable(capa)
        ncs = fields.pop("nonconformities", None)
        for name, value in fields.items():
            setattr(capa, name, value)
        capa.full_clean(exclude=["number", "opened_by", "nonconformities"])
        _check_kind(capa)
        capa.save()
        if ncs is not None:
            capa.nonconformities.set(ncs)
    return capa


def kind_for(nc: Nonconformity) -> str:
    if nc.supplier_id or nc.source == NonconformitySource.SUPPLIER:
        return CapaKind.SCAR
    if nc.source == NonconformitySource.CUSTOMER:
        return CapaKind.CUSTOMER_8D
    return CapaKind.CAPA


def open_capa_from_nc(
    nc: Nonconformity,
    *,
    actor: Any,
    kind: str | None = None,
    customer: Any = None,
    champion: Any = None,
) -> EightD:
    """Open a CAPA/SCAR/8D for ``nc``, carrying over site, supplier, title and the problem
    description. A customer 8D needs ``customer`` (an NC does not name one)."""
    kind = kind or kind_for(nc)
    return open_capa(
        actor=actor,
        kind=kind,
        site=nc.site,
        supplier=nc.supplier,
        customer=customer,
        title=nc.title,
        champion=champion,
        symptom=nc.containment,
        problem_what=nc.description,
        problem_where=nc.item,
        problem_how_many=str(nc.quantity or ""),
        nonconformities=[nc],
    )


def save_capa_part(part: models.Model, *, actor: Any) -> Any:
    """Create or change a D1–D7 record; refused when its CAPA is closed or cancelled."""
    with transaction.atomic():
        capa: EightD = part.capa  # type: ignore[attr-defined]
        ensure_editable(capa)
        creating = part.pk is None
        if isinstance(part, CapaAction):
            _track_completion(part)
        part.full_clean()
        part.save()
        record_event(
            capa,
            "part_added" if creating else "part_changed",
            actor=actor,
            message=_("%(what)s: %(record)s")
            % {"what": part._meta.verbose_name, "record": str(part)[:150]},
            data={"model": part._meta.model_name, "id": part.pk},
        )
        if creating and isinstance(part, CapaAction) and part.owner_id != getattr(actor, "pk", 0):
            notify(
                [part.owner],
                _("Action for you on %(number)s, due %(due)s")
                % {"number": capa.number, "due": part.due_date},
                body=part.description[:500],
                link=capa.get_absolute_url(),
                site=capa.site,
            )
    return part


def _track_completion(action: CapaAction) -> None:
    if action.status == ActionStatus.DONE and action.completed_at is None:
        action.completed_at = timezone.now()
    elif action.status != ActionStatus.DONE:
        action.completed_at = None


@dataclass
class Escalation:
    action: CapaAction
    level: int
    recipients: list[Any]


def escalate_overdue_actions(now: datetime.datetime | None = None) -> list[Escalation]:
    """Remind owners of open actions past their due date (level 1), then, ``MANAGER_AFTER``
    later and still open, their manager: the one named on the action, else the holders of
    the post the owner's post reports to in the responsibility matrix, else the site quality
    managers (level 2). Idempotent: each level is notified once. Run daily (``qdm capa
    escalate``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    done: list[Escalation] = []
    overdue = (
        CapaAction.objects.filter(status=ActionStatus.OPEN, due_date__lt=today)
        .exclude(capa__status__in=("closed", "cancelled"))
        .select_related("capa", "capa__site", "owner", "manager")
    )
    for action in overdue:
        capa = action.capa
        days = (today - action.due_date).days
        if action.escalation_level == 0:
            recipients = [action.owner]
            title = _("Overdue by %(days)d day(s): action on %(number)s") % {
                "days": days,
                "number": capa.number,
            }
        elif (
            action.escalation_level == 1
            and action.escalated_at is not None
            and now - action.escalated_at >= MANAGER_AFTER
        ):
            recipients = (
                [action.manager]
                if action.manager_id
                else manager_of(action.owner, capa.site) or site_quality_managers(capa.site)
            )
            title = _("Escalation: %(owner)s's action on %(number)s is %(days)d day(s) late") % {
                "owner": action.owner.get_full_name() or action.owner.username,
                "number": capa.number,
                "days": days,
            }
        else:
            continue
        with transaction.atomic():
            notify(
                recipients,
                title,
                body=action.description[:500],
                link=capa.get_absolute_url(),
                site=capa.site,
            )
            action.escalation_level += 1
            action.escalated_at = now
            action.save(update_fields=["escalation_level", "escalated_at"])
            record_event(
                capa,
                "action_escalated",
                actor=None,
                message=title,
                data={"action": action.pk, "level": action.escalation_level},
            )
        done.append(Escalation(action, action.escalation_level, recipients))
    return done
