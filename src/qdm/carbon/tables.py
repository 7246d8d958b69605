import django_tables2 as tables

from qdm.carbon.models import (
    ActivityRecord,
    CarbonDeclaration,
    CarbonTarget,
    EcsTableVersion,
    EmissionFactor,
    FactorLibrary,
    ProductFootprint,
    SupplierFactor,
)
from qdm.core.tables import BaseTable


class FactorLibraryTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = FactorLibrary
        fields = ("code", "version", "name", "kind", "publisher", "valid_from")


class EmissionFactorTable(BaseTable):
    key = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = EmissionFactor
        fields = (
            "library", "category", "key", "material", "country", "accounting", "value", "unit",
            "gas", "boundary", "gwp", "year", "source",
        )  # fmt: skip


class SupplierFactorTable(BaseTable):
    material = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = SupplierFactor
        fields = (
            "supplier", "material", "value", "unit", "gas", "gwp", "verified", "verifier",
            "certificate", "valid_from", "valid_until",
        )  # fmt: skip


class ActivityRecordTable(BaseTable):
    key = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ActivityRecord
        fields = ("site", "month", "kind", "key", "quantity", "unit", "certificate_scheme")


class ProductFootprintTable(BaseTable):
    module_model = tables.Column(linkify=True)
    per_kwp_kg = tables.Column(attrs={"td": {"class": "text-end"}})

    class Meta(BaseTable.Meta):
        model = ProductFootprint
        fields = (
            "module_model", "site", "method", "library", "per_module_kg", "per_kwp_kg",
            "basis", "computed_at",
        )  # fmt: skip

    def render_per_kwp_kg(self, value: float) -> str:
        return f"{value:,.1f}"

    def render_per_module_kg(self, value: float) -> str:
        return f"{value:,.1f}"


class CarbonDeclarationTable(BaseTable):
    unit = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CarbonDeclaration
        fields = (
            "unit", "modules", "per_module_kg", "per_kwp_kg", "data_quality", "library",
            "computed_at",
        )  # fmt: skip

    def render_per_kwp_kg(self, value: float) -> str:
        return f"{value:,.1f}"

    def render_per_module_kg(self, value: float) -> str:
        return f"{value:,.1f}"


class EcsTableVersionTable(BaseTable):
    version = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = EcsTableVersion
        fields = ("version", "library", "official", "source", "file_name", "loaded_at")


class CarbonTargetTable(BaseTable):
    site = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CarbonTarget
        fields = ("site", "year", "kg_per_kwp", "notes")
