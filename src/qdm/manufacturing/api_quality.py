"""API of inspection, holds and MRB, and OQC release. Writes go through the services;
their refusals answer 400 ``invalid`` with the service's message, nothing saved."""

from __future__ import annotations

from collections.abc import Iterator
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
from qdm.data.models import Unit
from qdm.manufacturing import filtersets as f
from qdm.manufacturing.forms import BINNING_RULE_FIELDS, INSPECTION_PLAN_LINE_FIELDS
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


def refuse_create(message: str) -> Response:
    """POST on a list whose records are made by a service elsewhere: 405."""
    raise ApiError(ErrorCode.METHOD_NOT_ALLOWED, message, status_code=405)


class AcknowledgeRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def acknowledge(request: Request, violation: Any) -> Any:
    """``POST spc-violations/{id}/acknowledge/``: close an open SPC alert."""
    from qdm.core.api.errors import service_errors as kernel_errors
    from qdm.manufacturing.services.spc_reaction import acknowledge_violation

    body = AcknowledgeRequest(data=request.data)
    body.is_valid(raise_exception=True)
    with kernel_errors():
        return acknowledge_violation(
            violation, actor=request.user, note=body.validated_data.get("note", "")
        )


class ServiceViewSet(ScopedModelViewSet):
    """The kernel convention (``create_service(*, actor, **data)`` and
    ``update_service(instance, *, actor, **data)`` class attributes, see
    ``qdm.core.api.views``), with the manufacturing services' refusals (``HoldError``,
    ``InspectionError``, ``BinningError``) answered as 400 ``invalid``, nothing saved."""

    def perform_create(self, serializer: Any) -> None:
        with service_errors():
            super().perform_create(serializer)

    def perform_update(self, serializer: Any) -> None:
        with service_errors():
            super().perform_update(serializer)


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

    create_service = inspection.create_plan
    update_service = inspection.update_plan

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
        fields = ["id", *INSPECTION_PLAN_LINE_FIELDS]


def _update_plan_line(instance: Any, *, actor: Any, **data: Any) -> Any:
    return inspection.save_plan_line(actor=actor, instance=instance, **data)


class InspectionPlanLineViewSet(ServiceViewSet):
    scoped_model = InspectionPlanLine
    queryset = InspectionPlanLine.objects.all()
    serializer_class = InspectionPlanLineSerializer
    filterset_class = f.InspectionPlanLineFilterSet
    ordering = ("plan", "sequence")

    create_service = inspection.save_plan_line
    update_service = _update_plan_line


class InspectionRecordSerializer(StrictModelSerializer):
    characteristic = serializers.CharField(source="line.characteristic.code", read_only=True)

    class Meta:
        model = InspectionRecord
        fields = ["id", "characteristic", "sample", "value", "passed", "lsl", "usl", "conforming"]
        read_only_fields = fields


class InspectionLotSerializer(StrictModelSerializer):
    unit_code = serializers.CharField(write_only=True, required=False)
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

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


def _open_lot(*, actor: Any, plan: Any, **data: Any) -> Any:
    unit = _lot_unit(data, actor, plan)
    return inspection.open_inspection_lot(actor=actor, plan=plan, unit=unit, **data)


def _update_lot(instance: Any, *, actor: Any, **data: Any) -> Any:
    if "unit_code" in data:
        data["unit"] = _lot_unit(data, actor, instance.plan)
    return inspection.update_inspection_lot(instance, actor=actor, **data)


class InspectionLotViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """Inspection lots; ``POST {id}/results/`` with ``[{"characteristic", "sample",
    "result"}]``; ``POST {id}/transition/`` with ``complete`` judges the lot."""

    scoped_model = InspectionLot
    queryset = InspectionLot.objects.all()
    serializer_class = InspectionLotSerializer
    filterset_class = f.InspectionLotFilterSet
    ordering = ("-inspected_at",)

    create_service = _open_lot
    update_service = _update_lot

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
    units: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
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
            "include_downstream",
            "downstream_count",
            "status",
            "held_by",
            "held_at",
            "closed_at",
        ]
        read_only_fields = [
            "number",
            "source",
            "supplier",
            "downstream_count",
            "status",
            "held_by",
            "held_at",
            "closed_at",
        ]


def _place_hold(*, actor: Any, unit_codes: Any = (), **data: Any) -> Any:
    return holds.place_hold(actor=actor, unit_codes=list(unit_codes), **data)


class HoldViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """Holds; ``POST {id}/transition/`` with ``release`` (e-signed)."""

    scoped_model = Hold
    queryset = Hold.objects.all()
    serializer_class = HoldSerializer
    filterset_class = f.HoldFilterSet
    ordering = ("-held_at",)

    create_service = _place_hold
    update_service = holds.update_hold


class MrbDispositionSerializer(StrictModelSerializer):
    units: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
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


def _propose_disposition(*, actor: Any, hold: Any, **data: Any) -> Any:
    return holds.propose_disposition(hold, actor=actor, **data)


class MrbDispositionViewSet(WorkflowViewSetMixin, ServiceViewSet):
    """MRB dispositions; ``POST {id}/transition/`` with ``approve`` (e-signed)."""

    scoped_model = MrbDisposition
    queryset = MrbDisposition.objects.all()
    serializer_class = MrbDispositionSerializer
    filterset_class = f.MrbDispositionFilterSet
    ordering = ("-proposed_at",)

    create_service = _propose_disposition
    update_service = holds.update_disposition


# --- OQC -------------------------------------------------------------------------------------
class BinningRuleSerializer(StrictModelSerializer):
    class Meta:
        model = BinningRule
        fields = ["id", *BINNING_RULE_FIELDS]


def _update_binning_rule(instance: Any, *, actor: Any, **data: Any) -> Any:
    return binning.save_binning_rule(actor=actor, instance=instance, **data)


class BinningRuleViewSet(ServiceViewSet):
    scoped_model = BinningRule
    queryset = BinningRule.objects.all()
    serializer_class = BinningRuleSerializer
    filterset_class = f.BinningRuleFilterSet
    ordering = ("module_model__code",)

    create_service = binning.save_binning_rule
    update_service = _update_binning_rule


class ModuleReleaseSerializer(StrictModelSerializer):
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

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
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )


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
        if "customer" in body.fields:
            # a customer the user may not see does not exist for them (same error as a bad id)
            field = body.fields["customer"]
            field.queryset = field.queryset.for_user(request.user, "view")  # type: ignore[attr-defined]
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
                data["pallet"],
                data["modules"],
                actor=request.user,
                imp_sorting=data["imp_sorting"],
                customer=data.get("customer"),
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
