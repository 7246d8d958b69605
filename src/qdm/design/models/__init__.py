from qdm.design.models.control_plan import ControlPlan, ControlPlanLine, MsaStudy
from qdm.design.models.fmea import Fmea, FmeaItem

__all__ = ["ControlPlan", "ControlPlanLine", "Fmea", "FmeaItem", "MsaStudy"]
