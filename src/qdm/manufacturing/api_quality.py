"""API of inspection, holds and MRB, and OQC release. Writes go through the services;
their refusals answer 400 ``invalid`` with the service's message, nothing saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import ApiError, ErrorCode
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.models import Customer
from qdm.manufacturing import filtersets as f
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    InspectionRecord,
    ModuleRelease,
    MrbDisposition,
)
from qdm.manufacturing.services import binning, holds, inspection
from qdm.manufacturing.ui_quality import SERVICE_ERRORS


@contextmanager
def service_errors() -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
    except SERVICE_ERRORS as exc:
        raise ApiError(ErrorCode.INVALID, str(exc)) from exc


class ServiceViewSet(ScopedModelViewSet):
    """``create(data, user)`` and ``update(instance, data, user)`` call the services."""

    create_with: Callable[..., Any]
    update_with: Callable[..., Any] | None = None

    def perform_create(self, serializer: Any) -> None:
        with service_errors():
            instance = type(self).create_with(dict(serializer.validated_data), self.request.user)
            serializer.instance = instance
            self._check_scope(instance, "add")

    def perform_update(self, serializer: Any) -> None:
        with service_errors():
            update = type(self).update_with
            assert update is not None
            instance = update(
                serializer.instance, dict(serializer.validated_data), self.request.user
            )
            serializer.instance = instance
            self._check_scope(instance, "change")


# --- inspection ----------------------------------------------------------------------------
class InspectionPlanSerializer(StrictModelSerializer):
    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "code",
            "version",
            "name",
            "stage",
            "site",
            "material",
            "module_model",
            "status",
            "released_at",
            "created_by",
            "created",
        ]
        read_only_fields = ["version", "status", "released_at", "created_by", "created"]


class InspectionPlanViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """Plans; ``POST {id}/transition/`` with ``release`` (e-signed) or ``retire``;
    ``POST {id}/new-version/`` drafts the next version."""

    scoped_model = InspectionPlan
    queryset = InspectionPlan.objects.all()
    serializer_class = InspectionPlanSerializer
    filterset_class = f.InspectionPlanFilterSet
    ordering = ("code", "-version")

    @staticmethod
    def create_with(data: dict[str, Any], user: Any) -> Any:
        return inspection.create_plan(actor=user, **data)

    @staticmethod
    def update_with(instance: Any, data: dict[str, Any], user: Any) -> Any:
        return inspection.update_plan(instance, actor=user, **data)

    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: Any = None) -> Response:
        if not request.user.has_perm("manufacturing.add_inspectionplan"):
            raise PermissionDenied
        plan = self.get_object()
        with service_errors():
            copy = inspection.new_plan_version(plan, actor=request.user)
        return Response(InspectionPlanSerializer(copy).data, status=201)


class InspectionPlanLineSerializer(StrictModelSerializer):
    class Meta:
        model = InspectionPlanLine
        fields = [
            "id",
            "plan",
            "sequence",
            "characteristic",
            "method",
            "gauge",
            "sampling",
            "sample_size",
            "aql",
            "inspection_level",
            "frequency",
            "frequency_hours",
            "reaction_plan",
        ]


class InspectionPlanLineViewSet(ServiceViewSet):
    scoped_model = InspectionPlanLine
    queryset = InspectionPlanLine.objects.all()
    serializer_class = InspectionPlanLineSerializer
    filterset_class = f.InspectionPlanLineFilterSet
    ordering = ("plan", "sequence")

    @staticmethod
    def create_with(data: dict[str, Any], user: Any) -> Any:
        return inspection.save_plan_line(actor=user, **data)

    @staticmethod
    def update_with(instance: Any, data: dict[str, Any], user: Any) -> Any:
        return inspection.save_plan_line(actor=user, instance=instance, **data)


class InspectionRecordSerializer(StrictModelSerializer):
    characteristic = serializers.CharField(source="line.characteristic.code", read_only=True)

    class Meta:
        model = InspectionRecord
        fields = ["id", "characteristic", "sample", "value", "passed", "lsl", "usl", "conforming"]
        read_only_fields = fields


class InspectionLotSerializer(StrictModelSerializer):
    unit_code = serializers.CharField(write_only=True, required=False)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = InspectionLot
        fields = [
            "id",
            "number",
            "plan",
            "site",
            "unit",
            "unit_code",
            "supplier",
            "reference",
            "quantity",
            "inspected_at",
            "inspector",
            "status",
            "verdict",
            "verdict_summary",
            "nonconformity",
            "hold",
        ]
        read_only_fields = [
            "number",
            "site",
            "supplier",
            "inspector",
            "status",
            "verdict",
            "verdict_summary",
            "nonconformity",
            "hold",
        ]


def _lot_unit(data: dict[str, Any], user: Any, plan: Any) -> Any:
    code = data.pop("unit_code", None)
    if not code:
        raise holds.HoldError(
            "unit_code: " + str(serializers.Field.default_error_messages["required"])
        )
    return holds.resolve_units([code], user, site=plan.site)[0]


class InspectionLotViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """Inspection lots; ``POST {id}/results/`` with ``[{"characteristic", "sample",
    "result"}]``; ``POST {id}/transition/`` with ``complete`` judges the lot."""

    scoped_model = InspectionLot
    queryset = InspectionLot.objects.all()
    serializer_class = InspectionLotSerializer
    filterset_class = f.InspectionLotFilterSet
    ordering = ("-inspected_at",)

    @staticmethod
    def create_with(data: dict[str, Any], user: Any) -> Any:
        plan = data.pop("plan")
        unit = _lot_unit(data, user, plan)
        return inspection.open_inspection_lot(actor=user, plan=plan, unit=unit, **data)

    @staticmethod
    def update_with(instance: Any, data: dict[str, Any], user: Any) -> Any:
        if "unit_code" in data:
            data["unit"] = _lot_unit(data, user, instance.plan)
        return inspection.update_inspection_lot(instance, actor=user, **data)

    @action(detail=True, methods=["get", "post"])
    def results(self, request: Request, pk: Any = None) -> Response:
        lot = self.get_object()
        if request.method == "POST":
            if not request.user.has_perm("manufacturing.add_inspectionrecord", lot):
                raise PermissionDenied
            rows = request.data if isinstance(request.data, list) else None
            if rows is None or not all(isinstance(r, dict) for r in rows):
                raise ApiError(ErrorCode.INVALID, _("Expected a list of results."))
            with service_errors():
                inspection.record_results(lot, rows, actor=request.user)
        records = InspectionRecord.objects.filter(lot=lot).select_related("line__characteristic")
        return Response(InspectionRecordSerializer(records, many=True).data)


# --- holds and MRB ---------------------------------------------------------------------------
class HoldSerializer(StrictModelSerializer):
    units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    unit_codes = serializers.ListField(
        child=serializers.CharField(), write_only=True, required=False
    )

    class Meta:
        model = Hold
        fields = [
            "id",
            "number",
            "site",
            "source",
            "reason",
            "nonconformity",
            "supplier",
            "units",
            "unit_codes",
            "quantity",
            "status",
            "held_by",
            "held_at",
            "closed_at",
        ]
        read_only_fields = [
            "number",
            "source",
            "supplier",
            "status",
            "held_by",
            "held_at",
            "closed_at",
        ]


class HoldViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """Holds; ``POST {id}/transition/`` with ``release`` (e-signed)."""

    scoped_model = Hold
    queryset = Hold.objects.all()
    serializer_class = HoldSerializer
    filterset_class = f.HoldFilterSet
    ordering = ("-held_at",)

    @staticmethod
    def create_with(data: dict[str, Any], user: Any) -> Any:
        data.setdefault("unit_codes", [])
        return holds.place_hold(actor=user, **data)

    @staticmethod
    def update_with(instance: Any, data: dict[str, Any], user: Any) -> Any:
        return holds.update_hold(instance, actor=user, **data)


class MrbDispositionSerializer(StrictModelSerializer):
    units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    unit_codes = serializers.ListField(
        child=serializers.CharField(), write_only=True, required=False
    )

    class Meta:
        model = MrbDisposition
        fields = [
            "id",
            "hold",
            "decision",
            "quantity",
            "units",
            "unit_codes",
            "note",
            "status",
            "proposed_by",
            "proposed_at",
        ]
        read_only_fields = ["status", "proposed_by", "proposed_at"]


class MrbDispositionViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """MRB dispositions; ``POST {id}/transition/`` with ``approve`` (e-signed)."""

    scoped_model = MrbDisposition
    queryset = MrbDisposition.objects.all()
    serializer_class = MrbDispositionSerializer
    filterset_class = f.MrbDispositionFilterSet
    ordering = ("-proposed_at",)

    @staticmethod
    def create_with(data: dict[str, Any], user: Any) -> Any:
        return holds.propose_disposition(data.pop("hold"), actor=user, **data)

    @staticmethod
    def update_with(instance: Any, data: dict[str, Any], user: Any) -> Any:
        return holds.update_disposition(instance, actor=user, **data)


# --- OQC -------------------------------------------------------------------------------------
class BinningRuleSerializer(StrictModelSerializer):
    class Meta:
        model = BinningRule
        fields = [
            "id",
            "module_model",
            "first_class_w",
            "last_class_w",
            "class_width_w",
            "guard_band_w",
            "el_rules",
            "released_grades",
            "imp_class_width_a",
        ]


class BinningRuleViewSet(ServiceViewSet):
    scoped_model = BinningRule
    queryset = BinningRule.objects.all()
    serializer_class = BinningRuleSerializer
    filterset_class = f.BinningRuleFilterSet
    ordering = ("module_model__code",)

    @staticmethod
    def create_with(data: dict[str, Any], user: Any) -> Any:
        return binning.save_binning_rule(actor=user, **data)

    @staticmethod
    def update_with(instance: Any, data: dict[str, Any], user: Any) -> Any:
        return binning.save_binning_rule(actor=user, instance=instance, **data)


class ModuleReleaseSerializer(StrictModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ModuleRelease
        fields = [
            "id",
            "unit",
            "site",
            "status",
            "pmax_w",
            "power_class_w",
            "el_grade",
            "el_defects",
            "imp_a",
            "imp_class",
            "hipot_passed",
            "visual_passed",
            "reasons",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class ReleaseRequest(serializers.Serializer):
    modules = serializers.ListField(child=serializers.CharField(), min_length=1)
    hipot_passed = serializers.BooleanField()
    visual_passed = serializers.BooleanField()


class PackRequest(serializers.Serializer):
    pallet = serializers.CharField()
    modules = serializers.ListField(child=serializers.CharField(), min_length=1)
    imp_sorting = serializers.BooleanField(default=False)


class ShipRequest(serializers.Serializer):
    shipment = serializers.CharField()
    units = serializers.ListField(child=serializers.CharField(), min_length=1)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )


class ModuleReleaseViewSet(ScopedModelViewSet):
    """OQC decisions (read-only); ``POST release/``, ``POST pack/`` and ``POST ship/`` do
    the work (permission: add module release)."""

    scoped_model = ModuleRelease
    queryset = ModuleRelease.objects.all()
    serializer_class = ModuleReleaseSerializer
    filterset_class = f.ModuleReleaseFilterSet
    ordering = ("-decided_at",)
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApiError(
            ErrorCode.METHOD_NOT_ALLOWED,
            _("Module releases are made by POST release/."),
            status_code=405,
        )

    def _body(self, request: Request, cls: type[serializers.Serializer]) -> dict[str, Any]:
        if not request.user.has_perm("manufacturing.add_modulerelease"):
            raise PermissionDenied
        body = cls(data=request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    @action(detail=False, methods=["post"])
    def release(self, request: Request) -> Response:
        data = self._body(request, ReleaseRequest)
        with service_errors():
            results = binning.release_modules(data.pop("modules"), actor=request.user, **data)
        return Response(ModuleReleaseSerializer(results, many=True).data)

    @action(detail=False, methods=["post"])
    def pack(self, request: Request) -> Response:
        data = self._body(request, PackRequest)
        with service_errors():
            pallet = binning.pack_pallet(
                data["pallet"], data["modules"], actor=request.user, imp_sorting=data["imp_sorting"]
            )
        return Response({"pallet": pallet.code, "modules": pallet.quantity}, status=201)

    @action(detail=False, methods=["post"])
    def ship(self, request: Request) -> Response:
        data = self._body(request, ShipRequest)
        with service_errors():
            shipment = holds.create_shipment(
                actor=request.user,
                code=data["shipment"],
                unit_codes=data["units"],
                customer=data.get("customer"),
            )
        return Response({"shipment": shipment.code}, status=201)


ROUTES = [
    ("manufacturing/inspection-plans", InspectionPlanViewSet),
    ("manufacturing/inspection-plan-lines", InspectionPlanLineViewSet),
    ("manufacturing/inspection-lots", InspectionLotViewSet),
    ("manufacturing/holds", HoldViewSet),
    ("manufacturing/mrb-dispositions", MrbDispositionViewSet),
    ("manufacturing/binning-rules", BinningRuleViewSet),
    ("manufacturing/module-releases", ModuleReleaseViewSet),
]
