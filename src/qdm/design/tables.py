from typing import Any

import django_tables2 as tables
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.html import format_html

from qdm.core.tables import BaseTable
from qdm.design.choices import AP_RANK
from qdm.design.models import ControlPlan, ControlPlanLine, Fmea, FmeaItem, MsaStudy


def order_by_ap(queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
    """H before M before L, then the highest severity first (descending reverses AP)."""
    rank = Case(
        *(When(action_priority=ap, then=Value(r)) for ap, r in AP_RANK.items()),
        output_field=IntegerField(),
    )
    queryset = queryset.annotate(ap_rank=rank).order_by(
        "-ap_rank" if is_descending else "ap_rank", "-severity", "position"
    )
    return queryset, True


def ap_badge(value: str, css: str) -> Any:
    if not value:
        return "—"
    return format_html('<span class="badge {}" data-ap="{}">{}</span>', css, value, value)


class FmeaTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Fmea
        fields = (
            "number",
            "revision",
            "kind",
            "title",
            "site",
            "product",
            "status",
            "due_date",
            "created_at",
        )


class FmeaItemTable(BaseTable):
    failure_mode = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = FmeaItem
        fields = (
            "fmea",
            "position",
            "focus_element",
            "failure_mode",
            "failure_cause",
            "severity",
            "occurrence",
            "detection",
            "action_priority",
            "rpn",
            "special_class",
            "action_status",
        )

    def render_action_priority(self, value: str, record: FmeaItem) -> Any:
        return ap_badge(record.action_priority, record.ap_css)

    def value_action_priority(self, value: str, record: FmeaItem) -> str:
        return record.action_priority

    def order_action_priority(self, queryset: QuerySet, is_descending: bool) -> Any:
        return order_by_ap(queryset, is_descending)


class ControlPlanTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ControlPlan
        fields = (
            "number",
            "revision",
            "phase",
            "title",
            "product",
            "site",
            "line",
            "status",
            "published_at",
        )


class ControlPlanLineTable(BaseTable):
    process_step = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ControlPlanLine
        fields = (
            "plan",
            "sequence",
            "process_step",
            "characteristic",
            "special_class",
            "specification",
            "evaluation_technique",
            "sample_size",
            "frequency",
            "control_method",
            "chart_type",
            "msa_study",
        )


class MsaStudyTable(BaseTable):
    title = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = MsaStudy
        fields = (
            "title",
            "site",
            "characteristic",
            "gauge",
            "method",
            "study_date",
            "pct_study_var_grr",
            "pct_tolerance_grr",
            "ndc",
        )

    def render_pct_study_var_grr(self, value: float) -> str:
        return f"{value:.1f} %"

    def render_pct_tolerance_grr(self, value: float) -> str:
        return f"{value:.1f} %"
