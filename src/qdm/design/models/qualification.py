"""Reliability qualification (IEC 61215 design qualification, IEC 61730 safety): test
programmes, their sequences and samples, the pre/post measurements of every sample, and the
certificates the programmes support.

A ``QualificationProgramme`` qualifies one module model with one bill of materials (the
materials it was built with: ``materials``, and a ``bom_variant`` label) to one standard
edition. Its ``QualificationSequence`` rows are the test sequences (TC200, DH1000, UV → TC50 →
HF10 …); each ``QualificationSample`` is a module, by serial, sent through one sequence;
``QualificationResult`` is one measurement of a sample (stage 0 = before the sequence, then
after each step): flash Pmax, EL grade and major visual defects, insulation and wet-leakage
resistance × area. The verdict is computed by ``services.qualification.programme_verdict``
from the edition's pass criteria (data, versioned by edition).

A ``Certificate`` (body, number, standard and edition, issue date, expiry) covers module
models and the BOM of the programmes it was issued on. Scoping follows the FMEA: a site's
records are the site's; records with no site are group-wide.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.data.choices import ElGrade

#: number prefix of a qualification programme: QP-SA-2026-00001 (site) or QP-GRP-… (group)
PROGRAMME_PREFIX = "QP"


class QualificationStandard(models.TextChoices):
    """Standard and edition; parts -1 (requirements) and -2 (test procedures) together."""

    IEC61215_2016 = "iec61215:2016", _("IEC 61215-1/-2:2016 (design qualification)")
    IEC61215_2021 = "iec61215:2021", _("IEC 61215-1/-2:2021 (design qualification)")
    IEC61730_2016 = "iec61730:2016", _("IEC 61730-1/-2:2016 (safety qualification)")
    IEC61730_2023 = "iec61730:2023", _("IEC 61730-1/-2:2023 (safety qualification)")


class SequenceKind(models.TextChoices):
    TC200 = "tc200", _("Thermal cycling TC200")
    DH1000 = "dh1000", _("Damp heat DH1000")
    HF10 = "hf10", _("Humidity freeze HF10")
    UV = "uv", _("UV preconditioning (→ TC50 → HF10)")
    PID = "pid", _("Potential-induced degradation (PID)")
    DML = "dml", _("Dynamic mechanical load (→ TC50 → HF10)")
    SML = "sml", _("Static mechanical load")
    HAIL = "hail", _("Hail")
    HOT_SPOT = "hot_spot", _("Hot-spot endurance")
    BYPASS_DIODE = "bypass_diode", _("Bypass diode thermal")
    LETID = "letid", _("LeTID")
    WET_LEAKAGE = "wet_leakage", _("Wet leakage current")
    INSULATION = "insulation", _("Insulation")


class ProgrammeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TESTING = "testing", _("Testing")
    COMPLETED = "completed", _("Completed")


class Verdict(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    RETEST = "retest", _("Retest required")
    INCOMPLETE = "incomplete", _("Incomplete")


P = ProgrammeStatus


def _has_samples(obj: QualificationProgramme, actor: Any) -> Any:
    if obj.samples.exists():
        return None
    return _("Add at least one sample to a sequence first.")


def _all_measured(obj: QualificationProgramme, actor: Any) -> Any:
    from qdm.design.services.qualification import programme_verdict

    verdict = programme_verdict(obj)
    if verdict.verdict == Verdict.INCOMPLETE:
        missing = ", ".join(verdict.incomplete_serials()[:10])
        return _("Samples without a measurement before and after their sequence: %(serials)s") % {
            "serials": missing
        }
    return None


def _completed(obj: QualificationProgramme, actor: Any) -> None:
    from qdm.design.services.qualification import programme_verdict

    obj.verdict = programme_verdict(obj).verdict
    obj.completed_at = timezone.now()
    obj.save(update_fields=["verdict", "completed_at"])


PROGRAMME_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("start", _("Start testing"), (P.PLANNED,), P.TESTING, guard=_has_samples),
        Transition(
            "complete",
            _("Complete and sign the verdict"),
            (P.TESTING,),
            P.COMPLETED,
            guard=_all_measured,
            signature="approved",
            style="success",
            on_done=_completed,
        ),
    ],
)


class QualificationProgramme(models.Model):
    """One qualification test programme of a module model and BOM to a standard edition."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    standard = models.CharField(_("standard"), max_length=20, choices=QualificationStandard.choices)
    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("module model"),
    )
    bom_variant = models.CharField(
        _("BOM variant"), max_length=60, help_text=_("E.g. BOM-A (POE/POE, 2.0 mm glass).")
    )
    materials = models.ManyToManyField(
        "data.Material",
        related_name="+",
        blank=True,
        verbose_name=_("qualified BOM materials"),
        help_text=_("The materials the samples were built with; empty: the model's current BOM."),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Empty for a group-wide programme."),
    )
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProgrammeStatus.choices,
        default=P.PLANNED,
        editable=False,
        db_index=True,
    )
    verdict = models.CharField(
        _("signed verdict"), max_length=12, choices=Verdict.choices, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    workflow = PROGRAMME_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("qualification programme")
        verbose_name_plural = _("qualification programmes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("design:qualificationprogramme_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status == P.COMPLETED

    def locked_error(self) -> ValidationError:
        return ValidationError(
            _("%(number)s is completed and its verdict signed: it can no longer be changed."),
            code="programme_locked",
            params={"number": self.number},
        )

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status != P.PLANNED:
            raise ProtectedError(str(_("Only a planned programme can be deleted.")), {self})
        return super().delete(*args, **kwargs)


def _refuse_if_locked(programme: QualificationProgramme) -> None:
    if programme.is_locked:
        raise ProtectedError(str(programme.locked_error().messages[0]), {programme})


class QualificationSequence(models.Model):
    """One test sequence of a programme, e.g. TC200 or UV15 → TC50 → HF10."""

    programme = models.ForeignKey(
        QualificationProgramme,
        on_delete=models.CASCADE,
        related_name="sequences",
        verbose_name=_("programme"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("sequence"), max_length=20, choices=SequenceKind.choices)
    steps = models.CharField(
        _("steps"),
        max_length=200,
        blank=True,
        help_text=_("The tests in order, e.g. UV15 → TC50 → HF10; empty: the sequence alone."),
    )
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope(site="programme__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("qualification sequence")
        verbose_name_plural = _("qualification sequences")
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.programme.number} #{self.position} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("design:qualificationsequence_detail", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_locked(self.programme)
        return super().delete(*args, **kwargs)


class QualificationSample(models.Model):
    """A module, by serial, sent through one sequence of a programme."""

    sequence = models.ForeignKey(
        QualificationSequence,
        on_delete=models.CASCADE,
        related_name="samples",
        verbose_name=_("sequence"),
    )
    programme = models.ForeignKey(
        QualificationProgramme,
        on_delete=models.CASCADE,
        related_name="samples",
        editable=False,
        verbose_name=_("programme"),
    )
    serial = models.CharField(_("serial number"), max_length=60)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    scope = Scope(site="programme__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("qualification sample")
        verbose_name_plural = _("qualification samples")
        ordering = ["programme", "sequence__position", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "serial"], name="qualification_sample_serial"
            )
        ]

    def __str__(self) -> str:
        return f"{self.serial} ({self.sequence})"

    def get_absolute_url(self) -> str:
        return reverse("design:qualificationsample_detail", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_locked(self.programme)
        return super().delete(*args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.programme_id = self.sequence.programme_id
        super().save(*args, **kwargs)


class QualificationResult(models.Model):
    """One measurement of a sample: stage 0 before the sequence, 1, 2 … after each step."""

    sample = models.ForeignKey(
        QualificationSample,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("sample"),
    )
    stage = models.PositiveSmallIntegerField(
        _("stage"), help_text=_("0: initial (before the sequence); 1, 2 …: after each step.")
    )
    step = models.CharField(_("after step"), max_length=60, blank=True)
    measured_on = models.DateField(_("measured on"), default=timezone.localdate)
    pmax_w = models.FloatField(_("flash Pmax (W)"), null=True, blank=True)
    el_grade = models.CharField(_("EL grade"), max_length=1, choices=ElGrade.choices, blank=True)
    major_visual_defect = models.BooleanField(_("major visual defect"), default=False)
    defects = models.CharField(_("defects seen (EL, visual)"), max_length=300, blank=True)
    insulation_mohm_m2 = models.FloatField(
        _("insulation resistance × area (MΩ·m²)"), null=True, blank=True
    )
    wet_leakage_mohm_m2 = models.FloatField(
        _("wet leakage resistance × area (MΩ·m²)"), null=True, blank=True
    )

    scope = Scope(site="sample__programme__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("qualification result")
        verbose_name_plural = _("qualification results")
        ordering = ["sample", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "stage"], name="qualification_result_stage")
        ]

    def __str__(self) -> str:
        return f"{self.sample.serial} stage {self.stage}"

    def get_absolute_url(self) -> str:
        return reverse("design:qualificationresult_detail", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_locked(self.sample.programme)
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        for name in ("pmax_w", "insulation_mohm_m2", "wet_leakage_mohm_m2"):
            value = getattr(self, name)
            if value is not None and value < 0:
                label = self._meta.get_field(name).verbose_name  # type: ignore[union-attr]
                errors[name] = ValidationError(
                    _("%(field)s cannot be negative (got %(value)s).")
                    % {"field": capfirst(str(label)), "value": value},
                    code="negative",
                )
        if errors:
            raise ValidationError(errors)


class Certificate(models.Model):
    """A certificate of a certification body for module models and BOM variants."""

    body = models.CharField(_("certification body"), max_length=120)
    number = models.CharField(_("certificate number"), max_length=80)
    standard = models.CharField(_("standard"), max_length=20, choices=QualificationStandard.choices)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("The factory named on the certificate; empty for group-wide."),
    )
    module_models = models.ManyToManyField(
        "data.ModuleModel", related_name="+", verbose_name=_("module models")
    )
    programmes = models.ManyToManyField(
        QualificationProgramme,
        related_name="certificates",
        blank=True,
        verbose_name=_("qualification programmes"),
        help_text=_("The programmes whose BOM variants the certificate covers."),
    )
    bom_variants = models.CharField(_("BOM variants"), max_length=200, blank=True)
    issue_date = models.DateField(_("issue date"))
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["expiry_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="certificate_body_number")
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("design:certificate_detail", args=[self.pk])

    def clean(self) -> None:
        if self.expiry_date and self.issue_date and self.expiry_date <= self.issue_date:
            raise ValidationError(
                {
                    "expiry_date": ValidationError(
                        _("The expiry date %(expiry)s must be after the issue date %(issue)s."),
                        code="expiry_before_issue",
                        params={"expiry": self.expiry_date, "issue": self.issue_date},
                    )
                }
            )
