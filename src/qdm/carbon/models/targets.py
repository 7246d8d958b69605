"""Carbon targets per site and year: kg CO₂e per kWp of modules produced (Scope 1 + 2
market-based, the corporate inventory's intensity), shown with the monthly trend."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class CarbonTarget(models.Model):
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kg_per_kwp = models.FloatField(
        _("target kg CO₂e per kWp"),
        help_text=_("Scope 1 + 2 market-based emissions per kWp of modules produced."),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("carbon target")
        verbose_name_plural = _("carbon targets")
        ordering = ["site", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="carbon_target_site_year")
        ]

    def __str__(self) -> str:
        return f"{self.site.code} {self.year}: {self.kg_per_kwp:g} kg CO₂e/kWp"

    def get_absolute_url(self) -> str:
        return reverse("carbon:carbontarget_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.kg_per_kwp is not None and self.kg_per_kwp <= 0:
            raise ValidationError({"kg_per_kwp": _("A target must be greater than 0.")})
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
