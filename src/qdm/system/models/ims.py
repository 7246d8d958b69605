"""Integrated management systems: the standards the group is certified to (ISO 9001, 14001,
45001, 50001, IEC 62941, ISO/IEC 17025, ISO 14064-1 …) with their clauses, the group's
processes mapped to the clauses they satisfy, and the certificates per site and system.

One process can satisfy clauses of several systems (that is what makes the system
*integrated*); the processes × systems matrix shows coverage and the clauses no process
covers (gaps). Systems and clauses are shared master data; processes belong to their sites
(none: the whole group); certificates belong to a site.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class ManagementSystem(models.Model):
    """A management-system standard of the registry, e.g. ISO 9001:2015."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    standard = models.CharField(_("standard"), max_length=60)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    active = models.BooleanField(_("active"), default=True)

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("management system")
        verbose_name_plural = _("management systems")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.standard

    def get_absolute_url(self) -> str:
        return reverse("system:managementsystem_detail", args=[self.pk])


class Clause(models.Model):
    """A clause of a management-system standard: its number and a short title of our own."""

    system = models.ForeignKey(
        ManagementSystem,
        on_delete=models.PROTECT,
        related_name="clauses",
        verbose_name=_("management system"),
    )
    number = models.CharField(_("clause"), max_length=12)
    title = models.CharField(_("short title"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["system__code", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="system_clause_once")
        ]

    def __str__(self) -> str:
        return f"{self.system.code} {self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("system:clause_detail", args=[self.pk])


class Process(models.Model):
    """A process of the group's integrated management system, with its owner, the sites
    that run it (none: the whole group) and the clauses of every system it satisfies."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("process owner"),
    )
    sites = models.ManyToManyField(
        "core.Site",
        blank=True,
        related_name="+",
        verbose_name=_("sites"),
        help_text=_("Leave empty for a process of the whole group."),
    )
    clauses = models.ManyToManyField(
        Clause,
        blank=True,
        related_name="processes",
        verbose_name=_("clauses satisfied"),
    )
    description = models.TextField(_("description"), blank=True)

    scope = Scope(site="sites", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "en").startswith("zh"):
            return self.name or self.name_en
        return self.name_en or self.name

    def get_absolute_url(self) -> str:
        return reverse("system:process_detail", args=[self.pk])


class Certificate(models.Model):
    """A certificate of a site to a management system, issued by a certification body.
    ``qdm certificates remind`` warns before it expires (once per threshold)."""

    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    system = models.ForeignKey(
        ManagementSystem,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("management system"),
    )
    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    body = models.CharField(_("certification body"), max_length=120)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    scope_statement = models.TextField(_("certified scope"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    #: the reminder thresholds (days before expiry) already sent, for idempotence
    reminded_days = models.JSONField(
        _("reminders sent (days before expiry)"), default=list, blank=True, editable=False
    )

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["expires_on", "number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.system.code}, {self.site.code})"

    def get_absolute_url(self) -> str:
        return reverse("system:certificate_detail", args=[self.pk])

    @property
    def days_left(self) -> int:
        return (self.expires_on - timezone.localdate()).days
