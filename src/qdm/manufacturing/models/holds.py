"""Holds and the material review board (MRB).

A *hold* freezes traceable units (material lots, cell lots, modules, pallets) at a site:
held material cannot be packed or shipped (see :mod:`qdm.manufacturing.services.holds`).
A hold is opened by hand, by a failed inspection or by an SPC signal, optionally linked
to the system nonconformity that explains it, and numbered ``HOLD-<site>-<year>-<seq>``.

It ends in one of two ways, both e-signed: *release* (nothing wrong after all, the whole
quantity goes back to production) or MRB *dispositions* — use as is, rework, downgrade to
B-grade, return to supplier, scrap — each for a quantity, proposed and then approved with
an e-signature. When the approved quantities add up to the held quantity the hold is
*dispositioned*. Units named on an approved return-to-supplier or scrap disposition stay
unshippable for good.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.manufacturing.choices import (
    DispositionDecision,
    DispositionStatus,
    HoldSource,
    HoldStatus,
)

MIN_QUANTITY = Decimal("0.001")
H = HoldStatus
D = DispositionStatus


def _no_disposition_yet(obj: Hold, actor: Any) -> Any:
    if obj.dispositions.filter(status=D.APPROVED).exists():
        return _("Part of this hold is already dispositioned: disposition the rest instead.")
    return None


def _released(obj: Hold, actor: Any) -> None:
    obj.closed_at = timezone.now()
    obj.save(update_fields=["closed_at"])
    obj.dispositions.filter(status=D.PROPOSED).update(status=D.WITHDRAWN)


HOLD_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "release",
            _("Release the hold"),
            (H.ON_HOLD,),
            H.RELEASED,
            guard=_no_disposition_yet,
            signature="approved",
            style="success",
            on_done=_released,
        ),
    ],
)


class Hold(models.Model):
    """Material frozen at a site until it is released or dispositioned by the MRB."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    source = models.CharField(
        _("source"), max_length=20, choices=HoldSource.choices, default=HoldSource.MANUAL
    )
    reason = models.TextField(_("reason"))
    nonconformity = models.ForeignKey(
        "system.Nonconformity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nonconformity"),
    )
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("supplier"),
        help_text=_("Set when every held unit is material of this one supplier."),
    )
    units = models.ManyToManyField(
        "data.Unit", related_name="+", verbose_name=_("held units"), blank=True
    )
    quantity = models.DecimalField(
        _("quantity held"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(MIN_QUANTITY)],
    )
    include_downstream = models.BooleanField(
        _("include downstream units"),
        default=False,
        help_text=_(
            "Also hold the modules and pallets built from the held material or cell lots "
            "(forward genealogy)."
        ),
    )
    downstream_count = models.PositiveIntegerField(
        _("downstream units held"), default=0, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=HoldStatus.choices,
        default=HoldStatus.ON_HOLD,
        editable=False,
        db_index=True,
    )
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("held by"),
    )
    held_at = models.DateTimeField(_("held at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", supplier="supplier")
    workflow = HOLD_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:hold_detail", args=[self.pk])

    @property
    def unit_codes(self) -> str:
        return ", ".join(u.code for u in self.units.all())

    def dispositioned_quantity(self, *, approved_only: bool = False) -> Decimal:
        statuses = (D.APPROVED,) if approved_only else (D.APPROVED, D.PROPOSED)
        total = self.dispositions.filter(status__in=statuses).aggregate(q=Sum("quantity"))["q"]
        return total or Decimal(0)


def _disposition_fits(obj: MrbDisposition, actor: Any) -> Any:
    hold = obj.hold
    if hold.status != H.ON_HOLD:
        return _("Hold %(number)s is no longer on hold.") % {"number": hold.number}
    approved = hold.dispositioned_quantity(approved_only=True)
    if approved + obj.quantity > hold.quantity:
        return _(
            "Approving %(quantity)s would disposition more than the %(held)s held "
            "(%(approved)s already approved)."
        ) % {"quantity": obj.quantity, "held": hold.quantity, "approved": approved}
    return None


def _approved(obj: MrbDisposition, actor: Any) -> None:
    from qdm.manufacturing.services.holds import after_disposition_approved

    after_disposition_approved(obj, actor)


DISPOSITION_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "approve",
            _("Approve disposition"),
            (D.PROPOSED,),
            D.APPROVED,
            guard=_disposition_fits,
            signature="approved",
            on_done=_approved,
        ),
        Transition("withdraw", _("Withdraw"), (D.PROPOSED,), D.WITHDRAWN, style="outline-danger"),
    ],
)


class MrbDisposition(models.Model):
    """One decision of the material review board on part (or all) of a hold."""

    hold = models.ForeignKey(
        Hold, on_delete=models.PROTECT, related_name="dispositions", verbose_name=_("hold")
    )
    decision = models.CharField(_("decision"), max_length=20, choices=DispositionDecision.choices)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(MIN_QUANTITY)],
    )
    units = models.ManyToManyField(
        "data.Unit",
        related_name="+",
        blank=True,
        verbose_name=_("units concerned"),
        help_text=_("Optional: which of the held units this decision applies to."),
    )
    note = models.TextField(_("justification"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DispositionStatus.choices,
        default=DispositionStatus.PROPOSED,
        editable=False,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now, editable=False)

    scope = Scope(site="hold__site", supplier="hold__supplier")
    workflow = DISPOSITION_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("MRB disposition")
        verbose_name_plural = _("MRB dispositions")
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.hold.number} · {self.get_decision_display()} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("manufacturing:mrbdisposition_detail", args=[self.pk])
