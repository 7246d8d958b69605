import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Customer, Site, Supplier
from qdm.system.choices import (
    ActionStatus,
    CapaKind,
    CapaStatus,
    Discipline,
    DocumentLanguage,
    DocumentType,
    NonconformitySource,
    NonconformityStatus,
    RevisionStatus,
    Severity,
)
from qdm.system.models import (
    CapaAction,
    ControlledDocument,
    DocumentRevision,
    EightD,
    Nonconformity,
    RevisionFile,
    RootCause,
    TeamMember,
    Verification,
)


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


class EightDFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "problem_what")
    kind = django_filters.ChoiceFilter(choices=CapaKind.choices, label=_("Kind"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), label=_("Customer")
    )
    status = django_filters.ChoiceFilter(choices=CapaStatus.choices, label=_("Status"))

    class Meta:
        model = EightD
        fields = ["kind", "site", "supplier", "customer", "status"]


class TeamMemberFilterSet(ScopedFilterSet):
    search_fields = ("capa__number", "department")

    class Meta:
        model = TeamMember
        fields = ["capa", "role"]


class RootCauseFilterSet(ScopedFilterSet):
    search_fields = ("capa__number", "statement")

    class Meta:
        model = RootCause
        fields = ["capa", "cause_type", "category"]


class CapaActionFilterSet(ScopedFilterSet):
    search_fields = ("capa__number", "description", "reference")
    discipline = django_filters.ChoiceFilter(choices=Discipline.choices, label=_("Discipline"))
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, label=_("Status"))

    class Meta:
        model = CapaAction
        fields = ["capa", "discipline", "status", "owner"]


class VerificationFilterSet(ScopedFilterSet):
    search_fields = ("capa__number", "method", "result")

    class Meta:
        model = Verification
        fields = ["capa", "effective"]


class ControlledDocumentFilterSet(ScopedFilterSet):
    search_fields = ("code", "title", "process")
    doc_type = django_filters.ChoiceFilter(choices=DocumentType.choices, label=_("Document type"))
    language = django_filters.ChoiceFilter(choices=DocumentLanguage.choices, label=_("Language"))

    class Meta:
        model = ControlledDocument
        fields = ["doc_type", "language"]


class DocumentRevisionFilterSet(ScopedFilterSet):
    search_fields = ("document__code", "document__title", "revision")
    status = django_filters.ChoiceFilter(choices=RevisionStatus.choices, label=_("Status"))

    class Meta:
        model = DocumentRevision
        fields = ["document", "status"]


class RevisionFileFilterSet(ScopedFilterSet):
    search_fields = ("revision__document__code", "title")

    class Meta:
        model = RevisionFile
        fields = ["revision", "language"]
