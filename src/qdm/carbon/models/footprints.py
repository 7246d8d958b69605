"""Stored footprints: a module model's product carbon footprint and a shipment's carbon
declaration. Each keeps the method, the factor-library version, the inputs and the basis, so
it can be recomputed and compared exactly."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.carbon.choices import DataQuality, FootprintMethod
from qdm.core.querysets import Scope, ScopedManager


class FootprintBase(models.Model):
    method = models.CharField(_("method"), max_length=10, choices=FootprintMethod.choices)
    method_version = models.CharField(_("method version"), max_length=40)
    library = models.ForeignKey(
        "carbon.FactorLibrary",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("factor library"),
    )
    basis = models.CharField(_("basis"), max_length=60)
    inputs = models.JSONField(_("inputs"), default=dict)
    breakdown = models.JSONField(_("breakdown"), default=dict)
    per_module_kg = models.FloatField(_("kg CO₂e per module"))
    per_kwp_kg = models.FloatField(_("kg CO₂e per kWp"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )

    class Meta:
        abstract = True


class ProductFootprint(FootprintBase):
    """The cradle-to-gate footprint of a module model assembled at a site (ISO 14067, or
    the ECS score)."""

    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("module model"),
    )
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("product carbon footprint")
        verbose_name_plural = _("product carbon footprints")
        ordering = ["module_model", "site", "-computed_at"]

    def __str__(self) -> str:
        return f"{self.module_model.code} @ {self.site.code}: {self.per_kwp_kg:.0f} kg CO₂e/kWp"

    def get_absolute_url(self) -> str:
        return reverse("carbon:productfootprint_detail", args=[self.pk])


class CarbonDeclaration(FootprintBase):
    """A shipment's carbon declaration, from the genealogy of what was really shipped."""

    unit = models.ForeignKey(
        "data.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("shipment")
    )
    modules = models.PositiveIntegerField(_("modules"))
    total_kg = models.FloatField(_("total kg CO₂e"))
    data_quality = models.CharField(_("data quality"), max_length=10, choices=DataQuality.choices)

    scope = Scope(site="unit__site", customer="unit__customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("carbon declaration")
        verbose_name_plural = _("carbon declarations")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.unit.code}: {self.per_module_kg:.1f} kg CO₂e/module"

    def get_absolute_url(self) -> str:
        return reverse("carbon:carbondeclaration_detail", args=[self.pk])
