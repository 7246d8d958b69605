"""Certificates of analysis: the supplier's own measurement of a characteristic on a lot
it delivered, compared with our IQC measurements of the same lot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class CoaValue(models.Model):
    """One value of a supplier's COA for one receipt (one row per characteristic)."""

    receipt = models.ForeignKey(
        "supplier.Receipt",
        on_delete=models.CASCADE,
        related_name="coa_values",
        verbose_name=_("receipt"),
    )
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("characteristic"),
    )
    value = models.FloatField(_("COA value"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    scope = Scope(site="receipt__site", supplier="receipt__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("COA value")
        verbose_name_plural = _("COA values")
        ordering = ["receipt", "characteristic__code"]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "characteristic"], name="supplier_coa_once")
        ]

    def __str__(self) -> str:
        return f"{self.receipt.number} {self.characteristic.code} = {self.value:g}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:receipt_detail", args=[self.receipt_id])
