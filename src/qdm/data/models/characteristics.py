"""The characteristic catalog: one group-wide definition of every product and process
characteristic, with specifications versioned per product and overridden per site or
customer — the override is recorded as such and shown beside the group value."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import ProcessStage
from qdm.core.models.organisation import NamedModel
from qdm.core.querysets import Scope, ScopedManager
from qdm.data.choices import CharacteristicKind, DataType, SpecialClass, SpecLevel


class Characteristic(NamedModel):
    """A product or process characteristic (e.g. ``MOD-PMAX``, ``EVA-GEL``, ``LAM-TEMP``)."""

    kind = models.CharField(_("kind"), max_length=10, choices=CharacteristicKind.choices)
    stage = models.CharField(_("process stage"), max_length=20, choices=ProcessStage.choices)
    process_step = models.CharField(_("process step"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    data_type = models.CharField(
        _("data type"), max_length=10, choices=DataType.choices, default=DataType.VARIABLE
    )
    method = models.CharField(_("measurement method"), max_length=200, blank=True)
    special_class = models.CharField(
        _("special characteristic"),
        max_length=2,
        blank=True,
        choices=SpecialClass.choices,
        default=SpecialClass.NONE,
    )

    class Meta(NamedModel.Meta):
        verbose_name = _("characteristic")
        verbose_name_plural = _("characteristics")

    def get_absolute_url(self) -> str:
        return reverse("data:characteristic_detail", args=[self.pk])


class Specification(models.Model):
    """LSL / target / USL of a characteristic, for a product (or all), at a site (or the
    whole group), for a customer (or all), from ``valid_from``. A new version supersedes
    the one before for the same (characteristic, product, site, customer)."""

    characteristic = models.ForeignKey(
        Characteristic,
        on_delete=models.PROTECT,
        related_name="specifications",
        verbose_name=_("characteristic"),
    )
    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
    )
    material = models.ForeignKey(
        "data.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("material"),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    lsl = models.FloatField(_("LSL"), null=True, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    usl = models.FloatField(_("USL"), null=True, blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    scope = Scope(site="site", customer="customer", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("specification")
        verbose_name_plural = _("specifications")
        ordering = ["characteristic__code", "site__code", "customer__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "characteristic",
                    "module_model",
                    "material",
                    "site",
                    "customer",
                    "version",
                ],
                name="specification_version_unique",
            ),
            models.CheckConstraint(
                name="specification_limits_ordered",
                condition=Q(lsl__isnull=True) | Q(usl__isnull=True) | Q(lsl__lt=models.F("usl")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.characteristic.code} v{self.version} [{self.level_label}]"

    def get_absolute_url(self) -> str:
        return reverse("data:specification_detail", args=[self.pk])

    @property
    def level(self) -> str:
        if self.customer_id:
            return SpecLevel.CUSTOMER
        return SpecLevel.SITE if self.site_id else SpecLevel.GROUP

    @property
    def level_label(self) -> Any:
        return SpecLevel(self.level).label

    def clean(self) -> None:
        if self.lsl is None and self.usl is None:
            raise ValidationError(_("A specification needs at least one limit."))
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise ValidationError({"usl": _("USL must be greater than LSL.")})
        if self.target is not None and (
            (self.lsl is not None and self.target < self.lsl)
            or (self.usl is not None and self.target > self.usl)
        ):
            raise ValidationError({"target": _("The target must lie between the limits.")})
