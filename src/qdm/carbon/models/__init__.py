"""Models of the carbon management platform."""

from qdm.carbon.models.activity import ActivityRecord
from qdm.carbon.models.factors import EmissionFactor, FactorLibrary, SupplierFactor
from qdm.carbon.models.footprints import CarbonDeclaration, ProductFootprint

__all__ = [
    "ActivityRecord",
    "CarbonDeclaration",
    "EmissionFactor",
    "FactorLibrary",
    "ProductFootprint",
    "SupplierFactor",
]
