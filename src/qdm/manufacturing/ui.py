from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.manufacturing import ui_quality
from qdm.manufacturing.filtersets import SpcChartConfigFilterSet, SpcViolationFilterSet
from qdm.manufacturing.forms import SpcChartConfigForm
from qdm.manufacturing.models import SpcChartConfig, SpcViolation
from qdm.manufacturing.services.spc import create_chart_config, update_chart_config
from qdm.manufacturing.tables import SpcChartConfigTable, SpcViolationTable


def save_chart_config(form: Any, user: Any) -> SpcChartConfig:
    if form.instance.pk:
        return update_chart_config(form.instance, actor=user, **form.cleaned_data)
    return create_chart_config(actor=user, **form.cleaned_data)


def chart_config_context(obj: SpcChartConfig, user: Any) -> dict[str, Any]:
    violations = SpcViolation.objects.for_user(user, "view").filter(config=obj)
    return {
        "recent_violations": violations.select_related("nonconformity", "hold")[:20],
        "violation_count": violations.count(),
        "open_alert_count": violations.filter(acknowledged_at__isnull=True).count(),
    }


def violation_context(obj: SpcViolation, user: Any) -> dict[str, Any]:
    return {
        "can_acknowledge": obj.acknowledged_at is None
        and user.has_perm("manufacturing.change_spcviolation", obj),
    }


MODEL_UIS = [
    ModelUI(
        SpcChartConfig,
        SpcChartConfigTable,
        SpcChartConfigFilterSet,
        SpcChartConfigForm,
        saver=save_chart_config,
        detail_template="manufacturing/spcchartconfig_detail.html",
        extra_context=chart_config_context,
        detail_fields=(
            "name",
            "status",
            "characteristic",
            "line",
            "site",
            "supplier",
            "material",
            "chart_type",
            "subgroup_size",
            "rule_set",
            "baseline_from",
            "baseline_to",
            "center",
            "lcl",
            "ucl",
            "sigma",
            "secondary_limits",
            "baseline_points",
            "limits_frozen_at",
            "last_evaluated_at",
            "open_nc_on_violation",
            "hold_on_violation",
            "notify",
            "created_by",
            "created",
        ),
    ),
    ModelUI(
        SpcViolation,
        SpcViolationTable,
        SpcViolationFilterSet,
        per_page=100,
        detail_template="manufacturing/spcviolation_detail.html",
        extra_context=violation_context,
        detail_fields=(
            "config",
            "part",
            "rule",
            "point_time",
            "value",
            "subjects",
            "nonconformity",
            "hold",
            "detected_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement",
        ),
    ),
    *ui_quality.MODEL_UIS,
]
