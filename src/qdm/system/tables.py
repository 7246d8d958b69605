import django_tables2 as tables

from qdm.core.tables import BaseTable
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


class NonconformityTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Nonconformity
        fields = (
            "number",
            "site",
            "source",
            "severity",
            "title",
            "status",
            "supplier",
            "raised_by",
            "raised_at",
        )


class EightDTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = EightD
        fields = (
            "number",
            "kind",
            "site",
            "title",
            "status",
            "supplier",
            "customer",
            "champion",
            "due_date",
            "opened_at",
        )


class TeamMemberTable(BaseTable):
    user = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = TeamMember
        fields = ("capa", "user", "role", "department")


class RootCauseTable(BaseTable):
    statement = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = RootCause
        fields = ("capa", "cause_type", "category", "statement", "verified")


class CapaActionTable(BaseTable):
    description = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CapaAction
        fields = (
            "capa",
            "discipline",
            "description",
            "owner",
            "due_date",
            "status",
            "escalation_level",
        )


class VerificationTable(BaseTable):
    method = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Verification
        fields = ("capa", "method", "effective", "verified_by", "verified_on")


class ControlledDocumentTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ControlledDocument
        fields = ("code", "title", "doc_type", "owner", "process", "language", "next_review_date")
        # the list shows a link to the documents due for their periodic review
        template_name = "system/controlleddocument_table.html"


class DocumentRevisionTable(BaseTable):
    revision = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = DocumentRevision
        fields = ("document", "revision", "status", "author", "approved_by", "effective_at")


class RevisionFileTable(BaseTable):
    title = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = RevisionFile
        fields = ("revision", "language", "title", "attachment")
