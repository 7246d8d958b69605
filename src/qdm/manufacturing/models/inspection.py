"""Inspection plans (IQC / IPQA / OQC) and inspection lots with their records.

A *plan* says, for one material or module model at one stage and site, what to check:
one line per catalog characteristic with method, gauge, sample size or ISO 2859-1 sampling
scheme, frequency and reaction plan. Plans are versioned: a draft is edited, then released
with an e-signature, which supersedes the version released before it.

An *inspection lot* applies a released plan to a quantity of one traceable unit (a receipt
may be inspected in several lots). Its *records* are one row per (sample, characteristic):
a measured value or a pass/fail. Completing the lot computes the verdict against the
specification in force at inspection time; a failed lot opens (or links to) a system
nonconformity and puts the unit on hold.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, TransitionError, Workflow
from qdm.manufacturing.choices import (
    Frequency,
    InspectionStage,
    InspectionStatus,
    PlanStatus,
    SamplingMethod,
    Verdict,
)

P = PlanStatus
I = InspectionStatus  # noqa: E741


def _has_lines(obj: InspectionPlan, actor: Any) -> Any:
    return None if obj.lines.exists() else _("Add at least one plan line first.")


def _plan_released(obj: InspectionPlan, actor: Any) -> None:
    obj.released_at = timezone.now()
    obj.save(update_fields=["released_at"])
    InspectionPlan.objects.filter(code=obj.code, status=P.RELEASED).exclude(pk=obj.pk).update(
        status=P.SUPERSEDED
    )


PLAN_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "release",
            _("Release plan"),
            (P.DRAFT,),
            P.RELEASED,
            guard=_has_lines,
            signature="approved",
            style="success",
            on_done=_plan_released,
        ),
        Transition("retire", _("Retire"), (P.DRAFT, P.RELEASED), P.RETIRED, style="outline-danger"),
    ],
)


class InspectionPlan(models.Model):
    """What to inspect on a material or module model at one stage and site (one version)."""

    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=10, choices=InspectionStage.choices)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    material = models.ForeignKey(
        "data.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("material"),
    )
    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PlanStatus.choices,
        default=PlanStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
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

    scope = Scope(site="site")
    workflow = PLAN_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="inspection_plan_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:inspectionplan_detail", args=[self.pk])

    @property
    def product(self) -> Any:
        return self.material or self.module_model

    def clean(self) -> None:
        if bool(self.material_id) == bool(self.module_model_id):
            raise ValidationError(_("Choose either a material or a module model (exactly one)."))


class InspectionPlanLine(models.Model):
    """One characteristic of a plan: how, with what, how many and how often to check it,
    and what to do when it fails."""

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=10)
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("characteristic"),
    )
    method = models.CharField(_("method"), max_length=200, blank=True)
    gauge = models.CharField(_("gauge"), max_length=100, blank=True)
    sampling = models.CharField(
        _("sampling"), max_length=10, choices=SamplingMethod.choices, default=SamplingMethod.FIXED
    )
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    aql = models.CharField(_("AQL"), max_length=10, blank=True)
    inspection_level = models.CharField(_("inspection level"), max_length=5, default="II")
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.PER_LOT
    )
    frequency_hours = models.PositiveSmallIntegerField(_("every N hours"), null=True, blank=True)
    reaction_plan = models.TextField(_("reaction plan"), blank=True)

    scope = Scope(site="plan__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("inspection plan line")
        verbose_name_plural = _("inspection plan lines")
        ordering = ["plan", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "characteristic"], name="inspection_plan_line_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.characteristic.code}"

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()

    def clean(self) -> None:
        from qdm.quality.sampling import SamplingError, normalize_aql, normalize_level

        errors: dict[str, Any] = {}
        if self.sampling == SamplingMethod.FIXED and not self.sample_size:
            errors["sample_size"] = _("A fixed sampling needs a sample size of at least 1.")
        if self.sampling == SamplingMethod.ISO2859:
            try:
                normalize_aql(self.aql)
            except SamplingError:
                errors["aql"] = _("Give an AQL of the ISO 2859-1 preferred series, e.g. 0.65.")
            try:
                normalize_level(self.inspection_level)
            except SamplingError:
                errors["inspection_level"] = _("Use an inspection level S-1…S-4, I, II or III.")
        if self.frequency == Frequency.EVERY_N_HOURS and not self.frequency_hours:
            errors["frequency_hours"] = _("Say every how many hours.")
        if errors:
            raise ValidationError(errors)


def _complete(obj: InspectionLot, actor: Any) -> None:
    from qdm.manufacturing.services.inspection import InspectionError, judge_lot

    try:
        judge_lot(obj, actor=actor)
    except InspectionError as exc:
        raise TransitionError("guard_failed", str(exc)) from exc


LOT_WORKFLOW = Workflow(
    field="status",
    transitions=[
        # inspectors (who may add records but not change lots) complete their own lots
        Transition(
            "complete",
            _("Complete and judge"),
            (I.OPEN,),
            I.COMPLETED,
            permission="manufacturing.add_inspectionrecord",
            on_done=_complete,
        ),
        Transition("cancel", _("Cancel"), (I.OPEN,), I.CANCELLED, style="outline-danger"),
    ],
)


class InspectionLot(models.Model):
    """One inspection of a quantity of one unit (a lot, pallet or module) against a plan."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, related_name="lots", verbose_name=_("plan")
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("site"),
    )
    unit = models.ForeignKey(
        "data.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit inspected")
    )
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("supplier"),
    )
    reference = models.CharField(_("receipt or order reference"), max_length=60, blank=True)
    quantity = models.DecimalField(
        _("quantity in this inspection lot"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("inspector"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InspectionStatus.choices,
        default=InspectionStatus.OPEN,
        editable=False,
        db_index=True,
    )
    verdict = models.CharField(
        _("verdict"),
        max_length=10,
        choices=Verdict.choices,
        default=Verdict.PENDING,
        editable=False,
    )
    verdict_summary = models.TextField(_("verdict details"), blank=True, editable=False)
    nonconformity = models.ForeignKey(
        "system.Nonconformity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("nonconformity"),
    )
    hold = models.ForeignKey(
        "manufacturing.Hold",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("hold"),
    )

    scope = Scope(site="site", supplier="supplier")
    workflow = LOT_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("inspection lot")
        verbose_name_plural = _("inspection lots")
        ordering = ["-inspected_at"]
        indexes = [models.Index(fields=["site", "inspected_at"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:inspectionlot_detail", args=[self.pk])


class InspectionRecord(models.Model):
    """One result: one sample, one characteristic. ``conforming`` is judged on entry
    against the specification in force at the lot's inspection time (kept in ``lsl``/``usl``
    so the verdict can be read later even if the specification changes)."""

    lot = models.ForeignKey(
        InspectionLot, on_delete=models.CASCADE, related_name="records", verbose_name=_("lot")
    )
    line = models.ForeignKey(
        InspectionPlanLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan line")
    )
    sample = models.PositiveIntegerField(_("sample"))
    value = models.FloatField(_("value"), null=True, blank=True)
    passed = models.BooleanField(_("attribute pass"), null=True, blank=True)
    specification = models.ForeignKey(
        "data.Specification",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specification"),
    )
    lsl = models.FloatField(_("LSL"), null=True, blank=True)
    usl = models.FloatField(_("USL"), null=True, blank=True)
    conforming = models.BooleanField(_("conforming"))

    scope = Scope(site="lot__site", supplier="lot__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")
        ordering = ["lot", "line__sequence", "sample"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "line", "sample"], name="inspection_record_once")
        ]

    def __str__(self) -> str:
        shown = self.value if self.value is not None else self.passed
        return f"{self.lot} #{self.sample} {self.line.characteristic.code} = {shown}"
