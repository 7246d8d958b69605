from qdm.carbon import filtersets as fs
from qdm.carbon import forms as f
from qdm.carbon import tables as t
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
from qdm.carbon.views import ecs_table_context, footprint_context
from qdm.core.views.generic import ModelUI

MODEL_UIS = [
    ModelUI(FactorLibrary, t.FactorLibraryTable, fs.FactorLibraryFilterSet, f.FactorLibraryForm),
    ModelUI(
        EmissionFactor, t.EmissionFactorTable, fs.EmissionFactorFilterSet, f.EmissionFactorForm
    ),
    ModelUI(
        SupplierFactor, t.SupplierFactorTable, fs.SupplierFactorFilterSet, f.SupplierFactorForm
    ),
    ModelUI(
        ActivityRecord, t.ActivityRecordTable, fs.ActivityRecordFilterSet, f.ActivityRecordForm
    ),
    ModelUI(
        ProductFootprint,
        t.ProductFootprintTable,
        fs.ProductFootprintFilterSet,
        detail_template="carbon/footprint_detail.html",
        extra_context=footprint_context,
    ),
    ModelUI(
        CarbonDeclaration,
        t.CarbonDeclarationTable,
        fs.CarbonDeclarationFilterSet,
        detail_template="carbon/declaration_detail.html",
    ),
    ModelUI(
        EcsTableVersion,
        t.EcsTableVersionTable,
        fs.EcsTableVersionFilterSet,
        detail_fields=(
            "version",
            "library",
            "official",
            "source",
            "file_name",
            "file_sha256",
            "loaded_at",
            "loaded_by",
        ),
        detail_template="carbon/ecs_table_detail.html",
        extra_context=ecs_table_context,
    ),
    ModelUI(CarbonTarget, t.CarbonTargetTable, fs.CarbonTargetFilterSet, f.CarbonTargetForm),
]
