"""The alerts centre's rules and materialised alerts (issue 10 item 4).

``AlertRule`` says which conditions raise an alert (by kind, at one site or at every site),
with what parameters, and whom the kernel notifies (roles of ``core.roles``, through the
inbox, personal e-mail and the site's notification channels). ``CockpitAlert`` is one
raised alert, written only by ``qdm alerts scan`` (see ``qdm.cockpit.alerts``): the same
open condition never raises a second one, a condition that cleared closes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class AlertKind(models.TextChoices):
    SPC = "spc", _("SPC violation")
    CAPA_OVERDUE = "capa_overdue", _("Overdue CAPA action")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("Certificate about to expire")
    SUPPLIER_GRADE_DROP = "supplier_grade_drop", _("Supplier grade drop")
    KPI_GOAL_BREACH = "kpi_goal_breach", _("KPI breach of its goal")
    COMPLAINT_SLA = "complaint_sla", _("Complaint SLA breach")


class AlertRule(models.Model):
    """When an alert of one kind is raised (and at which site), with its parameters, and
    who is notified through the kernel's notifications when it is raised."""

    kind = models.CharField(_("kind"), max_length=30, choices=AlertKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Leave empty for a rule of every site (and of the group's records)."),
    )
    roles = models.JSONField(
        _("roles to notify"),
        default=list,
        blank=True,
        help_text=_("Role codes (e.g. site_quality_manager); their holders at the site."),
    )
    parameters = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_(
            'Certificates: {"days": 90}; supplier grades: {"drop": 1}; KPI goals: '
            '{"status": "red"} or "amber"; CAPA actions: {"days_overdue": 0}.'
        ),
    )
    notify_owner = models.BooleanField(_("notify the record's owner"), default=True)
    notify_email = models.BooleanField(
        _("send e-mail"), default=True, help_text=_("Each recipient's own e-mail address.")
    )
    notify_channels = models.BooleanField(
        _("send to the site's channels"),
        default=True,
        help_text=_("The notification channels of the site: WeCom, DingTalk, Feishu, e-mail."),
    )

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["kind", "site__code", "pk"]

    def __str__(self) -> str:
        where = self.site.code if self.site is not None else _("all sites")
        return f"{self.get_kind_display()} ({where})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cockpit:alertrule_detail", args=[self.pk])

    def clean(self) -> None:
        from qdm.cockpit.alerts import check_rule

        check_rule(self)


class CockpitAlert(models.Model):
    """One alert raised by the scan for one condition of one record (its ``key``), open
    until the condition clears. Acknowledging says someone has seen it."""

    kind = models.CharField(_("kind"), max_length=30, choices=AlertKind.choices)
    key = models.CharField(_("condition key"), max_length=120)
    rule = models.ForeignKey(
        AlertRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("rule"),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    title = models.CharField(_("title"), max_length=200)
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("record type"),
    )
    source_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due = models.DateField(_("due"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement = models.TextField(_("acknowledgement note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("cockpit alert")
        verbose_name_plural = _("cockpit alerts")
        ordering = ["kind", "-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(closed_at__isnull=True),
                name="cockpit_alert_one_open_per_condition",
            )
        ]
        indexes = [models.Index(fields=["closed_at", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return self.link
