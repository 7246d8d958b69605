"""Models of the quality data platform, one module per aggregate."""

from qdm.data.models.characteristics import Characteristic, Specification
from qdm.data.models.facts import (
    CellSortResult,
    ElResult,
    FlashTest,
    IngestBatch,
    Measurement,
    QuarantinedRow,
)
from qdm.data.models.genealogy import Unit, UnitLink
from qdm.data.models.master import (
    BomLine,
    CellProduct,
    Material,
    MaterialCategory,
    ModuleModel,
    ProductFamily,
    WaferProduct,
)

__all__ = [
    "BomLine",
    "CellProduct",
    "CellSortResult",
    "Characteristic",
    "ElResult",
    "FlashTest",
    "IngestBatch",
    "Material",
    "MaterialCategory",
    "Measurement",
    "ModuleModel",
    "ProductFamily",
    "QuarantinedRow",
    "Specification",
    "Unit",
    "UnitLink",
    "WaferProduct",
]
