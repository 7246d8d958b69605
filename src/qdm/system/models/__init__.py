from qdm.system.models.audits import Audit, AuditProgramme, ChecklistItem, Finding
from qdm.system.models.capa import CapaAction, EightD, RootCause, TeamMember, Verification
from qdm.system.models.document_files import RevisionFile
from qdm.system.models.documents import Acknowledgement, ControlledDocument, DocumentRevision
from qdm.system.models.ims import Certificate, Clause, ManagementSystem, Process
from qdm.system.models.nonconformity import Nonconformity
from qdm.system.models.responsibility import Department, Post, Responsibility
from qdm.system.models.review import ManagementReview, QualityObjective, ReviewAction

__all__ = [
    "Acknowledgement",
    "Audit",
    "AuditProgramme",
    "CapaAction",
    "Certificate",
    "ChecklistItem",
    "Clause",
    "ControlledDocument",
    "Department",
    "DocumentRevision",
    "EightD",
    "Finding",
    "ManagementReview",
    "ManagementSystem",
    "Nonconformity",
    "Post",
    "Process",
    "QualityObjective",
    "Responsibility",
    "ReviewAction",
    "RevisionFile",
    "RootCause",
    "TeamMember",
    "Verification",
]
