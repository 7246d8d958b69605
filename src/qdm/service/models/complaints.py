"""Customer complaints and the serials they name.

A complaint is received, triaged (valid, severity, responsibility), investigated (reverse
trace and commonality analysis), may open a customer 8D in the system platform, and is
closed — or rejected as invalid. States follow the kernel workflow engine.
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
from qdm.service.choices import ComplaintStatus, Responsibility, Symptom
from qdm.system.choices import Severity

S = ComplaintStatus


def _has_items(obj: Complaint, actor: Any) -> Any:
    return None if obj.items.exists() else _("Add the affected serials first.")


def _responsibility_known(obj: Complaint, actor: Any) -> Any:
    if obj.responsibility == Responsibility.UNKNOWN:
        return _("Set the responsibility before the investigation.")
    return None


def _has_8d(obj: Complaint, actor: Any) -> Any:
    return None if obj.capa_id else _("Open the customer 8D first.")


def _has_resolution(obj: Complaint, actor: Any) -> Any:
    if not (obj.resolution or "").strip():
        return _("Describe the resolution first.")
    if obj.capa is not None and obj.capa.status != "closed":
        return _("The customer 8D %(number)s is not closed yet.") % {"number": obj.capa.number}
    return None


def _closed(obj: Complaint, actor: Any) -> None:
    obj.closed_at = timezone.now()
    obj.save(update_fields=["closed_at"])


COMPLAINT_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("triage", _("Triage as valid"), (S.RECEIVED,), S.TRIAGED, guard=_has_items),
        Transition(
            "investigate",
            _("Start investigation"),
            (S.TRIAGED,),
            S.INVESTIGATING,
            guard=_responsibility_known,
        ),
        Transition("escalate", _("Move to 8D"), (S.INVESTIGATING,), S.EIGHT_D, guard=_has_8d),
        Transition(
            "close",
            _("Close"),
            (S.INVESTIGATING, S.EIGHT_D),
            S.CLOSED,
            guard=_has_resolution,
            style="success",
            on_done=_closed,
        ),
        Transition(
            "reject",
            _("Reject as invalid"),
            (S.RECEIVED, S.TRIAGED),
            S.REJECTED,
            style="outline-danger",
            on_done=_closed,
        ),
    ],
)


class Complaint(models.Model):
    """A customer complaint about modules in the field."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    customer = models.ForeignKey(
        "core.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    project = models.ForeignKey(
        "service.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MAJOR
    )
    responsibility = models.CharField(
        _("responsibility"),
        max_length=20,
        choices=Responsibility.choices,
        default=Responsibility.UNKNOWN,
    )
    sla_due = models.DateField(_("SLA due"), null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("owner"),
    )
    #: SLA escalation already notified: 0 none, 1 near due (owner), 2 overdue (owner + manager)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0, editable=False
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    resolution = models.TextField(_("resolution"), blank=True)
    capa = models.ForeignKey(
        "system.EightD",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("customer 8D"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
        editable=False,
        db_index=True,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope = Scope(customer="customer")
    workflow = COMPLAINT_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-number"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("service:complaint_detail", args=[self.pk])

    @property
    def overdue(self) -> bool:
        return bool(
            self.sla_due
            and self.status not in (S.CLOSED, S.REJECTED)
            and self.sla_due < timezone.localdate()
        )


class ComplaintItem(models.Model):
    """One module serial named by a complaint, with its symptom."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="items", verbose_name=_("complaint")
    )
    serial = models.CharField(_("serial number"), max_length=60)
    unit = models.ForeignKey(
        "data.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("module"),
    )
    symptom = models.CharField(_("symptom"), max_length=20, choices=Symptom.choices)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope = Scope(customer="complaint__customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("complaint item")
        verbose_name_plural = _("complaint items")
        ordering = ["complaint", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "serial"], name="complaint_serial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.serial} ({self.get_symptom_display()})"

    def get_absolute_url(self) -> str:
        return reverse("service:complaintitem_detail", args=[self.pk])
