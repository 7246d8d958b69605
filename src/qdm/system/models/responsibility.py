"""The quality responsibility matrix, in the three levels of the case study: company →
department → post. Each post has its quality responsibilities (text, optionally linked to a
process, with a RACI role) and the people holding it; ``reports_to`` gives the line of
management used to find a user's manager (CAPA escalation).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.system.choices import ResponsibilityRole


class Department(models.Model):
    """A department of the company (level 2), at the group (site empty) or at a site."""

    company = models.ForeignKey(
        "core.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("company"),
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Leave empty for a department of the group."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en or self.name}"

    def get_absolute_url(self) -> str:
        return reverse("system:department_detail", args=[self.pk])


class Post(models.Model):
    """A post (position) in a department (level 3) and the people holding it."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="posts", verbose_name=_("department")
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Where the post works; empty for a group post."),
    )
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reports to"),
    )
    holders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="posts", verbose_name=_("held by")
    )

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["department__code", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en or self.name}"

    def get_absolute_url(self) -> str:
        return reverse("system:post_detail", args=[self.pk])


class Responsibility(models.Model):
    """A quality responsibility of a post, optionally for one process (RACI role)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="responsibilities", verbose_name=_("post")
    )
    process = models.ForeignKey(
        "system.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
        verbose_name=_("process"),
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=ResponsibilityRole.choices,
        default=ResponsibilityRole.RESPONSIBLE,
    )
    description = models.TextField(_("responsibility"))

    scope = Scope(site="post__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("quality responsibility")
        verbose_name_plural = _("quality responsibilities")
        ordering = ["post__code", "process__code", "pk"]

    def __str__(self) -> str:
        return f"{self.post.code}: {self.description[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("system:responsibility_detail", args=[self.pk])
