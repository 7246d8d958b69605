"""Engineering changes: a ``ChangeRequest`` of a product, process or material goes
draft → impact assessment → approved (e-signed) → implemented → closed (or rejected).

Entering the assessment lists automatically, as ``ChangeImpact`` rows, what the change
touches: FMEAs, control plans, manufacturing inspection plans, qualification certificates and
programmes it invalidates, customers to notify and suppliers to involve
(``services.change.assess_impact``). Implementation sets the date and the effectivity in the
genealogy — from a date, from the first module serial or from the first material lot — and
the platform counts (and exports) the modules built before and after it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow

#: number prefix of a change request: ECR-SA-2026-00001 (site) or ECR-GRP-… (group)
CHANGE_PREFIX = "ECR"


class ChangeKind(models.TextChoices):
    PRODUCT = "product", _("Product (design)")
    PROCESS = "process", _("Process")
    MATERIAL = "material", _("Material")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSESSMENT = "assessment", _("Impact assessment")
    APPROVED = "approved", _("Approved")
    IMPLEMENTED = "implemented", _("Implemented")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class ImpactArea(models.TextChoices):
    FMEA = "fmea", _("FMEA")
    CONTROL_PLAN = "control_plan", _("Control plan")
    INSPECTION_PLAN = "inspection_plan", _("Inspection plan")
    CERTIFICATE = "certificate", _("Certificate")
    PROGRAMME = "programme", _("Qualification programme")
    CUSTOMER = "customer", _("Customer to notify")
    SUPPLIER = "supplier", _("Supplier")


C = ChangeStatus
#: states whose request fields can no longer be edited
FROZEN_STATES = (C.APPROVED, C.IMPLEMENTED, C.CLOSED, C.REJECTED)


def _assess(obj: ChangeRequest, actor: Any) -> None:
    from qdm.design.services.change import assess_impact

    assess_impact(obj, actor=actor)


def _assessed(obj: ChangeRequest, actor: Any) -> Any:
    return None if obj.assessed_at else _("Run the impact assessment first.")


def _effectivity_set(obj: ChangeRequest, actor: Any) -> Any:
    if not obj.implementation_date:
        return _("Set the implementation date first.")
    if not (obj.effective_from or obj.first_serial or obj.first_lot):
        return _("Set the effectivity: an effective date, a first serial or a first lot.")
    return None


def _impacts_done(obj: ChangeRequest, actor: Any) -> Any:
    open_rows = obj.impacts.filter(done=False).count()
    if open_rows:
        return _("%(count)d impact item(s) are not handled yet.") % {"count": open_rows}
    return None


def _stamp(field: str) -> Any:
    def done(obj: ChangeRequest, actor: Any) -> None:
        setattr(obj, field, timezone.now())
        obj.save(update_fields=[field])

    return done


CHANGE_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "assess", _("Start impact assessment"), (C.DRAFT,), C.ASSESSMENT, on_done=_assess
        ),
        Transition("rework", _("Return to draft"), (C.ASSESSMENT,), C.DRAFT, style="warning"),
        Transition(
            "approve",
            _("Approve"),
            (C.ASSESSMENT,),
            C.APPROVED,
            guard=_assessed,
            signature="approved",
            style="success",
            on_done=_stamp("approved_at"),
        ),
        Transition("reject", _("Reject"), (C.ASSESSMENT,), C.REJECTED, style="danger"),
        Transition(
            "implement",
            _("Mark implemented"),
            (C.APPROVED,),
            C.IMPLEMENTED,
            guard=_effectivity_set,
        ),
        Transition(
            "close",
            _("Close"),
            (C.IMPLEMENTED,),
            C.CLOSED,
            guard=_impacts_done,
            style="success",
            on_done=_stamp("closed_at"),
        ),
    ],
)


class ChangeRequest(models.Model):
    """One engineering change request with its impact and effectivity."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description of the change"))
    reason = models.TextField(_("reason"), blank=True)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Empty for a group-wide change."),
    )
    module_models = models.ManyToManyField(
        "data.ModuleModel", related_name="+", blank=True, verbose_name=_("module models")
    )
    materials = models.ManyToManyField(
        "data.Material",
        related_name="+",
        blank=True,
        verbose_name=_("changed materials"),
        help_text=_("The BOM materials replaced or changed (material changes)."),
    )
    process = models.CharField(_("process affected"), max_length=200, blank=True)
    implementation_date = models.DateField(_("implementation date"), null=True, blank=True)
    effective_from = models.DateTimeField(
        _("effective from"),
        null=True,
        blank=True,
        help_text=_("Modules produced from this time on are built to the change."),
    )
    first_serial = models.CharField(
        _("first serial"),
        max_length=60,
        blank=True,
        help_text=_("The first module built to the change (effectivity by serial)."),
    )
    first_lot = models.CharField(
        _("first lot"),
        max_length=60,
        blank=True,
        help_text=_("The first material lot of the change (effectivity by lot)."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ChangeStatus.choices,
        default=C.DRAFT,
        editable=False,
        db_index=True,
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    workflow = CHANGE_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("design:changerequest_detail", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status != C.DRAFT:
            raise ProtectedError(str(_("Only a draft change request can be deleted.")), {self})
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        if self.first_serial and self.first_lot:
            raise ValidationError(
                _("Give the effectivity either by first serial or by first lot, not both."),
                code="two_effectivities",
            )


class ChangeImpact(models.Model):
    """One thing a change touches, listed by the impact assessment, with its handling."""

    change = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="impacts", verbose_name=_("change")
    )
    area = models.CharField(_("area"), max_length=20, choices=ImpactArea.choices)
    object_id = models.PositiveIntegerField(_("object id"), null=True, blank=True, editable=False)
    reference = models.CharField(_("reference"), max_length=120, editable=False)
    detail = models.TextField(_("why it is affected"), blank=True, editable=False)
    url = models.CharField(_("link"), max_length=300, blank=True, editable=False)
    done = models.BooleanField(_("handled"), default=False)
    note = models.CharField(_("handling note"), max_length=300, blank=True)

    scope = Scope(site="change__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("change impact")
        verbose_name_plural = _("change impacts")
        ordering = ["change", "area", "reference"]

    def __str__(self) -> str:
        return f"{self.change.number}: {self.get_area_display()} {self.reference}"

    def get_absolute_url(self) -> str:
        return reverse("design:changeimpact_detail", args=[self.pk])
