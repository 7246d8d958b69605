"""SCARs: raised on our side through the system CAPA engine (an 8D of kind SCAR), answered
by the supplier in the portal (D3 containment, D4 root cause, D5 corrective and D7
preventive actions, written into the engine's records), accepted or returned by the SQE."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.core.workflow import TransitionError, transition
from qdm.supplier.choices import ScarResponseStatus
from qdm.supplier.models import ScarRequest
from qdm.supplier.services.common import SupplierError, require, sqes, supplier_users
from qdm.system.choices import CapaKind, CauseType, Discipline, SixM
from qdm.system.models import CapaAction, RootCause
from qdm.system.services.capa import open_capa, save_capa_part

#: days after opening by which each discipline is due (a common SQE practice: 24-48 h
#: containment, 10 days root cause, 30 days corrective actions, 60 days closure)
DUE_DAYS = {"containment": 2, "root_cause": 10, "corrective": 30, "closure": 60}


def raise_scar(
    *,
    actor: Any,
    supplier: Any,
    site: Any,
    title: str,
    reason: str,
    receipt: Any = None,
    nonconformity: Any = None,
    champion: Any = None,
    opened_on: datetime.date | None = None,
) -> ScarRequest:
    """Open an 8D of kind SCAR addressed to ``supplier`` with due dates per discipline,
    and tell the supplier's portal users (after commit)."""
    if not (title or "").strip():
        raise SupplierError(_("A SCAR needs a title."))
    day = opened_on or timezone.localdate()
    due = {k: day + datetime.timedelta(days=v) for k, v in DUE_DAYS.items()}
    with transaction.atomic():
        if receipt is not None and receipt.supplier_id != supplier.pk:
            raise SupplierError(_("The receipt is from another supplier."))
        capa = open_capa(
            actor=actor,
            kind=CapaKind.SCAR,
            site=site,
            supplier=supplier,
            title=title[:200],
            champion=champion or (sqes(supplier) or [None])[0],
            due_date=due["closure"],
            problem_what=reason,
            problem_where=str(receipt.material) if receipt is not None else "",
            problem_how_many=str(receipt.quantity) if receipt is not None else "",
            nonconformities=[nonconformity] if nonconformity is not None else [],
        )
        scar = ScarRequest.objects.create(
            capa=capa,
            supplier=supplier,
            site=site,
            receipt=receipt,
            reason=reason[:200],
            containment_due=due["containment"],
            root_cause_due=due["root_cause"],
            corrective_due=due["corrective"],
            closure_due=due["closure"],
        )
        record_event(scar, "raised", actor=actor, message=_("SCAR %s raised") % capa.number)
        notify(
            supplier_users(supplier),
            _("SCAR %(number)s for you: %(title)s") % {"number": capa.number, "title": title},
            body=_("Containment (D3) is due on %(date)s.") % {"date": due["containment"]},
            link=scar.get_absolute_url(),
        )
    return scar


def raise_scar_for_receipt(receipt: Any, *, actor: Any) -> ScarRequest:
    """The SQE raises a SCAR from a rejected receipt (once per receipt)."""
    require(actor, "supplier.add_scarrequest", receipt)
    if receipt.status != "rejected":
        raise SupplierError(_("Only a rejected receipt can raise a SCAR."))
    if ScarRequest.objects.filter(receipt=receipt).exists():
        raise SupplierError(_("%(number)s already has a SCAR.") % {"number": receipt.number})
    return raise_scar(
        actor=actor,
        supplier=receipt.supplier,
        site=receipt.site,
        title=_("IQC rejection %(number)s: %(material)s lot %(lot)s")
        % {
            "number": receipt.number,
            "material": receipt.material.code,
            "lot": receipt.supplier_lot,
        },
        reason=receipt.result_summary or _("IQC rejected the lot."),
        receipt=receipt,
        nonconformity=receipt.nonconformity,
    )


