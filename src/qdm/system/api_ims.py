"""API of the integrated management system, audits, management review and responsibility
matrix. Writes go through the services (kernel ``create_service`` / ``update_service``)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import service_errors
from qdm.core.api.factories import serializer_for, viewset_for
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.views.generic import get_scoped_object
from qdm.system import filtersets_ims as fs
from qdm.system.forms_ims import (
    AUDIT_PROGRAMME_FIELDS,
    CERTIFICATE_FIELDS,
    CHECKLIST_ITEM_FIELDS,
    CLAUSE_FIELDS,
    DEPARTMENT_FIELDS,
    FINDING_FIELDS,
    MANAGEMENT_REVIEW_FIELDS,
    MANAGEMENT_SYSTEM_FIELDS,
    POST_FIELDS,
    PROCESS_FIELDS,
    QUALITY_OBJECTIVE_FIELDS,
    RESPONSIBILITY_FIELDS,
    REVIEW_ACTION_FIELDS,
)
from qdm.system.models import (
    Audit,
    AuditProgramme,
    Certificate,
    ChecklistItem,
    Clause,
    Department,
    Finding,
    ManagementReview,
    ManagementSystem,
    Post,
    Process,
    QualityObjective,
    Responsibility,
    ReviewAction,
)
from qdm.system.services import audits as audit_services
from qdm.system.services import ims, responsibility, review


def record(model: type) -> Any:
    return partial(ims.save_record, model)


ManagementSystemSerializer = serializer_for(ManagementSystem, MANAGEMENT_SYSTEM_FIELDS)
ClauseSerializer = serializer_for(Clause, CLAUSE_FIELDS)
ProcessSerializer = serializer_for(Process, PROCESS_FIELDS)
CertificateSerializer = extend_schema_serializer(component_name="ManagementSystemCertificate")(
    serializer_for(
        Certificate, [*CERTIFICATE_FIELDS, "reminded_days"], read_only=("reminded_days",)
    )
)
AuditProgrammeSerializer = serializer_for(AuditProgramme, AUDIT_PROGRAMME_FIELDS)
AuditSerializer = serializer_for(
    Audit,
    [
        "number",
        "programme",
        "site",
        "title",
        "supplier",
        "planned_start",
        "planned_end",
        "processes",
        "clauses",
        "lead_auditor",
        "auditors",
        "summary",
        "status",
        "created_by",
        "reported_at",
        "closed_at",
    ],
    read_only=("number", "site", "status", "created_by", "reported_at", "closed_at"),
)
ChecklistItemSerializer = serializer_for(ChecklistItem, CHECKLIST_ITEM_FIELDS)


class FindingSerializer(StrictModelSerializer):
    open_capa = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Finding
        fields = [
            "id",
            "reference",
            *FINDING_FIELDS,
            "open_capa",
            "nonconformity",
            "capa",
            "raised_by",
            "raised_at",
        ]
        read_only_fields = ["reference", "nonconformity", "capa", "raised_by", "raised_at"]


QualityObjectiveSerializer = serializer_for(QualityObjective, QUALITY_OBJECTIVE_FIELDS)
ManagementReviewSerializer = serializer_for(
    ManagementReview,
    ["number", *MANAGEMENT_REVIEW_FIELDS, "inputs", "compiled_at", "status", "closed_at"],
    read_only=("number", "inputs", "compiled_at", "status", "closed_at"),
)
ReviewActionSerializer = serializer_for(
    ReviewAction, [*REVIEW_ACTION_FIELDS, "completed_at"], read_only=("completed_at",)
)
DepartmentSerializer = serializer_for(Department, DEPARTMENT_FIELDS)
PostSerializer = serializer_for(Post, POST_FIELDS)
ResponsibilitySerializer = serializer_for(Responsibility, RESPONSIBILITY_FIELDS)


def generate_checklist(self: Any, request: Request, pk: Any = None) -> Response:
    """Generate the checklist from the process-clause mapping (keeps existing answers)."""
    audit = get_scoped_object(Audit, request.user, "change", pk)
    if not request.user.has_perm("system.add_checklistitem"):
        from qdm.core.api.errors import ApiError

        raise ApiError("permission_denied", "You may not do this.", status_code=403)
    with transaction.atomic(), service_errors():
        items = audit_services.generate_checklist(audit, actor=request.user)
    data = ChecklistItemSerializer(items, many=True, context={"request": request}).data
    return Response(data, status=201)


def compile(self: Any, request: Request, pk: Any = None) -> Response:
    """Compile the review's inputs for its period and store them as its snapshot."""
    obj = get_scoped_object(ManagementReview, request.user, "change", pk)
    with service_errors():
        obj = review.compile_review(obj, actor=request.user)
    return Response(ManagementReviewSerializer(obj, context={"request": request}).data)


