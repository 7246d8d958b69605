"""Management review: the meeting in which top management reviews the management system for
a period, for one site or for the whole group.

Its inputs are compiled from the platform's data (audit results, customer feedback,
process performance, NC/CAPA status, supplier performance, quality objectives) and stored
as a JSON snapshot when the review is compiled, so the record shows what management saw.
Decisions and actions are tracked to closure. Quality objectives are entered per period.
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
from qdm.system.choices import ActionStatus, ReviewStatus

R = ReviewStatus


class QualityObjective(models.Model):
    """A measurable quality objective for a period: metric, target and the actual value."""

    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Leave empty for an objective of the whole group."),
    )
    process = models.ForeignKey(
        "system.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        verbose_name=_("process"),
    )
    metric = models.CharField(_("metric"), max_length=160)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4)
    actual = models.DecimalField(
        _("actual"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("quality objective")
        verbose_name_plural = _("quality objectives")
        ordering = ["-period_start", "metric"]

    def __str__(self) -> str:
        where = self.site.code if self.site is not None else _("Group")
        return f"{self.metric} ({where}, {self.period_start:%Y-%m})"

    def get_absolute_url(self) -> str:
        return reverse("system:qualityobjective_detail", args=[self.pk])

    @property
    def achieved(self) -> bool | None:
        """None while no actual value is entered."""
        if self.actual is None:
            return None
        return self.actual >= self.target if self.higher_is_better else self.actual <= self.target


def _compiled(obj: ManagementReview, actor: Any) -> Any:
    return None if obj.compiled_at else _("Compile the inputs first.")


def _actions_done(obj: ManagementReview, actor: Any) -> Any:
    still_open = obj.actions.filter(status=ActionStatus.OPEN).count()
    if still_open:
        return _("%(count)d action(s) of this review are still open.") % {"count": still_open}
    return None


def _closed(obj: ManagementReview, actor: Any) -> None:
    obj.closed_at = timezone.now()
    obj.save(update_fields=["closed_at"])


REVIEW_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("hold", _("Record meeting held"), (R.DRAFT,), R.HELD, guard=_compiled),
        Transition(
            "close",
            _("Close review"),
            (R.HELD,),
            R.CLOSED,
            guard=_actions_done,
            signature="approved",
            style="success",
            on_done=_closed,
        ),
    ],
)


class ManagementReview(models.Model):
    """A management review meeting for a period, for one site or (site empty) the group."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Leave empty for a review of the whole group."),
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("attendees")
    )
    conclusions = models.TextField(_("conclusions on the system's suitability"), blank=True)
    inputs = models.JSONField(_("compiled inputs"), default=dict, blank=True, editable=False)
    compiled_at = models.DateTimeField(_("compiled at"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReviewStatus.choices,
        default=ReviewStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    workflow = REVIEW_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-period_end", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("system:managementreview_detail", args=[self.pk])


class ReviewAction(models.Model):
    """A decision of a management review and the action that carries it out."""

    review = models.ForeignKey(
        ManagementReview,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("management review"),
    )
    decision = models.TextField(_("decision"))
    action = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    scope = Scope(site="review__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("management review action")
        verbose_name_plural = _("management review actions")
        ordering = ["review", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.review.number}: {self.action[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("system:reviewaction_detail", args=[self.pk])
