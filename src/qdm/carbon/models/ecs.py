"""Versioned tables of the French simplified carbon evaluation (ECS, CRE tenders): per
component the quantity unit, per (component, country of manufacture) the GWP coefficient,
loss coefficients, rounding and thresholds. Loaded from a documented CSV/XLSX by
``qdm carbon ecs-table load FILE --version V``; each version is attached to a regulator's
factor library (so an ECS result names its library like an ISO 14067 one)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.quality import pcf, pcf_ecs


class EcsTableVersion(models.Model):
    version = models.CharField(_("version"), max_length=40, unique=True)
    library = models.OneToOneField(
        "carbon.FactorLibrary",
        on_delete=models.PROTECT,
        related_name="ecs_table",
        verbose_name=_("factor library"),
    )
    official = models.BooleanField(
        _("official"),
        default=False,
        help_text=_("Values transcribed from the published CRE specifications."),
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    table = models.JSONField(_("table"), default=dict)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("ECS table version")
        verbose_name_plural = _("ECS table versions")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"ECS {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("carbon:ecstableversion_detail", args=[self.pk])

    def as_table(self) -> pcf.EcsTable:
        return pcf_ecs.table_from_json(self.table)

    @property
    def components(self) -> int:
        return len(self.table.get("units", {}))
