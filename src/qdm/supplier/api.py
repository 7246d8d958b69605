"""API of the supplier quality platform (``/api/v1/supplier/…``). Every endpoint reads
through the scoped queryset: a supplier's user gets 404 for another supplier's records."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import service_errors
from qdm.core.api.factories import serializer_for, viewset_for
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.views.generic import get_scoped_object
from qdm.supplier import filtersets as f
from qdm.supplier.forms import (
    APPROVED_MATERIAL_FIELDS,
    CERTIFICATE_FIELDS,
    RECEIPT_FIELDS,
    SCORECARD_WEIGHTS_FIELDS,
    SUPPLIER_CONTACT_FIELDS,
    SUPPLIER_PLANT_FIELDS,
)
from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    CoaValue,
    Receipt,
    ScarRequest,
    Scorecard,
    ScorecardWeights,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
    SwitchingEvent,
    SwitchingState,
)
from qdm.supplier.services import receipts as receipt_service
from qdm.supplier.services import scar as scar_service
from qdm.supplier.services.certificates import save_certificate

ProfileSerializer = serializer_for(
    SupplierProfile,
    ["supplier", "categories", "approval_status", "sqe", "website", "notes"],
    ["approval_status"],
)
PlantSerializer = serializer_for(SupplierPlant, SUPPLIER_PLANT_FIELDS)
ContactSerializer = serializer_for(SupplierContact, SUPPLIER_CONTACT_FIELDS)
AslSerializer = serializer_for(ApprovedMaterial, APPROVED_MATERIAL_FIELDS)
# three apps have a ``Certificate``: the schema names each one apart
CertificateSerializer = extend_schema_serializer(component_name="SupplierCertificate")(
    serializer_for(Certificate, [*CERTIFICATE_FIELDS, "uploaded_by"], ["uploaded_by"])
)
SwitchingSerializer = serializer_for(
    SwitchingState,
    ["supplier", "material", "severity", "state", "reduced_pending", "updated"],
    ["supplier", "material", "severity", "state", "reduced_pending", "updated"],
)
EVENT_FIELDS = [
    "switching",
    "kind",
    "receipt",
    "accepted",
    "nonconforming",
    "severity_before",
    "severity_after",
    "switching_score",
    "reason",
    "at",
]
EventSerializer = serializer_for(SwitchingEvent, EVENT_FIELDS, EVENT_FIELDS)
RECEIPT_READ_ONLY = [
    "number",
    "received_by",
    "unit",
    "inspection_lot",
    "severity",
    "aql",
    "code_letter",
    "sample_size",
    "accept_number",
    "reject_number",
    "status",
    "nonconforming",
    "result_summary",
    "nonconformity",
    "judged_at",
    "origin_producer",
    "origin_plant",
    "origin_lot",
    "origin_declared_at",
]
ReceiptSerializer = serializer_for(
    Receipt, [*RECEIPT_FIELDS, *RECEIPT_READ_ONLY], RECEIPT_READ_ONLY
)
SCAR_FIELDS = [
    "capa",
    "supplier",
    "site",
    "receipt",
    "reason",
    "response_status",
    "containment_due",
    "root_cause_due",
    "corrective_due",
    "closure_due",
    "submitted_at",
    "accepted_at",
    "return_count",
]
ScarSerializer = serializer_for(ScarRequest, SCAR_FIELDS, SCAR_FIELDS)
ScorecardSerializer = serializer_for(
    Scorecard,
    [
        "supplier",
        "category",
        "month",
        "lots_received",
        "lots_rejected",
        "quantity_received",
        "quantity_rejected",
        "items_sampled",
        "items_nonconforming",
        "ppm",
        "acceptance_rate",
        "scar_count",
        "scars_due",
        "scars_on_time",
        "repeat_defects",
        "certificate_status",
        "supplier_audit",
        "audit_score",
        "audit_weight",
        "field_failures",
        "field_failure_weight",
        "score",
        "grade",
        "computed_at",
    ],
)
_WeightsBase = serializer_for(ScorecardWeights, SCORECARD_WEIGHTS_FIELDS)


class WeightsSerializer(_WeightsBase):  # type: ignore[misc,valid-type]
    """Runs the model's rule (six measure weights add up to 100, grade limits fall)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from django.core.exceptions import ValidationError as DjangoValidationError

        attrs = super().validate(attrs)
        probe = ScorecardWeights(
            **{
                f.name: getattr(self.instance, f.name)
                for f in ScorecardWeights._meta.concrete_fields
                if self.instance is not None
            }
        )
        for name, value in attrs.items():
            setattr(probe, name, value)
        try:
            probe.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        return attrs


def _save_certificate(instance: Any = None, *, actor: Any, **data: Any) -> Certificate:
    return save_certificate(actor=actor, instance=instance, **data)


class CoaUploadSerializer(serializers.Serializer):
    coa = serializers.CharField()


CoaSerializer = serializer_for(
    CoaValue,
    ["receipt", "characteristic", "value", "uploaded_by", "uploaded_at"],
    ["receipt", "characteristic", "value", "uploaded_by", "uploaded_at"],
)


class OriginSerializer(serializers.Serializer):
    producer = serializers.CharField(max_length=200)
    plant = serializers.CharField(max_length=200)
    lot = serializers.CharField(max_length=100)


class AnswerSerializer(serializers.Serializer):
    containment = serializers.CharField()
    root_cause = serializers.CharField()
    category = serializers.CharField()
    corrective = serializers.CharField()
    preventive = serializers.CharField(required=False, allow_blank=True, default="")
    whys = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list
    )


