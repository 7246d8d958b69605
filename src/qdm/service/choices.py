"""Choices of the customer-service quality platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Investigating")
    EIGHT_D = "8d", _("8D in progress")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected (invalid)")


class Responsibility(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    SUPPLIER = "supplier", _("Supplier")
    TRANSPORT = "transport", _("Transport")
    INSTALLATION = "installation", _("Installation")


class Symptom(models.TextChoices):
    """Field failure modes of the PV reference (§5.1), used as complaint codes."""

    HOT_SPOT = "HOTSPOT", _("Hot spot")
    PID = "PID", _("PID (potential-induced degradation)")
    LID = "LID", _("LID / LeTID")
    UVID = "UVID", _("UV-induced degradation")
    CRACK = "CRACK", _("Cell cracks")
    SNAIL = "SNAIL", _("Snail trails")
    DELAM = "DELAM", _("Delamination / bubbles")
    BACKSHEET = "BACKSHEET", _("Backsheet cracking / yellowing")
    CORROSION = "CORROSION", _("Corrosion (ribbons, fingers)")
    JBOX = "JBOX", _("Junction box / bypass diode failure")
    CONNECTOR = "CONNECTOR", _("Connector failure")
    GLASS = "GLASS", _("Glass breakage")
    FRAME = "FRAME", _("Frame corrosion / deformation")
    POWER = "POWER", _("Power shortfall vs nameplate")
    TRANSPORT = "TRANSPORT", _("Transport / packaging damage")


#: days from receipt to the SLA due date, per severity (response and containment)
SLA_DAYS = {"critical": 2, "major": 5, "minor": 10}
