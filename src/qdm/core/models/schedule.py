"""Runs of the daily jobs (``qdm schedule``): one row per job and day, which is also the
lock that keeps two schedulers from running the same job twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import RunStatus, RunTrigger
from qdm.core.querysets import Scope, ScopedManager


class ScheduledRun(models.Model):
    """One run of one daily job: queued by the scheduler (once per job and day) or by a
    user's "Run now", executed by the task worker (or inline)."""

    job = models.CharField(_("job"), max_length=60, db_index=True)
    due_on = models.DateField(_("due on"))
    trigger = models.CharField(
        _("trigger"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    output = models.TextField(_("output"), blank=True)

    # group-wide operations records: every internal user may view them; "Run now" needs
    # core.add_scheduledrun (administrators)
    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "due_on"],
                condition=models.Q(trigger="schedule"),
                name="core_scheduledrun_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.due_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:scheduledrun_detail", args=[self.pk])

    @property
    def status_colour(self) -> str:
        return RunStatus(self.status).colour

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
