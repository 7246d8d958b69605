import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.carbon.choices import ActivityKind, DataQuality, FactorCategory
from qdm.carbon.models import (
    ActivityRecord,
    CarbonDeclaration,
    CarbonTarget,
    EcsTableVersion,
    EmissionFactor,
    FactorLibrary,
    ProductFootprint,
    SupplierFactor,
)
from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site


class FactorLibraryFilterSet(ScopedFilterSet):
    search_fields = ("code", "name", "publisher")

    class Meta:
        model = FactorLibrary
        fields = ["kind"]


class EmissionFactorFilterSet(ScopedFilterSet):
    search_fields = ("key", "country", "source")
    category = django_filters.ChoiceFilter(choices=FactorCategory.choices, label=_("Category"))

    class Meta:
        model = EmissionFactor
        fields = ["library", "category", "country", "accounting", "gas"]


class SupplierFactorFilterSet(ScopedFilterSet):
    search_fields = ("supplier__code", "material__code", "certificate")

    class Meta:
        model = SupplierFactor
        fields = ["supplier", "material", "verified"]


class ActivityRecordFilterSet(ScopedFilterSet):
    search_fields = ("key", "notes")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Kind"))

    class Meta:
        model = ActivityRecord
        fields = ["site", "kind", "month"]


class ProductFootprintFilterSet(ScopedFilterSet):
    search_fields = ("module_model__code", "basis")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = ProductFootprint
        fields = ["module_model", "site", "method", "library"]


class CarbonDeclarationFilterSet(ScopedFilterSet):
    search_fields = ("unit__code",)
    data_quality = django_filters.ChoiceFilter(choices=DataQuality.choices, label=_("Data quality"))

    class Meta:
        model = CarbonDeclaration
        fields = ["data_quality", "library"]


class EcsTableVersionFilterSet(ScopedFilterSet):
    search_fields = ("version", "source")

    class Meta:
        model = EcsTableVersion
        fields = ["official"]


class CarbonTargetFilterSet(ScopedFilterSet):
    search_fields = ("notes",)
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = CarbonTarget
        fields = ["year"]
