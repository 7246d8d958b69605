"""``/api/v1/cockpit/kpi-values/``: the materialised KPI values, read-only and scoped by
site (filter by ``kpi``, ``granularity``, ``site`` code and ``period_start`` range). The
values are written only by ``qdm kpis compute``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qdm.cockpit.kpis import REGISTRY
from qdm.cockpit.models import (
    Dimension,
    GoalDirection,
    GoalReview,
    Granularity,
    KpiBreakdown,
    KpiValue,
    QualityGoal,
)
from qdm.cockpit.services_goals import measure_goal, save_goal, save_review
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.filtersets import ScopedFilterSet


class KpiValueFilterSet(ScopedFilterSet):
    search_fields = ("kpi", "site__code")
    kpi = django_filters.ChoiceFilter(
        choices=[(k.code, k.name) for k in REGISTRY.values()], label=_("KPI")
    )
    granularity = django_filters.ChoiceFilter(choices=Granularity.choices, label=_("granularity"))
    site = django_filters.CharFilter(field_name="site__code", label=_("site"))
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("period start")
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("period start")
    )

    class Meta:
        model = KpiValue
        fields = ["kpi", "granularity"]


class KpiValueSerializer(StrictModelSerializer):
    site: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KpiValue
        fields = [
            "id",
            "kpi",
            "site",
            "granularity",
            "period_start",
            "value",
            "numerator",
            "denominator",
            "computed_at",
        ]
        read_only_fields = fields


class KpiValueViewSet(ScopedModelViewSet):
    """Read-only: KPI values are materialised by ``qdm kpis compute``."""

    scoped_model = KpiValue
    queryset = KpiValue.objects.select_related("site")
    serializer_class = KpiValueSerializer
    filterset_class = KpiValueFilterSet
    ordering = ("kpi", "site__code", "granularity", "period_start")
    http_method_names = ["get", "head", "options"]


class KpiBreakdownFilterSet(ScopedFilterSet):
    search_fields = ("kpi", "site__code", "line__code", "product__code")
    kpi = django_filters.ChoiceFilter(
        choices=[(k.code, k.name) for k in REGISTRY.values()], label=_("KPI")
    )
    dimension = django_filters.ChoiceFilter(choices=Dimension.choices, label=_("dimension"))
    granularity = django_filters.ChoiceFilter(choices=Granularity.choices, label=_("granularity"))
    site = django_filters.CharFilter(field_name="site__code", label=_("site"))
    line = django_filters.CharFilter(field_name="line__code", label=_("line"))
    product = django_filters.CharFilter(field_name="product__code", label=_("module model"))
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("period start")
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("period start")
    )

    class Meta:
        model = KpiBreakdown
        fields = ["kpi", "dimension", "granularity"]


class KpiBreakdownSerializer(StrictModelSerializer):
    site: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    line: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KpiBreakdown
        fields = [
            "id", "kpi", "dimension", "site", "line", "product", "granularity",
            "period_start", "value", "numerator", "denominator", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields


class KpiBreakdownViewSet(ScopedModelViewSet):
    """Read-only: line, product and group values materialised by ``qdm kpis compute``."""

    scoped_model = KpiBreakdown
    queryset = KpiBreakdown.objects.select_related("site", "line", "product")
    serializer_class = KpiBreakdownSerializer
    filterset_class = KpiBreakdownFilterSet
    ordering = ("kpi", "dimension", "granularity", "period_start", "id")
    http_method_names = ["get", "head", "options"]


def _create_goal(*, actor: Any, **data: Any) -> Any:
    return save_goal(None, actor=actor, **data)


def _create_review(*, actor: Any, **data: Any) -> Any:
    return save_review(None, actor=actor, **data)


class QualityGoalSerializer(StrictModelSerializer):
    """A goal with its measured actual, status and forecast (read-only: never typed)."""

    kpi = serializers.ChoiceField(choices=[(k.code, str(k.name)) for k in REGISTRY.values()])
    direction = serializers.ChoiceField(choices=GoalDirection.choices, required=False)
    measured = serializers.SerializerMethodField()

    class Meta:
        model = QualityGoal
        fields = [
            "id",
            "code",
            "title",
            "year",
            "level",
            "parent",
            "kpi",
            "direction",
            "target",
            "amber_band",
            "site",
            "department",
            "post",
            "owner",
            "measured",
        ]

    def get_measured(self, obj: QualityGoal) -> dict[str, Any]:
        m = measure_goal(obj)
        return {
            "actual": m.actual,
            "status": m.status,
            "forecast": m.forecast,
            "forecast_status": m.forecast_status,
            "months": [{"month": d.isoformat(), "value": v} for d, v in m.months],
        }


class QualityGoalViewSet(ScopedModelViewSet):
    scoped_model = QualityGoal
    queryset = QualityGoal.objects.select_related("site", "department", "post", "owner")
    serializer_class = QualityGoalSerializer
    ordering = ("-year", "code")
    create_service = staticmethod(_create_goal)
    update_service = staticmethod(save_goal)


class GoalReviewSerializer(StrictModelSerializer):
    class Meta:
        model = GoalReview
        fields = [
            "id",
            "goal",
            "reviewed_on",
            "phase",
            "findings",
            "actions",
            "actual_at_review",
            "status_at_review",
            "reviewer",
        ]
        read_only_fields = ["actual_at_review", "status_at_review", "reviewer"]


class GoalReviewViewSet(ScopedModelViewSet):
    scoped_model = GoalReview
    queryset = GoalReview.objects.select_related("goal")
    serializer_class = GoalReviewSerializer
    ordering = ("-reviewed_on", "-id")
    create_service = staticmethod(_create_review)
    update_service = staticmethod(save_review)


ROUTES = [
    ("cockpit/kpi-values", KpiValueViewSet),
    ("cockpit/kpi-breakdowns", KpiBreakdownViewSet),
    ("cockpit/quality-goals", QualityGoalViewSet),
    ("cockpit/goal-reviews", GoalReviewViewSet),
]

from qdm.cockpit import api_copq  # noqa: E402  (quality loss and reports)

ROUTES += api_copq.ROUTES
from qdm.cockpit import alerts_api  # noqa: E402  (alert rules and alerts)

ROUTES += alerts_api.ROUTES
API_URLS = [*globals().get("API_URLS", []), *api_copq.API_URLS]
