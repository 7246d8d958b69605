"""Receiving material and its IQC: the receipt, its traceable unit, its IQC inspection lot
(sampled under the current switching severity), and the reaction to the lot's verdict."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.data.models import Unit
from qdm.manufacturing import selectors as iqc
from qdm.quality import sampling
from qdm.supplier.choices import ApprovalStatus, ReceiptStatus
from qdm.supplier.models import ApprovedMaterial, Receipt, SupplierProfile
from qdm.supplier.services import switching
from qdm.supplier.services.common import SupplierError, clean, require, sqes


def _plan_line(site: Any, material: Any) -> tuple[Any, Any]:
    plan = iqc.iqc_plan_for(site, material)
    if plan is None:
        raise SupplierError(
            _("No released IQC plan for %(material)s at %(site)s: release one first.")
            % {"material": material, "site": site.code}
        )
    return plan, iqc.iqc_sampling_line(plan)


def lot_plan(receipt: Receipt, line: Any) -> sampling.SamplingPlan | None:
    """The ISO 2859-1 plan of the receipt's sampled line under its severity."""
    if line is None:
        return None
    return sampling.plan(
        max(int(receipt.quantity), 2), line.aql, line.inspection_level, receipt.severity
    )


def receive_material(
    *,
    actor: Any,
    site: Any,
    supplier: Any,
    material: Any,
    supplier_lot: str,
    quantity: Any,
    purchase_order: str = "",
    received_at: datetime | None = None,
) -> Receipt:
    """Register a received lot and open its IQC lot. Refused (nothing saved) when the
    supplier is blocked or not on the approved supplier list for the material, when
    inspection of this supplier × material is discontinued, or when the site has no
    released IQC plan for the material."""
    with transaction.atomic():
        profile = SupplierProfile.objects.filter(supplier=supplier).first()
        if profile is not None and profile.approval_status == ApprovalStatus.BLOCKED:
            raise SupplierError(_("%(supplier)s is blocked.") % {"supplier": supplier})
        listed = ApprovedMaterial.objects.filter(
            supplier=supplier,
            material=material,
            status__in=(ApprovalStatus.APPROVED, ApprovalStatus.CONDITIONAL),
        )
        if not listed.exists():
            raise SupplierError(
                _("%(supplier)s is not on the approved supplier list for %(material)s.")
                % {"supplier": supplier, "material": material}
            )
        severity = switching.current_severity(supplier, material)
        if severity == "discontinued":
            raise SupplierError(
                _(
                    "Inspection of %(material)s from %(supplier)s is discontinued (ISO 2859-1 "
                    "9.4): no lots are accepted until it is resumed after corrective action."
                )
                % {"material": material, "supplier": supplier}
            )
        plan, line = _plan_line(site, material)
        receipt = Receipt(
            site=site,
            supplier=supplier,
            material=material,
            supplier_lot=(supplier_lot or "").strip(),
            purchase_order=purchase_order,
            quantity=quantity,
            received_by=actor,
            severity=severity,
            **({"received_at": received_at} if received_at else {}),
        )
        clean(receipt, exclude=["number", "received_by", "unit", "inspection_lot"])
        receipt.number = next_number("RCV", site.code)
        chosen = lot_plan(receipt, line)
        if chosen is not None:
            receipt.aql = chosen.aql
            receipt.code_letter = chosen.code_letter
            receipt.sample_size = chosen.sample_size
            receipt.accept_number = chosen.ac
            receipt.reject_number = chosen.re
        receipt.unit = Unit.objects.create(
            code=receipt.number,
            kind="material_lot",
            site=site,
            material=material,
            supplier=supplier,
            supplier_lot=receipt.supplier_lot,
            quantity=float(receipt.quantity),
            produced_at=receipt.received_at,
        )
        receipt.save()
        try:
            receipt.inspection_lot = iqc.open_iqc_lot(
                actor=actor,
                plan=plan,
                unit=receipt.unit,
                quantity=receipt.quantity,
                reference=receipt.number,
                inspected_at=receipt.received_at,
            )
        except iqc.InspectionError as exc:
            raise SupplierError(str(exc)) from exc
        receipt.save(update_fields=["inspection_lot"])
        record_event(
            receipt,
            "received",
            actor=actor,
            message=_("%(number)s: %(quantity)s of %(material)s lot %(lot)s, IQC on %(severity)s")
            % {
                "number": receipt.number,
                "quantity": receipt.quantity,
                "material": material.code,
                "lot": receipt.supplier_lot,
                "severity": receipt.get_severity_display(),
            },
        )
    return receipt


