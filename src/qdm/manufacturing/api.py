"""API of the manufacturing quality platform."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.views.generic import get_scoped_object
from qdm.manufacturing import api_quality, api_yield
from qdm.manufacturing.filtersets import SpcChartConfigFilterSet, SpcViolationFilterSet
from qdm.manufacturing.models import SpcAnnotation, SpcChartConfig, SpcViolation
from qdm.manufacturing.services.charts import cached_chart
from qdm.manufacturing.services.spc import (
    add_annotation,
    create_chart_config,
    update_chart_config,
)
from qdm.manufacturing.views import requested_window


class SpcChartConfigSerializer(StrictModelSerializer):
    class Meta:
        model = SpcChartConfig
        fields = [
            "id",
            "name",
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
            "open_nc_on_violation",
            "hold_on_violation",
            "notify",
            "status",
            "last_evaluated_at",
            "created_by",
            "created",
        ]
        read_only_fields = [
            "center",
            "lcl",
            "ucl",
            "sigma",
            "secondary_limits",
            "baseline_points",
            "limits_frozen_at",
            "status",
            "last_evaluated_at",
            "created_by",
            "created",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = (
            {}
            if self.instance is None
            else {
                f.attname: getattr(self.instance, f.attname)
                for f in SpcChartConfig._meta.concrete_fields
            }
        )
        candidate = SpcChartConfig(**current)
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class SpcChartConfigViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    """SPC charts; ``POST {id}/transition/`` freezes or recalculates the limits (e-signed);
    ``GET {id}/data/?from=&to=`` gives the chart page's data."""

    scoped_model = SpcChartConfig
    queryset = SpcChartConfig.objects.all()
    serializer_class = SpcChartConfigSerializer
    filterset_class = SpcChartConfigFilterSet
    ordering = ("pk",)

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            instance = create_chart_config(actor=self.request.user, **serializer.validated_data)
            serializer.instance = instance
            self._check_scope(instance, "add")

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            instance = update_chart_config(
                serializer.instance, actor=self.request.user, **serializer.validated_data
            )
            self._check_scope(instance, "change")

    @action(detail=True, methods=["get"], url_path="data")
    def data(self, request: Request, pk: Any = None) -> Response:
        config = get_scoped_object(SpcChartConfig, request.user, "view", pk)
        start, end = requested_window(request.query_params)
        return Response(cached_chart(config, start, end)[0])


class SpcViolationSerializer(StrictModelSerializer):
    class Meta:
        model = SpcViolation
        fields = [
            "id",
            "config",
            "part",
            "rule",
            "point_time",
            "subjects",
            "value",
            "nonconformity",
            "hold",
            "detected_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement",
        ]
        read_only_fields = fields


class SpcViolationViewSet(ScopedModelViewSet):
    """Violations (read only); ``?open_alert=true`` lists the unacknowledged ones;
    ``POST {id}/acknowledge/`` with an optional ``note`` closes the alert."""

    scoped_model = SpcViolation
    queryset = SpcViolation.objects.all()
    serializer_class = SpcViolationSerializer
    filterset_class = SpcViolationFilterSet
    ordering = ("-point_time",)
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return api_quality.refuse_create(_("Violations are recorded by the evaluation."))

    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        violation = get_scoped_object(SpcViolation, request.user, "view", pk)
        violation = api_quality.acknowledge(request, violation)
        return Response(SpcViolationSerializer(violation).data)


class SpcAnnotationSerializer(StrictModelSerializer):
    class Meta:
        model = SpcAnnotation
        fields = ["id", "config", "point_time", "text", "author", "created"]
        read_only_fields = ["author", "created"]


class SpcAnnotationViewSet(ScopedModelViewSet):
    scoped_model = SpcAnnotation
    queryset = SpcAnnotation.objects.all()
    serializer_class = SpcAnnotationSerializer
    ordering = ("point_time",)
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            data = dict(serializer.validated_data)
            config = data.pop("config")
            instance = add_annotation(config, actor=self.request.user, **data)
            serializer.instance = instance
            self._check_scope(instance, "add")


ROUTES = [
    ("manufacturing/spc-charts", SpcChartConfigViewSet),
    ("manufacturing/spc-violations", SpcViolationViewSet),
    ("manufacturing/spc-annotations", SpcAnnotationViewSet),
    *api_quality.ROUTES,
]
# plain paths (not resources) for the API router
API_URLS = [*api_yield.API_URLS]
