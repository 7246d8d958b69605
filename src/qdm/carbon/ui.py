from qdm.carbon import filtersets as fs
from qdm.carbon import forms as f
from qdm.carbon import tables as t
from qdm.carbon.models import (
    ActivityRecord,
    CarbonDeclaration,
    EmissionFactor,
    FactorLibrary,
    ProductFootprint,
    SupplierFactor,
)
from qdm.carbon.views import footprint_context
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
]
