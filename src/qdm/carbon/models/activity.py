"""Activity data per site and month: grid electricity, on-site renewable electricity,
renewable-electricity certificates (I-REC, GEC), fuels and process gases. Entered, imported
from XLSX (all rows or none) or fed by the data platform; read by the corporate inventory
(Scope 1 and 2) and by the site-month electricity intensity of real-production footprints."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.carbon.choices import ActivityKind
from qdm.core.querysets import Scope, ScopedManager
from qdm.quality import pcf

#: the unit dimension each kind must be reported in
KIND_DIMENSION: dict[str, str] = {
    ActivityKind.GRID: "energy",
    ActivityKind.ONSITE_RENEWABLE: "energy",
    ActivityKind.CERTIFICATES: "energy",
}


class ActivityRecord(models.Model):
    """One quantity consumed at a site in a month."""

    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    key = models.CharField(
        _("flow"),
        max_length=60,
        default="electricity",
        help_text=_("electricity, natural gas, diesel, NF3, SF6 …"),
    )
    quantity = models.FloatField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=10, default="MWh")
    certificate_scheme = models.CharField(
        _("certificate scheme"), max_length=60, blank=True, help_text=_("I-REC, GEC, GO …")
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("activity record")
        verbose_name_plural = _("activity records")
        ordering = ["site", "-month", "kind", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month", "kind", "key"], name="carbon_activity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.code} {self.month:%Y-%m} {self.key}: {self.quantity:g} {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("carbon:activityrecord_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.month and self.month.day != 1:
            self.month = dt.date(self.month.year, self.month.month, 1)
        if self.quantity is not None and self.quantity < 0:
            errors["quantity"] = str(_("A quantity cannot be negative."))
        try:
            dimension, _size = pcf.unit_of(self.unit or "")
        except pcf.PcfError as exc:
            errors["unit"] = str(exc)
        else:
            expected = KIND_DIMENSION.get(self.kind)
            if expected and dimension != expected:
                errors["unit"] = str(
                    _("%(kind)s must be reported in an energy unit (kWh, MWh), not %(unit)s.")
                    % {"kind": self.get_kind_display(), "unit": self.unit}
                )
        if self.kind in KIND_DIMENSION and self.key != "electricity":
            errors["key"] = str(_("Electricity records use the flow 'electricity'."))
        if self.kind == ActivityKind.CERTIFICATES and not self.certificate_scheme:
            errors["certificate_scheme"] = str(_("Name the certificate scheme (I-REC, GEC …)."))
        if errors:
            raise ValidationError(errors)

    @property
    def kwh(self) -> float:
        return pcf.convert(self.quantity, self.unit, "kWh", what=str(self))
