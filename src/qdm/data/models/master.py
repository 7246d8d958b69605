"""Master data: product families, module models with datasheet values, cell and wafer
products, material categories and materials, and the bill of materials of a module model.

Master data is shared by the whole group (one body): every internal user may read it;
nothing here is owned by a site.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.models.organisation import NamedModel
from qdm.data.choices import Technology


class ProductFamily(NamedModel):
    """A technology family: PERC, TOPCon, HJT, BC."""

    technology = models.CharField(_("technology"), max_length=10, choices=Technology.choices)

    class Meta(NamedModel.Meta):
        verbose_name = _("product family")
        verbose_name_plural = _("product families")

    def get_absolute_url(self) -> str:
        return reverse("data:productfamily_detail", args=[self.pk])


class ModuleModel(NamedModel):
    """A module model with its datasheet values at STC and its single-diode parameters
    (for realistic flash-test generation); seeded from pvlib's CEC database where it fits."""

    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.PROTECT,
        related_name="modules",
        verbose_name=_("product family"),
    )
    pmax_w = models.FloatField(_("Pmax (W)"))
    voc_v = models.FloatField(_("Voc (V)"))
    isc_a = models.FloatField(_("Isc (A)"))
    vmp_v = models.FloatField(_("Vmp (V)"))
    imp_a = models.FloatField(_("Imp (A)"))
    efficiency_pct = models.FloatField(_("efficiency (%)"))
    temp_coeff_pmax_pct_per_c = models.FloatField(_("temperature coefficient of Pmax (%/°C)"))
    temp_coeff_voc_pct_per_c = models.FloatField(_("temperature coefficient of Voc (%/°C)"))
    temp_coeff_isc_pct_per_c = models.FloatField(_("temperature coefficient of Isc (%/°C)"))
    length_mm = models.PositiveIntegerField(_("length (mm)"))
    width_mm = models.PositiveIntegerField(_("width (mm)"))
    thickness_mm = models.PositiveIntegerField(_("thickness (mm)"), default=30)
    weight_kg = models.FloatField(_("weight (kg)"), null=True, blank=True)
    cell_count = models.PositiveSmallIntegerField(_("cell count"))
    bifaciality_pct = models.FloatField(_("bifaciality (%)"), null=True, blank=True)
    diode_parameters = models.JSONField(
        _("single-diode parameters"),
        default=dict,
        blank=True,
        help_text=_("I_L_ref, I_o_ref, R_s, R_sh_ref, a_ref at STC (CEC model)."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta(NamedModel.Meta):
        verbose_name = _("module model")
        verbose_name_plural = _("module models")

    def get_absolute_url(self) -> str:
        return reverse("data:modulemodel_detail", args=[self.pk])


class CellProduct(NamedModel):
    """A cell product (format, technology, nominal efficiency)."""

    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.PROTECT,
        related_name="cells",
        verbose_name=_("product family"),
    )
    wafer_format = models.CharField(_("wafer format"), max_length=20, default="M10")
    area_cm2 = models.FloatField(_("area (cm²)"))
    nominal_efficiency_pct = models.FloatField(_("nominal efficiency (%)"))

    class Meta(NamedModel.Meta):
        verbose_name = _("cell product")
        verbose_name_plural = _("cell products")

    def get_absolute_url(self) -> str:
        return reverse("data:cellproduct_detail", args=[self.pk])


class WaferProduct(NamedModel):
    """A wafer product (format, doping type, nominal thickness)."""

    wafer_format = models.CharField(_("wafer format"), max_length=20, default="M10")
    doping = models.CharField(_("doping type"), max_length=1, choices=[("n", "n"), ("p", "p")])
    thickness_um = models.FloatField(_("nominal thickness (µm)"))

    class Meta(NamedModel.Meta):
        verbose_name = _("wafer product")
        verbose_name_plural = _("wafer products")

    def get_absolute_url(self) -> str:
        return reverse("data:waferproduct_detail", args=[self.pk])


class MaterialCategory(NamedModel):
    """Polysilicon, wafer, cell, glass, encapsulant, backsheet, frame, junction box …"""

    class Meta(NamedModel.Meta):
        verbose_name = _("material category")
        verbose_name_plural = _("material categories")

    def get_absolute_url(self) -> str:
        return reverse("data:materialcategory_detail", args=[self.pk])


class Material(NamedModel):
    """A purchased material (a part number), in a category, counted in ``unit``."""

    category = models.ForeignKey(
        MaterialCategory,
        on_delete=models.PROTECT,
        related_name="materials",
        verbose_name=_("category"),
    )
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    specification = models.CharField(_("specification"), max_length=300, blank=True)

    class Meta(NamedModel.Meta):
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def get_absolute_url(self) -> str:
        return reverse("data:material_detail", args=[self.pk])


class BomLine(models.Model):
    """One line of a module model's bill of materials."""

    module_model = models.ForeignKey(
        ModuleModel, on_delete=models.CASCADE, related_name="bom", verbose_name=_("module model")
    )
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    quantity = models.DecimalField(_("quantity per module"), max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("bill-of-materials line")
        verbose_name_plural = _("bill-of-materials lines")
        constraints = [
            models.UniqueConstraint(fields=["module_model", "material"], name="bom_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.module_model.code}: {self.quantity} {self.material.unit} {self.material}"
