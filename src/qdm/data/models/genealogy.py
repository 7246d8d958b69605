"""Genealogy: units of every kind (polysilicon lot … module serial, pallet, shipment) and the
consumed-by links between them. Narrow tables written in bulk; traced with recursive
queries both ways."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.data.choices import UnitKind


class Unit(models.Model):
    """A traceable unit: a lot, a serialised module, a pallet or a shipment."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, db_index=True)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    line = models.ForeignKey(
        "core.Line",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
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
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    supplier_lot = models.CharField(_("supplier lot"), max_length=60, blank=True)
    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    project = models.CharField(_("project"), max_length=200, blank=True)
    efficiency_bin = models.CharField(_("efficiency bin"), max_length=20, blank=True)
    quantity = models.FloatField(_("quantity"), null=True, blank=True)
    produced_at = models.DateTimeField(_("produced at"), null=True, blank=True, db_index=True)

    scope = Scope(site="site", supplier="supplier", customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("traceable unit")
        verbose_name_plural = _("traceable units")
        ordering = ["code"]
        indexes = [models.Index(fields=["line", "produced_at"])]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("data:unit_detail", args=[self.pk])


class UnitLink(models.Model):
    """``parent`` was consumed by (went into) ``child``, in ``quantity``, at ``linked_at``."""

    parent = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="consumed_by", verbose_name=_("consumed unit")
    )
    child = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="made_from", verbose_name=_("consuming unit")
    )
    quantity = models.FloatField(_("quantity"), null=True, blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)

    scope = Scope(site="child__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("genealogy link")
        verbose_name_plural = _("genealogy links")
        constraints = [models.UniqueConstraint(fields=["parent", "child"], name="unit_link_unique")]
        indexes = [models.Index(fields=["child", "parent"])]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.child_id}"
