"""``GET /api/v1/data/trace/backward/<serial>/`` and ``…/forward/<code>/?limit=&offset=``.

Authenticated users holding ``data.view_unit``; the starting unit must be in their scope
(otherwise 404 ``not_found``, exactly as for an unknown code); units reached outside their
scope are counted, not named (see ``service``)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qdm.core.api.errors import ApiError, ErrorCode
from qdm.core.api.permissions import GrantPermission
from qdm.data.models import Unit
from qdm.data.trace import service


def _not_found(exc: service.UnitNotFound) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, str(exc), status_code=404)


def parse_page(query: Any) -> tuple[int, int]:
    """``limit`` (1…MAX_LIMIT, default DEFAULT_LIMIT) and ``offset`` (≥ 0) from a query
    dict; ``ApiError`` ``invalid`` naming the bad field otherwise."""
    fields: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name, default, low, high in (
        ("limit", service.DEFAULT_LIMIT, 1, service.MAX_LIMIT),
        ("offset", 0, 0, None),
    ):
        raw = query.get(name)
        if raw in (None, ""):
            values[name] = default
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            fields[name] = [_("Enter a whole number.")]
            continue
        if value < low or (high is not None and value > high):
            fields[name] = [
                _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
                if high is not None
                else _("Enter a number of at least %(low)s.") % {"low": low}
            ]
            continue
        values[name] = value
    if fields:
        raise ApiError(
            ErrorCode.INVALID,
            _("Invalid input in: %s") % ", ".join(fields),
            fields=fields,
            status_code=400,
        )
    return values["limit"], values["offset"]


class TraceView(APIView):
    permission_classes = [GrantPermission]
    scoped_model = Unit
    permission_action = "view"
    http_method_names = ["get", "head", "options"]


class BackwardTraceView(TraceView):
    @extend_schema(
        summary="Backward trace of a module",
        description="Every upstream unit with its depth, the latest flash test and EL result "
        "and the process measurements of the module's line in its production window.",
        responses={200: dict},
    )
    def get(self, request: Request, serial: str) -> Response:
        try:
            trace = service.backward(serial, request.user)
        except service.UnitNotFound as exc:
            raise _not_found(exc) from exc
        return Response(trace.payload)


class ForwardTraceView(TraceView):
    @extend_schema(
        summary="Forward trace of a lot",
        description="Every downstream unit: exact counts per kind, module serials (paged), "
        "pallets, shipments, customers and projects.",
        parameters=[
            OpenApiParameter("limit", int, description="modules per page (1-1000, default 100)"),
            OpenApiParameter("offset", int, description="first module of the page (default 0)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request, code: str) -> Response:
        limit, offset = parse_page(request.query_params)
        try:
            trace = service.forward(code, request.user, limit=limit, offset=offset)
        except service.UnitNotFound as exc:
            raise _not_found(exc) from exc
        return Response(trace.payload)


API_URLS = [
    path(
        "data/trace/backward/<str:serial>/",
        BackwardTraceView.as_view(),
        name="data-trace-backward",
    ),
    path("data/trace/forward/<str:code>/", ForwardTraceView.as_view(), name="data-trace-forward"),
]
