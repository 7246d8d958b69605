"""Lessons learned fed back from closed 8D/CAPA records into FMEAs: one review task per
(8D, FMEA, failure chain). A task either proposes new occurrence/detection ratings for an
existing failure chain or, when the FMEA does not contain the failure mode found in the
field, a new failure chain. The FMEA is "review required" while any task is open."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class ReviewTaskKind(models.TextChoices):
    RERATE = "rerate", _("Re-rate occurrence / detection")
    NEW_CHAIN = "new_chain", _("New failure chain")


class ReviewTaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class FmeaReviewTask(models.Model):
    fmea = models.ForeignKey(
        "design.Fmea",
        on_delete=models.PROTECT,
        related_name="review_tasks",
        verbose_name=_("FMEA"),
    )
    fmea_number = models.CharField(_("FMEA number"), max_length=40, editable=False)
    row = models.PositiveIntegerField(
        _("row"), default=0, editable=False, help_text=_("0 for a proposed new failure chain.")
    )
    item = models.ForeignKey(
        "design.FmeaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("failure chain"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewTaskKind.choices)
    capa = models.ForeignKey(
        "system.EightD",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("CAPA / 8D"),
    )
    failure_mode = models.TextField(_("failure mode (FM)"), blank=True)
    failure_cause = models.TextField(_("failure cause (FC)"), blank=True)
    # evidence
    field_ppm = models.DecimalField(
        _("field failure rate (ppm)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    internal_ppm = models.DecimalField(
        _("internal failure rate (ppm)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    cpk = models.DecimalField(_("Cpk"), max_digits=6, decimal_places=2, null=True, blank=True)
    escape_count = models.PositiveIntegerField(_("escapes to customer or field"), default=0)
    evidence = models.TextField(_("evidence"), blank=True)
    # ratings
    current_occurrence = models.PositiveSmallIntegerField(
        _("current occurrence (O)"), null=True, blank=True, editable=False
    )
    current_detection = models.PositiveSmallIntegerField(
        _("current detection (D)"), null=True, blank=True, editable=False
    )
    proposed_occurrence = models.PositiveSmallIntegerField(
        _("proposed occurrence (O)"), null=True, blank=True, editable=False
    )
    proposed_detection = models.PositiveSmallIntegerField(
        _("proposed detection (D)"), null=True, blank=True, editable=False
    )
    # decision
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReviewTaskStatus.choices,
        default=ReviewTaskStatus.OPEN,
        editable=False,
        db_index=True,
    )
    decision_reason = models.TextField(_("decision reason"), blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    applied_to = models.ForeignKey(
        "design.Fmea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("applied to revision"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    scope = Scope(site="fmea__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("FMEA review task")
        verbose_name_plural = _("FMEA review tasks")
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["capa", "fmea_number", "row"], name="fmea_review_task_once"
            )
        ]

    def __str__(self) -> str:
        where = f"#{self.row}" if self.row else str(_("new chain"))
        return f"{self.fmea_number} {where} ← {self.capa.number}"

    def get_absolute_url(self) -> str:
        return reverse("design:fmeareviewtask_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ReviewTaskStatus.OPEN

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from django.db.models.deletion import ProtectedError

        raise ProtectedError(str(_("Review tasks are kept as records.")), {self})
