"""The kernel's API resources."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core import filtersets
from qdm.core.api.errors import ApiError
from qdm.core.api.factories import serializer_for, viewset_for
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.choices import ProcessStage
from qdm.core.models import (
    Customer,
    DomainEvent,
    Grant,
    Line,
    Notification,
    NotificationChannel,
    NotificationDelivery,
    Site,
    Station,
    Supplier,
    Workshop,
)
from qdm.core.workflow import TransitionError, transition


class SiteSerializer(StrictModelSerializer):
    stages = serializers.ListField(
        child=serializers.ChoiceField(ProcessStage.choices), required=False
    )

    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "business_unit",
            "country",
            "timezone",
            "stages",
            "capacity_gw",
            "active",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = Site(
            **{
                **(
                    {}
                    if self.instance is None
                    else {
                        f.name: getattr(self.instance, f.name) for f in Site._meta.concrete_fields
                    }
                ),
                **attrs,
            }
        )
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        attrs["country"] = instance.country
        return attrs


WorkshopSerializer = serializer_for(Workshop, ["code", "name", "name_en", "site", "stage"])
LineSerializer = serializer_for(
    Line, ["code", "name", "name_en", "workshop", "capacity_per_day", "active"]
)
StationSerializer = serializer_for(Station, ["code", "name", "name_en", "line", "equipment_id"])
SupplierSerializer = serializer_for(Supplier, ["code", "name", "name_en", "country", "active"])
CustomerSerializer = serializer_for(Customer, ["code", "name", "name_en", "country", "active"])
GrantSerializer = serializer_for(Grant, ["user", "role", "site", "supplier", "customer", "created"])
ChannelSerializer = serializer_for(
    NotificationChannel, ["name", "kind", "site", "webhook_url", "email_to", "active"]
)


class DeliverySerializer(StrictModelSerializer):
    class Meta:
        model = NotificationDelivery
        fields = [
            "id",
            "channel",
            "recipient",
            "site",
            "title",
            "status",
            "attempts",
            "last_error",
            "created",
            "sent_at",
            "next_attempt_at",
        ]
        read_only_fields = fields


class EventSerializer(StrictModelSerializer):
    record_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = DomainEvent
        fields = [
            "id",
            "seq",
            "occurred_at",
            "actor",
            "verb",
            "record_type",
            "object_id",
            "object_repr",
            "site",
            "message",
            "data",
            "request_id",
            "row_hash",
        ]
        read_only_fields = fields


class NotificationSerializer(StrictModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "created", "read_at"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    """Body of ``POST …/{id}/transition/``."""

    action = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(required=False, allow_blank=True, write_only=True)
    meaning = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WorkflowViewSetMixin:
    """Adds ``POST {id}/transition/`` driven by the model's transition table."""

    @action(detail=True, methods=["post"], serializer_class=TransitionSerializer)
    def transition(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object_for_transition(pk)  # type: ignore[attr-defined]
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            transition(
                obj,
                data["action"],
                actor=request.user,
                comment=data["comment"],
                password=data.get("password"),
                meaning=data.get("meaning") or None,
                reason=data["reason"],
            )
        except TransitionError as exc:
            status = 403 if exc.code == "permission_denied" else 400
            raise ApiError(exc.code, exc.message, status_code=status) from exc
        obj.refresh_from_db()
        output = type(self).serializer_class(obj, context={"request": request})  # type: ignore[attr-defined]
        return Response(output.data)

    def get_object_for_transition(self, pk: Any) -> Any:
        from qdm.core.views.generic import get_scoped_object

        return get_scoped_object(self.scoped_model, self.request.user, "view", pk)  # type: ignore[attr-defined]


ROUTES = [
    ("core/sites", viewset_for(Site, SiteSerializer, filtersets.SiteFilterSet, ordering=("code",))),
    (
        "core/workshops",
        viewset_for(Workshop, WorkshopSerializer, filtersets.WorkshopFilterSet, ordering=("code",)),
    ),
    ("core/lines", viewset_for(Line, LineSerializer, filtersets.LineFilterSet, ordering=("code",))),
    (
        "core/stations",
        viewset_for(Station, StationSerializer, filtersets.StationFilterSet, ordering=("code",)),
    ),
    (
        "core/suppliers",
        viewset_for(Supplier, SupplierSerializer, filtersets.SupplierFilterSet, ordering=("code",)),
    ),
    (
        "core/customers",
        viewset_for(Customer, CustomerSerializer, filtersets.CustomerFilterSet, ordering=("code",)),
    ),
    ("core/grants", viewset_for(Grant, GrantSerializer, filtersets.GrantFilterSet)),
    (
        "core/notification-channels",
        viewset_for(
            NotificationChannel, ChannelSerializer, filtersets.NotificationChannelFilterSet
        ),
    ),
    (
        "core/notification-deliveries",
        viewset_for(
            NotificationDelivery,
            DeliverySerializer,
            filtersets.NotificationDeliveryFilterSet,
            ordering=("-created",),
            read_only=True,
        ),
    ),
    (
        "core/events",
        viewset_for(
            DomainEvent,
            EventSerializer,
            filtersets.DomainEventFilterSet,
            ordering=("-seq",),
            read_only=True,
        ),
    ),
]
