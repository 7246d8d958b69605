"""ISO 2859-1 switching per supplier × material, driven by :mod:`qdm.quality.sampling`.

The rules are the library's (:func:`~qdm.quality.sampling.next_state`); this module only
stores the state, writes the history, and adds what needs people: normal → reduced waits
for the responsible authority's e-signed approval (the library is told the authority has
not approved yet, so the state stays normal with the score kept), a switch to tightened
or a discontinuation notifies the SQE, and a discontinuation raises a SCAR.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.core.signatures import SignatureError, sign
from qdm.quality import sampling
from qdm.supplier.choices import ScarResponseStatus, SwitchingEventKind, SwitchingSeverity
from qdm.supplier.models import ScarRequest, SwitchingEvent, SwitchingState
from qdm.supplier.services.common import SupplierError, require, sqes

S = SwitchingSeverity


def state_for(supplier: Any, material: Any, *, lock: bool = False) -> SwitchingState:
    """The switching state of ``supplier`` × ``material`` (created on normal)."""
    manager = SwitchingState.objects.select_for_update() if lock else SwitchingState.objects
    state = manager.filter(supplier=supplier, material=material).first()
    if state is None:
        state, _created = SwitchingState.objects.get_or_create(
            supplier=supplier,
            material=material,
            defaults={"state": sampling.SwitchingState().to_dict()},
        )
        if lock:
            state = SwitchingState.objects.select_for_update().get(pk=state.pk)
    return state


def current_severity(supplier: Any, material: Any) -> str:
    state = SwitchingState.objects.filter(supplier=supplier, material=material).first()
    return state.severity if state is not None else S.NORMAL


def _save(
    state: SwitchingState,
    new: sampling.SwitchingState,
    *,
    kind: str,
    actor: Any = None,
    receipt: Any = None,
    accepted: bool | None = None,
    nonconforming: int | None = None,
    reason: str = "",
    reduced_pending: bool = False,
) -> SwitchingEvent:
    before = state.severity
    state.severity = new.severity
    state.state = new.to_dict()
    state.reduced_pending = reduced_pending
    state.updated = timezone.now()
    state.save(update_fields=["severity", "state", "reduced_pending", "updated"])
    event = SwitchingEvent.objects.create(
        switching=state,
        kind=kind,
        receipt=receipt,
        accepted=accepted,
        nonconforming=nonconforming,
        severity_before=before,
        severity_after=new.severity,
        switching_score=new.switching_score,
        reason=(reason or new.reason)[:200],
        actor=actor,
    )
    if before != new.severity:
        record_event(
            state,
            "severity_changed",
            actor=actor,
            message=_("%(state)s: %(before)s → %(after)s (%(reason)s)")
            % {
                "state": f"{state.supplier.code} × {state.material.code}",
                "before": before,
                "after": new.severity,
                "reason": event.reason,
            },
        )
    return event


def apply_lot(
    receipt: Any, lot_plan: sampling.SamplingPlan, accepted: bool, nonconforming: int
) -> SwitchingEvent:
    """Feed one judged IQC lot into the switching state of its supplier × material.

    ``accepted`` is the lot's verdict; when a lot failed on another characteristic than
    the sampled one, the lot counts as not accepted (``nonconforming`` is raised to Re).
    """
    with transaction.atomic():
        state = state_for(receipt.supplier, receipt.material, lock=True)
        current = sampling.SwitchingState.from_dict(state.state or {})
        if current.severity != receipt.severity:
            # the state moved since this lot was sampled (e.g. a D grade tightened it):
            # the lot was inspected under its own plan, so it only counts for history
            return SwitchingEvent.objects.create(
                switching=state,
                kind=SwitchingEventKind.LOT,
                receipt=receipt,
                accepted=accepted,
                nonconforming=nonconforming,
                severity_before=state.severity,
                severity_after=state.severity,
                switching_score=current.switching_score,
                reason=_("sampled on %(severity)s, state is now %(state)s: not counted")
                % {"severity": receipt.severity, "state": state.severity},
            )
        if not accepted and nonconforming <= lot_plan.ac:
            nonconforming = lot_plan.re
        result = sampling.LotResult(lot_plan, nonconforming)
        new = sampling.next_state(current, result, authority_approves_reduced=False)
        pending = new.severity == S.NORMAL and new.switching_score >= sampling.SWITCHING_SCORE_LIMIT
        event = _save(
            state,
            new,
            kind=SwitchingEventKind.LOT,
            receipt=receipt,
            accepted=accepted,
            nonconforming=nonconforming,
            reduced_pending=pending,
        )
        link = state.get_absolute_url()
        pair = f"{state.supplier} × {state.material.code}"
        if (
            pending
            and not state.events.filter(
                kind=SwitchingEventKind.LOT, pk__lt=event.pk, switching_score__gte=30
            ).exists()
        ):
            notify(
                sqes(state.supplier),
                _("%(pair)s qualifies for reduced inspection: approval needed") % {"pair": pair},
                body=_("Switching score %(score)s ≥ 30 (ISO 2859-1 9.3.3).")
                % {"score": new.switching_score},
                link=link,
            )
        if event.severity_before != event.severity_after and new.severity == S.TIGHTENED:
            notify(
                sqes(state.supplier),
                _("%(pair)s switched to tightened inspection") % {"pair": pair},
                body=event.reason,
                link=link,
            )
        if new.severity == "discontinued":
            _discontinued(state, receipt)
    return event


def _discontinued(state: SwitchingState, receipt: Any) -> None:
    from qdm.supplier.services.scar import raise_scar

    pair = f"{state.supplier} × {state.material.code}"
    notify(
        sqes(state.supplier),
        _("Inspection of %(pair)s discontinued (5 lots not accepted on tightened)")
        % {"pair": pair},
        body=_("ISO 2859-1 9.4: no more lots are accepted until the supplier has corrected."),
        link=state.get_absolute_url(),
    )
    raise_scar(
        # opened in the name of the inspector whose verdict discontinued inspection
        actor=receipt.inspection_lot.inspector,
        supplier=state.supplier,
        site=receipt.site,
        title=_("Inspection discontinued: %(material)s") % {"material": state.material},
        reason=_("5 lots not accepted on tightened inspection (ISO 2859-1 9.4)"),
        receipt=receipt,
        nonconformity=receipt.nonconformity,
    )


def approve_reduced(state: SwitchingState, *, actor: Any, password: str, reason: str) -> Any:
    """The responsible authority approves normal → reduced (e-signed)."""
    with transaction.atomic():
        state = SwitchingState.objects.select_for_update().get(pk=state.pk)
        require(actor, "supplier.approve_switchingstate", state)
        if state.severity != S.NORMAL or not state.reduced_pending:
            raise SupplierError(
                _(
                    "%(pair)s is not waiting for reduced inspection (severity %(severity)s, "
                    "switching score %(score)s)."
                )
                % {
                    "pair": f"{state.supplier.code} × {state.material.code}",
                    "severity": state.get_severity_display(),
                    "score": state.switching_score,
                }
            )
        try:
            signature = sign(
                state, user=actor, password=password, meaning="approved", reason=reason
            )
        except SignatureError as exc:
            raise SupplierError(exc.message, code=exc.code) from exc
        current = sampling.SwitchingState.from_dict(state.state)
        new = sampling.SwitchingState(
            severity="reduced",
            lots_inspected=current.lots_inspected,
            reason=f"switching score {current.switching_score} >= 30, approved",
        )
        event = _save(
            state, new, kind=SwitchingEventKind.REDUCED_APPROVED, actor=actor, reason=reason
        )
        record_event(
            state,
            "reduced_approved",
            actor=actor,
            message=_("Reduced inspection approved"),
            data={"signature": signature.pk},
        )
    return event


def tighten(state: SwitchingState, *, reason: str, actor: Any = None) -> SwitchingEvent | None:
    """Move a normal or reduced state to tightened (a D grade); None if already there."""
    with transaction.atomic():
        state = SwitchingState.objects.select_for_update().get(pk=state.pk)
        if state.severity not in (S.NORMAL, S.REDUCED):
            return None
        current = sampling.SwitchingState.from_dict(state.state)
        new = sampling.SwitchingState(
            severity="tightened", lots_inspected=current.lots_inspected, reason=reason
        )
        event = _save(state, new, kind=SwitchingEventKind.GRADE, actor=actor, reason=reason)
        notify(
            sqes(state.supplier),
            _("%(pair)s switched to tightened inspection")
            % {"pair": f"{state.supplier} × {state.material.code}"},
            body=reason,
            link=state.get_absolute_url(),
        )
    return event


def resume(state: SwitchingState, *, actor: Any, password: str, reason: str) -> SwitchingEvent:
    """Resume a discontinued inspection on tightened, once a SCAR of the supplier was
    accepted after the discontinuation (ISO 2859-1 9.4)."""
    with transaction.atomic():
        state = SwitchingState.objects.select_for_update().get(pk=state.pk)
        require(actor, "supplier.approve_switchingstate", state)
        if state.severity != "discontinued":
            raise SupplierError(
                _("Only a discontinued inspection can be resumed; this one is %(severity)s.")
                % {"severity": state.get_severity_display()}
            )
        since = (
            state.events.filter(severity_after="discontinued").order_by("-at").first().at  # type: ignore[union-attr]
        )
        if not ScarRequest.objects.filter(
            supplier=state.supplier,
            response_status=ScarResponseStatus.ACCEPTED,
            accepted_at__gte=since,
        ).exists():
            raise SupplierError(
                _("Resume only after the supplier's SCAR response has been accepted.")
            )
        try:
            sign(state, user=actor, password=password, meaning="approved", reason=reason)
        except SignatureError as exc:
            raise SupplierError(exc.message, code=exc.code) from exc
        new = sampling.resume_after_corrective_action(
            sampling.SwitchingState.from_dict(state.state)
        )
        return _save(state, new, kind=SwitchingEventKind.RESUMED, actor=actor, reason=reason)
