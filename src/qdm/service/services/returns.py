"""Writes of returned modules: authorise, record receipt and re-test (with the factory flash
test and the power-warranty verdict recomputed), decide."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.models import FlashTest, Unit
from qdm.quality.warranty import (
    ContractTerms,
    LinearWarranty,
    WarrantyInputError,
    evaluate_contract,
)
from qdm.service.models import Complaint, ReturnedModule
from qdm.service.selectors import warranty_contract_for


def _shipped_at(unit_id: int) -> Any:
    """When the module's shipment left (the start of its field life)."""
    from qdm.data.models import UnitLink

    pallet = UnitLink.objects.filter(parent_id=unit_id, child__kind="pallet").values_list(
        "child_id", flat=True
    )
    return (
        Unit.objects.filter(kind="shipment", made_from__parent_id__in=list(pallet))
        .values_list("produced_at", flat=True)
        .first()
    )


def _evaluate(rma: ReturnedModule) -> None:
    unit = Unit.objects.select_related("module_model").get(pk=rma.item.unit_id)
    flash = (
        FlashTest.objects.filter(serial=unit.code)
        .order_by("-tested_at")
        .values_list("pmax_w", flat=True)
    ).first()
    rma.factory_pmax_w = flash
    rma.nameplate_w = unit.module_model.pmax_w if unit.module_model_id else None
    shipped = _shipped_at(unit.pk)
    if shipped is not None and rma.received_on is not None:
        rma.age_years = max(0.0, (rma.received_on - shipped.date()).days / 365.25)
    complaint = rma.item.complaint
    # the contract covering the module when it was shipped (its project, its model)
    rma.warranty_contract = (
        warranty_contract_for(
            complaint.customer_id,
            module_model=unit.module_model_id,
            on_date=shipped.date(),
            project=complaint.project_id,
        )
        if shipped is not None
        else None
    )
    if rma.warranty_contract is not None:
        # the contract's agreed measurement uncertainty replaces the default
        terms = rma.warranty_contract.terms()
        rma.uncertainty_pct = terms.uncertainty_pct
    else:
        try:
            terms = ContractTerms(power=LinearWarranty(), uncertainty_pct=rma.uncertainty_pct)
        except WarrantyInputError as exc:
            raise ValidationError(str(exc)) from None
    rma.product_covered = (
        rma.age_years <= terms.product_years if rma.age_years is not None else None
    )
    if rma.retest_pmax_w is None or rma.nameplate_w is None or rma.age_years is None:
        rma.guaranteed_w = rma.warranty_valid = rma.shortfall_w = None
        return
    try:
        verdict = evaluate_contract(terms, rma.nameplate_w, rma.retest_pmax_w, rma.age_years)
    except WarrantyInputError as exc:
        raise ValidationError(str(exc)) from None
    rma.guaranteed_w = verdict.power.guaranteed_w
    rma.warranty_valid = verdict.power.valid_claim
    rma.shortfall_w = verdict.power.shortfall_w


def _check_editable(rma: ReturnedModule) -> None:
    if rma.pk and ReturnedModule.objects.filter(pk=rma.pk, status="decided").exists():
        raise ValidationError(_("A decided return can no longer be changed."))


def create_return(*, actor: Any, **fields: Any) -> ReturnedModule:
    """Authorise the return of one complaint serial (by the manufacturer: customers may
    file complaints but not authorise returns)."""
    if not actor.has_perm("service.change_complaint"):
        raise ValidationError(
            _("Only customer service may authorise a return."), code="permission_denied"
        )
    with transaction.atomic():
        rma = ReturnedModule(**fields)
        rma.full_clean(exclude=["number"])
        status = Complaint.objects.filter(pk=rma.item.complaint_id).values_list("status", flat=True)
        if status.first() in ("received", "rejected"):
            raise ValidationError(
                {"item": _("Triage the complaint as valid before authorising returns.")}
            )
        _evaluate(rma)
        code = rma.item.complaint.customer.code.removeprefix("CUS-")[:20]
        rma.number = next_number("RMA", code)
        rma.save()
        record_event(rma, "authorised", actor=actor, message=_("Return authorised"))
    return rma


def update_return(rma: ReturnedModule, *, actor: Any, **fields: Any) -> ReturnedModule:
    with transaction.atomic():
        _check_editable(rma)
        if "item" in fields and fields["item"].pk != rma.item_id:
            raise ValidationError({"item": _("The serial of a return cannot change.")})
        for name, value in fields.items():
            setattr(rma, name, value)
        rma.full_clean(exclude=["number"])
        _evaluate(rma)
        rma.save()
    return rma


def save_return(form: Any, user: Any) -> ReturnedModule:
    if form.instance.pk:
        return update_return(form.instance, actor=user, **form.cleaned_data)
    return create_return(actor=user, **form.cleaned_data)
