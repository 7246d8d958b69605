import django_filters
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.system.choices import (
    ActionStatus,
    AuditStatus,
    ChecklistResult,
    FindingKind,
    ResponsibilityRole,
    ReviewStatus,
)
from qdm.system.models import (
    Audit,
    AuditProgramme,
    Certificate,
    ChecklistItem,
    Clause,
    Department,
    Finding,
    ManagementReview,
    ManagementSystem,
    Post,
    Process,
    QualityObjective,
    Responsibility,
    ReviewAction,
)


def site_filter(field_name: str = "site") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Site.objects.all(), label=_("Site")
    )


def system_filter(field_name: str = "system") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=ManagementSystem.objects.all(), label=_("Management system")
    )


class ManagementSystemFilterSet(ScopedFilterSet):
    search_fields = ("code", "standard", "name", "name_en")

    class Meta:
        model = ManagementSystem
        fields = ["active"]


class ClauseFilterSet(ScopedFilterSet):
    search_fields = ("number", "title")
    system = system_filter()

    class Meta:
        model = Clause
        fields = ["system"]


class ProcessFilterSet(ScopedFilterSet):
    search_fields = ("code", "name", "name_en", "description")
    site = site_filter("sites")
    system = system_filter("clauses__system")

    class Meta:
        model = Process
        fields = ["owner"]

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return super().filter_queryset(queryset).distinct()


class CertificateFilterSet(ScopedFilterSet):
    search_fields = ("number", "body", "scope_statement")
    site = site_filter()
    system = system_filter()
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label=_("Expires on or before")
    )

    class Meta:
        model = Certificate
        fields = ["site", "system"]


class AuditProgrammeFilterSet(ScopedFilterSet):
    search_fields = ("objectives",)
    site = site_filter()
    system = system_filter()

    class Meta:
        model = AuditProgramme
        fields = ["year", "site", "system"]


class AuditFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "summary")
    site = site_filter()
    status = django_filters.ChoiceFilter(choices=AuditStatus.choices, label=_("Status"))

    class Meta:
        model = Audit
        fields = ["programme", "site", "supplier", "status", "lead_auditor"]


class ChecklistItemFilterSet(ScopedFilterSet):
    search_fields = ("audit__number", "question", "evidence")
    result = django_filters.ChoiceFilter(choices=ChecklistResult.choices, label=_("Result"))

    class Meta:
        model = ChecklistItem
        fields = ["audit", "process", "result"]


class FindingFilterSet(ScopedFilterSet):
    search_fields = ("reference", "statement", "evidence")
    kind = django_filters.ChoiceFilter(choices=FindingKind.choices, label=_("Kind"))

    class Meta:
        model = Finding
        fields = ["audit", "kind", "process"]


class QualityObjectiveFilterSet(ScopedFilterSet):
    search_fields = ("metric",)
    site = site_filter()

    class Meta:
        model = QualityObjective
        fields = ["site", "process"]


class ManagementReviewFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "conclusions")
    site = site_filter()
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label=_("Status"))

    class Meta:
        model = ManagementReview
        fields = ["site", "status"]


class ReviewActionFilterSet(ScopedFilterSet):
    search_fields = ("review__number", "decision", "action")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, label=_("Status"))

    class Meta:
        model = ReviewAction
        fields = ["review", "owner", "status"]


class DepartmentFilterSet(ScopedFilterSet):
    site = site_filter()

    class Meta:
        model = Department
        fields = ["company", "site", "parent"]


class PostFilterSet(ScopedFilterSet):
    site = site_filter()

    class Meta:
        model = Post
        fields = ["department", "site", "reports_to"]


class ResponsibilityFilterSet(ScopedFilterSet):
    search_fields = ("description", "post__code", "process__code")
    role = django_filters.ChoiceFilter(choices=ResponsibilityRole.choices, label=_("Role"))

    class Meta:
        model = Responsibility
        fields = ["post", "process", "role"]
