"""``/api/v1/cockpit/kpi-values/``: the materialised KPI values, read-only and scoped by
site (filter by ``kpi``, ``granularity``, ``site`` code and ``period_start`` range). The
values are written only by ``qdm kpis compute``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qdm.cockpit.kpis import REGISTRY
from qdm.cockpit.models import Granularity, KpiValue
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


ROUTES = [("cockpit/kpi-values", KpiValueViewSet)]
