"""OQC release of modules: the binning rule of each module model and the release record of
each module (power class, EL grade, hi-pot and visual results, Imp class).

Nameplate classes are ``class_width_w`` apart (5 W) from ``first_class_w`` to
``last_class_w`` with positive tolerance 0/+width: a module measured at P is labelled
``floor((P − guard_band_w) / width) × width``, clipped to the model's classes (above the last
class it is labelled the last class; below the first it is not released). EL grades come
from ``el_rules``, one rule per line ``CODE[>N] GRADE``: the module takes the worst grade of
every rule whose code occurs more than N times (N = 0 when omitted); no rule → A.
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
from qdm.manufacturing.choices import ReleaseStatus

DEFAULT_EL_RULES = "CRK-C C\nBRK C\nSOLD C\nSHUNT C\nCRK-B B\nDARK B\nCRK-A>2 B"


class BinningRule(models.Model):
    """Power classes, guard band, EL grading rules and Imp sub-sorting of one module model.
    Group master data: the same rule at every site."""

    module_model = models.OneToOneField(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("module model"),
    )
    first_class_w = models.PositiveIntegerField(_("first (lowest) class, W"))
    last_class_w = models.PositiveIntegerField(_("last (highest) class, W"))
    class_width_w = models.PositiveSmallIntegerField(
        _("class width, W"), default=5, validators=[MinValueValidator(1)]
    )
    guard_band_w = models.DecimalField(
        _("guard band, W"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Measurement uncertainty kept in reserve: a class is labelled only when "
            "Pmax ≥ class + guard band."
        ),
    )
    el_rules = models.TextField(
        _("EL grading rules"),
        default=DEFAULT_EL_RULES,
        help_text=_("One rule per line: CODE[>N] GRADE, e.g. “CRK-C C” or “CRK-A>2 B”."),
    )
    released_grades = models.CharField(
        _("grades that may be released"),
        max_length=5,
        default="AB",
        help_text=_("B-grade modules are released as downgraded product."),
    )
    imp_class_width_a = models.DecimalField(
        _("Imp class width, A"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Current sub-sorting per pallet when the customer requires it (e.g. 0.1)."),
    )

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("binning rule")
        verbose_name_plural = _("binning rules")
        ordering = ["module_model__code"]

    def __str__(self) -> str:
        return f"{self.module_model.code} {self.first_class_w}–{self.last_class_w} W"

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:binningrule_detail", args=[self.pk])

    def clean(self) -> None:
        from qdm.manufacturing.services.binning import BinningError, parse_el_rules

        errors: dict[str, Any] = {}
        if self.first_class_w is not None and self.last_class_w is not None:
            if self.last_class_w < self.first_class_w:
                errors["last_class_w"] = _("The last class must not be below the first.")
            elif self.class_width_w and (self.last_class_w - self.first_class_w) % int(
                self.class_width_w
            ):
                errors["last_class_w"] = _(
                    "The last class must be the first plus a whole number of class widths."
                )
        try:
            parse_el_rules(self.el_rules)
        except BinningError as exc:
            errors["el_rules"] = str(exc)
        if not self.released_grades or set(self.released_grades) - set("ABC"):
            errors["released_grades"] = _("Use grade letters A, B, C, e.g. “AB”.")
        if errors:
            raise ValidationError(errors)


class ModuleRelease(models.Model):
    """The OQC decision on one module: released (with its nameplate class and grade) or
    rejected (with the reasons). Only released modules may be packed."""

    unit = models.OneToOneField(
        "data.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("module")
    )
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    pmax_w = models.FloatField(_("Pmax (W)"), null=True, blank=True)
    imp_a = models.FloatField(_("Imp (A)"), null=True, blank=True)
    power_class_w = models.PositiveIntegerField(_("nameplate class, W"), null=True, blank=True)
    imp_class = models.CharField(_("Imp class"), max_length=20, blank=True)
    el_grade = models.CharField(_("EL grade"), max_length=1, blank=True)
    el_defects = models.JSONField(_("EL defects"), default=list, blank=True)
    hipot_passed = models.BooleanField(_("hi-pot passed"))
    visual_passed = models.BooleanField(_("visual inspection passed"))
    status = models.CharField(_("status"), max_length=10, choices=ReleaseStatus.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("module release")
        verbose_name_plural = _("module releases")
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.power_class_w or '—'} W {self.el_grade}"

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:modulerelease_detail", args=[self.pk])
