import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qdm.core.tables import BaseTable
from qdm.manufacturing.models import SpcChartConfig, SpcViolation


class SpcChartConfigTable(BaseTable):
    name = tables.Column(linkify=True)
    chart = tables.Column(_("Chart"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = SpcChartConfig
        fields = (
            "name",
            "characteristic",
            "line",
            "chart_type",
            "subgroup_size",
            "rule_set",
            "status",
            "center",
            "lcl",
            "ucl",
            "last_evaluated_at",
        )

    def render_chart(self, record: SpcChartConfig) -> str:
        return format_html('<a href="{}">{}</a>', record.get_chart_url(), _("Open chart"))

    def render_center(self, value: float) -> str:
        return f"{value:.6g}"

    render_lcl = render_center
    render_ucl = render_center


class SpcViolationTable(BaseTable):
    point_time = tables.Column(linkify=True)
    rule = tables.Column(_("Rule"), accessor="rule_label", orderable=False)

    class Meta(BaseTable.Meta):
        model = SpcViolation
        fields = ("point_time", "config", "part", "rule", "value", "subjects", "nonconformity")

    def render_value(self, value: float) -> str:
        return f"{value:.6g}"

    def render_subjects(self, value: str) -> str:
        subjects = [s for s in value.split("\n") if s]
        return ", ".join(subjects[:5]) + (" …" if len(subjects) > 5 else "")
