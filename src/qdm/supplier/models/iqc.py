"""IQC on receipt and the ISO 2859-1 switching state per supplier × material.

A *receipt* is a material lot received from a supplier at a site. Receiving it creates
the traceable unit and opens an IQC inspection lot through the manufacturing inspection
engine; the lot is sampled under the *current* switching severity of that supplier ×
material. When the lot is judged, the switching state moves by the rules of
:mod:`qdm.quality.sampling` and a *switching event* row keeps the history.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.supplier.choices import ReceiptStatus, SwitchingEventKind, SwitchingSeverity


class SwitchingState(models.Model):
    """The ISO 2859-1 switching state of one supplier × material (the counters of
    :class:`qdm.quality.sampling.SwitchingState`, stored as JSON)."""

    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    material = models.ForeignKey(
        "data.Material", on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    severity = models.CharField(
        _("severity"),
        max_length=20,
        choices=SwitchingSeverity.choices,
        default=SwitchingSeverity.NORMAL,
        editable=False,
        db_index=True,
    )
    state = models.JSONField(_("switching counters"), default=dict, editable=False)
    reduced_pending = models.BooleanField(
        _("reduced inspection awaiting approval"), default=False, editable=False
    )
    updated = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("switching state")
        verbose_name_plural = _("switching states")
        ordering = ["supplier__code", "material__code"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "material"], name="supplier_switching_once")
        ]
        permissions = [
            ("approve_switchingstate", "Can approve reduced inspection (responsible authority)")
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} × {self.material.code}: {self.get_severity_display()}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:switchingstate_detail", args=[self.pk])

    @property
    def switching_score(self) -> int:
        return int(self.state.get("switching_score", 0))


class SwitchingEvent(models.Model):
    """One step of a switching history: a lot result, an approval, a grade, a resumption."""

    switching = models.ForeignKey(
        SwitchingState,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("switching state"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SwitchingEventKind.choices)
    receipt = models.ForeignKey(
        "supplier.Receipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
    )
    accepted = models.BooleanField(_("lot accepted"), null=True, blank=True)
    nonconforming = models.PositiveIntegerField(_("nonconforming in sample"), null=True, blank=True)
    severity_before = models.CharField(
        _("severity before"), max_length=20, choices=SwitchingSeverity.choices
    )
    severity_after = models.CharField(
        _("severity after"), max_length=20, choices=SwitchingSeverity.choices
    )
    switching_score = models.PositiveIntegerField(_("switching score"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    scope = Scope(supplier="switching__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("switching event")
        verbose_name_plural = _("switching events")
        ordering = ["switching", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.switching.supplier.code} {self.severity_before} → {self.severity_after}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:switchingstate_detail", args=[self.switching_id])


class Receipt(models.Model):
    """A material lot received from a supplier at a site, with its IQC lot and result, and
    the origin the supplier declared (polysilicon producer, plant and lot)."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    material = models.ForeignKey(
        "data.Material", on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    supplier_lot = models.CharField(_("supplier lot"), max_length=60)
    purchase_order = models.CharField(_("purchase order"), max_length=40, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(2)],
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("received by"),
    )
    unit = models.ForeignKey(
        "data.Unit",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("traceable unit"),
    )
    inspection_lot = models.ForeignKey(
        "manufacturing.InspectionLot",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("IQC inspection lot"),
    )
    severity = models.CharField(
        _("inspection severity"),
        max_length=20,
        choices=SwitchingSeverity.choices,
        default=SwitchingSeverity.NORMAL,
        editable=False,
    )
    aql = models.CharField(_("AQL"), max_length=10, blank=True, editable=False)
    code_letter = models.CharField(_("code letter"), max_length=2, blank=True, editable=False)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, editable=False)
    accept_number = models.PositiveIntegerField(_("Ac"), null=True, editable=False)
    reject_number = models.PositiveIntegerField(_("Re"), null=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReceiptStatus.choices,
        default=ReceiptStatus.IN_INSPECTION,
        editable=False,
        db_index=True,
    )
    nonconforming = models.PositiveIntegerField(
        _("nonconforming in sample"), null=True, editable=False
    )
    result_summary = models.TextField(_("IQC result"), blank=True, editable=False)
    nonconformity = models.ForeignKey(
        "system.Nonconformity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("nonconformity"),
    )
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True, editable=False)
    origin_producer = models.CharField(_("polysilicon producer"), max_length=200, blank=True)
    origin_plant = models.CharField(_("polysilicon plant"), max_length=200, blank=True)
    origin_lot = models.CharField(_("polysilicon lot"), max_length=100, blank=True)
    origin_declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("origin declared by"),
    )
    origin_declared_at = models.DateTimeField(
        _("origin declared at"), null=True, blank=True, editable=False
    )

    scope = Scope(site="site", supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["supplier", "received_at"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("supplier:receipt_detail", args=[self.pk])

    @property
    def needs_origin(self) -> Any:
        """Polysilicon and wafers must carry their polysilicon origin."""
        code = (self.material.category.code or "").upper()
        return code.startswith(("POLY", "WAF"))
