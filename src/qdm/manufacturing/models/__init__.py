"""Models of the manufacturing quality platform, one module per aggregate."""

from qdm.manufacturing.models.spc import SpcAnnotation, SpcChartConfig, SpcViolation

__all__ = ["SpcAnnotation", "SpcChartConfig", "SpcViolation"]
