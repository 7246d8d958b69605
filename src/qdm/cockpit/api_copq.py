"""API of quality loss and reports:

* ``/api/v1/cockpit/standard-costs/``, ``quality-cost-records/``, ``exchange-rates/``,
  ``site-revenues/`` — the master data (scoped by site; writes through the services);
* ``GET /api/v1/cockpit/copq/?site=&from=&to=&currency=`` — COPQ per month (the sites
  together and by site), the uncosted decisions and the 12-month forecast with its
  intervals and backtest errors;
* ``GET /api/v1/cockpit/quality-report/?site=CODE|group&month=YYYY-MM&lang=en|zh-hans
  &format=pdf|xlsx`` — the monthly quality report file.

A site out of scope answers 404; bad input 400 naming the problem."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qdm.cockpit.copq import (
    CopqError,
    compute_copq,
    save_cost_record,
    save_exchange_rate,
    save_revenue,
    save_standard_cost,
)
from qdm.cockpit.copq_forecast import forecast_copq
from qdm.cockpit.models_copq import ExchangeRate, QualityCostRecord, SiteRevenue, StandardCost
from qdm.cockpit.views_copq import copq_payload, copq_query, report_response
from qdm.core.api.errors import ApiError, ErrorCode
from qdm.core.api.permissions import GrantPermission
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet


def _creator(service: Any) -> Any:
    def create(*, actor: Any, **data: Any) -> Any:
        return service(None, actor=actor, **data)

    return staticmethod(create)


class StandardCostSerializer(StrictModelSerializer):
    class Meta:
        model = StandardCost
        fields = [
            "id",
            "site",
            "kind",
            "material",
            "module_model",
            "currency",
            "unit_cost",
            "rework_cost",
            "downgrade_loss",
            "valid_from",
            "valid_to",
        ]


class QualityCostRecordSerializer(StrictModelSerializer):
    class Meta:
        model = QualityCostRecord
        fields = ["id", "site", "month", "category", "amount", "currency", "description"]


class ExchangeRateSerializer(StrictModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "site", "currency", "to_currency", "rate", "valid_from"]


class SiteRevenueSerializer(StrictModelSerializer):
    class Meta:
        model = SiteRevenue
        fields = ["id", "site", "month", "amount", "currency"]


class StandardCostViewSet(ScopedModelViewSet):
    scoped_model = StandardCost
    queryset = StandardCost.objects.select_related("site", "material", "module_model")
    serializer_class = StandardCostSerializer
    ordering = ("site_id", "kind", "-valid_from")
    create_service = _creator(save_standard_cost)
    update_service = staticmethod(save_standard_cost)


class QualityCostRecordViewSet(ScopedModelViewSet):
    scoped_model = QualityCostRecord
    queryset = QualityCostRecord.objects.select_related("site")
    serializer_class = QualityCostRecordSerializer
    ordering = ("-month", "site_id", "category")
    create_service = _creator(save_cost_record)
    update_service = staticmethod(save_cost_record)


class ExchangeRateViewSet(ScopedModelViewSet):
    scoped_model = ExchangeRate
    queryset = ExchangeRate.objects.select_related("site")
    serializer_class = ExchangeRateSerializer
    ordering = ("currency", "to_currency", "-valid_from")
    create_service = _creator(save_exchange_rate)
    update_service = staticmethod(save_exchange_rate)


class SiteRevenueViewSet(ScopedModelViewSet):
    scoped_model = SiteRevenue
    queryset = SiteRevenue.objects.select_related("site")
    serializer_class = SiteRevenueSerializer
    ordering = ("-month", "site_id")
    create_service = _creator(save_revenue)
    update_service = staticmethod(save_revenue)


def _not_found(exc: Http404) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"Not found: {exc}", status_code=404)


class CopqApiView(APIView):
    permission_classes = [GrantPermission]
    scoped_model = QualityCostRecord
    permission_action = "view"
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Cost of poor quality per month, with its 12-month forecast",
        parameters=[
            OpenApiParameter("site", str, description="site code (empty: every site in scope)"),
            OpenApiParameter("from", str, description="YYYY-MM (default: 11 months before to)"),
            OpenApiParameter("to", str, description="YYYY-MM (default: this month)"),
            OpenApiParameter("currency", str, description="reporting currency (ISO 4217)"),
            OpenApiParameter("forecast", bool, description="include the forecast (default 1)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        unknown = sorted(
            set(request.query_params) - {"site", "from", "to", "currency", "forecast", "format"}
        )
        if unknown:
            raise ApiError(ErrorCode.UNKNOWN_FIELD, f"Unknown parameter: {', '.join(unknown)}")
        try:
            q = copq_query(request.user, request.query_params)
            result = compute_copq(q.sites, q.first, q.last, q.currency)
            want = request.query_params.get("forecast", "1") not in ("0", "false", "no")
            fc = forecast_copq(q.sites, q.last, q.currency) if want and q.sites else None
        except Http404 as exc:
            raise _not_found(exc) from exc
        except CopqError as exc:
            raise ApiError(ErrorCode.INVALID, str(exc)) from exc
        return Response(copq_payload(q, result, fc))


class QualityReportApiView(APIView):
    permission_classes = [GrantPermission]
    scoped_model = QualityCostRecord
    permission_action = "view"
    http_method_names = ["get", "head", "options"]

    def perform_content_negotiation(self, request: Any, force: bool = False) -> Any:
        # ``format`` names the report's file format here, not a DRF renderer
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    @extend_schema(
        summary="Monthly quality report (PDF or XLSX, English or Chinese)",
        parameters=[
            OpenApiParameter("site", str, description="site code, or 'group'"),
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("lang", str, enum=["en", "zh-hans"]),
            OpenApiParameter("format", str, enum=["pdf", "xlsx"]),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> Any:
        try:
            return report_response(request.user, request.query_params)
        except Http404 as exc:
            raise _not_found(exc) from exc


ROUTES = [
    ("cockpit/standard-costs", StandardCostViewSet),
    ("cockpit/quality-cost-records", QualityCostRecordViewSet),
    ("cockpit/exchange-rates", ExchangeRateViewSet),
    ("cockpit/site-revenues", SiteRevenueViewSet),
]

API_URLS = [
    path("cockpit/copq/", CopqApiView.as_view(), name="cockpit-copq"),
    path("cockpit/quality-report/", QualityReportApiView.as_view(), name="cockpit-quality-report"),
]