def answer_scar(
    scar: ScarRequest,
    *,
    actor: Any,
    containment: str,
    root_cause: str,
    category: str,
    corrective: str,
    preventive: str = "",
    whys: tuple[str, ...] = (),
) -> ScarRequest:
    """The supplier's answer: written as D3/D5/D7 actions and a D4 root cause of the 8D,
    then submitted for review. All or nothing."""
    texts = {
        _("containment (D3)"): containment,
        _("root cause (D4)"): root_cause,
        _("corrective action (D5)"): corrective,
    }
    missing = [name for name, text in texts.items() if not (text or "").strip()]
    if missing:
        raise SupplierError(_("Fill in: %(fields)s.") % {"fields": ", ".join(missing)})
    if category not in SixM.values:
        raise SupplierError(
            _("Choose a 6M category (%(choices)s), not “%(value)s”.")
            % {"choices": ", ".join(SixM.values), "value": category}
        )
    with transaction.atomic():
        scar = ScarRequest.objects.select_for_update().get(pk=scar.pk)
        require(actor, "supplier.respond_scarrequest", scar)
        if scar.response_status not in (ScarResponseStatus.AWAITING, ScarResponseStatus.RETURNED):
            raise SupplierError(
                _("%(number)s is %(status)s: it cannot be answered now.")
                % {"number": scar.capa.number, "status": scar.get_response_status_display()}
            )
        capa = scar.capa
        cause = save_capa_part(
            RootCause(
                capa=capa,
                cause_type=CauseType.OCCURRENCE,
                category=category,
                statement=root_cause.strip(),
                **{f"why_{i + 1}": w[:300] for i, w in enumerate(whys[:5]) if w},
            ),
            actor=actor,
        )
        parts = [
            (Discipline.CONTAINMENT, containment, scar.containment_due, None),
            (Discipline.CORRECTIVE, corrective, scar.corrective_due, cause),
            (Discipline.PREVENTIVE, preventive, scar.closure_due, cause),
        ]
        for discipline, text, due, addressed in parts:
            if (text or "").strip():
                save_capa_part(
                    CapaAction(
                        capa=capa,
                        discipline=discipline,
                        description=text.strip(),
                        root_cause=addressed,
                        owner=actor,
                        due_date=due,
                    ),
                    actor=actor,
                )
        try:
            transition(scar, "submit", actor=actor)
        except TransitionError as exc:
            raise SupplierError(exc.message, code=exc.code) from exc
        scar.refresh_from_db()
        notify(
            sqes(scar.supplier),
            _("%(supplier)s answered SCAR %(number)s")
            % {
                "supplier": scar.supplier,
                "number": capa.number,
            },
            link=scar.get_absolute_url(),
        )
    return scar


def review_scar(
    scar: ScarRequest,
    *,
    actor: Any,
    accept: bool,
    comment: str = "",
    password: str = "",
    reason: str = "",
) -> ScarRequest:
    """The SQE accepts (e-signed) or returns (with a comment) the supplier's response."""
    if not accept and not (comment or "").strip():
        raise SupplierError(_("Say why the response is returned."))
    with transaction.atomic():
        try:
            transition(
                scar,
                "accept" if accept else "return",
                actor=actor,
                comment=comment,
                password=password,
                reason=reason or comment,
            )
        except TransitionError as exc:
            raise SupplierError(exc.message, code=exc.code) from exc
        scar.refresh_from_db()
        notify(
            supplier_users(scar.supplier),
            (
                _("SCAR %(number)s accepted")
                if accept
                else _("SCAR %(number)s returned: please rework")
            )
            % {"number": scar.capa.number},
            body=comment,
            link=scar.get_absolute_url(),
        )
    return scar


def overdue_scars(today: datetime.date | None = None) -> list[tuple[ScarRequest, str]]:
    """SCARs whose next discipline is past due, with the discipline (for escalation)."""
    today = today or timezone.localdate()
    found = []
    open_ones = ScarRequest.objects.exclude(
        response_status__in=(ScarResponseStatus.SUBMITTED, ScarResponseStatus.ACCEPTED)
    ).select_related("capa", "supplier")
    for scar in open_ones:
        nxt = scar.next_due()
        if nxt is not None and nxt[1] < today:
            found.append((scar, nxt[0]))
    return found


def escalate_overdue(today: datetime.date | None = None) -> list[tuple[ScarRequest, str]]:
    """Tell the supplier's users and the SQE about each discipline past its due date, once
    per discipline (``qdm supplier-scars escalate``, daily)."""
    today = today or timezone.localdate()
    done = []
    for scar, discipline in overdue_scars(today):
        due = scar.next_due()[1]  # type: ignore[index]
        if scar.escalated_at is not None and timezone.localdate(scar.escalated_at) > due:
            continue  # this discipline was already escalated
        with transaction.atomic():
            title = _("Overdue %(discipline)s on SCAR %(number)s (due %(date)s)") % {
                "discipline": discipline,
                "number": scar.capa.number,
                "date": due,
            }
            notify(
                [*supplier_users(scar.supplier), *sqes(scar.supplier)],
                title,
                link=scar.get_absolute_url(),
            )
            scar.escalated_at = timezone.make_aware(
                datetime.datetime.combine(today, datetime.time(12))
            )
            scar.save(update_fields=["escalated_at"])
            record_event(scar, "escalated", actor=None, message=title)
        done.append((scar, discipline))
    return done
