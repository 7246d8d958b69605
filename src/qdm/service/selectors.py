"""What sibling platforms may read of customer service (DESIGN §3: through this module,
declared as an explicit exception in the import contract by the reader).

Manufacturing and OQC read the customer-specific requirements that apply to a customer, a
project and a module model on a date — e.g. at pallet packing::

    from qdm.service.selectors import requirements_for
    req = requirements_for(shipment.customer, module_model=unit.module_model,
                           on_date=today, project=shipment.project)
    if req: allowed = req.allowed_classes; tol = req.positive_tolerance_w; ...
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from qdm.service.models import CustomerRequirement, Project, WarrantyContract

__all__ = ["CustomerRequirement", "WarrantyContract", "requirements_for", "warranty_contract_for"]


def requirements_for(
    customer: Any,
    module_model: Any = None,
    on_date: datetime.date | None = None,
    project: Any = None,
) -> CustomerRequirement | None:
    """The requirement version that applies on ``on_date`` (today by default): among the
    customer's versions in force that day for this project (or all projects) and this
    module model (or all models), the most specific one — project beats module model beats
    the customer-wide one — and of those the latest version.

    ``project`` may be a ``Project`` or the project name written on the shipment.
    Returns ``None`` when the customer has no requirement in force (internal code reading
    requirements is not user-scoped; show the result only to users who may see it)."""
    return _most_specific(CustomerRequirement, customer, module_model, on_date, project)


def warranty_contract_for(
    customer: Any,
    module_model: Any = None,
    on_date: datetime.date | None = None,
    project: Any = None,
) -> WarrantyContract | None:
    """The warranty contract covering a module of ``module_model`` shipped to ``customer``
    (``project``) on ``on_date``: same choice rules as ``requirements_for``."""
    return _most_specific(WarrantyContract, customer, module_model, on_date, project)


def _most_specific(model: Any, customer: Any, module_model: Any, on_date: Any, project: Any) -> Any:
    day = on_date or timezone.localdate()
    customer_id = getattr(customer, "pk", customer)
    if isinstance(project, str):
        project = Project.objects.filter(customer_id=customer_id, name=project).first()
    project_id = getattr(project, "pk", project)
    model_id = getattr(module_model, "pk", module_model)
    qs = model.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
        customer_id=customer_id,
        effective_from__lte=day,
    )
    qs = qs.filter(
        Q(project__isnull=True) | Q(project_id=project_id)
        if project_id
        else Q(project__isnull=True)
    )
    qs = qs.filter(
        Q(module_model__isnull=True) | Q(module_model_id=model_id)
        if model_id
        else Q(module_model__isnull=True)
    )
    candidates = list(qs.select_related("project", "module_model"))
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda r: (r.project_id is not None, r.module_model_id is not None, r.version),
    )


# --- field failures attributed to suppliers (read by the supplier scorecards, issue 6 §6) ---

from collections import defaultdict  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from qdm.data.models import Unit  # noqa: E402
from qdm.service.choices import ComplaintStatus, Responsibility  # noqa: E402
from qdm.service.models import ComplaintItem  # noqa: E402
from qdm.service.models.returns import ReturnDecision  # noqa: E402
from qdm.service.services import trace  # noqa: E402


@dataclass(frozen=True)
class SupplierFieldFailure:
    """One failed module of a supplier-responsibility complaint and one suspect lot."""

    complaint_id: int
    complaint_number: str
    received_on: datetime.date
    item_id: int
    serial: str
    lot_id: int
    lot_code: str
    supplier_id: int
    material_id: int
    category_id: int


def supplier_field_failures(start: datetime.date, end: datetime.date) -> list[SupplierFieldFailure]:
    """Field failures attributed to suppliers, for complaints received from ``start`` to
    ``end`` (both included).

    A complaint counts when its responsibility is "supplier" and it was not rejected as
    invalid; a serial whose returned module (RMA) was decided "reject the claim" does not
    count. The suspect lots of a complaint are the supplier-delivered lots (units with a
    supplier and a material) found by the backward genealogy trace of *every* traced serial
    of the complaint — the lots the failing modules have in common. One row per serial ×
    suspect lot."""
    items = list(
        ComplaintItem.objects.filter(
            complaint__responsibility=Responsibility.SUPPLIER,
            complaint__received_on__gte=start,
            complaint__received_on__lte=end,
        )
        .exclude(complaint__status=ComplaintStatus.REJECTED)
        .exclude(returned__decision=ReturnDecision.REJECT)
        .select_related("complaint")
        .order_by("complaint_id", "serial")
    )
    if not items:
        return []
    ancestors: dict[int, set[int]] = defaultdict(set)
    for start_id, ancestor, _depth in trace.backward_bulk(sorted({i.unit_id for i in items})):
        ancestors[start_id].add(ancestor)
    supplied = {
        u.pk: u
        for u in Unit.objects.filter(
            pk__in={a for found in ancestors.values() for a in found},
            supplier__isnull=False,
            material__isnull=False,
        ).select_related("material")
    }
    by_complaint: dict[int, list[ComplaintItem]] = defaultdict(list)
    for item in items:
        by_complaint[item.complaint_id].append(item)
    rows: list[SupplierFieldFailure] = []
    for complaint_items in by_complaint.values():
        common = set.intersection(
            *({a for a in ancestors[i.unit_id] if a in supplied} for i in complaint_items)
        )
        for item in complaint_items:
            for lot_id in sorted(common):
                lot = supplied[lot_id]
                rows.append(
                    SupplierFieldFailure(
                        complaint_id=item.complaint_id,
                        complaint_number=item.complaint.number,
                        received_on=item.complaint.received_on,
                        item_id=item.pk,
                        serial=item.serial,
                        lot_id=lot.pk,
                        lot_code=lot.code,
                        supplier_id=lot.supplier_id,
                        material_id=lot.material_id,
                        category_id=lot.material.category_id,
                    )
                )
    return rows