def severity_for_lot(lot: Any) -> str | None:
    """Severity provider for the inspection engine: the receipt's sampling severity."""
    return (
        Receipt.objects.filter(inspection_lot_id=lot.pk).values_list("severity", flat=True).first()
    )


def lot_judged(lot: Any) -> None:
    """Listener (after commit): copy the verdict to the receipt, move the switching state
    and tell the SQE about a rejection. Idempotent."""
    receipt = Receipt.objects.filter(inspection_lot_id=lot.pk).select_related("material").first()
    if receipt is None or receipt.status != ReceiptStatus.IN_INSPECTION:
        return
    if lot.verdict not in (iqc.Verdict.PASS, iqc.Verdict.FAIL):
        return
    accepted = lot.verdict == iqc.Verdict.PASS
    line = iqc.iqc_sampling_line(lot.plan)
    chosen = lot_plan(receipt, line)
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.status != ReceiptStatus.IN_INSPECTION:
            return
        receipt.status = ReceiptStatus.ACCEPTED if accepted else ReceiptStatus.REJECTED
        receipt.result_summary = lot.verdict_summary
        receipt.nonconformity_id = lot.nonconformity_id
        receipt.nonconforming = iqc.nonconforming_on_line(lot, line) if line else None
        receipt.judged_at = timezone.now()
        receipt.save(
            update_fields=[
                "status",
                "result_summary",
                "nonconformity",
                "nonconforming",
                "judged_at",
            ]
        )
        record_event(
            receipt,
            "judged",
            actor=None,
            message=_("IQC %(verdict)s") % {"verdict": receipt.get_status_display()},
        )
        if chosen is not None:
            switching.apply_lot(receipt, chosen, accepted, receipt.nonconforming or 0)
        if not accepted:
            notify(
                sqes(receipt.supplier),
                _("IQC rejected %(number)s: %(material)s from %(supplier)s")
                % {
                    "number": receipt.number,
                    "material": receipt.material.code,
                    "supplier": receipt.supplier,
                },
                body=receipt.result_summary,
                link=receipt.get_absolute_url(),
                site=receipt.site,
            )


def declare_origin(receipt: Receipt, *, actor: Any, producer: str, plant: str, lot: str) -> Receipt:
    """The supplier declares the polysilicon origin of a polysilicon or wafer receipt."""
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        require(actor, "supplier.change_receipt", receipt)
        values = {"producer": producer, "plant": plant, "lot": lot}
        missing = [k for k, v in values.items() if not (v or "").strip()]
        if missing:
            raise SupplierError(
                _("Give the polysilicon producer, plant and lot (missing: %(fields)s).")
                % {"fields": ", ".join(missing)}
            )
        if not receipt.needs_origin:
            raise SupplierError(
                _("Origin declarations are for polysilicon and wafer receipts, not %(category)s.")
                % {"category": receipt.material.category}
            )
        receipt.origin_producer = producer.strip()[:200]
        receipt.origin_plant = plant.strip()[:200]
        receipt.origin_lot = lot.strip()[:100]
        receipt.origin_declared_by = actor
        receipt.origin_declared_at = timezone.now()
        receipt.save()
        record_event(
            receipt,
            "origin_declared",
            actor=actor,
            message=_("Origin: %(producer)s, %(plant)s, lot %(lot)s")
            % {"producer": producer, "plant": plant, "lot": lot},
        )
    return receipt


def rejected_quantity(receipt: Receipt) -> Decimal:
    return receipt.quantity if receipt.status == ReceiptStatus.REJECTED else Decimal(0)
