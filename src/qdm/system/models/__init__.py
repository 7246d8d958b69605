from qdm.system.models.capa import CapaAction, EightD, RootCause, TeamMember, Verification
from qdm.system.models.documents import Acknowledgement, ControlledDocument, DocumentRevision
from qdm.system.models.nonconformity import Nonconformity

__all__ = [
    "Acknowledgement",
    "CapaAction",
    "ControlledDocument",
    "DocumentRevision",
    "EightD",
    "Nonconformity",
    "RootCause",
    "TeamMember",
    "Verification",
]
