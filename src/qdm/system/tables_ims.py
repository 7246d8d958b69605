import django_tables2 as tables

from qdm.core.tables import BaseTable
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


class ManagementSystemTable(BaseTable):
    standard = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ManagementSystem
        fields = ("standard", "code", "name", "name_en", "active")


class ClauseTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Clause
        fields = ("system", "number", "title")


class ProcessTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Process
        fields = ("code", "name", "name_en", "owner")


class CertificateTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Certificate
        fields = ("number", "site", "system", "body", "issued_on", "expires_on", "owner")


class AuditProgrammeTable(BaseTable):
    year = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = AuditProgramme
        fields = ("year", "site", "system", "manager")


class AuditTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Audit
        fields = (
            "number",
            "site",
            "title",
            "supplier",
            "programme",
            "planned_start",
            "planned_end",
            "lead_auditor",
            "status",
        )


class ChecklistItemTable(BaseTable):
    question = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ChecklistItem
        fields = ("audit", "process", "clause", "question", "result")


class FindingTable(BaseTable):
    reference = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Finding
        fields = ("reference", "audit", "kind", "process", "clause", "statement", "nonconformity")


class QualityObjectiveTable(BaseTable):
    metric = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = QualityObjective
        fields = (
            "metric",
            "site",
            "process",
            "unit",
            "target",
            "actual",
            "period_start",
            "period_end",
        )


class ManagementReviewTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ManagementReview
        fields = ("number", "site", "title", "period_start", "period_end", "meeting_date", "status")


class ReviewActionTable(BaseTable):
    action = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ReviewAction
        fields = ("review", "action", "owner", "due_date", "status")


class DepartmentTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Department
        fields = ("code", "name", "name_en", "company", "site", "parent")


class PostTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Post
        fields = ("code", "name", "name_en", "department", "site", "reports_to")


class ResponsibilityTable(BaseTable):
    description = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Responsibility
        fields = ("post", "process", "role", "description")
