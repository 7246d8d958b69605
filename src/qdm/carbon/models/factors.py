"""Emission-factor libraries: several side by side (the group's own, a regulator's table, a
published database), each factor with its unit, basis (CO₂ only or CO₂e; combustion or
life-cycle), GWP set, source, year, country or grid region and, for electricity, location- or
market-based accounting. A supplier's verified product factor (declared in the portal) is a
``SupplierFactor``: only that supplier's users and internal users see it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.carbon.choices import Accounting, Boundary, FactorCategory, Gas, GwpSet, LibraryKind
from qdm.core.querysets import Scope, ScopedManager
from qdm.quality import pcf


class BasisMixin(models.Model):
    """Value, unit and basis of a factor, validated with ``qdm.quality.pcf``."""

    value = models.FloatField(_("value"))
    unit = models.CharField(
        _("unit"), max_length=30, help_text=_("e.g. kg CO2e/kWh, g CO2e/kg, kg CO2e/m2")
    )
    gas = models.CharField(_("gas"), max_length=5, choices=Gas.choices, default=Gas.CO2E)
    boundary = models.CharField(
        _("boundary"), max_length=12, choices=Boundary.choices, default=Boundary.LIFE_CYCLE
    )
    gwp = models.CharField(
        _("GWP set"), max_length=3, choices=GwpSet.choices, default=GwpSet.AR5, blank=True
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def basis(self) -> pcf.Basis:
        return pcf.Basis(self.gas, self.boundary, self.gwp if self.gas == "CO2e" else "")

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        try:
            pcf.parse_factor_unit(self.unit or "")
        except pcf.PcfError as exc:
            errors["unit"] = str(exc)
        else:
            try:
                self.factor("check")
            except pcf.PcfError as exc:
                errors["gas" if "basis" in str(exc) else "gwp"] = str(exc)
        if self.value is not None and self.value < 0:
            errors["value"] = str(_("An emission factor cannot be negative."))
        if errors:
            raise ValidationError(errors)

    def factor(self, flow: str) -> pcf.Factor:
        return pcf.Factor(flow, float(self.value), self.unit, self.basis, self.source)

    @property
    def per_unit(self) -> str:
        return pcf.parse_factor_unit(self.unit)[2]

    def kg_per(self, unit: str) -> float:
        return self.factor(str(self)).kg_per(unit)


class FactorLibrary(models.Model):
    """A versioned set of emission factors; a result names the library version it used."""

    code = models.CharField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=LibraryKind.choices)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("emission-factor library")
        verbose_name_plural = _("emission-factor libraries")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="carbon_library_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("carbon:factorlibrary_detail", args=[self.pk])


class EmissionFactor(BasisMixin):
    """One factor of a library: ``key`` names the flow (``electricity``, ``natural gas``,
    ``NF3``, or a material category code such as ``GLASS``); electricity factors are per
    country (and grid region) and location- or market-based."""

    library = models.ForeignKey(
        FactorLibrary, on_delete=models.CASCADE, related_name="factors", verbose_name=_("library")
    )
    category = models.CharField(_("category"), max_length=12, choices=FactorCategory.choices)
    key = models.CharField(_("flow"), max_length=60)
    material = models.ForeignKey(
        "data.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("material"),
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    grid_region = models.CharField(_("grid region"), max_length=60, blank=True)
    accounting = models.CharField(
        _("accounting"), max_length=8, choices=Accounting.choices, blank=True
    )

    scope = Scope()
    objects = ScopedManager()

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["library", "category", "key", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "key", "country", "grid_region", "accounting"],
                name="carbon_factor_unique",
            )
        ]

    def __str__(self) -> str:
        where = "/".join(x for x in (self.country, self.grid_region, self.accounting) if x)
        return f"{self.key}{f' [{where}]' if where else ''}: {self.value:g} {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("carbon:emissionfactor_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.category == FactorCategory.ELECTRICITY and not self.country:
            raise ValidationError({"country": _("An electricity factor needs a country.")})
        if self.category != FactorCategory.ELECTRICITY and self.accounting:
            raise ValidationError(
                {"accounting": _("Location- or market-based applies to electricity only.")}
            )
        # one library, one basis: results never mix bases (pv-reference §6.4)
        if self.library_id:
            other = (
                EmissionFactor.objects.filter(library_id=self.library_id)
                .exclude(pk=self.pk)
                .exclude(gas=self.gas, boundary=self.boundary, gwp=self.gwp)
                .first()
            )
            if other is not None:
                raise ValidationError(
                    {
                        "gas": _(
                            "Library %(lib)s holds factors on the basis %(other)s; this factor "
                            "is %(this)s. Bases cannot be mixed in one library."
                        )
                        % {"lib": self.library, "other": other.basis, "this": self.basis}
                    }
                )


class SupplierFactor(BasisMixin):
    """A supplier's verified cradle-to-gate footprint of one material (e.g. low-carbon
    polysilicon in kg CO₂e/kg), with its verification; used instead of the library average
    for that supplier's lots while valid."""

    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        related_name="carbon_factors",
        verbose_name=_("supplier"),
    )
    material = models.ForeignKey(
        "data.Material", on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    verifier = models.CharField(_("verifier"), max_length=200, blank=True)
    certificate = models.CharField(_("certificate number"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    verified = models.BooleanField(_("verified"), default=False)

    scope = Scope(supplier="supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("supplier emission factor")
        verbose_name_plural = _("supplier emission factors")
        ordering = ["supplier", "material", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.material.code}: {self.value:g} {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("carbon:supplierfactor_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("Valid until is before valid from.")})