IMS_ROUTES = [
    (
        "system/management-systems",
        viewset_for(
            ManagementSystem,
            ManagementSystemSerializer,
            fs.ManagementSystemFilterSet,
            service=record(ManagementSystem),
            ordering=("code",),
        ),
    ),
    (
        "system/clauses",
        viewset_for(Clause, ClauseSerializer, fs.ClauseFilterSet, service=record(Clause)),
    ),
    (
        "system/processes",
        viewset_for(
            Process,
            ProcessSerializer,
            fs.ProcessFilterSet,
            service=ims.save_process,
            ordering=("code",),
        ),
    ),
    (
        "system/certificates",
        viewset_for(
            Certificate,
            CertificateSerializer,
            fs.CertificateFilterSet,
            service=ims.save_certificate,
            ordering=("expires_on",),
        ),
    ),
    (
        "system/audit-programmes",
        viewset_for(
            AuditProgramme,
            AuditProgrammeSerializer,
            fs.AuditProgrammeFilterSet,
            service=audit_services.save_programme,
        ),
    ),
    (
        "system/audits",
        viewset_for(
            Audit,
            AuditSerializer,
            fs.AuditFilterSet,
            service=audit_services.save_audit,
            ordering=("-planned_start",),
            bases=(WorkflowViewSetMixin,),
            # a plain list of the generated items: neither filtered nor paginated
            generate_checklist=extend_schema(
                request=None, responses={201: ChecklistItemSerializer(many=True)}, filters=False
            )(
                action(
                    detail=True,
                    methods=["post"],
                    url_path="generate-checklist",
                    serializer_class=serializers.Serializer,
                    pagination_class=None,
                )(generate_checklist)
            ),
        ),
    ),
    (
        "system/audit-checklist-items",
        viewset_for(
            ChecklistItem,
            ChecklistItemSerializer,
            fs.ChecklistItemFilterSet,
            service=audit_services.save_checklist_item,
        ),
    ),
    (
        "system/audit-findings",
        viewset_for(
            Finding,
            FindingSerializer,
            fs.FindingFilterSet,
            service=audit_services.update_finding,
            create_service=audit_services.record_finding,
        ),
    ),
    (
        "system/quality-objectives",
        viewset_for(
            QualityObjective,
            QualityObjectiveSerializer,
            fs.QualityObjectiveFilterSet,
            service=review.save_objective,
        ),
    ),
    (
        "system/management-reviews",
        viewset_for(
            ManagementReview,
            ManagementReviewSerializer,
            fs.ManagementReviewFilterSet,
            service=review.save_review,
            ordering=("-period_end",),
            bases=(WorkflowViewSetMixin,),
            compile=extend_schema(request=None, responses={200: ManagementReviewSerializer})(
                action(detail=True, methods=["post"], serializer_class=serializers.Serializer)(
                    compile
                )
            ),
        ),
    ),
    (
        "system/management-review-actions",
        viewset_for(
            ReviewAction,
            ReviewActionSerializer,
            fs.ReviewActionFilterSet,
            service=review.save_review_action,
        ),
    ),
    (
        "system/departments",
        viewset_for(
            Department,
            DepartmentSerializer,
            fs.DepartmentFilterSet,
            service=responsibility.save_department,
        ),
    ),
    (
        "system/posts",
        viewset_for(Post, PostSerializer, fs.PostFilterSet, service=responsibility.save_post),
    ),
    (
        "system/responsibilities",
        viewset_for(
            Responsibility,
            ResponsibilitySerializer,
            fs.ResponsibilityFilterSet,
            service=responsibility.save_responsibility,
        ),
    ),
]
