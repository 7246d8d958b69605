"""Nonconformities: the one NC engine for IQC, production, audits, suppliers and customers.

This is the first aggregate of the system platform; CAPA/8D, documents and audits build on
it. States follow the kernel workflow engine: open → contained → dispositioned → closed,
with the disposition and the closure e-signed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.system.choices import NonconformitySource, NonconformityStatus, Severity

S = NonconformityStatus


def _needs(field: str, message: Any):
    def guard(obj: Nonconformity, actor: Any) -> Any:
        return None if (getattr(obj, field) or "").strip() else message

    return guard


def _closed(obj: Nonconformity, actor: Any) -> None:
    obj.closed_at = timezone.now()
    obj.save(update_fields=["closed_at"])


def _reopened(obj: Nonconformity, actor: Any) -> None:
    obj.closed_at = None
    obj.save(update_fields=["closed_at"])


NONCONFORMITY_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "contain",
            _("Record containment"),
            (S.OPEN,),
            S.CONTAINED,
            guard=_needs("containment", _("Describe the containment first.")),
        ),
        Transition(
            "disposition",
            _("Approve disposition"),
            (S.CONTAINED,),
            S.DISPOSITIONED,
            guard=_needs("disposition", _("Describe the disposition first.")),
            signature="approved",
        ),
        Transition(
            "close",
            _("Close"),
            (S.DISPOSITIONED,),
            S.CLOSED,
            signature="approved",
            style="success",
            on_done=_closed,
        ),
        Transition("reopen", _("Reopen"), (S.CLOSED,), S.OPEN, style="warning", on_done=_reopened),
        Transition(
            "cancel",
            _("Cancel"),
            (S.OPEN, S.CONTAINED),
            S.CANCELLED,
            signature="rejected",
            style="outline-danger",
        ),
    ],
)


class Nonconformity(models.Model):
    """A nonconformity (NCR): what was found, where, how bad, how it was contained and
    dispositioned. Created by people, by the API and by other platforms' services."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    source = models.CharField(_("source"), max_length=20, choices=NonconformitySource.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    item = models.CharField(_("product or material"), max_length=200, blank=True)
    lots = models.TextField(
        _("affected lots or serials"), blank=True, help_text=_("One lot number or serial per line.")
    )
    quantity = models.PositiveIntegerField(_("quantity affected"), null=True, blank=True)
    units = models.ManyToManyField(
        "data.Unit",
        blank=True,
        related_name="nonconformities",
        verbose_name=_("affected units (genealogy)"),
    )
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    containment = models.TextField(_("containment"), blank=True)
    disposition = models.TextField(_("disposition"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NonconformityStatus.choices,
        default=NonconformityStatus.OPEN,
        editable=False,
        db_index=True,
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", supplier="supplier")
    workflow = NONCONFORMITY_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("system:nonconformity_detail", args=[self.pk])
