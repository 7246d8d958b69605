from qdm.design.models.control_plan import ControlPlan, ControlPlanLine, MsaStudy
from qdm.design.models.fmea import Fmea, FmeaItem
from qdm.design.models.lessons import FmeaReviewTask

__all__ = ["ControlPlan", "ControlPlanLine", "Fmea", "FmeaItem", "FmeaReviewTask", "MsaStudy"]
