"""Models of the manufacturing quality platform, one module per aggregate."""

from qdm.manufacturing.models.binning import BinningRule, ModuleRelease
from qdm.manufacturing.models.holds import Hold, MrbDisposition
from qdm.manufacturing.models.inspection import (
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    InspectionRecord,
)
from qdm.manufacturing.models.spc import SpcAnnotation, SpcChartConfig, SpcViolation

__all__ = [
    "BinningRule",
    "Hold",
    "InspectionLot",
    "InspectionPlan",
    "InspectionPlanLine",
    "InspectionRecord",
    "ModuleRelease",
    "MrbDisposition",
    "SpcAnnotation",
    "SpcChartConfig",
    "SpcViolation",
]