class ReceiptViewSet(viewset_for(Receipt, ReceiptSerializer, f.ReceiptFilterSet)):  # type: ignore[misc]
    """Receipts: ``POST`` receives a lot (opens its IQC lot); ``POST {id}/origin/`` declares
    the polysilicon origin. Receipts are never edited or deleted through the API."""

    http_method_names = ["get", "post", "head", "options"]
    create_service = staticmethod(receipt_service.receive_material)

    @property
    def permission_action(self) -> str | None:
        # declaring an origin changes the receipt; it is not a new receipt
        action_name = getattr(self, "action", None)
        if action_name in ("coa", "coa_file"):
            return "view"  # the service checks supplier.add_coavalue
        return "change" if action_name == "origin" else None

    @action(detail=True, methods=["post"], serializer_class=CoaUploadSerializer)
    def coa(self, request: Request, pk: Any = None) -> Response:
        from qdm.supplier.services.coa import upload_coa

        receipt = get_scoped_object(Receipt, request.user, "view", pk)
        body = CoaUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            saved = upload_coa(receipt, actor=request.user, text=body.validated_data["coa"])
        return Response(CoaSerializer(saved, many=True, context={"request": request}).data)

    @action(detail=True, methods=["post"], url_path="coa-file", parser_classes=[MultiPartParser])
    def coa_file(self, request: Request, pk: Any = None) -> Response:
        """``multipart/form-data`` with ``file`` (CSV/XLSX, columns characteristic, value);
        refused as a whole with ``fields.rows`` = one message per bad row and column."""
        from qdm.core.api.errors import ApiError
        from qdm.supplier.services.coa_files import CoaFileError, upload_coa_file

        receipt = get_scoped_object(Receipt, request.user, "view", pk)
        try:
            with service_errors():
                saved = upload_coa_file(
                    receipt, actor=request.user, upload=request.FILES.get("file")
                )
        except ApiError as exc:
            cause = exc.__cause__
            if isinstance(cause, CoaFileError):
                exc.fields = {
                    "rows": [
                        {"row": e.row, "column": e.column, "message": e.message}
                        for e in cause.errors
                    ]
                }
            raise
        return Response(CoaSerializer(saved, many=True, context={"request": request}).data)

    @action(detail=True, methods=["post"], serializer_class=OriginSerializer)
    def origin(self, request: Request, pk: Any = None) -> Response:
        receipt = get_scoped_object(Receipt, request.user, "change", pk)
        body = OriginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            receipt = receipt_service.declare_origin(
                receipt, actor=request.user, **body.validated_data
            )
        return Response(ReceiptSerializer(receipt, context={"request": request}).data)


class ScarViewSet(
    viewset_for(  # type: ignore[misc]  # a class built at runtime by the factory
        ScarRequest,
        ScarSerializer,
        f.ScarRequestFilterSet,
        bases=(WorkflowViewSetMixin,),
    )
):
    """SCARs (raised from receipts or by discontinuation); ``POST {id}/answer/`` is the
    supplier's response, ``POST {id}/transition/`` accepts or returns it."""

    http_method_names = ["get", "post", "head", "options"]

    @property
    def permission_action(self) -> str | None:
        # answering and workflow steps need only the (scoped) view permission here; the
        # service and the transition table check respond/review themselves
        return "view" if getattr(self, "action", None) in ("answer", "transition") else None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from qdm.core.api.errors import ApiError

        raise ApiError(
            "method_not_allowed", "Raise a SCAR from a rejected receipt.", status_code=405
        )

    @action(detail=True, methods=["post"], serializer_class=AnswerSerializer)
    def answer(self, request: Request, pk: Any = None) -> Response:
        scar = get_scoped_object(ScarRequest, request.user, "view", pk)
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        whys = tuple(data.pop("whys", []))
        with service_errors():
            scar = scar_service.answer_scar(scar, actor=request.user, whys=whys, **data)
        return Response(ScarSerializer(scar, context={"request": request}).data)


ROUTES = [
    (
        "supplier/profiles",
        viewset_for(
            SupplierProfile,
            ProfileSerializer,
            f.SupplierProfileFilterSet,
            bases=(WorkflowViewSetMixin,),
        ),
    ),
    ("supplier/plants", viewset_for(SupplierPlant, PlantSerializer, f.SupplierPlantFilterSet)),
    (
        "supplier/contacts",
        viewset_for(SupplierContact, ContactSerializer, f.SupplierContactFilterSet),
    ),
    (
        "supplier/approved-materials",
        viewset_for(ApprovedMaterial, AslSerializer, f.ApprovedMaterialFilterSet),
    ),
    (
        "supplier/certificates",
        viewset_for(
            Certificate,
            CertificateSerializer,
            f.CertificateFilterSet,
            service=_save_certificate,
        ),
    ),
    (
        "supplier/switching-states",
        viewset_for(SwitchingState, SwitchingSerializer, f.SwitchingStateFilterSet, read_only=True),
    ),
    (
        "supplier/switching-events",
        viewset_for(SwitchingEvent, EventSerializer, None, read_only=True),
    ),
    ("supplier/receipts", ReceiptViewSet),
    ("supplier/coa-values", viewset_for(CoaValue, CoaSerializer, None, read_only=True)),
    ("supplier/scars", ScarViewSet),
    (
        "supplier/scorecards",
        viewset_for(Scorecard, ScorecardSerializer, f.ScorecardFilterSet, read_only=True),
    ),
    (
        "supplier/scorecard-weights",
        viewset_for(ScorecardWeights, WeightsSerializer, f.ScorecardWeightsFilterSet),
    ),
]
