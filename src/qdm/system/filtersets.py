import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site, Supplier
from qdm.system.choices import NonconformitySource, NonconformityStatus, Severity
from qdm.system.models import Nonconformity


class NonconformityFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "description", "item", "lots")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    source = django_filters.ChoiceFilter(choices=NonconformitySource.choices, label=_("Source"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = django_filters.ChoiceFilter(choices=NonconformityStatus.choices, label=_("Status"))

    class Meta:
        model = Nonconformity
        fields = ["site", "supplier", "source", "severity", "status"]
