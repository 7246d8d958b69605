from qdm.supplier.models.coa import CoaValue
from qdm.supplier.models.iqc import Receipt, SwitchingEvent, SwitchingState
from qdm.supplier.models.profiles import (
    ApprovedMaterial,
    Certificate,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
)
from qdm.supplier.models.scar import ScarRequest
from qdm.supplier.models.scorecards import Scorecard, ScorecardWeights

__all__ = [
    "ApprovedMaterial",
    "Certificate",
    "CoaValue",
    "Receipt",
    "ScarRequest",
    "Scorecard",
    "ScorecardWeights",
    "SupplierContact",
    "SupplierPlant",
    "SupplierProfile",
    "SwitchingEvent",
    "SwitchingState",
]
