import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Customer
from qdm.service.choices import ComplaintStatus, Responsibility, Symptom
from qdm.service.models import (
    Complaint,
    ComplaintItem,
    CustomerProfile,
    CustomerRequirement,
    Project,
    ReturnDecision,
    ReturnedModule,
    ReturnStatus,
    SatisfactionSurvey,
    WarrantyContract,
)
from qdm.system.choices import Severity


class CustomerProfileFilterSet(ScopedFilterSet):
    search_fields = ("customer__code", "customer__name", "customer__name_en", "region")

    class Meta:
        model = CustomerProfile
        fields = ["segment", "language"]


class ProjectFilterSet(ScopedFilterSet):
    search_fields = ("name", "location", "country")
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )

    class Meta:
        model = Project
        fields = ["customer", "country"]


class ComplaintFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "description")
    serial = django_filters.CharFilter(method="with_serial", label=_("Serial number"))
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    responsibility = django_filters.ChoiceFilter(
        choices=Responsibility.choices, label=_("Responsibility")
    )
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices, label=_("Status"))
    mine = django_filters.BooleanFilter(method="assigned_to_me", label=_("Assigned to me"))

    class Meta:
        model = Complaint
        fields = ["customer", "severity", "responsibility", "status"]

    def assigned_to_me(self, queryset, name, value):  # type: ignore[no-untyped-def]
        """``mine=true``: the complaints the current user owns (took or was assigned)."""
        user = getattr(self.request, "user", None)
        if value is None or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(owner=user) if value else queryset.exclude(owner=user)

    def with_serial(self, queryset, name, value):  # type: ignore[no-untyped-def]
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            pk__in=ComplaintItem.objects.filter(serial=value).values("complaint")
        )


class ComplaintItemFilterSet(ScopedFilterSet):
    search_fields = ("serial", "complaint__number", "notes")
    symptom = django_filters.ChoiceFilter(choices=Symptom.choices, label=_("Symptom"))

    class Meta:
        model = ComplaintItem
        fields = ["symptom"]


class ReturnedModuleFilterSet(ScopedFilterSet):
    search_fields = ("number", "item__serial", "item__complaint__number")
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices, label=_("Status"))
    decision = django_filters.ChoiceFilter(choices=ReturnDecision.choices, label=_("Decision"))

    class Meta:
        model = ReturnedModule
        fields = ["status", "decision"]


class SatisfactionSurveyFilterSet(ScopedFilterSet):
    search_fields = ("customer__code", "customer__name_en", "respondent", "region", "comment")
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )

    class Meta:
        model = SatisfactionSurvey
        fields = ["customer", "period", "region", "country"]


class CustomerRequirementFilterSet(ScopedFilterSet):
    search_fields = ("customer__code", "customer__name", "project__name", "refused_defect_codes")
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )

    class Meta:
        model = CustomerRequirement
        fields = ["customer", "module_model", "max_el_grade"]


class WarrantyContractFilterSet(ScopedFilterSet):
    search_fields = ("reference", "customer__code", "customer__name", "project__name")
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )

    class Meta:
        model = WarrantyContract
        fields = ["customer", "module_model"]
