"""Quality-loss (cost of poor quality, COPQ) accounting of the cockpit.

The four classes of quality cost (prevention, appraisal, internal failure, external
failure) per site and month are computed by ``qdm.cockpit.copq`` from:

* ``QualityCostRecord`` — prevention and appraisal costs (and any other quality cost not
  recorded by a platform) entered per site and month, by hand, through the API or by XLSX
  import;
* ``StandardCost`` — the standard cost of a material or module model at a site (and of
  handling one complaint), valid for a date range: MRB scrap / rework / downgrade
  quantities are valued with it;
* ``ExchangeRate`` — the rate of a currency into a reporting currency from a month on:
  amounts in different currencies are never added without one;
* ``SiteRevenue`` — the revenue of a site in a month, for COPQ as a share of revenue.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager

__all__ = [
    "CopqClass",
    "CostCategory",
    "CostItemKind",
    "ExchangeRate",
    "QualityCostRecord",
    "SiteRevenue",
    "StandardCost",
]

CURRENCY = RegexValidator(
    r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code such as CNY or USD.")
)


class CopqClass(models.TextChoices):
    PREVENTION = "prevention", _("Prevention")
    APPRAISAL = "appraisal", _("Appraisal")
    INTERNAL = "internal", _("Internal failure")
    EXTERNAL = "external", _("External failure")


class CostCategory(models.TextChoices):
    # prevention
    TRAINING = "training", _("Quality training")
    QUALITY_PLANNING = "quality_planning", _("Quality planning (APQP, FMEA, control plans)")
    SUPPLIER_DEVELOPMENT = "supplier_development", _("Supplier development")
    PROCESS_IMPROVEMENT = "process_improvement", _("Process improvement projects")
    # appraisal
    INSPECTION_LABOUR = "inspection_labour", _("Inspection and test labour")
    TEST_CONSUMABLES = "test_consumables", _("Test consumables and lab tests")
    CALIBRATION = "calibration", _("Calibration")
    CERTIFICATION = "certification", _("Certification and third-party testing")
    AUDITS = "audits", _("Quality audits")
    # failures not recorded by a platform
    INTERNAL_OTHER = "internal_other", _("Other internal failure (downtime, re-inspection)")
    EXTERNAL_OTHER = "external_other", _("Other external failure (field service, penalties)")


#: the COPQ class of every category of a recorded cost
CATEGORY_CLASS = {
    CostCategory.TRAINING: CopqClass.PREVENTION,
    CostCategory.QUALITY_PLANNING: CopqClass.PREVENTION,
    CostCategory.SUPPLIER_DEVELOPMENT: CopqClass.PREVENTION,
    CostCategory.PROCESS_IMPROVEMENT: CopqClass.PREVENTION,
    CostCategory.INSPECTION_LABOUR: CopqClass.APPRAISAL,
    CostCategory.TEST_CONSUMABLES: CopqClass.APPRAISAL,
    CostCategory.CALIBRATION: CopqClass.APPRAISAL,
    CostCategory.CERTIFICATION: CopqClass.APPRAISAL,
    CostCategory.AUDITS: CopqClass.APPRAISAL,
    CostCategory.INTERNAL_OTHER: CopqClass.INTERNAL,
    CostCategory.EXTERNAL_OTHER: CopqClass.EXTERNAL,
}


class CostItemKind(models.TextChoices):
    MATERIAL = "material", _("Material")
    MODULE_MODEL = "module_model", _("Module model")
    COMPLAINT = "complaint", _("Handling of one complaint")


def _money(name: Any) -> models.DecimalField:
    return models.DecimalField(
        name, max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )


class StandardCost(models.Model):
    """The standard cost of one unit of a material or module model at a site (or of handling
    one complaint), valid from a date (to a date): MRB decisions are valued with it —
    scrap at the unit cost, rework at the rework cost, downgrade at the downgrade loss."""

    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    kind = models.CharField(_("item kind"), max_length=20, choices=CostItemKind.choices)
    material = models.ForeignKey(
        "data.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("material"),
    )
    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY])
    unit_cost = _money(_("unit cost (scrap)"))
    rework_cost = models.DecimalField(
        _("rework cost per unit"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    downgrade_loss = models.DecimalField(
        _("downgrade loss per unit"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Value lost when one unit is sold as B-grade instead of first grade."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("standard cost")
        verbose_name_plural = _("standard costs")
        ordering = ["site", "kind", "-valid_from"]

    @property
    def code(self) -> str:
        item = self.material or self.module_model
        label = item.code if item is not None else self.get_kind_display()
        return f"{self.site.code} {label} {self.valid_from:%Y-%m-%d}"

    def __str__(self) -> str:
        return f"{self.code}: {self.unit_cost} {self.currency}"

    def get_absolute_url(self) -> str:
        return reverse("cockpit:standardcost_detail", args=[self.pk])


class QualityCostRecord(models.Model):
    """A quality cost of a site in a month that no platform records: prevention (training,
    quality planning, supplier development …), appraisal (inspection labour, calibration,
    certification …) or another internal / external failure cost."""

    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    month = models.DateField(_("month"), help_text=_("Any day of the month; stored as the 1st."))
    category = models.CharField(_("category"), max_length=30, choices=CostCategory.choices)
    amount = _money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY])
    description = models.CharField(_("description"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("entered by"),
    )

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("quality cost record")
        verbose_name_plural = _("quality cost records")
        ordering = ["-month", "site", "category"]
        indexes = [models.Index(fields=["site", "month"])]

    @property
    def copq_class(self) -> str:
        return CATEGORY_CLASS[CostCategory(self.category)]

    @property
    def code(self) -> str:
        return f"{self.site.code} {self.month:%Y-%m} {self.get_category_display()}"

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("cockpit:qualitycostrecord_detail", args=[self.pk])


class ExchangeRate(models.Model):
    """One unit of ``currency`` is worth ``rate`` units of ``to_currency`` from the month
    ``valid_from`` on (until a later rate of the same pair). Without a site it applies to
    every site."""

    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Leave empty for a rate of the whole group."),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY])
    to_currency = models.CharField(_("into currency"), max_length=3, validators=[CURRENCY])
    rate = models.DecimalField(
        _("rate"), max_digits=16, decimal_places=6, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("valid from"))

    scope = Scope(site="site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "to_currency", "-valid_from"]

    @property
    def code(self) -> str:
        return f"{self.currency}/{self.to_currency} {self.valid_from:%Y-%m-%d}"

    def __str__(self) -> str:
        return f"{self.code}: {self.rate}"

    def get_absolute_url(self) -> str:
        return reverse("cockpit:exchangerate_detail", args=[self.pk])


class SiteRevenue(models.Model):
    """The revenue of a site in a month: COPQ is shown as a share of it."""

    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    month = models.DateField(_("month"), help_text=_("Any day of the month; stored as the 1st."))
    amount = _money(_("revenue"))
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY])

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("site revenue")
        verbose_name_plural = _("site revenues")
        ordering = ["-month", "site"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="cockpit_revenue_unique")
        ]

    @property
    def code(self) -> str:
        return f"{self.site.code} {self.month:%Y-%m}"

    def __str__(self) -> str:
        return f"{self.code}: {self.amount} {self.currency}"

    def get_absolute_url(self) -> str:
        return reverse("cockpit:siterevenue_detail", args=[self.pk])
