"""``/api/v1/cockpit/alert-rules/`` (the rules, scoped by site, written through
``save_rule``: a bad field is a 400 naming it) and ``/api/v1/cockpit/alerts/`` (the
materialised alerts, read-only; ``POST …/alerts/<id>/acknowledge/`` with ``note``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from qdm.cockpit.alerts import acknowledge_alert, create_rule, may_acknowledge, save_rule
from qdm.cockpit.models import AlertKind, AlertRule, CockpitAlert
from qdm.core.api.errors import ApiError, ErrorCode, service_errors
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.filtersets import ScopedFilterSet


class AlertRuleSerializer(StrictModelSerializer):
    class Meta:
        model = AlertRule
        fields = [
            "id",
            "kind",
            "enabled",
            "site",
            "roles",
            "parameters",
            "notify_owner",
            "notify_email",
            "notify_channels",
        ]


class AlertRuleViewSet(ScopedModelViewSet):
    scoped_model = AlertRule
    queryset = AlertRule.objects.select_related("site")
    serializer_class = AlertRuleSerializer
    ordering = ("kind", "id")
    create_service = staticmethod(create_rule)
    update_service = staticmethod(save_rule)


class CockpitAlertFilterSet(ScopedFilterSet):
    search_fields = ("title", "key")
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices, label=_("kind"))
    site = django_filters.CharFilter(field_name="site__code", label=_("site"))
    open = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", label=_("open")
    )
    acknowledged = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", exclude=True, label=_("acknowledged")
    )

    class Meta:
        model = CockpitAlert
        fields = ["kind"]


class CockpitAlertSerializer(StrictModelSerializer):
    site: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source_type: Any = serializers.SerializerMethodField()

    class Meta:
        model = CockpitAlert
        fields = [
            "id",
            "kind",
            "key",
            "rule",
            "site",
            "title",
            "source_type",
            "source_id",
            "link",
            "owner",
            "due",
            "raised_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement",
            "closed_at",
            "notified_at",
        ]
        read_only_fields = fields

    def get_source_type(self, obj: CockpitAlert) -> str | None:
        ct = obj.source_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class CockpitAlertViewSet(ScopedModelViewSet):
    """Read-only: alerts are raised and closed by ``qdm alerts scan``."""

    scoped_model = CockpitAlert
    queryset = CockpitAlert.objects.select_related("site", "source_type")
    serializer_class = CockpitAlertSerializer
    filterset_class = CockpitAlertFilterSet
    ordering = ("kind", "-raised_at")
    http_method_names = ["get", "head", "options", "post"]
    #: the acknowledge action needs only *view* of the alert here; its right is checked in it
    permission_action: str | None = None

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise ApiError(
            ErrorCode.METHOD_NOT_ALLOWED,
            _("Alerts are raised by qdm alerts scan, not created."),
            status_code=405,
        )

    def get_queryset(self) -> Any:
        # acknowledging is a POST on an alert the user may *see*; the right is checked below
        return CockpitAlert.objects.for_user(self.request.user, "view").select_related(
            "site", "source_type"
        )

    @extend_schema(
        request=inline_serializer(
            "CockpitAlertAcknowledge",
            {"note": serializers.CharField(required=False, allow_blank=True)},
        ),
        responses=CockpitAlertSerializer,
    )
    @action(detail=True, methods=["post"], permission_action="view")
    def acknowledge(self, request: Any, pk: Any = None) -> Any:
        alert = self.get_object()
        if not may_acknowledge(request.user, alert):
            raise PermissionDenied(_("You may not acknowledge this alert."))
        with service_errors():
            alert = acknowledge_alert(alert, actor=request.user, note=request.data.get("note", ""))
        return Response(CockpitAlertSerializer(alert, context={"request": request}).data)


ROUTES = [("cockpit/alert-rules", AlertRuleViewSet), ("cockpit/alerts", CockpitAlertViewSet)]
