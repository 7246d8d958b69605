"""Filters of the supplier lists (shared by UI and API)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site, Supplier
from qdm.data.models import Material, MaterialCategory
from qdm.supplier.choices import (
    ApprovalStatus,
    CertificateKind,
    Grade,
    ReceiptStatus,
    ScarResponseStatus,
    SwitchingSeverity,
)
from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    Receipt,
    ScarRequest,
    Scorecard,
    ScorecardWeights,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
    SwitchingState,
)


def supplier_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(queryset=Supplier.objects.all(), label=_("Supplier"))


def material_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(queryset=Material.objects.all(), label=_("Material"))


class SupplierProfileFilterSet(ScopedFilterSet):
    search_fields = ("supplier__code", "supplier__name", "supplier__name_en")
    approval_status = django_filters.ChoiceFilter(
        choices=ApprovalStatus.choices, label=_("Approval status")
    )

    class Meta:
        model = SupplierProfile
        fields = ["approval_status"]


class SupplierPlantFilterSet(ScopedFilterSet):
    search_fields = ("name", "city", "products")
    supplier = supplier_filter()

    class Meta:
        model = SupplierPlant
        fields = ["supplier"]


class SupplierContactFilterSet(ScopedFilterSet):
    search_fields = ("name", "email", "function")
    supplier = supplier_filter()

    class Meta:
        model = SupplierContact
        fields = ["supplier"]


class ApprovedMaterialFilterSet(ScopedFilterSet):
    search_fields = ("material__code", "supplier__code", "note")
    supplier = supplier_filter()
    material = material_filter()
    status = django_filters.ChoiceFilter(choices=ApprovalStatus.choices, label=_("Status"))

    class Meta:
        model = ApprovedMaterial
        fields = ["supplier", "material", "status"]


class CertificateFilterSet(ScopedFilterSet):
    search_fields = ("number", "issuer", "scope_text")
    supplier = supplier_filter()
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, label=_("Kind"))

    class Meta:
        model = Certificate
        fields = ["supplier", "kind"]


class SwitchingStateFilterSet(ScopedFilterSet):
    search_fields = ("supplier__code", "material__code")
    supplier = supplier_filter()
    severity = django_filters.ChoiceFilter(choices=SwitchingSeverity.choices, label=_("Severity"))

    class Meta:
        model = SwitchingState
        fields = ["supplier", "severity"]


class ReceiptFilterSet(ScopedFilterSet):
    search_fields = ("number", "supplier_lot", "purchase_order", "material__code")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    supplier = supplier_filter()
    material = material_filter()
    status = django_filters.ChoiceFilter(choices=ReceiptStatus.choices, label=_("Status"))
    severity = django_filters.ChoiceFilter(choices=SwitchingSeverity.choices, label=_("Severity"))

    class Meta:
        model = Receipt
        fields = ["site", "supplier", "material", "status", "severity"]


class ScarRequestFilterSet(ScopedFilterSet):
    search_fields = ("capa__number", "capa__title", "reason")
    supplier = supplier_filter()
    response_status = django_filters.ChoiceFilter(
        choices=ScarResponseStatus.choices, label=_("Response status")
    )

    class Meta:
        model = ScarRequest
        fields = ["supplier", "response_status"]


class ScorecardFilterSet(ScopedFilterSet):
    search_fields = ("supplier__code", "category__code")
    supplier = supplier_filter()
    category = django_filters.ModelChoiceFilter(
        queryset=MaterialCategory.objects.all(), label=_("Category")
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"))

    class Meta:
        model = Scorecard
        fields = ["supplier", "category", "grade"]


class ScorecardWeightsFilterSet(ScopedFilterSet):
    search_fields = ("name",)

    class Meta:
        model = ScorecardWeights
        fields = ["active"]
