"""SPC monitoring: a control chart per characteristic and line, its frozen limits, the rule
violations found as data lands, and the assignable causes engineers note on it.

A chart starts as a *draft* (chart type, subgroup size, rules, baseline period). "Freeze
limits" computes the limits from the baseline period's measurements with
:mod:`qdm.quality.spc` and requires an e-signature; the chart is then *active*: new
measurements are evaluated against those frozen limits (phase II). "Recalculate" computes
them again from the (possibly changed) baseline period, also e-signed. A chart no longer
needed is *retired*; its history stays.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, TransitionError, Workflow
from qdm.manufacturing.choices import ChartPart, ChartStatus, ChartType, RuleSet, rule_label

S = ChartStatus

#: settings the frozen limits depend on: they cannot change while the chart is active
FROZEN_BY = (
    "characteristic",
    "line",
    "site",
    "supplier",
    "material",
    "chart_type",
    "subgroup_size",
)


def _baseline_ready(obj: SpcChartConfig, actor: Any) -> Any:
    if obj.baseline_from is None or obj.baseline_to is None:
        return _("Set the baseline period first.")
    if obj.baseline_from >= obj.baseline_to:
        return _("The baseline period must end after it starts.")
    return None


def _freeze(obj: SpcChartConfig, actor: Any) -> None:
    from qdm.manufacturing.services.spc import LimitsError, freeze_limits

    try:
        freeze_limits(obj, actor=actor)
    except LimitsError as exc:
        # raised inside the transition's transaction: signature and status roll back
        raise TransitionError("guard_failed", str(exc)) from exc


SPC_CHART_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "freeze",
            _("Freeze limits"),
            (S.DRAFT,),
            S.ACTIVE,
            guard=_baseline_ready,
            signature="approved",
            on_done=_freeze,
        ),
        Transition(
            "recalculate",
            _("Recalculate limits"),
            (S.ACTIVE,),
            S.ACTIVE,
            guard=_baseline_ready,
            signature="approved",
            style="warning",
            on_done=_freeze,
        ),
        Transition("retire", _("Retire"), (S.DRAFT, S.ACTIVE), S.RETIRED, style="outline-danger"),
        Transition("reactivate", _("Back to draft"), (S.RETIRED,), S.DRAFT, style="secondary"),
    ],
)


class SpcChartConfig(models.Model):
    """A control chart of one characteristic, either on one line (process and product
    characteristics) or, for incoming inspection, of one supplier's material at one site
    (the IQC measurements of that supplier's lots of that material): how it is drawn, which
    rules it watches, the limits frozen from its baseline period and what happens on a
    violation."""

    name = models.CharField(_("name"), max_length=200)
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("characteristic"),
    )
    line = models.ForeignKey(
        "core.Line",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
        help_text=_("A line chart: the characteristic as measured on this line."),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Taken from the line for a line chart; required for an IQC chart."),
    )
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
        help_text=_("An IQC chart: the measurements of this supplier's lots of the material."),
    )
    material = models.ForeignKey(
        "data.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("material"),
    )
    chart_type = models.CharField(
        _("chart type"), max_length=10, choices=ChartType.choices, default=ChartType.IMR
    )
    subgroup_size = models.PositiveSmallIntegerField(
        _("subgroup size"),
        default=1,
        help_text=_(
            "X̄ charts: measurements per subgroup (2-25 for X̄-R). p, np, c, u charts: units "
            "inspected per sample (each measurement is the count found in it)."
        ),
    )
    rule_set = models.CharField(
        _("run rules"), max_length=10, choices=RuleSet.choices, default=RuleSet.NELSON
    )
    baseline_from = models.DateTimeField(_("baseline from"), null=True, blank=True)
    baseline_to = models.DateTimeField(_("baseline to"), null=True, blank=True)
    center = models.FloatField(_("center line"), null=True, blank=True, editable=False)
    lcl = models.FloatField(_("LCL"), null=True, blank=True, editable=False)
    ucl = models.FloatField(_("UCL"), null=True, blank=True, editable=False)
    sigma = models.FloatField(_("sigma"), null=True, blank=True, editable=False)
    secondary_limits = models.JSONField(
        _("secondary chart limits"), null=True, blank=True, editable=False
    )
    baseline_points = models.PositiveIntegerField(
        _("baseline points"), null=True, blank=True, editable=False
    )
    limits_frozen_at = models.DateTimeField(
        _("limits frozen at"), null=True, blank=True, editable=False
    )
    open_nc_on_violation = models.BooleanField(
        _("open a nonconformity on violation"), default=False
    )
    notify = models.BooleanField(_("notify the site's quality engineers"), default=True)
    hold_on_violation = models.BooleanField(
        _("hold what was produced since the last good point"),
        default=False,
        help_text=_(
            "On a violation, put the units and lots behind the points since the last "
            "in-control point on hold (one hold per evaluation, linked to the nonconformity)."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChartStatus.choices,
        default=ChartStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    last_evaluated_at = models.DateTimeField(
        _("last evaluated point"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    scope = Scope(site="site", supplier="supplier")
    workflow = SPC_CHART_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("SPC chart")
        verbose_name_plural = _("SPC charts")
        ordering = ["site__code", "line__code", "characteristic__code", "name"]
        indexes = [
            models.Index(fields=["characteristic", "line", "status"]),
            models.Index(fields=["characteristic", "site", "status"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:spcchartconfig_detail", args=[self.pk])

    def get_chart_url(self) -> str:
        return reverse("manufacturing:spcchartconfig_chart", args=[self.pk])

    @property
    def is_iqc(self) -> bool:
        """Keyed on supplier × material (incoming inspection), not on a line."""
        return self.line_id is None

    @property
    def scope_label(self) -> str:
        if self.line_id is not None:
            return str(self.line)
        return f"{self.supplier} × {self.material} @ {self.site.code}"

    @property
    def has_limits(self) -> bool:
        return self.center is not None and self.sigma is not None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        n = self.subgroup_size or 0
        if self.chart_type == ChartType.XBAR_R and not 2 <= n <= 25:
            errors["subgroup_size"] = _("An X̄-R chart needs subgroups of 2 to 25.")
        elif self.chart_type == ChartType.XBAR_S and n < 2:
            errors["subgroup_size"] = _("An X̄-S chart needs subgroups of at least 2.")
        elif n < 1:
            errors["subgroup_size"] = _("The subgroup size must be at least 1.")
        if self.baseline_from and self.baseline_to and self.baseline_from >= self.baseline_to:
            errors["baseline_to"] = _("The baseline period must end after it starts.")
        self._clean_keys(errors)
        if self.pk and self.status == ChartStatus.ACTIVE:
            before = type(self)._default_manager.filter(pk=self.pk).values(*FROZEN_BY).first()
            for name in FROZEN_BY:
                # FROZEN_BY names concrete fields only (never a reverse relation)
                field = cast("models.Field[Any, Any]", self._meta.get_field(name))
                current = getattr(self, field.attname)
                if before and before[name] != current:
                    errors[name] = _(
                        "The limits are frozen for this setting: retire the chart and create "
                        "a new one to change it."
                    )
        if errors:
            raise ValidationError(errors)

    def _clean_keys(self, errors: dict[str, Any]) -> None:
        """A line chart has a line (its site follows); an IQC chart has a supplier, a
        material and a site, and no line."""
        if self.line is not None:
            if self.supplier_id is not None or self.material_id is not None:
                errors["line"] = _(
                    "A chart is either on a line or of a supplier's material (IQC), not both."
                )
            self.site_id = self.line.workshop.site_id
            return
        if self.supplier_id is None and self.material_id is None:
            errors["line"] = _("Choose a line, or a supplier and a material for an IQC chart.")
            return
        if self.supplier_id is None:
            errors["supplier"] = _("An IQC chart needs the supplier.")
        if self.material_id is None:
            errors["material"] = _("An IQC chart needs the material.")
        if self.site_id is None:
            errors["site"] = _("An IQC chart needs the site whose incoming lots it watches.")


class SpcViolation(models.Model):
    """A run-rule violation found on an active chart, at the point that completes the
    pattern. Recorded once: evaluating the same data again adds nothing."""

    config = models.ForeignKey(
        SpcChartConfig,
        on_delete=models.CASCADE,
        related_name="violations",
        verbose_name=_("SPC chart"),
    )
    part = models.CharField(
        _("chart"), max_length=10, choices=ChartPart.choices, default=ChartPart.PRIMARY
    )
    rule = models.PositiveSmallIntegerField(_("rule"))
    point_time = models.DateTimeField(_("point time"))
    subjects = models.TextField(_("subjects"), blank=True)
    value = models.FloatField(_("value"))
    nonconformity = models.ForeignKey(
        "system.Nonconformity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nonconformity"),
    )
    hold = models.ForeignKey(
        "manufacturing.Hold",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hold"),
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(
        _("acknowledged at"), null=True, blank=True, editable=False, db_index=True
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("acknowledged by"),
    )
    acknowledgement = models.TextField(_("acknowledgement note"), blank=True, editable=False)

    scope = Scope(site="config__site", supplier="config__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("SPC violation")
        verbose_name_plural = _("SPC violations")
        ordering = ["-point_time", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["config", "part", "rule", "point_time"], name="spc_violation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.config} · {self.rule_label}"

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:spcviolation_detail", args=[self.pk])

    @property
    def rule_label(self) -> str:
        config = self.config
        return (
            f"{self.rule}: {rule_label(config.rule_set, config.chart_type, self.rule, self.part)}"
        )

    @property
    def subject_list(self) -> list[str]:
        return [s for s in self.subjects.split("\n") if s]

    @property
    def is_open_alert(self) -> bool:
        """Not acknowledged yet: an open alert for the cockpit."""
        return self.acknowledged_at is None


class SpcAnnotation(models.Model):
    """An assignable cause noted on a chart at a point in time."""

    config = models.ForeignKey(
        SpcChartConfig,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("SPC chart"),
    )
    point_time = models.DateTimeField(_("point time"))
    text = models.CharField(_("assignable cause"), max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    scope = Scope(site="config__site", supplier="config__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("SPC annotation")
        verbose_name_plural = _("SPC annotations")
        ordering = ["point_time"]

    def __str__(self) -> str:
        return f"{self.config}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return self.config.get_chart_url()
