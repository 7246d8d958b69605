"""Filters of the quality data platform (shared by lists and the API)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import ProcessStage
from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Customer, Line, Site, Supplier
from qdm.data.choices import (
    BatchStatus,
    CharacteristicKind,
    ElGrade,
    ElStage,
    FeedKind,
    SpecialClass,
    Technology,
    UnitKind,
)
from qdm.data.models import (
    CellProduct,
    CellSortResult,
    Characteristic,
    ElResult,
    FlashTest,
    IngestBatch,
    Material,
    MaterialCategory,
    Measurement,
    ModuleModel,
    ProductFamily,
    QuarantinedRow,
    Specification,
    Unit,
    WaferProduct,
)


class ProductFamilyFilterSet(ScopedFilterSet):
    technology = django_filters.ChoiceFilter(choices=Technology.choices, label=_("Technology"))

    class Meta:
        model = ProductFamily
        fields = ["technology"]


class ModuleModelFilterSet(ScopedFilterSet):
    class Meta:
        model = ModuleModel
        fields = ["family", "cell_count"]


class CellProductFilterSet(ScopedFilterSet):
    class Meta:
        model = CellProduct
        fields = ["family", "wafer_format"]


class WaferProductFilterSet(ScopedFilterSet):
    class Meta:
        model = WaferProduct
        fields = ["wafer_format", "doping"]


class MaterialCategoryFilterSet(ScopedFilterSet):
    class Meta:
        model = MaterialCategory
        fields: list[str] = []


class MaterialFilterSet(ScopedFilterSet):
    class Meta:
        model = Material
        fields = ["category"]


class CharacteristicFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=CharacteristicKind.choices, label=_("Kind"))
    stage = django_filters.ChoiceFilter(choices=ProcessStage.choices, label=_("Process stage"))
    special_class = django_filters.ChoiceFilter(
        choices=SpecialClass.choices[1:], label=_("Special characteristic")
    )

    class Meta:
        model = Characteristic
        fields = ["kind", "stage", "special_class"]


class SpecificationFilterSet(ScopedFilterSet):
    search_fields = (
        "characteristic__code",
        "characteristic__name",
        "characteristic__name_en",
        "reason",
    )
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )

    class Meta:
        model = Specification
        fields = ["characteristic", "module_model", "material", "site", "customer"]


class FactFilterSet(ScopedFilterSet):
    search_fields = ("serial",)
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    line = django_filters.ModelChoiceFilter(queryset=Line.objects.all(), label=_("Line"))
    since = django_filters.IsoDateTimeFilter(
        field_name="tested_at", lookup_expr="gte", label=_("Tested from")
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="tested_at", lookup_expr="lt", label=_("Tested before")
    )


class FlashTestFilterSet(FactFilterSet):
    class Meta:
        model = FlashTest
        fields = ["site", "line"]


class ElResultFilterSet(FactFilterSet):
    stage = django_filters.ChoiceFilter(choices=ElStage.choices, label=_("Stage"))
    grade = django_filters.ChoiceFilter(choices=ElGrade.choices, label=_("Grade"))

    class Meta:
        model = ElResult
        fields = ["site", "line", "stage", "grade"]


class CellSortResultFilterSet(FactFilterSet):
    search_fields = ("cell_lot",)

    class Meta:
        model = CellSortResult
        fields = ["site", "line", "efficiency_bin"]


class MeasurementFilterSet(ScopedFilterSet):
    search_fields = ("subject", "characteristic__code")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    line = django_filters.ModelChoiceFilter(queryset=Line.objects.all(), label=_("Line"))

    class Meta:
        model = Measurement
        fields = ["characteristic", "site", "line"]


class IngestBatchFilterSet(ScopedFilterSet):
    search_fields = ("file_name", "sha256")
    kind = django_filters.ChoiceFilter(choices=FeedKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = IngestBatch
        fields = ["kind", "status", "site"]


class QuarantinedRowFilterSet(ScopedFilterSet):
    search_fields = ("batch__file_name",)

    class Meta:
        model = QuarantinedRow
        fields = ["batch", "resolved"]


class UnitFilterSet(ScopedFilterSet):
    search_fields = ("code", "supplier_lot", "project")
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Kind"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )

    class Meta:
        model = Unit
        fields = ["kind", "site", "line", "supplier", "customer", "module_model", "material"]
