"""Materialised KPI values of the quality cockpit (one row per KPI, site, granularity and
period). Written in bulk by ``qdm kpis compute`` (a day's rows are replaced, months are
rolled up from the day rows); pages read only these rows."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class Granularity(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class KpiValue(models.Model):
    """The value of one KPI (see ``qdm.cockpit.kpis.REGISTRY``) at one site for one day or
    month, with the numerator and denominator it was computed from."""

    kpi = models.CharField(_("KPI"), max_length=40)
    site = models.ForeignKey(
        "core.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    granularity = models.CharField(
        _("granularity"), max_length=10, choices=Granularity.choices, default=Granularity.DAY
    )
    period_start = models.DateField(_("period start"))
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        ordering = ["kpi", "site", "granularity", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "site", "granularity", "period_start"], name="cockpit_kpi_unique"
            )
        ]
        indexes = [models.Index(fields=["granularity", "period_start", "kpi"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.site_id} {self.granularity} {self.period_start}: {self.value}"
