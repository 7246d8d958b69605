"""Choices of the design quality platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FmeaKind(models.TextChoices):
    # values are the kinds of ``qdm.quality.fmea.action_priority``
    DFMEA = "dfmea", _("Design FMEA (DFMEA)")
    PFMEA = "pfmea", _("Process FMEA (PFMEA)")


#: number prefix of every FMEA: FMEA-JX1-2026-00001 (site) or FMEA-GRP-2026-00001 (group)
FMEA_PREFIX = "FMEA"
GROUP_CODE = "GRP"


class FmeaStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    RELEASED = "released", _("Released")
    SUPERSEDED = "superseded", _("Superseded")


#: states in which an FMEA and its rows can no longer be changed
LOCKED_STATES = (FmeaStatus.RELEASED, FmeaStatus.SUPERSEDED)


class FourM(models.TextChoices):
    """Type of a PFMEA process work element (AIAG-VDA 4M, plus method and measurement)."""

    MAN = "man", _("Man")
    MACHINE = "machine", _("Machine")
    MATERIAL = "material", _("Material (indirect)")
    ENVIRONMENT = "environment", _("Environment (milieu)")
    METHOD = "method", _("Method")
    MEASUREMENT = "measurement", _("Measurement")


class ActionPriority(models.TextChoices):
    HIGH = "H", _("High")
    MEDIUM = "M", _("Medium")
    LOW = "L", _("Low")


#: sort rank of an action priority: H first
AP_RANK = {"H": 0, "M": 1, "L": 2}


class OptimisationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DECISION_PENDING = "pending", _("Decision pending")
    IMPLEMENTATION_PENDING = "implementing", _("Implementation pending")
    COMPLETED = "completed", _("Completed")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")


#: number prefix of every control plan: CP-JX1-2026-00001
CONTROL_PLAN_PREFIX = "CP"


class ControlPlanPhase(models.TextChoices):
    PROTOTYPE = "prototype", _("Prototype")
    PRE_LAUNCH = "pre_launch", _("Pre-launch")
    PRODUCTION = "production", _("Production")


class ControlPlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RELEASED = "released", _("Released")
    SUPERSEDED = "superseded", _("Superseded")


class ControlFrequency(models.TextChoices):
    # the same values as manufacturing's inspection-plan frequencies (published as-is)
    PER_LOT = "per_lot", _("Per lot")
    PER_SHIFT = "per_shift", _("Per shift")
    EVERY_N_HOURS = "hours", _("Every N hours")


class ControlChart(models.TextChoices):
    # the variables charts of manufacturing's SPC (published as-is); empty: no chart
    NONE = "", _("No SPC chart")
    IMR = "imr", _("I-MR (individuals and moving ranges)")
    XBAR_R = "xbar-r", _("X̄-R (subgroup means and ranges)")
    XBAR_S = "xbar-s", _("X̄-S (subgroup means and standard deviations)")
