"""Monthly supplier scorecards per material category, and their configurable weights."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.supplier.choices import Grade

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _weight(label: StrOrPromise, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=default, validators=PERCENT)


class ScorecardWeights(models.Model):
    """How the monthly score is weighted and graded (one active row; group-wide)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    active = models.BooleanField(_("active"), default=True)
    weight_ppm = _weight(_("weight: incoming ppm"), 30)
    weight_acceptance = _weight(_("weight: lot acceptance rate"), 25)
    weight_scar = _weight(_("weight: SCAR count"), 10)
    weight_on_time = _weight(_("weight: SCAR on-time closure"), 10)
    weight_repeat = _weight(_("weight: repeat defects"), 15)
    weight_certificate = _weight(_("weight: certificate status"), 10)
    weight_audit = models.PositiveSmallIntegerField(
        _("weight: supplier audit"),
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_(
            "Percent of the total score the latest supplier audit weighs (0–100); the six "
            "measures share the rest. Blank: the site setting QDM_SCORECARD_AUDIT_WEIGHT."
        ),
    )
    weight_field_failure = models.PositiveSmallIntegerField(
        _("weight: field failures"),
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_(
            "Percent of the total score the field failures attributed to the supplier weigh "
            "in a month that has any (0–100); the other measures share the rest. Blank: the "
            "site setting QDM_SCORECARD_FIELD_FAILURE_WEIGHT."
        ),
    )
    ppm_limit = models.PositiveIntegerField(
        _("ppm scoring zero points"), default=10_000, validators=[MinValueValidator(1)]
    )
    grade_a = _weight(_("lowest score for grade A"), 90)
    grade_b = _weight(_("lowest score for grade B"), 75)
    grade_c = _weight(_("lowest score for grade C"), 60)

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        ordering = ["-active", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("supplier:scorecardweights_detail", args=[self.pk])

    @property
    def total_weight(self) -> int:
        return (
            self.weight_ppm
            + self.weight_acceptance
            + self.weight_scar
            + self.weight_on_time
            + self.weight_repeat
            + self.weight_certificate
        )

    def clean(self) -> None:
        # Rule: the six measure weights add up to 100 among themselves; the audit weight
        # is a separate share of the total score (0–100), the measures take the rest in
        # their own proportions (see services/scorecards.py).
        if self.total_weight != 100:
            raise ValidationError(
                _(
                    "The six measure weights (ppm, acceptance, SCARs, on-time closure, repeat "
                    "defects, certificate) must add up to 100 (now %(total)s); the supplier "
                    "audit weight is counted separately."
                )
                % {"total": self.total_weight}
            )
        if self.weight_audit is not None and not 0 <= self.weight_audit <= 100:
            raise ValidationError(
                {"weight_audit": _("The supplier audit weight must be from 0 to 100.")}
            )
        if self.weight_field_failure is not None and not 0 <= self.weight_field_failure <= 100:
            raise ValidationError(
                {"weight_field_failure": _("The field-failure weight must be from 0 to 100.")}
            )
        if (self.weight_audit or 0) + (self.weight_field_failure or 0) > 100:
            raise ValidationError(
                _(
                    "The supplier audit and field-failure weights together must not exceed "
                    "100 (now %(total)s)."
                )
                % {"total": (self.weight_audit or 0) + (self.weight_field_failure or 0)}
            )
        if not (self.grade_a > self.grade_b > self.grade_c):
            raise ValidationError(_("Grade limits must fall from A to C."))


class Scorecard(models.Model):
    """One supplier's score for one material category and month."""

    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    category = models.ForeignKey(
        "data.MaterialCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    month = models.DateField(_("month"))
    lots_received = models.PositiveIntegerField(_("lots received"), default=0)
    lots_rejected = models.PositiveIntegerField(_("lots rejected"), default=0)
    quantity_received = models.DecimalField(
        _("quantity received"), max_digits=16, decimal_places=3, default=0
    )
    quantity_rejected = models.DecimalField(
        _("quantity rejected"), max_digits=16, decimal_places=3, default=0
    )
    items_sampled = models.PositiveIntegerField(_("items sampled at IQC"), default=0)
    items_nonconforming = models.PositiveIntegerField(_("nonconforming items found"), default=0)
    ppm = models.FloatField(_("incoming ppm"), default=0)
    acceptance_rate = models.FloatField(_("lot acceptance rate %"), default=100)
    scar_count = models.PositiveIntegerField(_("SCARs opened"), default=0)
    scars_due = models.PositiveIntegerField(_("SCARs due for closure"), default=0)
    scars_on_time = models.PositiveIntegerField(_("SCARs closed on time"), default=0)
    repeat_defects = models.PositiveIntegerField(_("repeat defects"), default=0)
    certificate_status = models.CharField(_("certificate status"), max_length=20, blank=True)
    supplier_audit = models.ForeignKey(
        "system.Audit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier audit"),
    )
    audit_score = models.FloatField(_("supplier audit score"), null=True, blank=True)
    audit_weight = models.PositiveSmallIntegerField(
        _("supplier audit weight %"), null=True, blank=True
    )
    field_failures = models.PositiveIntegerField(
        _("field failures attributed"),
        default=0,
        help_text=_(
            "Failed modules of supplier-responsibility complaints received in the month "
            "whose genealogy holds a lot of this supplier and category."
        ),
    )
    field_failure_weight = models.PositiveSmallIntegerField(
        _("field-failure weight %"), null=True, blank=True
    )
    score = models.FloatField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("supplier scorecard")
        verbose_name_plural = _("supplier scorecards")
        ordering = ["-month", "supplier__code", "category__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "category", "month"], name="supplier_scorecard_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.category.code} {self.month:%Y-%m}: {self.grade}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:scorecard_detail", args=[self.pk])
