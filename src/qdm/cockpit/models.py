"""Materialised KPI values of the quality cockpit (one row per KPI, site, granularity and
period). Written in bulk by ``qdm kpis compute`` (a day's rows are replaced, months are
rolled up from the day rows); pages read only these rows."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class Granularity(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("ISO week")
    MONTH = "month", _("Month")


class KpiValue(models.Model):
    """The value of one KPI (see ``qdm.cockpit.kpis.REGISTRY``) at one site for one day or
    month, with the numerator and denominator it was computed from."""

    kpi = models.CharField(_("KPI"), max_length=40)
    site = models.ForeignKey(
        "core.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    granularity = models.CharField(
        _("granularity"), max_length=10, choices=Granularity.choices, default=Granularity.DAY
    )
    period_start = models.DateField(_("period start"))
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        ordering = ["kpi", "site", "granularity", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "site", "granularity", "period_start"], name="cockpit_kpi_unique"
            )
        ]
        indexes = [models.Index(fields=["granularity", "period_start", "kpi"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.site_id} {self.granularity} {self.period_start}: {self.value}"


class Dimension(models.TextChoices):
    GROUP = "group", _("Group")
    LINE = "line", _("Line")
    PRODUCT = "product", _("Product")


class KpiBreakdown(models.Model):
    """The value of one KPI for one line or one module model (product) of a site, or for the
    whole group (company-wide KPIs such as the supplier grade distribution, ``site`` empty),
    for one day, ISO week (``period_start`` its Monday) or month. Written with the site
    values by ``qdm kpis compute``; the site values stay in ``KpiValue``."""

    kpi = models.CharField(_("KPI"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    line = models.ForeignKey(
        "core.Line",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
    )
    product = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
    )
    granularity = models.CharField(
        _("granularity"), max_length=10, choices=Granularity.choices, default=Granularity.DAY
    )
    period_start = models.DateField(_("period start"))
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("KPI breakdown value")
        verbose_name_plural = _("KPI breakdown values")
        ordering = ["kpi", "dimension", "site", "granularity", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "line", "granularity", "period_start"],
                condition=models.Q(dimension="line"),
                name="cockpit_kpi_line_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi", "site", "product", "granularity", "period_start"],
                condition=models.Q(dimension="product"),
                name="cockpit_kpi_product_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi", "granularity", "period_start"],
                condition=models.Q(dimension="group"),
                name="cockpit_kpi_group_unique",
            ),
        ]
        indexes = [models.Index(fields=["kpi", "dimension", "granularity", "period_start"])]

    def __str__(self) -> str:
        return (
            f"{self.kpi} {self.dimension} {self.site_id}/{self.line_id}/{self.product_id} "
            f"{self.granularity} {self.period_start}: {self.value}"
        )


class GoalLevel(models.TextChoices):
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")
    POST = "post", _("Post")


class GoalDirection(models.TextChoices):
    AT_LEAST = "at_least", _("At least (≥)")
    AT_MOST = "at_most", _("At most (≤)")


class QualityGoal(models.Model):
    """An annual quality objective on a KPI of the registry (e.g. group module FPY ≥ 98.5 %),
    cascaded company → department → post. The actual value is never typed: it is read
    from the materialised ``KpiValue`` rows of the goal's year and site (all sites for a
    group goal); see ``qdm.cockpit.services_goals``."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(
        _("level"), max_length=12, choices=GoalLevel.choices, default=GoalLevel.COMPANY
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent goal"),
    )
    kpi = models.CharField(_("KPI"), max_length=40)
    direction = models.CharField(_("direction"), max_length=10, choices=GoalDirection.choices)
    target = models.FloatField(_("target"))
    amber_band = models.FloatField(
        _("amber band"),
        default=1.0,
        help_text=_(
            "How far (in the KPI's unit) the value may miss the target and still be amber "
            "instead of red."
        ),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Leave empty for a goal of the whole group (measured over all sites)."),
    )
    department = models.ForeignKey(
        "system.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    post = models.ForeignKey(
        "system.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("post"),
    )
    owner = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("quality goal")
        verbose_name_plural = _("quality goals")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cockpit:qualitygoal_detail", args=[self.pk])


class PdcaPhase(models.TextChoices):
    PLAN = "plan", _("Plan")
    DO = "do", _("Do")
    CHECK = "check", _("Check")
    ACT = "act", _("Act")


class GoalReview(models.Model):
    """A PDCA review recorded against a quality goal: what was checked, what was found,
    what will be done next. The measured value and status at the time are stored with it."""

    goal = models.ForeignKey(
        QualityGoal, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("goal")
    )
    reviewed_on = models.DateField(_("reviewed on"))
    phase = models.CharField(_("PDCA phase"), max_length=8, choices=PdcaPhase.choices)
    findings = models.TextField(_("findings"))
    actions = models.TextField(_("next actions"), blank=True)
    actual_at_review = models.FloatField(_("actual at review"), null=True, blank=True)
    status_at_review = models.CharField(_("status at review"), max_length=10, blank=True)
    reviewer = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )

    scope = Scope(site="goal__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("goal review")
        verbose_name_plural = _("goal reviews")
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.goal.code} {self.reviewed_on} {self.get_phase_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cockpit:goalreview_detail", args=[self.pk])


from qdm.cockpit.models_alerts import AlertKind, AlertRule, CockpitAlert  # noqa: E402,F401
from qdm.cockpit.models_copq import *  # noqa: E402,F403
from qdm.cockpit.models_home import HomeLayout  # noqa: E402,F401  (the home page layouts)
