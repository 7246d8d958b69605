"""Supplier master: the profile extending ``core.Supplier``, its plants and contacts, the
approved supplier list (ASL) per material and customer, and certificates with expiry.

Approval decisions (approve, approve conditionally, block, requalify) are workflow
transitions with an electronic signature, so who decided what, when and why is kept
immutably with the signed record's hash.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.supplier.choices import ApprovalStatus, CertificateKind, CertificateState

A = ApprovalStatus


def _may_decide(obj: Any, actor: Any) -> Any:
    # the transition's permission is the scoped view; deciding needs the custom
    # permission, scoped by the kernel to the object like any other
    if actor.has_perm("supplier.approve_supplierprofile", obj):
        return None
    return _("Only the responsible authority may decide a supplier's approval.")


EXPIRING_DAYS = 60

APPROVAL_WORKFLOW = Workflow(
    field="approval_status",
    transitions=[
        Transition(
            "approve",
            _("Approve"),
            (A.CANDIDATE, A.CONDITIONAL, A.BLOCKED),
            A.APPROVED,
            permission="supplier.view_supplierprofile",
            guard=_may_decide,
            signature="approved",
            style="success",
        ),
        Transition(
            "approve_conditionally",
            _("Approve conditionally"),
            (A.CANDIDATE, A.APPROVED, A.BLOCKED),
            A.CONDITIONAL,
            permission="supplier.view_supplierprofile",
            guard=_may_decide,
            signature="approved",
            style="warning",
        ),
        Transition(
            "block",
            _("Block"),
            (A.CANDIDATE, A.APPROVED, A.CONDITIONAL),
            A.BLOCKED,
            permission="supplier.view_supplierprofile",
            guard=_may_decide,
            signature="rejected",
            style="outline-danger",
        ),
    ],
)


class SupplierProfile(models.Model):
    """What supplier quality knows about a ``core.Supplier``: categories supplied, approval
    status (decided with e-signatures), the responsible SQE."""

    supplier = models.OneToOneField(
        "core.Supplier",
        on_delete=models.PROTECT,
        related_name="profile",
        verbose_name=_("supplier"),
    )
    categories = models.ManyToManyField(
        "data.MaterialCategory",
        blank=True,
        related_name="+",
        verbose_name=_("categories supplied"),
    )
    approval_status = models.CharField(
        _("approval status"),
        max_length=20,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.CANDIDATE,
        editable=False,
        db_index=True,
    )
    sqe = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible SQE"),
    )
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    scope = Scope(supplier="supplier")
    workflow = APPROVAL_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("supplier profile")
        verbose_name_plural = _("supplier profiles")
        ordering = ["supplier__code"]
        permissions = [("approve_supplierprofile", "Can decide a supplier's approval")]

    def __str__(self) -> str:
        return str(self.supplier)

    def get_absolute_url(self) -> str:
        return reverse("supplier:supplierprofile_detail", args=[self.pk])


class SupplierPlant(models.Model):
    """A manufacturing plant of a supplier (where the material is made)."""

    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    name = models.CharField(_("plant name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    products = models.CharField(_("products made here"), max_length=300, blank=True)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("supplier plant")
        verbose_name_plural = _("supplier plants")
        ordering = ["supplier__code", "name"]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:supplierplant_detail", args=[self.pk])


class SupplierContact(models.Model):
    """A person at a supplier we talk to about quality."""

    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    name = models.CharField(_("name"), max_length=120)
    function = models.CharField(_("function"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    primary = models.BooleanField(_("primary quality contact"), default=False)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("supplier contact")
        verbose_name_plural = _("supplier contacts")
        ordering = ["supplier__code", "-primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.supplier.code})"

    def get_absolute_url(self) -> str:
        return reverse("supplier:suppliercontact_detail", args=[self.pk])


class ApprovedMaterial(models.Model):
    """An approved supplier list (ASL) entry: this supplier may deliver this material —
    for every customer, or only for one customer's projects when ``customer`` is set."""

    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    material = models.ForeignKey(
        "data.Material", on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for customer"),
    )
    plant = models.ForeignKey(
        SupplierPlant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plant"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.APPROVED
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("approved supplier list entry")
        verbose_name_plural = _("approved supplier list")
        ordering = ["material__code", "supplier__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "material", "customer"], name="supplier_asl_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.material.code} ← {self.supplier.code}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:approvedmaterial_detail", args=[self.pk])

    def clean(self) -> None:
        if (
            self.supplier_id
            and self.plant is not None
            and self.plant.supplier_id != self.supplier_id
        ):
            raise ValidationError({"plant": _("The plant belongs to another supplier.")})


class Certificate(models.Model):
    """A management-system or product certificate of a supplier, with its validity. The
    scanned certificate is attached to the record; reminders go out before it expires."""

    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    plant = models.ForeignKey(
        SupplierPlant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plant"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=80)
    issuer = models.CharField(_("issued by"), max_length=120)
    scope_text = models.CharField(_("certified scope"), max_length=300, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    reminded_for = models.DateField(
        _("last reminder sent for expiry on"), null=True, blank=True, editable=False
    )
    reminder_level = models.PositiveSmallIntegerField(
        _("reminder level"), default=0, editable=False
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("uploaded by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("supplier certificate")
        verbose_name_plural = _("supplier certificates")
        ordering = ["valid_until"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("supplier:certificate_detail", args=[self.pk])

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("A certificate cannot expire before it starts.")}
            )
        if (
            self.supplier_id
            and self.plant is not None
            and self.plant.supplier_id != self.supplier_id
        ):
            raise ValidationError({"plant": _("The plant belongs to another supplier.")})

    def state_on(self, day: datetime.date) -> str:
        if self.valid_until < day:
            return CertificateState.EXPIRED
        if (self.valid_until - day).days <= EXPIRING_DAYS:
            return CertificateState.EXPIRING
        return CertificateState.VALID

    @property
    def state(self) -> Any:
        return CertificateState(self.state_on(timezone.localdate())).label
