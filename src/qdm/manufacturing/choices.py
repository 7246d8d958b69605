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
