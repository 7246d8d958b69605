from qdm.service.models.complaints import Complaint, ComplaintItem
from qdm.service.models.customers import CustomerProfile, Project
from qdm.service.models.field import FieldMeasurement
from qdm.service.models.requirements import CustomerRequirement, Orientation, WarrantyContract
from qdm.service.models.returns import ReturnDecision, ReturnedModule, ReturnStatus
from qdm.service.models.satisfaction import SatisfactionSurvey

__all__ = [
    "Complaint",
    "ComplaintItem",
    "CustomerProfile",
    "CustomerRequirement",
    "FieldMeasurement",
    "Orientation",
    "Project",
    "ReturnDecision",
    "ReturnStatus",
    "ReturnedModule",
    "SatisfactionSurvey",
    "WarrantyContract",
]
