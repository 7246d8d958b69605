"""Lists of the quality data platform."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qdm.core.tables import BaseTable, named
from qdm.data.models import (
    CellProduct,
    CellSortResult,
    Characteristic,
    ElResult,
    FlashTest,
    IngestBatch,
    Material,
    MaterialCategory,
    Measurement,
    ModuleModel,
    ProductFamily,
    QuarantinedRow,
    Specification,
    Unit,
    WaferProduct,
)

ProductFamilyTable = named(ProductFamily, ("technology",))
ModuleModelTable = named(
    ModuleModel,
    ("family", "pmax_w", "voc_v", "isc_a", "efficiency_pct", "cell_count", "bifaciality_pct"),
)
CellProductTable = named(CellProduct, ("family", "wafer_format", "nominal_efficiency_pct"))
WaferProductTable = named(WaferProduct, ("wafer_format", "doping", "thickness_um"))
MaterialCategoryTable = named(MaterialCategory, ())
MaterialTable = named(Material, ("category", "unit", "specification"))
CharacteristicTable = named(Characteristic, ("kind", "stage", "unit", "special_class", "method"))


class SpecificationTable(BaseTable):
    characteristic = tables.Column(linkify=True)
    level = tables.Column(accessor="level_label", verbose_name=_("Level"), orderable=False)
    version = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Specification
        fields = (
            "characteristic",
            "level",
            "module_model",
            "material",
            "site",
            "customer",
            "version",
            "lsl",
            "target",
            "usl",
            "valid_from",
        )


class FlashTestTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = FlashTest
        fields = (
            "serial",
            "tested_at",
            "site",
            "line",
            "pmax_w",
            "voc_v",
            "isc_a",
            "vmp_v",
            "imp_a",
            "ff_pct",
            "eff_pct",
            "irradiance_wm2",
            "module_temp_c",
        )


class ElResultTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = ElResult
        fields = (
            "serial",
            "tested_at",
            "site",
            "line",
            "stage",
            "grade",
            "defects",
            "classifier_version",
        )


class CellSortResultTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = CellSortResult
        fields = (
            "cell_lot",
            "tested_at",
            "site",
            "line",
            "efficiency_bin",
            "quantity",
            "eta_pct",
            "voc_v",
            "isc_a",
            "ff_pct",
            "irev_count",
        )


class MeasurementTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = Measurement
        fields = ("characteristic", "subject", "measured_at", "value", "site", "line")


class IngestBatchTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta(BaseTable.Meta):
        model = IngestBatch
        fields = (
            "id",
            "created",
            "kind",
            "site",
            "file_name",
            "status",
            "rows",
            "accepted",
            "rejected",
            "duplicates",
            "created_by",
        )


class QuarantinedRowTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = QuarantinedRow
        fields = ("batch", "row_number", "errors", "resolved")


class UnitTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Unit
        fields = (
            "code",
            "kind",
            "site",
            "line",
            "module_model",
            "material",
            "supplier",
            "supplier_lot",
            "customer",
            "project",
            "efficiency_bin",
            "produced_at",
        )
