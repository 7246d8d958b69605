"""Choices of the management-system platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NonconformitySource(models.TextChoices):
    IQC = "iqc", _("Incoming inspection (IQC)")
    IPQA = "ipqa", _("In-process inspection (IPQA)")
    OQC = "oqc", _("Outgoing inspection (OQC)")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    INTERNAL_AUDIT = "internal_audit", _("Internal audit")
    EXTERNAL_AUDIT = "external_audit", _("External audit")
    SPC = "spc", _("SPC signal")
    EMPLOYEE = "employee", _("Employee report")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class NonconformityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTAINED = "contained", _("Contained")
    DISPOSITIONED = "dispositioned", _("Dispositioned")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class CapaKind(models.TextChoices):
    CAPA = "capa", _("Internal CAPA")
    SCAR = "scar", _("Supplier corrective action request (SCAR)")
    CUSTOMER_8D = "8d", _("Customer 8D")


#: number prefix per kind: CAPA-JX1-2026-00001, SCAR-…, 8D-…
CAPA_PREFIXES: dict[str, str] = {
    CapaKind.CAPA: "CAPA",
    CapaKind.SCAR: "SCAR",
    CapaKind.CUSTOMER_8D: "8D",
}


class CapaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTAINED = "contained", _("Contained")
    APPROVED = "approved", _("Root cause and actions approved (D5)")
    IMPLEMENTED = "implemented", _("Implemented (D6)")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class TeamRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("Subject-matter expert")
    EXTERNAL = "external", _("Supplier or customer representative")


class CauseType(models.TextChoices):
    OCCURRENCE = "occurrence", _("Occurrence (why it happened)")
    ESCAPE = "escape", _("Escape (why it was not detected)")


class SixM(models.TextChoices):
    MAN = "man", _("Man (people)")
    MACHINE = "machine", _("Machine")
    MATERIAL = "material", _("Material")
    METHOD = "method", _("Method")
    MEASUREMENT = "measurement", _("Measurement")
    ENVIRONMENT = "environment", _("Environment")


class Discipline(models.TextChoices):
    CONTAINMENT = "d3", _("D3 containment")
    CORRECTIVE = "d5", _("D5/D6 permanent corrective action")
    PREVENTIVE = "d7", _("D7 prevention of recurrence")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PreventionTarget(models.TextChoices):
    FMEA = "fmea", _("FMEA")
    CONTROL_PLAN = "control_plan", _("Control plan")
    DOCUMENT = "document", _("Document")
    OTHER_SITE = "other_site", _("Other site")
    OTHER = "other", _("Other")


class DocumentType(models.TextChoices):
    MANUAL = "manual", _("Manual")
    PROCEDURE = "procedure", _("Procedure")
    WORK_INSTRUCTION = "work_instruction", _("Work instruction")
    FORM = "form", _("Form")
    SPECIFICATION = "specification", _("Specification")


class DocumentLanguage(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    APPROVED = "approved", _("Approved")
    EFFECTIVE = "effective", _("Effective")
    OBSOLETE = "obsolete", _("Obsolete")


class ChecklistResult(models.TextChoices):
    CONFORMING = "conforming", _("Conforming")
    MINOR = "minor", _("Minor nonconformity")
    MAJOR = "major", _("Major nonconformity")
    OBSERVATION = "observation", _("Observation")
    OFI = "ofi", _("Opportunity for improvement (OFI)")


class FindingKind(models.TextChoices):
    MAJOR = "major", _("Major nonconformity")
    MINOR = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    OPPORTUNITY = "ofi", _("Opportunity for improvement")


#: findings that are nonconformities and open a system NC
NC_FINDINGS = (FindingKind.MAJOR, FindingKind.MINOR)


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")


class ResponsibilityRole(models.TextChoices):
    ACCOUNTABLE = "accountable", _("Accountable")
    RESPONSIBLE = "responsible", _("Responsible")
    CONSULTED = "consulted", _("Consulted")
    INFORMED = "informed", _("Informed")


class FileLanguage(models.TextChoices):
    """The language of one file of a document revision (Django language codes, so a
    reader's interface language picks the file)."""

    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")
