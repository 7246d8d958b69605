"""Field measurements of a complaint serial: the IV (Pmax, Voc, Isc, FF) and EL reported
from the field — values as given by the customer or the site test, corrected to STC or
not — compared with the factory flash test and EL of the same serial."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager

FIELD_EL_GRADES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]


class FieldMeasurement(models.Model):
    """The field IV and EL of one complaint serial (one record per serial; a new upload
    replaces it)."""

    item = models.OneToOneField(
        "service.ComplaintItem",
        on_delete=models.CASCADE,
        related_name="field",
        verbose_name=_("complaint serial"),
    )
    measured_on = models.DateField(_("measured on"), null=True, blank=True)
    pmax_w = models.FloatField(_("field Pmax (W)"), null=True, blank=True)
    voc_v = models.FloatField(_("field Voc (V)"), null=True, blank=True)
    isc_a = models.FloatField(_("field Isc (A)"), null=True, blank=True)
    ff_pct = models.FloatField(_("field FF (%)"), null=True, blank=True)
    irradiance_wm2 = models.FloatField(_("irradiance (W/m²)"), null=True, blank=True)
    module_temp_c = models.FloatField(_("module temperature (°C)"), null=True, blank=True)
    stc_corrected = models.BooleanField(
        _("corrected to STC"),
        default=True,
        help_text=_("The IV values are corrected to 1000 W/m² and 25 °C as given."),
    )
    uncertainty_pct = models.FloatField(
        _("measurement uncertainty (%)"),
        default=5.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(20.0)],
    )
    el_grade = models.CharField(
        _("field EL grade"), max_length=1, blank=True, choices=FIELD_EL_GRADES
    )
    el_defects = models.CharField(_("field EL defects"), max_length=200, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    scope = Scope(customer="item__complaint__customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("field measurement")
        verbose_name_plural = _("field measurements")
        ordering = ["item__complaint", "item__serial"]

    def __str__(self) -> str:
        return f"{self.item.serial} ({self.measured_on or '—'})"

    def get_absolute_url(self) -> str:
        return reverse("service:complaint_field", args=[self.item.complaint_id])

    @property
    def defect_codes(self) -> list[str]:
        return [c.strip().upper() for c in self.el_defects.split(",") if c.strip()]
