"""``GET /api/v1/manufacturing/yield/?site=&line=&module_model=&date_from=&date_to=
&granularity=&shifts=``: the yield page's report as JSON (see
:mod:`qdm.manufacturing.services.yields`).

Users holding ``data.view_flashtest`` (others 403 ``permission_denied``); every figure is of
what they may see. Bad filters answer 400 ``invalid`` naming the field; unknown query
parameters 400 ``unknown_field``."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qdm.core.api.errors import ApiError, ErrorCode
from qdm.core.api.permissions import GrantPermission
from qdm.data.models import FlashTest
from qdm.manufacturing.services.yields import yield_report
from qdm.manufacturing.views_yield import YieldFilterForm

#: query parameters DRF itself reads
RESERVED = {"format"}


class YieldApiView(APIView):
    permission_classes = [GrantPermission]
    scoped_model = FlashTest
    permission_action = "view"
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Module line yield",
        description="First-pass yield, scrap and downgrade rates by period, line, shift and "
        "line × period, and the defect Pareto (EL defect codes, PWR-LOW, HIPOT, VISUAL and "
        "nonconforming IPQA/OQC characteristics) with cumulative shares. Rates are fractions "
        "of the modules started (first flash test in the period, site-local dates).",
        parameters=[
            OpenApiParameter("site", str, description="site code"),
            OpenApiParameter("line", str, description="line code"),
            OpenApiParameter("module_model", str, description="module model code"),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD (default: 29 days ago)"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD (default: today)"),
            OpenApiParameter("granularity", str, enum=["day", "week", "month"]),
            OpenApiParameter("shifts", str, enum=["3x8", "2x12"]),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        form = YieldFilterForm(request.query_params, user=request.user)
        unknown = sorted(set(request.query_params) - set(form.fields) - RESERVED)
        if unknown:
            raise ApiError(
                ErrorCode.UNKNOWN_FIELD,
                _("Unknown parameter: %s") % ", ".join(unknown),
                fields={name: [_("Unknown parameter.")] for name in unknown},
            )
        if not form.is_valid():
            fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
            raise ApiError(
                ErrorCode.INVALID,
                _("Invalid input in: %s") % ", ".join(fields),
                fields=fields,
            )
        return Response(yield_report(request.user, form.query))


API_URLS = [path("manufacturing/yield/", YieldApiView.as_view(), name="manufacturing-yield")]
