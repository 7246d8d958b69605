"""Choices of the supplier quality platform (value, translated label)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    APPROVED = "approved", _("Approved")
    CONDITIONAL = "conditional", _("Conditionally approved")
    BLOCKED = "blocked", _("Blocked")


class CertificateKind(models.TextChoices):
    ISO9001 = "iso9001", _("ISO 9001 quality management")
    IATF16949 = "iatf16949", _("IATF 16949 automotive quality")
    ISO14001 = "iso14001", _("ISO 14001 environmental management")
    ISO45001 = "iso45001", _("ISO 45001 occupational health and safety")
    ISO50001 = "iso50001", _("ISO 50001 energy management")
    UL = "ul", _("UL listing / recognised component")
    TUV = "tuv", _("TÜV product certificate")
    IEC = "iec", _("IEC type approval (IEC 61215 / 61730 / 62790)")
    OTHER = "other", _("Other")


class CertificateState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring within 60 days")
    EXPIRED = "expired", _("Expired")


class SwitchingSeverity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")
    REDUCED = "reduced", _("Reduced")
    DISCONTINUED = "discontinued", _("Discontinued")


class SwitchingEventKind(models.TextChoices):
    LOT = "lot", _("Lot result")
    REDUCED_APPROVED = "reduced_approved", _("Reduced inspection approved")
    GRADE = "grade", _("Scorecard grade D")
    RESUMED = "resumed", _("Resumed after corrective action")


class ReceiptStatus(models.TextChoices):
    IN_INSPECTION = "in_inspection", _("In IQC")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ScarResponseStatus(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting supplier response")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned to supplier")
    ACCEPTED = "accepted", _("Accepted")


class Grade(models.TextChoices):
    A = "A", _("A – preferred")
    B = "B", _("B – approved")
    C = "C", _("C – improvement needed")
    D = "D", _("D – tightened, at risk")
