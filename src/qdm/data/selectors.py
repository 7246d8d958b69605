"""What higher layers (the cockpit) read of the data platform's facts and genealogy:
plain querysets over the sites asked for (the caller adds ``for_user`` for pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from qdm.data.choices import ElStage, UnitKind
from qdm.data.models import ElResult, Unit


def cockpit_el2_results(site_ids: list[int]) -> QuerySet:
    """EL results after lamination (EL2) at the sites, with ``product_id``: the module
    model of the unit of the same serial (null when the serial is not a known module)."""
    model = Unit.objects.filter(code=OuterRef("serial"), kind=UnitKind.MODULE).values(
        "module_model_id"
    )[:1]
    return ElResult.objects.filter(site_id__in=site_ids, stage=ElStage.EL2).annotate(
        product_id=Subquery(model)
    )


def cockpit_shipped_modules(site_ids: list[int], start: Any, end: Any) -> QuerySet:
    """Modules made at the sites that left in a shipment between ``start`` and ``end``
    (module → pallet → shipment; the shipment's ``produced_at`` is when it left), annotated
    ``shipped_at`` and ``shipment_code``."""
    return (
        Unit.objects.filter(
            kind=UnitKind.MODULE,
            site_id__in=site_ids,
            consumed_by__child__kind=UnitKind.PALLET,
            consumed_by__child__consumed_by__child__kind=UnitKind.SHIPMENT,
            consumed_by__child__consumed_by__child__produced_at__gte=start,
            consumed_by__child__consumed_by__child__produced_at__lt=end,
        )
        .annotate(
            shipped_at=F("consumed_by__child__consumed_by__child__produced_at"),
            shipment_code=F("consumed_by__child__consumed_by__child__code"),
        )
        .distinct()
    )


def cockpit_module_model(code: str) -> Any:
    """The module model of ``code``, or None."""
    from qdm.data.models import ModuleModel

    return ModuleModel.objects.filter(code=code).first()
