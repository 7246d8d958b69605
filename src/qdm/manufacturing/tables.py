import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qdm.core.tables import BaseTable
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    ModuleRelease,
    MrbDisposition,
    SpcChartConfig,
    SpcViolation,
)


class SpcChartConfigTable(BaseTable):
    name = tables.Column(linkify=True)
    chart = tables.Column(_("Chart"), empty_values=(), orderable=False)
    scope_label = tables.Column(_("Line or supplier × material"), orderable=False)

    class Meta(BaseTable.Meta):
        model = SpcChartConfig
        fields = (
            "name",
            "characteristic",
            "site",
            "scope_label",
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
        fields = (
            "point_time",
            "config",
            "part",
            "rule",
            "value",
            "subjects",
            "nonconformity",
            "hold",
            "acknowledged_at",
        )

    def render_value(self, value: float) -> str:
        return f"{value:.6g}"

    def render_subjects(self, value: str) -> str:
        subjects = [s for s in value.split("\n") if s]
        return ", ".join(subjects[:5]) + (" …" if len(subjects) > 5 else "")


class InspectionPlanTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = InspectionPlan
        fields = ("code", "version", "name", "stage", "site", "material", "module_model", "status")


class InspectionPlanLineTable(BaseTable):
    characteristic = tables.Column(linkify=lambda record: record.plan.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = InspectionPlanLine
        fields = (
            "plan",
            "sequence",
            "characteristic",
            "method",
            "gauge",
            "sampling",
            "sample_size",
            "aql",
            "frequency",
        )


class InspectionLotTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = InspectionLot
        fields = (
            "number",
            "plan",
            "unit",
            "quantity",
            "reference",
            "inspected_at",
            "inspector",
            "status",
            "verdict",
            "nonconformity",
            "hold",
        )


class HoldTable(BaseTable):
    number = tables.Column(linkify=True)
    units = tables.Column(_("Held units"), accessor="unit_codes", orderable=False)

    class Meta(BaseTable.Meta):
        model = Hold
        fields = (
            "number",
            "site",
            "status",
            "source",
            "units",
            "quantity",
            "reason",
            "nonconformity",
            "held_at",
        )


class MrbDispositionTable(BaseTable):
    decision = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = MrbDisposition
        fields = ("hold", "decision", "quantity", "status", "note", "proposed_by", "proposed_at")


class BinningRuleTable(BaseTable):
    module_model = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = BinningRule
        fields = (
            "module_model",
            "first_class_w",
            "last_class_w",
            "class_width_w",
            "guard_band_w",
            "released_grades",
            "imp_class_width_a",
        )


class ModuleReleaseTable(BaseTable):
    unit = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = ModuleRelease
        fields = (
            "unit",
            "site",
            "status",
            "pmax_w",
            "power_class_w",
            "el_grade",
            "imp_a",
            "imp_class",
            "hipot_passed",
            "visual_passed",
            "reasons",
            "decided_at",
        )
