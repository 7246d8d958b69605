"""API of the design platform: FMEAs (with the workflow transition, new revision and
special characteristics) and their failure chains. AP and RPN are read-only: the server
computes them from S/O/D with ``qdm.quality.fmea``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import ApiError, service_errors
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.views.generic import get_scoped_object
from qdm.design import filtersets as fs
from qdm.design.models import Fmea, FmeaItem
from qdm.design.models.fmea import RATINGS, RATINGS_AFTER
from qdm.design.services.fmea import (
    apply_special_classes,
    create_fmea,
    new_revision,
    save_item,
    special_proposals,
    update_fmea,
)


def rating_field(name: str, *, required: bool) -> serializers.IntegerField:
    label = capfirst(str(FmeaItem._meta.get_field(name).verbose_name))
    message = _("%(field)s must be a whole number from 1 to 10.") % {"field": label}
    return serializers.IntegerField(
        min_value=1,
        max_value=10,
        required=required,
        allow_null=not required,
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_string_length": message,
        },
    )


class FmeaSerializer(StrictModelSerializer):
    class Meta:
        model = Fmea
        fields = [
            "id",
            "number",
            "revision",
            "kind",
            "title",
            "site",
            "product",
            "planning_scope",
            "team",
            "start_date",
            "due_date",
            "status",
            "revised_from",
            "created_by",
            "created_at",
            "released_at",
        ]
        read_only_fields = [
            "number",
            "revision",
            "status",
            "revised_from",
            "created_by",
            "created_at",
            "released_at",
        ]


class FmeaItemSerializer(StrictModelSerializer):
    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for name in RATINGS:
            fields[name] = rating_field(name, required=self.instance is None)
        for name in RATINGS_AFTER:
            fields[name] = rating_field(name, required=False)
        return fields

    class Meta:
        model = FmeaItem
        fields = [
            "id",
            "fmea",
            "position",
            "higher_level",
            "focus_element",
            "lower_level",
            "four_m",
            "higher_function",
            "focus_function",
            "lower_function",
            "characteristic",
            "failure_effect",
            "severity",
            "failure_mode",
            "failure_cause",
            "prevention_controls",
            "occurrence",
            "detection_controls",
            "detection",
            "action_priority",
            "rpn",
            "special_class",
            "preventive_action",
            "detection_action",
            "action_owner",
            "action_due",
            "action_status",
            "action_taken",
            "action_completed",
            "severity_after",
            "occurrence_after",
            "detection_after",
            "action_priority_after",
            "rpn_after",
            "remarks",
        ]
        read_only_fields = ["action_priority", "rpn", "action_priority_after", "rpn_after"]
        extra_kwargs = {"position": {"required": False}}


class FmeaViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = Fmea
    queryset = Fmea.objects.all()
    serializer_class = FmeaSerializer
    filterset_class = fs.FmeaFilterSet
    ordering = ("-created_at",)

    create_service = create_fmea
    update_service = update_fmea

    def perform_destroy(self, instance: Any) -> None:
        if instance.status != "draft":
            raise ApiError("fmea_locked", _("Only a draft FMEA can be deleted."), status_code=409)
        super().perform_destroy(instance)

    @action(detail=True, methods=["post"], url_path="new-revision")
    def new_revision(self, request: Request, pk: Any = None) -> Response:
        """Copy this released FMEA and its rows into a draft revision N+1."""
        fmea = get_scoped_object(Fmea, request.user, "change", pk)
        if not request.user.has_perm("design.add_fmea"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        with service_errors():
            copy = new_revision(fmea, actor=request.user)
        return Response(FmeaSerializer(copy, context={"request": request}).data, status=201)

    @action(detail=True, methods=["get", "post"], url_path="special-characteristics")
    def special_characteristics(self, request: Request, pk: Any = None) -> Response:
        """GET: CC/SC classes this FMEA proposes for catalog characteristics; POST: apply."""
        fmea = get_scoped_object(Fmea, request.user, "view", pk)
        if request.method == "POST":
            with service_errors():
                proposals = apply_special_classes(fmea, actor=request.user)
        else:
            proposals = special_proposals(fmea)
        rows = [
            {
                "item": p.item.pk,
                "characteristic": p.characteristic.pk,
                "code": p.characteristic.code,
                "current": p.current,
                "proposed": p.proposed,
            }
            for p in proposals
        ]
        return Response({"applied" if request.method == "POST" else "proposals": rows})


class FmeaItemViewSet(ScopedModelViewSet):
    scoped_model = FmeaItem
    queryset = FmeaItem.objects.all()
    serializer_class = FmeaItemSerializer
    filterset_class = fs.FmeaItemFilterSet
    ordering = ("fmea", "position")

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic(), service_errors():
            data = {"position": 0, **serializer.validated_data}
            instance = save_item(FmeaItem(**data), actor=self.request.user)
            serializer.instance = instance
            self._check_scope(instance, "add")

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic(), service_errors():
            instance = serializer.instance
            for name, value in serializer.validated_data.items():
                setattr(instance, name, value)
            save_item(instance, actor=self.request.user)
            self._check_scope(instance, "change")

    def perform_destroy(self, instance: Any) -> None:
        if instance.fmea.is_locked:
            raise ApiError(
                "fmea_locked", " ".join(instance.fmea.locked_error().messages), status_code=409
            )
        super().perform_destroy(instance)


ROUTES = [
    ("design/fmeas", FmeaViewSet),
    ("design/fmea-items", FmeaItemViewSet),
]
