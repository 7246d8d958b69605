"""Choices of the manufacturing quality platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChartType(models.TextChoices):
    XBAR_R = "xbar-r", _("X̄-R (subgroup means and ranges)")
    XBAR_S = "xbar-s", _("X̄-S (subgroup means and standard deviations)")
    IMR = "imr", _("I-MR (individuals and moving ranges)")
    P = "p", _("p (proportion defective)")
    NP = "np", _("np (number defective)")
    C = "c", _("c (defects per sample)")
    U = "u", _("u (defects per unit)")
    EWMA = "ewma", _("EWMA")
    CUSUM = "cusum", _("CUSUM")


#: charts whose points are subgroups of ``subgroup_size`` measurements
SUBGROUP_CHARTS = (ChartType.XBAR_R, ChartType.XBAR_S)
#: charts whose measurement value is a count in a sample of ``subgroup_size`` units
ATTRIBUTE_CHARTS = (ChartType.P, ChartType.NP, ChartType.C, ChartType.U)


class RuleSet(models.TextChoices):
    NELSON = "nelson", _("Nelson (8 rules)")
    WESTERN_ELECTRIC = "we", _("Western Electric (4 rules)")
    NONE = "none", _("Limits only")


class ChartStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active (limits frozen)")
    RETIRED = "retired", _("Retired")


class ChartPart(models.TextChoices):
    PRIMARY = "primary", _("Control chart")
    SECONDARY = "secondary", _("Dispersion chart")


NELSON_RULES = {
    1: _("One point beyond 3σ"),
    2: _("Nine points in a row on one side of the center line"),
    3: _("Six points in a row steadily increasing or decreasing"),
    4: _("Fourteen points in a row alternating up and down"),
    5: _("Two of three points beyond 2σ on the same side"),
    6: _("Four of five points beyond 1σ on the same side"),
    7: _("Fifteen points in a row within 1σ"),
    8: _("Eight points in a row beyond 1σ on either side"),
}
WE_RULES = {
    1: _("One point beyond 3σ"),
    2: _("Two of three points beyond 2σ on the same side"),
    3: _("Four of five points beyond 1σ on the same side"),
    4: _("Eight points in a row on one side of the center line"),
}
SIGNAL_RULE = _("Signal beyond the decision limits")
DISPERSION_RULE = _("Dispersion beyond its control limits")


def rule_label(rule_set: str, chart: str, rule: int, part: str = ChartPart.PRIMARY) -> str:
    """A readable name of a rule as recorded on a chart."""
    if part == ChartPart.SECONDARY:
        return str(DISPERSION_RULE)
    if chart in (ChartType.EWMA, ChartType.CUSUM):
        return str(SIGNAL_RULE)
    table = WE_RULES if rule_set == RuleSet.WESTERN_ELECTRIC else NELSON_RULES
    return str(table.get(rule, rule))


# --- inspection, holds and MRB, OQC release ----------------------------------------------
class InspectionStage(models.TextChoices):
    IQC = "iqc", _("Incoming inspection (IQC)")
    IPQA = "ipqa", _("In-process inspection (IPQA)")
    OQC = "oqc", _("Outgoing inspection (OQC)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RELEASED = "released", _("Released")
    SUPERSEDED = "superseded", _("Superseded")
    RETIRED = "retired", _("Retired")


class SamplingMethod(models.TextChoices):
    FIXED = "fixed", _("Fixed sample size (accept on zero nonconforming)")
    ISO2859 = "iso2859", _("ISO 2859-1 single sampling (AQL)")


class Frequency(models.TextChoices):
    PER_LOT = "per_lot", _("Per lot")
    PER_SHIFT = "per_shift", _("Per shift")
    EVERY_N_HOURS = "hours", _("Every N hours")


class InspectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Verdict(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class HoldStatus(models.TextChoices):
    ON_HOLD = "on_hold", _("On hold")
    RELEASED = "released", _("Released")
    DISPOSITIONED = "dispositioned", _("Dispositioned")


class HoldSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    INSPECTION = "inspection", _("Failed inspection")
    SPC = "spc", _("SPC signal")


class DispositionDecision(models.TextChoices):
    USE_AS_IS = "use_as_is", _("Use as is")
    REWORK = "rework", _("Rework")
    DOWNGRADE = "downgrade", _("Downgrade (B-grade)")
    RETURN_TO_SUPPLIER = "return", _("Return to supplier")
    SCRAP = "scrap", _("Scrap")


#: decisions after which the material may not be shipped as first-grade product
BLOCKING_DECISIONS = (DispositionDecision.RETURN_TO_SUPPLIER, DispositionDecision.SCRAP)


class DispositionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReleaseStatus(models.TextChoices):
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected")
