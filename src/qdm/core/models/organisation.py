"""The organisation: enterprise → business unit → base (site) → workshop → line → station,
and the anchor models for the companies outside it (suppliers and customers)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import ProcessStage
from qdm.core.querysets import Scope, ScopedManager

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{0,19}$",
    _("Use 1-20 upper-case letters, digits or hyphens, starting with a letter or digit."),
)


class NamedModel(models.Model):
    """Master data people read in both languages: ``name`` (Chinese) and ``name_en``."""

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    objects = ScopedManager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "en").startswith("zh"):
            return self.name or self.name_en
        return self.name_en or self.name


class Enterprise(NamedModel):
    """The group at the top of the organisation tree."""

    class Meta(NamedModel.Meta):
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")


class BusinessUnit(NamedModel):
    """A business unit of the group (for example wafers, cells, modules, overseas)."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="business_units",
        verbose_name=_("enterprise"),
    )

    class Meta(NamedModel.Meta):
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")


class Site(NamedModel):
    """A production base: the unit of site scoping. Times are shown in its timezone."""

    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("business unit"),
    )
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. CN, VN, US.")
    )
    timezone = models.CharField(_("timezone"), max_length=64, default="Asia/Shanghai")
    stages = models.JSONField(
        _("process stages"),
        default=list,
        blank=True,
        help_text=_("Process stages present at this base."),
    )
    capacity_gw = models.DecimalField(
        _("module capacity (GW)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    scope = Scope(site="pk")

    class Meta(NamedModel.Meta):
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def get_absolute_url(self) -> str:
        return reverse("core:site_detail", args=[self.pk])

    def clean(self) -> None:
        from zoneinfo import available_timezones

        from django.core.exceptions import ValidationError

        if self.timezone not in available_timezones():
            raise ValidationError({"timezone": _("Unknown timezone.")})
        valid = set(ProcessStage.values)
        bad = [s for s in self.stages or [] if s not in valid]
        if bad:
            raise ValidationError({"stages": _("Unknown process stage: %s") % ", ".join(bad)})
        if self.country and not (len(self.country) == 2 and self.country.isalpha()):
            raise ValidationError({"country": _("Use a two-letter ISO country code.")})
        self.country = (self.country or "").upper()


class Workshop(NamedModel):
    """A workshop of a base, dedicated to one process stage."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="workshops", verbose_name=_("site")
    )
    stage = models.CharField(_("process stage"), max_length=20, choices=ProcessStage.choices)

    scope = Scope(site="site")

    class Meta(NamedModel.Meta):
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def get_absolute_url(self) -> str:
        return reverse("core:workshop_detail", args=[self.pk])


class Line(NamedModel):
    """A production line in a workshop."""

    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="lines", verbose_name=_("workshop")
    )
    capacity_per_day = models.PositiveIntegerField(
        _("capacity per day (units)"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    scope = Scope(site="workshop__site")

    class Meta(NamedModel.Meta):
        verbose_name = _("line")
        verbose_name_plural = _("lines")

    def get_absolute_url(self) -> str:
        return reverse("core:line_detail", args=[self.pk])

    @property
    def site(self) -> Site:
        return self.workshop.site


class Station(NamedModel):
    """A station (machine or work place) on a line: flash tester, EL tester, stringer …"""

    line = models.ForeignKey(
        Line, on_delete=models.PROTECT, related_name="stations", verbose_name=_("line")
    )
    equipment_id = models.CharField(_("equipment ID"), max_length=60, blank=True)

    scope = Scope(site="line__workshop__site")

    class Meta(NamedModel.Meta):
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def get_absolute_url(self) -> str:
        return reverse("core:station_detail", args=[self.pk])


class Company(NamedModel):
    """A company outside the group."""

    country = models.CharField(_("country"), max_length=2)
    active = models.BooleanField(_("active"), default=True)

    class Meta(NamedModel.Meta):
        abstract = True


class Supplier(Company):
    """Anchor for the supplier platform, which extends it with approval, sites and scores."""

    scope = Scope(supplier="pk")

    class Meta(NamedModel.Meta):
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def get_absolute_url(self) -> str:
        return reverse("core:supplier_detail", args=[self.pk])


class Customer(Company):
    """Anchor for the customer-service platform, which extends it with projects."""

    scope = Scope(customer="pk")

    class Meta(NamedModel.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def get_absolute_url(self) -> str:
        return reverse("core:customer_detail", args=[self.pk])
