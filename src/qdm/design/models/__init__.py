from qdm.design.models.apqp import ApqpDeliverable, ApqpGate, ApqpProject, GateReview
from qdm.design.models.change import ChangeImpact, ChangeRequest
from qdm.design.models.control_plan import ControlPlan, ControlPlanLine, MsaStudy
from qdm.design.models.fmea import FailureElement, Fmea, FmeaFunction, FmeaItem, StructureNode
from qdm.design.models.lessons import FmeaReviewTask
from qdm.design.models.qualification import (
    Certificate,
    QualificationProgramme,
    QualificationResult,
    QualificationSample,
    QualificationSequence,
)

__all__ = [
    "ApqpDeliverable",
    "ApqpGate",
    "ApqpProject",
    "Certificate",
    "ChangeImpact",
    "ChangeRequest",
    "ControlPlan",
    "ControlPlanLine",
    "FailureElement",
    "Fmea",
    "FmeaFunction",
    "FmeaItem",
    "FmeaReviewTask",
    "GateReview",
    "MsaStudy",
    "QualificationProgramme",
    "QualificationResult",
    "QualificationSample",
    "QualificationSequence",
    "StructureNode",
]
