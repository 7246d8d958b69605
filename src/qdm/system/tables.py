import django_tables2 as tables

from qdm.core.tables import BaseTable
from qdm.system.models import Nonconformity


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
