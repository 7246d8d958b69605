"""Users and grants. A user's reach is the union of their grants: a role (a Django group
holding permissions) at a site, at a supplier, at a customer, or group-wide."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class User(AbstractUser):
    """A person using QDM, inside the group or at a supplier or customer."""

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Grant(models.Model):
    """``user`` holds ``role`` at ``site``, at ``supplier`` or at ``customer``, or
    group-wide when all three are empty. External roles must name their company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("user"),
    )
    role = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="grants", verbose_name=_("role")
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("site"),
    )
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("supplier"),
    )
    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("customer"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    scope = Scope(site="site", supplier="supplier", customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["user__username", "role__name"]
        constraints = [
            models.CheckConstraint(
                name="grant_at_most_one_scope",
                condition=~Q(site__isnull=False, supplier__isnull=False)
                & ~Q(site__isnull=False, customer__isnull=False)
                & ~Q(supplier__isnull=False, customer__isnull=False),
            ),
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:grant_detail", args=[self.pk])

    def __str__(self) -> str:
        where = self.site or self.supplier or self.customer or _("group-wide")
        return f"{self.user} · {self.role} @ {where}"

    def clean(self) -> None:
        from qdm.core.roles import EXTERNAL_ROLES

        scopes = [x for x in (self.site_id, self.supplier_id, self.customer_id) if x]
        if len(scopes) > 1:
            raise ValidationError(_("A grant names at most one site, supplier or customer."))
        role_name = self.role.name if self.role_id else ""
        external = EXTERNAL_ROLES.get(role_name)
        if external == "supplier" and not self.supplier_id:
            raise ValidationError({"supplier": _("A supplier role must name its supplier.")})
        if external == "customer" and not self.customer_id:
            raise ValidationError({"customer": _("A customer role must name its customer.")})
        if not external and (self.supplier_id or self.customer_id):
            raise ValidationError(_("Only external roles are granted at a supplier or customer."))
