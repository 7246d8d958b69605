"""Control plans (AIAG APQP / IATF 16949 Annex A) and gauge R&R studies.

A ``ControlPlan`` (prototype, pre-launch or production) of one module model's process at one
site lists, per ``ControlPlanLine``, the process step, machine, characteristic, its
specification, how it is evaluated, how many and how often, the control method and the
reaction plan. It goes draft → released (e-signed "approved"); a released plan is then
*published* to manufacturing, which creates or updates the site's inspection plan (code = the
control plan's number) and the SPC charts its lines name. A released plan is changed through a
new revision (same number, lines copied); publishing revision N+1 supersedes revision N.

An ``MsaStudy`` is one crossed gauge R&R study of a characteristic on a gauge: its data rows
(part, operator, value) and the results computed by ``qdm.quality.msa``; control-plan lines
point at the study that qualifies their evaluation technique.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.data.choices import SpecialClass
from qdm.design.choices import (
    ControlChart,
    ControlFrequency,
    ControlPlanPhase,
    ControlPlanStatus,
)
from qdm.quality.msa import METHODS, Method, MsaInputError, gauge_rr

C = ControlPlanStatus


def _has_lines(obj: ControlPlan, actor: Any) -> Any:
    return None if obj.lines.exists() else _("Add at least one control-plan line first.")


def _released(obj: ControlPlan, actor: Any) -> None:
    # a revision N+1 supersedes the revisions before it when it is *published*
    # (services.control_plan.publish): until then the older one stays in force
    obj.released_at = timezone.now()
    obj.save(update_fields=["released_at"])


CONTROL_PLAN_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "release",
            _("Release"),
            (C.DRAFT,),
            C.RELEASED,
            guard=_has_lines,
            signature="approved",
            style="success",
            on_done=_released,
        ),
    ],
)


class ControlPlan(models.Model):
    """One control plan of a module model's process at a site, one revision."""

    number = models.CharField(_("number"), max_length=40, editable=False, db_index=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    phase = models.CharField(_("phase"), max_length=12, choices=ControlPlanPhase.choices)
    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        "data.ModuleModel", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    process = models.CharField(
        _("process"), max_length=200, help_text=_("E.g. module assembly: layup to flash test.")
    )
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    line = models.ForeignKey(
        "core.Line",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
        help_text=_("The line whose SPC charts the plan's chart lines create."),
    )
    fmea = models.ForeignKey(
        "design.Fmea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="control_plans",
        verbose_name=_("PFMEA"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=C.choices,
        default=C.DRAFT,
        editable=False,
        db_index=True,
    )
    revised_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="revisions",
        verbose_name=_("revised from"),
    )
    revision_reason = models.TextField(_("reason for the revision"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    scope = Scope(site="site")
    workflow = CONTROL_PLAN_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("control plan")
        verbose_name_plural = _("control plans")
        ordering = ["-created_at", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "revision"], name="control_plan_number_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} rev {self.revision} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("design:controlplan_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != C.DRAFT

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.site_id and self.line is not None and self.line.workshop.site_id != self.site_id:
            errors["line"] = _("The line must belong to the plan's site.")
        if self.fmea is not None and self.fmea.kind != "pfmea":
            errors["fmea"] = _("A control plan is generated from a process FMEA (PFMEA).")
        if self.pk and self.line_id is None and self.lines.exclude(chart_type="").exists():
            errors["line"] = _(
                "The plan has chart lines: an SPC chart is per line, so the line stays set."
            )
        if errors:
            raise ValidationError(errors)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status != C.DRAFT:
            raise ProtectedError(str(_("Only a draft control plan can be deleted.")), {self})
        return super().delete(*args, **kwargs)


class MsaStudy(models.Model):
    """One crossed gauge R&R study of a characteristic on a gauge (AIAG MSA 4th ed.)."""

    title = models.CharField(_("title"), max_length=200)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("characteristic"),
    )
    gauge = models.CharField(_("gauge"), max_length=200)
    method = models.CharField(
        _("method"),
        max_length=10,
        choices=[("anova", _("ANOVA")), ("xbar-r", _("Average and range"))],
        default="anova",
    )
    tolerance = models.FloatField(_("tolerance"), null=True, blank=True)
    data = models.JSONField(
        _("measurements"), default=list, help_text=_("Rows of [part, operator, value].")
    )
    study_date = models.DateField(_("study date"), default=timezone.localdate)
    repeatability = models.FloatField(_("repeatability (EV)"), null=True, editable=False)
    reproducibility = models.FloatField(_("reproducibility (AV)"), null=True, editable=False)
    grr = models.FloatField(_("GRR"), null=True, editable=False)
    part_to_part = models.FloatField(_("part-to-part (PV)"), null=True, editable=False)
    total = models.FloatField(_("total variation (TV)"), null=True, editable=False)
    pct_study_var_grr = models.FloatField(
        _("Percent GRR of study variation"), null=True, editable=False
    )
    pct_tolerance_grr = models.FloatField(_("Percent GRR of tolerance"), null=True, editable=False)
    ndc = models.PositiveIntegerField(_("distinct categories (ndc)"), null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("MSA study")
        verbose_name_plural = _("MSA studies")
        ordering = ["-study_date", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("design:msastudy_detail", args=[self.pk])

    @property
    def verdict(self) -> str:
        """AIAG MSA 4th ed. guideline on %GRR: < 10 % acceptable, 10–30 % marginal."""
        if self.pct_study_var_grr is None:
            return ""
        if self.pct_study_var_grr < 10:
            return str(_("Acceptable"))
        return str(_("Marginal")) if self.pct_study_var_grr <= 30 else str(_("Unacceptable"))

    def clean(self) -> None:
        """Validates the rows and fills in the results; the error names the problem."""
        if self.method not in METHODS:
            raise ValidationError({"method": _("Unknown method.")})
        try:
            rows = [(str(p), str(o), float(v)) for p, o, v in self.data]
        except (TypeError, ValueError):
            raise ValidationError(
                {"data": _("Each measurement must be a row [part, operator, value].")}
            ) from None
        try:
            # ``method`` was checked against METHODS above
            res = gauge_rr(rows, method=cast(Method, self.method), tolerance=self.tolerance)
        except MsaInputError as exc:
            raise ValidationError({"data": str(exc)}) from None
        for name, value in res.to_dict().items():
            if name != "method":
                setattr(self, name, value)


class ControlPlanLine(models.Model):
    """One characteristic of a control plan and how it is controlled."""

    plan = models.ForeignKey(
        ControlPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("control plan")
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=10)
    process_step = models.CharField(_("process step"), max_length=200)
    machine = models.CharField(_("machine, device, jig, tools"), max_length=200, blank=True)
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("characteristic"),
    )
    special_class = models.CharField(
        _("special characteristic class"),
        max_length=2,
        blank=True,
        choices=SpecialClass.choices,
        default=SpecialClass.NONE,
    )
    specification = models.CharField(_("specification / tolerance"), max_length=200)
    evaluation_technique = models.CharField(_("evaluation / measurement technique"), max_length=200)
    sample_size = models.PositiveIntegerField(_("sample size"))
    frequency = models.CharField(
        _("frequency"),
        max_length=10,
        choices=ControlFrequency.choices,
        default=ControlFrequency.PER_LOT,
    )
    frequency_hours = models.PositiveSmallIntegerField(_("every N hours"), null=True, blank=True)
    control_method = models.CharField(_("control method"), max_length=200)
    chart_type = models.CharField(
        _("SPC chart"), max_length=10, choices=ControlChart.choices, blank=True, default=""
    )
    reaction_plan = models.TextField(_("reaction plan"))
    msa_study = models.ForeignKey(
        MsaStudy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="control_plan_lines",
        verbose_name=_("MSA study"),
    )
    fmea_item = models.ForeignKey(
        "design.FmeaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("PFMEA failure chain"),
    )

    scope = Scope(site="plan__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("control-plan line")
        verbose_name_plural = _("control-plan lines")
        ordering = ["plan", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "characteristic"], name="control_plan_line_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan.number} · {self.process_step} · {self.characteristic.code}"

    def get_absolute_url(self) -> str:
        return reverse("design:controlplanline_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.sample_size is not None and self.sample_size < 1:
            errors["sample_size"] = _("The sample size must be at least 1.")
        if self.frequency == ControlFrequency.EVERY_N_HOURS and not self.frequency_hours:
            errors["frequency_hours"] = _("Say every how many hours.")
        if self.chart_type == ControlChart.XBAR_R and not 2 <= (self.sample_size or 0) <= 25:
            errors["sample_size"] = _("An X̄-R chart needs a sample size of 2 to 25.")
        if self.chart_type == ControlChart.XBAR_S and (self.sample_size or 0) < 2:
            errors["sample_size"] = _("An X̄-S chart needs a sample size of at least 2.")
        if self.chart_type and self.plan_id and not self.plan.line_id:
            errors["chart_type"] = _("Set the control plan's line first: a chart is per line.")
        if self.plan_id and self.plan.is_locked:
            errors["plan"] = _("%(plan)s is released and can no longer be changed.") % {
                "plan": f"{self.plan.number} rev {self.plan.revision}"
            }
        if errors:
            raise ValidationError(errors)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.plan.is_locked:
            raise ProtectedError(str(_("A released control plan cannot be changed.")), {self})
        return super().delete(*args, **kwargs)
