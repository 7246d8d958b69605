"""Customer-specific requirements: what one customer (optionally for one project or module
model) demands of the modules it receives — power classes and positive tolerance, Imp
sorting, packaging, EL acceptance and the documents to deliver — versioned with effective
dates. Manufacturing and OQC read them through ``qdm.service.selectors``."""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager

#: EL grades from best to worst (the data platform's ElGrade)
EL_GRADES = ("A", "B", "C", "D")
CLASSES_RE = re.compile(r"^\s*\d{2,4}(\s*,\s*\d{2,4})*\s*$")
CODES_RE = re.compile(r"^[A-Z0-9_-]+$")


class Orientation(models.TextChoices):
    PORTRAIT = "portrait", _("Portrait (standing)")
    LANDSCAPE = "landscape", _("Landscape (lying)")


class CustomerRequirement(models.Model):
    """One version of a customer's requirements, valid from ``effective_from`` until
    ``effective_to`` (inclusive; open-ended when empty)."""

    customer = models.ForeignKey(
        "core.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    project = models.ForeignKey(
        "service.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("project"),
        help_text=_("Empty: all projects of the customer."),
    )
    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
        help_text=_("Empty: all module models."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    allowed_classes_w = models.CharField(
        _("allowed power classes (W)"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated nameplate classes, e.g. 580, 585, 590. Empty: any."),
    )
    positive_tolerance_w = models.DecimalField(
        _("positive tolerance (W)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Measured Pmax must lie between the class and class + tolerance … 0/+5 W."),
    )
    imp_sorting_required = models.BooleanField(_("Imp sorting required"), default=False)
    imp_bin_width_a = models.DecimalField(
        _("Imp bin width (A)"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Largest Imp spread allowed within one pallet."),
    )
    modules_per_pallet = models.PositiveSmallIntegerField(
        _("modules per pallet"), null=True, blank=True
    )
    orientation = models.CharField(
        _("pallet orientation"), max_length=10, choices=Orientation.choices, blank=True
    )
    max_el_grade = models.CharField(
        _("worst EL grade accepted"),
        max_length=1,
        choices=[(g, g) for g in EL_GRADES],
        default="A",
    )
    refused_defect_codes = models.CharField(
        _("refused EL defect codes"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, e.g. CRACK, FINGER_INTERRUPT."),
    )
    deliver_flash_list = models.BooleanField(_("flash list"), default=True)
    deliver_el_images = models.BooleanField(_("EL images"), default=False)
    deliver_coc = models.BooleanField(_("certificate of conformity"), default=True)
    deliver_carbon_declaration = models.BooleanField(_("carbon declaration"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope(customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("customer requirement")
        verbose_name_plural = _("customer requirements")
        ordering = ["customer__code", "-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "project", "module_model", "version"],
                name="service_requirement_version_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        target = " ".join(str(x) for x in (self.project, self.module_model) if x)
        return f"{self.customer} {target} v{self.version}".replace("  ", " ")

    def get_absolute_url(self) -> str:
        return reverse("service:customerrequirement_detail", args=[self.pk])

    # --- parsed values --------------------------------------------------------------
    @property
    def allowed_classes(self) -> list[int]:
        return sorted({int(x) for x in self.allowed_classes_w.split(",") if x.strip()})

    @property
    def refused_codes(self) -> list[str]:
        return [c.strip().upper() for c in self.refused_defect_codes.split(",") if c.strip()]

    @property
    def documents(self) -> list[str]:
        names = ("flash_list", "el_images", "coc", "carbon_declaration")
        return [n for n in names if getattr(self, f"deliver_{n}")]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, object] = {}
        if self.allowed_classes_w and not CLASSES_RE.match(self.allowed_classes_w):
            errors["allowed_classes_w"] = _(
                "Write the power classes as whole watts separated by commas, e.g. 580, 585."
            )
        codes = [c.strip() for c in self.refused_defect_codes.split(",") if c.strip()]
        bad = [c for c in codes if not CODES_RE.match(c.upper())]
        if bad:
            errors["refused_defect_codes"] = _("Not a defect code: %(codes)s.") % {
                "codes": ", ".join(bad)
            }
        self.refused_defect_codes = ", ".join(c.upper() for c in codes)
        if self.imp_sorting_required and not self.imp_bin_width_a:
            errors["imp_bin_width_a"] = _("Imp sorting is required: give the bin width.")
        if self.imp_bin_width_a is not None and self.imp_bin_width_a <= 0:
            errors["imp_bin_width_a"] = _("The Imp bin width must be positive.")
        if self.modules_per_pallet == 0:
            errors["modules_per_pallet"] = _("A pallet holds at least one module.")
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            errors["effective_to"] = _("The end date must not be before the start date.")
        if (
            self.customer_id
            and self.project is not None
            and self.project.customer_id != self.customer_id
        ):
            errors["project"] = _("The project belongs to another customer.")
        if errors:
            raise ValidationError(errors)
        self.check_version_unique()

    def check_version_unique(self) -> None:
        """One version number per customer, project (or all projects) and module model (or
        all models). Checked here because the database constraint treats empty project and
        model as equal only on PostgreSQL ≥ 15 (``nulls_distinct=False``; SQLite ignores
        it, Django check models.W047)."""
        if not self.customer_id or self.version is None:
            return
        clash = CustomerRequirement.objects.filter(
            customer_id=self.customer_id,
            project_id=self.project_id,  # None matches "all projects" (IS NULL)
            module_model_id=self.module_model_id,
            version=self.version,
        ).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError(
                {
                    "version": _(
                        "Version %(version)s of the requirements of %(customer)s for "
                        "%(project)s and %(model)s already exists: give the next version "
                        "number or change that version."
                    )
                    % {
                        "version": self.version,
                        "customer": self.customer.code,
                        "project": (
                            self.project.name if self.project is not None else _("all projects")
                        ),
                        "model": self.module_model if self.module_model_id else _("all models"),
                    }
                },
                code="unique",
            )

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # the version uniqueness is checked by ``check_version_unique`` (clear message,
        # every database); skip the generic duplicate message of the constraint
        super().validate_constraints(exclude=set(exclude or ()) | {"version"})

    def applies_on(self, day) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class WarrantyContract(models.Model):
    """The warranty terms agreed with a customer (optionally for one project and/or module
    model) for modules shipped between ``effective_from`` and ``effective_to``; the RMA
    evaluation uses them instead of the defaults."""

    customer = models.ForeignKey(
        "core.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    project = models.ForeignKey(
        "service.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warranty_contracts",
        verbose_name=_("project"),
        help_text=_("Empty: all projects of the customer."),
    )
    module_model = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
        help_text=_("Empty: all module models."),
    )
    reference = models.CharField(_("contract reference"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    product_years = models.DecimalField(
        _("product warranty (years)"), max_digits=4, decimal_places=1, default=Decimal("12")
    )
    power_years = models.DecimalField(
        _("power warranty (years)"), max_digits=4, decimal_places=1, default=Decimal("30")
    )
    first_year_loss_pct = models.DecimalField(
        _("first-year loss (%)"), max_digits=5, decimal_places=2, default=Decimal("1.00")
    )
    annual_loss_pct = models.DecimalField(
        _("annual degradation (%)"), max_digits=5, decimal_places=3, default=Decimal("0.400")
    )
    uncertainty_pct = models.DecimalField(
        _("measurement uncertainty (%)"), max_digits=4, decimal_places=2, default=Decimal("3.00")
    )

    scope = Scope(customer="customer")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("warranty contract")
        verbose_name_plural = _("warranty contracts")
        ordering = ["customer__code", "-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reference", "version"], name="service_warranty_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("service:warrantycontract_detail", args=[self.pk])

    def terms(self):
        from qdm.quality.warranty import ContractTerms, LinearWarranty

        return ContractTerms(
            product_years=float(self.product_years),
            power=LinearWarranty(
                float(self.power_years),
                float(self.first_year_loss_pct),
                float(self.annual_loss_pct),
            ),
            uncertainty_pct=float(self.uncertainty_pct),
        )

    def clean(self) -> None:
        from qdm.quality.warranty import WarrantyInputError

        super().clean()
        errors: dict[str, object] = {}
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            errors["effective_to"] = _("The end date must not be before the start date.")
        if (
            self.customer_id
            and self.project is not None
            and self.project.customer_id != self.customer_id
        ):
            errors["project"] = _("The project belongs to another customer.")
        if errors:
            raise ValidationError(errors)
        try:
            self.terms()
        except WarrantyInputError as exc:
            raise ValidationError(
                _("Impossible warranty terms: %(error)s.") % {"error": exc}
            ) from None
