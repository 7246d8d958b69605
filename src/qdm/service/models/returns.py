"""Returned modules (RMA): a module of a complaint authorised for return, received,
re-tested (flash, EL, visual) against its factory flash test, evaluated against the linear
power warranty and decided (replace, repair, refund, reject) with its cost."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow


class ReturnStatus(models.TextChoices):
    AUTHORISED = "authorised", _("Return authorised")
    RECEIVED = "received", _("Received")
    RETESTED = "retested", _("Re-tested")
    DECIDED = "decided", _("Decided")


class ReturnDecision(models.TextChoices):
    NONE = "", _("Not decided")
    REPLACE = "replace", _("Replace")
    REPAIR = "repair", _("Repair")
    REFUND = "refund", _("Refund")
    REJECT = "reject", _("Reject the claim")


def _received(obj: ReturnedModule, actor: Any) -> Any:
    return None if obj.received_on else _("Enter the date of receipt first.")


def _retested(obj: ReturnedModule, actor: Any) -> Any:
    return None if obj.retest_pmax_w is not None else _("Enter the re-test Pmax first.")


def _decided(obj: ReturnedModule, actor: Any) -> Any:
    if not obj.decision:
        return _("Choose the decision first.")
    if obj.cost is None:
        return _("Enter the cost of the decision (0 for none).")
    return None


R = ReturnStatus
RETURN_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("receive", _("Mark received"), (R.AUTHORISED,), R.RECEIVED, guard=_received),
        Transition("retest", _("Record re-test"), (R.RECEIVED,), R.RETESTED, guard=_retested),
        Transition(
            "decide", _("Decide"), (R.RETESTED,), R.DECIDED, guard=_decided, style="success"
        ),
    ],
)


class ReturnedModule(models.Model):
    """One module returned under an RMA."""

    number = models.CharField(_("RMA number"), max_length=40, unique=True, editable=False)
    item = models.OneToOneField(
        "service.ComplaintItem",
        on_delete=models.PROTECT,
        related_name="returned",
        verbose_name=_("complaint serial"),
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)
    retest_pmax_w = models.FloatField(_("re-test Pmax (W, STC)"), null=True, blank=True)
    retest_el_grade = models.CharField(
        _("re-test EL grade"),
        max_length=1,
        blank=True,
        choices=[("A", "A"), ("B", "B"), ("C", "C")],
    )
    visual_findings = models.TextField(_("visual findings"), blank=True)
    uncertainty_pct = models.FloatField(_("measurement uncertainty (%)"), default=3.0)
    factory_pmax_w = models.FloatField(_("factory Pmax (W)"), null=True, blank=True, editable=False)
    nameplate_w = models.FloatField(_("nameplate (W)"), null=True, blank=True, editable=False)
    age_years = models.FloatField(_("age (years)"), null=True, blank=True, editable=False)
    guaranteed_w = models.FloatField(
        _("guaranteed power (W)"), null=True, blank=True, editable=False
    )
    warranty_valid = models.BooleanField(
        _("valid power-warranty claim"), null=True, blank=True, editable=False
    )
    shortfall_w = models.FloatField(_("shortfall (W)"), null=True, blank=True, editable=False)
    warranty_contract = models.ForeignKey(
        "service.WarrantyContract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("warranty contract"),
    )
    product_covered = models.BooleanField(
        _("within the product warranty"), null=True, blank=True, editable=False
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=ReturnDecision.choices, blank=True
    )
    cost = models.DecimalField(
        _("cost (USD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReturnStatus.choices,
        default=ReturnStatus.AUTHORISED,
        editable=False,
    )

    scope = Scope(customer="item__complaint__customer")
    workflow = RETURN_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("returned module")
        verbose_name_plural = _("returned modules")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} {self.item.serial}"

    def get_absolute_url(self) -> str:
        return reverse("service:returnedmodule_detail", args=[self.pk])

    @property
    def pmax_change_pct(self) -> float | None:
        if self.retest_pmax_w is None or not self.factory_pmax_w:
            return None
        return 100.0 * (self.retest_pmax_w - self.factory_pmax_w) / self.factory_pmax_w
