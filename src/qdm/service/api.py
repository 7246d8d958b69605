"""API of the customer-service platform."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
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
from qdm.service import filtersets as fs
from qdm.service.forms import (
    CUSTOMER_PROFILE_FIELDS,
    CUSTOMER_REQUIREMENT_FIELDS,
    PROJECT_FIELDS,
    SATISFACTION_SURVEY_FIELDS,
    WARRANTY_CONTRACT_FIELDS,
)
from qdm.service.models import (
    Complaint,
    ComplaintItem,
    CustomerProfile,
    CustomerRequirement,
    Project,
    ReturnedModule,
    SatisfactionSurvey,
    WarrantyContract,
)
from qdm.service.services import analysis
from qdm.service.services.complaints import (
    IntakeError,
    IntakeRow,
    add_items,
    create_complaint,
    open_customer_8d,
    update_complaint,
)
from qdm.service.services.customers import (
    create_profile,
    create_project,
    create_survey,
    update_profile,
    update_project,
    update_survey,
)
from qdm.service.services.requirements import (
    create_contract,
    create_requirement,
    update_contract,
    update_requirement,
)
from qdm.service.services.returns import create_return, update_return


class CustomerProfileSerializer(StrictModelSerializer):
    class Meta:
        model = CustomerProfile
        fields = ["id", *CUSTOMER_PROFILE_FIELDS]


class CustomerProfileViewSet(ScopedModelViewSet):
    scoped_model = CustomerProfile
    queryset = CustomerProfile.objects.all()
    serializer_class = CustomerProfileSerializer
    filterset_class = fs.CustomerProfileFilterSet
    ordering = ("customer__code",)
    create_service = create_profile
    update_service = update_profile


class ProjectSerializer(StrictModelSerializer):
    class Meta:
        model = Project
        fields = ["id", *PROJECT_FIELDS]


class ProjectViewSet(ScopedModelViewSet):
    scoped_model = Project
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = fs.ProjectFilterSet
    ordering = ("customer__code", "name")
    create_service = create_project
    update_service = update_project


class ComplaintSerializer(StrictModelSerializer):
    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "customer",
            "project",
            "title",
            "description",
            "received_on",
            "severity",
            "responsibility",
            "sla_due",
            "owner",
            "escalation_level",
            "resolution",
            "capa",
            "status",
            "reported_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = [
            "number",
            "sla_due",
            "owner",
            "escalation_level",
            "capa",
            "status",
            "reported_by",
            "created_at",
            "closed_at",
        ]


class IntakeRowSerializer(serializers.Serializer):
    serial = serializers.CharField(allow_blank=True)
    symptom = serializers.CharField(allow_blank=True, required=False, default="")
    notes = serializers.CharField(allow_blank=True, required=False, default="")


class IntakeSerializer(serializers.Serializer):
    rows = IntakeRowSerializer(many=True)


class ComplaintViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = Complaint
    queryset = Complaint.objects.all()
    serializer_class = ComplaintSerializer
    filterset_class = fs.ComplaintFilterSet
    ordering = ("-received_on", "-number")
    create_service = create_complaint
    update_service = update_complaint

    @action(detail=True, methods=["post"], url_path="items", serializer_class=IntakeSerializer)
    def intake(self, request: Request, pk: Any = None) -> Response:
        """Add serials ``{"rows": [{"serial", "symptom", "notes"}]}``: all or none; errors
        name each bad row in ``error.fields.rows``."""
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not request.user.has_perm("service.add_complaintitem"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        body = IntakeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = [
            IntakeRow(i, r["serial"].strip(), r.get("symptom", ""), r.get("notes", ""))
            for i, r in enumerate(body.validated_data["rows"], start=1)
        ]
        try:
            items = add_items(complaint, rows, actor=request.user)
        except IntakeError as exc:
            raise ApiError(
                "invalid",
                _("%(n)s rows have problems: nothing was saved.") % {"n": len(exc.rows)},
                status_code=400,
                fields={
                    "rows": [
                        {"row": e.line, "serial": e.serial, "message": e.message} for e in exc.rows
                    ]
                },
            ) from None
        except ValidationError as exc:
            with service_errors():
                raise exc from None
        return Response({"added": len(items)}, status=201)

    @action(detail=True, methods=["post"], url_path="open-8d")
    def open_8d(self, request: Request, pk: Any = None) -> Response:
        """Open the customer 8D of this complaint in the system platform."""
        complaint = get_scoped_object(Complaint, request.user, "change", pk)
        if not request.user.has_perm("system.add_eightd"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        with transaction.atomic(), service_errors():
            capa = open_customer_8d(complaint, actor=request.user)
            self._check_scope(capa, "add")
        return Response({"id": capa.pk, "number": capa.number}, status=201)

    @action(detail=True, methods=["get"], url_path="commonality")
    def commonality(self, request: Request, pk: Any = None) -> Response:
        """The ranked commonality table of the complaint's modules."""
        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if not request.user.has_perm("data.view_unit"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        result = analysis.analyse_complaint(complaint)
        return Response(
            {
                "failing": result.failing,
                "population": result.population,
                "seconds": round(result.seconds, 3),
                "levels": [r.as_dict() for r in result.rows],
            }
        )

    @action(detail=True, methods=["post"], url_path="assign")
    def assign(self, request: Request, pk: Any = None) -> Response:
        """Assign to another customer-service or quality engineer in scope:
        ``{"assignee": <user id or username>, "note": ""}``; they are notified."""
        from qdm.core.models import User
        from qdm.service.services.assignment import assign_complaint

        complaint = get_scoped_object(Complaint, request.user, "change", pk)
        if not request.user.has_perm("service.change_complaint"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        raw = request.data.get("assignee")
        if raw in (None, ""):
            raise ApiError(
                "invalid",
                _("Give the assignee (user id or username)."),
                status_code=400,
                fields={"assignee": [_("This field is required.")]},
            )
        users = User.objects.filter(is_active=True)
        lookup = {"pk": raw} if str(raw).isdigit() else {"username": str(raw)}
        assignee = users.filter(**lookup).first()
        if assignee is None:
            raise ApiError(
                "invalid",
                _("No active user %(user)s.") % {"user": raw},
                status_code=400,
                fields={"assignee": [_("No active user %(user)s.") % {"user": raw}]},
            )
        note = request.data.get("note") or ""
        with service_errors():
            complaint = assign_complaint(complaint, assignee, actor=request.user, note=str(note))
        return Response({"number": complaint.number, "owner": assignee.username})

    @action(detail=True, methods=["get", "post"], url_path="field-results")
    def field_results(self, request: Request, pk: Any = None) -> Response:
        """GET: field vs factory per serial. POST ``{"rows": [{"serial", "pmax_w", ...}]}``
        (columns as in the upload): all or none; errors name each bad row."""
        from qdm.service.services import field

        complaint = get_scoped_object(Complaint, request.user, "view", pk)
        if request.method == "GET":
            if not request.user.has_perm("service.view_fieldmeasurement"):
                raise ApiError("permission_denied", _("You may not do this."), status_code=403)
            return Response({"rows": [field.as_row(c) for c in field.compare(complaint)]})
        if not (
            request.user.has_perm("service.add_fieldmeasurement")
            and request.user.has_perm("service.change_fieldmeasurement")
        ):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            raise ApiError(
                "invalid",
                _("Give the rows as a list of objects with a serial each."),
                status_code=400,
            )
        header = list(dict.fromkeys(k for r in rows for k in r))
        table = [header] + [
            ["" if r.get(k) is None else str(r.get(k)) for k in header] for r in rows
        ]
        try:
            saved = field.record_field_results(complaint, table, actor=request.user)
        except IntakeError as exc:
            raise ApiError(
                "invalid",
                _("%(n)s rows have problems: nothing was saved.") % {"n": len(exc.rows)},
                status_code=400,
                fields={
                    "rows": [
                        {"row": e.line - 1, "serial": e.serial, "message": e.message}
                        for e in exc.rows
                    ]
                },
            ) from None
        return Response({"recorded": len(saved)}, status=201)


class ComplaintItemSerializer(StrictModelSerializer):
    class Meta:
        model = ComplaintItem
        fields = ["id", "complaint", "serial", "symptom", "notes"]
        read_only_fields = ["complaint", "serial", "symptom", "notes"]


class ComplaintItemViewSet(ScopedModelViewSet):
    """Read-only: serials are added through ``complaints/{id}/items/``."""

    scoped_model = ComplaintItem
    queryset = ComplaintItem.objects.all()
    serializer_class = ComplaintItemSerializer
    filterset_class = fs.ComplaintItemFilterSet
    ordering = ("complaint", "serial")
    http_method_names = ["get", "head", "options"]


class ReturnedModuleSerializer(StrictModelSerializer):
    class Meta:
        model = ReturnedModule
        fields = [
            "id",
            "number",
            "item",
            "received_on",
            "retest_pmax_w",
            "retest_el_grade",
            "visual_findings",
            "uncertainty_pct",
            "factory_pmax_w",
            "nameplate_w",
            "age_years",
            "guaranteed_w",
            "warranty_valid",
            "shortfall_w",
            "decision",
            "cost",
            "status",
        ]
        read_only_fields = [
            "number",
            "factory_pmax_w",
            "nameplate_w",
            "age_years",
            "guaranteed_w",
            "warranty_valid",
            "shortfall_w",
            "status",
        ]


class ReturnedModuleViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = ReturnedModule
    queryset = ReturnedModule.objects.all()
    serializer_class = ReturnedModuleSerializer
    filterset_class = fs.ReturnedModuleFilterSet
    ordering = ("-number",)
    create_service = create_return
    update_service = update_return


class SatisfactionSurveySerializer(StrictModelSerializer):
    class Meta:
        model = SatisfactionSurvey
        fields = ["id", *SATISFACTION_SURVEY_FIELDS]


class SatisfactionSurveyViewSet(ScopedModelViewSet):
    scoped_model = SatisfactionSurvey
    queryset = SatisfactionSurvey.objects.all()
    serializer_class = SatisfactionSurveySerializer
    filterset_class = fs.SatisfactionSurveyFilterSet
    ordering = ("-period", "customer__code")
    create_service = create_survey
    update_service = update_survey


class CustomerRequirementSerializer(StrictModelSerializer):
    class Meta:
        model = CustomerRequirement
        # the version uniqueness is checked by the model (a message naming the clash)
        validators: list[Any] = []
        fields = ["id", *CUSTOMER_REQUIREMENT_FIELDS]


class CustomerRequirementViewSet(ScopedModelViewSet):
    scoped_model = CustomerRequirement
    queryset = CustomerRequirement.objects.all()
    serializer_class = CustomerRequirementSerializer
    filterset_class = fs.CustomerRequirementFilterSet
    ordering = ("customer__code", "-effective_from", "-version")
    create_service = create_requirement
    update_service = update_requirement


class WarrantyContractSerializer(StrictModelSerializer):
    class Meta:
        model = WarrantyContract
        fields = ["id", *WARRANTY_CONTRACT_FIELDS]


class WarrantyContractViewSet(ScopedModelViewSet):
    scoped_model = WarrantyContract
    queryset = WarrantyContract.objects.all()
    serializer_class = WarrantyContractSerializer
    filterset_class = fs.WarrantyContractFilterSet
    ordering = ("customer__code", "-effective_from", "-version")
    create_service = create_contract
    update_service = update_contract


ROUTES = [
    ("service/warranty-contracts", WarrantyContractViewSet),
    ("service/customer-requirements", CustomerRequirementViewSet),
    ("service/customer-profiles", CustomerProfileViewSet),
    ("service/projects", ProjectViewSet),
    ("service/complaints", ComplaintViewSet),
    ("service/complaint-items", ComplaintItemViewSet),
    ("service/returned-modules", ReturnedModuleViewSet),
    ("service/satisfaction-surveys", SatisfactionSurveyViewSet),
]
