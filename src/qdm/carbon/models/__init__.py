"""Models of the carbon management platform."""

from qdm.carbon.models.activity import ActivityRecord
from qdm.carbon.models.ecs import EcsTableVersion
from qdm.carbon.models.factors import EmissionFactor, FactorLibrary, SupplierFactor
from qdm.carbon.models.footprints import CarbonDeclaration, ProductFootprint
from qdm.carbon.models.targets import CarbonTarget

__all__ = [
    "ActivityRecord",
    "CarbonDeclaration",
    "CarbonTarget",
    "EcsTableVersion",
    "EmissionFactor",
    "FactorLibrary",
    "ProductFootprint",
    "SupplierFactor",
]
