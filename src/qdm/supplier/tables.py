"""Lists of the supplier quality platform."""

import django_tables2 as tables

from qdm.core.tables import BaseTable
from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    Receipt,
    ScarRequest,
    Scorecard,
    ScorecardWeights,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
    SwitchingState,
)


def table(model: type, link: str, fields: tuple[str, ...]) -> type[tables.Table]:
    class Meta(BaseTable.Meta):
        pass

    Meta.model = model  # type: ignore[attr-defined]
    Meta.fields = fields  # type: ignore[attr-defined]
    attrs = {"Meta": Meta, link: tables.Column(linkify=True)}
    return type(f"{model.__name__}Table", (BaseTable,), attrs)


SupplierProfileTable = table(
    SupplierProfile, "supplier", ("supplier", "approval_status", "sqe", "created")
)
SupplierPlantTable = table(
    SupplierPlant, "name", ("name", "supplier", "country", "city", "products")
)
SupplierContactTable = table(
    SupplierContact, "name", ("name", "supplier", "function", "email", "phone", "primary")
)
ApprovedMaterialTable = table(
    ApprovedMaterial,
    "material",
    ("material", "supplier", "customer", "plant", "status", "valid_until"),
)
CertificateTable = table(
    Certificate, "number", ("number", "supplier", "kind", "issuer", "valid_from", "valid_until")
)
SwitchingStateTable = table(
    SwitchingState, "supplier", ("supplier", "material", "severity", "reduced_pending", "updated")
)
ReceiptTable = table(
    Receipt,
    "number",
    (
        "number",
        "site",
        "supplier",
        "material",
        "supplier_lot",
        "quantity",
        "received_at",
        "severity",
        "sample_size",
        "status",
    ),
)
ScarRequestTable = table(
    ScarRequest,
    "capa",
    ("capa", "supplier", "site", "reason", "response_status", "containment_due", "closure_due"),
)
ScorecardTable = table(
    Scorecard,
    "supplier",
    (
        "supplier",
        "category",
        "month",
        "lots_received",
        "lots_rejected",
        "ppm",
        "acceptance_rate",
        "scar_count",
        "repeat_defects",
        "certificate_status",
        "audit_score",
        "field_failures",
        "score",
        "grade",
    ),
)
ScorecardWeightsTable = table(
    ScorecardWeights,
    "name",
    (
        "name",
        "active",
        "weight_ppm",
        "weight_acceptance",
        "weight_scar",
        "weight_on_time",
        "weight_repeat",
        "weight_certificate",
        "weight_audit",
        "weight_field_failure",
    ),
)
