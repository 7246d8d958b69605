"""Customer-satisfaction surveys: one answered questionnaire per customer and period, with a
score from 1 to 5 per dimension and the net-promoter question (0–10)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERIOD_RE = re.compile(r"^\d{4}-(Q[1-4]|H[12]|0[1-9]|1[0-2])$")
#: the scored dimensions (1 very dissatisfied … 5 very satisfied)
DIMENSIONS = ("product_quality", "delivery", "complaint_handling", "technical_support", "documents")


def _score(label: StrOrPromise) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (very dissatisfied) to 5 (very satisfied)"),
    )


class SatisfactionSurvey(models.Model):
    """One customer's answers for one period (quarter ``2026-Q1``, half ``2026-H1`` or month
    ``2026-03``)."""

    customer = models.ForeignKey(
        "core.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    period = models.CharField(_("period"), max_length=7, help_text=_("2026-Q1, 2026-H1 or 2026-03"))
    region = models.CharField(_("region"), max_length=60, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    respondent = models.CharField(_("respondent"), max_length=120, blank=True)
    answered_on = models.DateField(_("answered on"), default=timezone.localdate)
    product_quality = _score(_("product quality"))
    delivery = _score(_("delivery"))
    complaint_handling = _score(_("complaint handling"))
    technical_support = _score(_("technical support"))
    documents = _score(_("documents and certificates"))
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)

    scope = Scope(customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-period", "customer__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period", "respondent"], name="survey_once_per_respondent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("service:satisfactionsurvey_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.period and not PERIOD_RE.match(self.period):
            raise ValidationError({"period": _("Write the period as 2026-Q1, 2026-H1 or 2026-03.")})
        if self.country and not re.match(r"^[A-Z]{2}$", self.country):
            raise ValidationError({"country": _("Use the two-letter ISO code, e.g. DE.")})
        if all(getattr(self, d) is None for d in DIMENSIONS) and self.nps is None:
            raise ValidationError(_("Give at least one score or the recommendation score."))

    @property
    def mean_score(self) -> float | None:
        scores = [getattr(self, d) for d in DIMENSIONS if getattr(self, d) is not None]
        return sum(scores) / len(scores) if scores else None
