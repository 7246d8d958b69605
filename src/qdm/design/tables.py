from typing import Any

import django_tables2 as tables
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.html import format_html

from qdm.core.tables import BaseTable
from qdm.design.choices import AP_RANK
from qdm.design.models import Fmea, FmeaItem


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
