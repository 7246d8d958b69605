"""SCAR: the supplier's side of a system 8D of kind SCAR.

The 8D itself (team, root causes, actions, verification, closure) lives in the system
CAPA engine. This record adds what the engine does not have: the supplier's response
cycle (awaiting → submitted → accepted, or returned for rework) and a due date per
discipline (D3 containment, D4 root cause, D5/D6 corrective action, D8 closure).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.supplier.choices import ScarResponseStatus

R = ScarResponseStatus


def _holds(perm: str) -> Any:
    # the transition's permission is the (scoped) view permission; the decision itself
    # needs a custom permission, scoped by the kernel to the object like any other
    def guard(obj: Any, actor: Any) -> Any:
        return None if actor.has_perm(perm, obj) else _("You may not do this.")

    return guard


def _may_review(obj: ScarRequest, actor: Any) -> Any:
    return _holds("supplier.review_scarrequest")(obj, actor)


def _has_answers(obj: ScarRequest, actor: Any) -> Any:
    from qdm.system.choices import CauseType, Discipline

    refused = _holds("supplier.respond_scarrequest")(obj, actor)
    if refused:
        return refused

    capa = obj.capa
    if not capa.actions.filter(discipline=Discipline.CONTAINMENT).exists():
        return _("Describe the containment (D3) first.")
    if not capa.root_causes.filter(cause_type=CauseType.OCCURRENCE).exists():
        return _("State the root cause (D4) first.")
    if not capa.actions.filter(discipline=Discipline.CORRECTIVE).exists():
        return _("Plan the permanent corrective action (D5) first.")
    return None


def _submitted(obj: ScarRequest, actor: Any) -> None:
    obj.submitted_at = timezone.now()
    obj.save(update_fields=["submitted_at"])


def _accepted(obj: ScarRequest, actor: Any) -> None:
    obj.accepted_at = timezone.now()
    obj.save(update_fields=["accepted_at"])


def _returned(obj: ScarRequest, actor: Any) -> None:
    obj.return_count += 1
    obj.save(update_fields=["return_count"])


SCAR_WORKFLOW = Workflow(
    field="response_status",
    transitions=[
        Transition(
            "submit",
            _("Submit response"),
            (R.AWAITING, R.RETURNED),
            R.SUBMITTED,
            permission="supplier.view_scarrequest",
            guard=_has_answers,
            style="success",
            on_done=_submitted,
        ),
        Transition(
            "accept",
            _("Accept response"),
            (R.SUBMITTED,),
            R.ACCEPTED,
            permission="supplier.view_scarrequest",
            guard=_may_review,
            signature="approved",
            style="success",
            on_done=_accepted,
        ),
        Transition(
            "return",
            _("Return to supplier"),
            (R.SUBMITTED,),
            R.RETURNED,
            permission="supplier.view_scarrequest",
            guard=_may_review,
            style="outline-danger",
            on_done=_returned,
        ),
    ],
)


class ScarRequest(models.Model):
    """The supplier response cycle and discipline due dates of one SCAR 8D."""

    capa = models.OneToOneField(
        "system.EightD",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("8D"),
    )
    supplier = models.ForeignKey(
        "core.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    receipt = models.ForeignKey(
        "supplier.Receipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
    )
    reason = models.CharField(_("why the SCAR was raised"), max_length=200)
    response_status = models.CharField(
        _("response status"),
        max_length=20,
        choices=ScarResponseStatus.choices,
        default=ScarResponseStatus.AWAITING,
        editable=False,
        db_index=True,
    )
    containment_due = models.DateField(_("D3 containment due"))
    root_cause_due = models.DateField(_("D4 root cause due"))
    corrective_due = models.DateField(_("D5/D6 corrective action due"))
    closure_due = models.DateField(_("D8 closure due"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    scope = Scope(site="site", supplier="supplier")
    workflow = SCAR_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("SCAR")
        verbose_name_plural = _("SCARs")
        ordering = ["-created"]
        permissions = [
            ("respond_scarrequest", "Can answer a SCAR (supplier)"),
            ("review_scarrequest", "Can accept or return a SCAR response (SQE)"),
        ]

    def __str__(self) -> str:
        return self.capa.number

    def get_absolute_url(self) -> str:
        return reverse("supplier:scarrequest_detail", args=[self.pk])

    def next_due(self) -> tuple[str, datetime.date] | None:
        """The first discipline still open and its due date (for reminders)."""
        if self.response_status in (R.SUBMITTED, R.ACCEPTED):
            return None
        from qdm.system.choices import CauseType, Discipline

        capa = self.capa
        if not capa.actions.filter(discipline=Discipline.CONTAINMENT).exists():
            return ("D3", self.containment_due)
        if not capa.root_causes.filter(cause_type=CauseType.OCCURRENCE).exists():
            return ("D4", self.root_cause_due)
        return ("D5", self.corrective_due)
