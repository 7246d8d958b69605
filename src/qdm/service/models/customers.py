"""Customers and their projects (PV plants).

``CustomerProfile`` extends the kernel's ``core.Customer`` one-to-one with what customer
service needs; ``Project`` is a PV plant the customer builds with our modules. A project's
``name`` is the one written on the shipments of the genealogy (``data.Unit.project``), which
is how its deliveries are found.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager


class CustomerProfile(models.Model):
    """Customer-service facts about one customer: region, contacts, the language reports go
    out in, and the requirements it imposes."""

    customer = models.OneToOneField(
        "core.Customer",
        on_delete=models.PROTECT,
        related_name="service_profile",
        verbose_name=_("customer"),
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    segment = models.CharField(
        _("segment"),
        max_length=20,
        choices=[
            ("utility", _("Utility-scale developer")),
            ("epc", _("EPC contractor")),
            ("distributor", _("Distributor")),
            ("c_and_i", _("Commercial and industrial")),
        ],
        default="utility",
    )
    language = models.CharField(
        _("report language"),
        max_length=10,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        default="en",
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    requirements = models.TextField(
        _("customer-specific requirements"),
        blank=True,
        help_text=_("Binning, Imp sorting, packaging, EL criteria, documents to deliver."),
    )

    scope = Scope(customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")
        ordering = ["customer__code"]

    def __str__(self) -> str:
        return str(self.customer)

    def get_absolute_url(self) -> str:
        return reverse("service:customerprofile_detail", args=[self.pk])


class Project(models.Model):
    """A PV plant of a customer, supplied with our modules."""

    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.PROTECT,
        related_name="service_projects",
        verbose_name=_("customer"),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As written on the shipments (genealogy)."),
    )
    country = models.CharField(_("country"), max_length=2)
    location = models.CharField(_("location"), max_length=200, blank=True)
    capacity_mwp = models.DecimalField(_("capacity (MWp)"), max_digits=9, decimal_places=2)
    commissioning_date = models.DateField(_("commissioning date"), null=True, blank=True)
    module_models = models.ManyToManyField(
        "data.ModuleModel", blank=True, related_name="+", verbose_name=_("module models")
    )

    scope = Scope(customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["customer__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="service_project_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:project_detail", args=[self.pk])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        code = (self.country or "").strip()
        if not (len(code) == 2 and code.isalpha()):
            raise ValidationError({"country": _("Use a two-letter ISO country code.")})
        self.country = code.upper()
        if self.capacity_mwp is not None and self.capacity_mwp <= 0:
            raise ValidationError({"capacity_mwp": _("The capacity must be positive.")})
