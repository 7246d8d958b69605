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
