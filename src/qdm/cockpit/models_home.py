"""The home page layout a user chose: which widgets, in which order (see
``qdm.cockpit.widgets``). Without a saved layout the user sees their role's defaults."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class HomeLayout(models.Model):
    """One user's home page: the codes of their widgets in display order."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="home_layout",
        verbose_name=_("user"),
    )
    widgets = models.JSONField(_("widgets"), default=list)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    # personal, read and written only for request.user (never listed): no site path
    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("home page layout")
        verbose_name_plural = _("home page layouts")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.widgets)}"
