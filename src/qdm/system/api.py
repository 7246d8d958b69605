"""API of the management-system platform."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import ApiError, service_errors
from qdm.core.api.factories import serializer_for, viewset_for
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.views.generic import get_scoped_object
from qdm.system import filtersets as fs
from qdm.system.choices import CapaKind
from qdm.system.forms import (
    CAPA_ACTION_FIELDS,
    CONTROLLED_DOCUMENT_FIELDS,
    DOCUMENT_REVISION_FIELDS,
    EIGHT_D_FIELDS,
    NONCONFORMITY_FIELDS,
    REVISION_FILE_FIELDS,
    ROOT_CAUSE_FIELDS,
    TEAM_MEMBER_FIELDS,
    VERIFICATION_FIELDS,
)
from qdm.system.models import (
    CapaAction,
    ControlledDocument,
    DocumentRevision,
    EightD,
    Nonconformity,
    RevisionFile,
    RootCause,
    TeamMember,
    Verification,
)
from qdm.system.services.capa import open_capa, open_capa_from_nc, save_capa_part, update_capa
from qdm.system.services.documents import (
    acknowledge,
    not_acknowledged,
    save_document,
    save_language_file,
    save_revision,
)
from qdm.system.services.nonconformity import raise_nonconformity, update_nonconformity

if TYPE_CHECKING:
    from qdm.data.models import Unit


class NonconformitySerializer(StrictModelSerializer):
    units: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    unit_codes = serializers.ListField(
        child=serializers.CharField(), write_only=True, required=False
    )

    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "number",
            *NONCONFORMITY_FIELDS,
            "units",
            "unit_codes",
            "status",
            "raised_by",
            "raised_at",
            "closed_at",
        ]
        read_only_fields = ["number", "status", "raised_by", "raised_at", "closed_at"]


class OpenCapaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(CapaKind.choices, required=False)
    customer = serializers.IntegerField(required=False)


class NonconformityViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = Nonconformity
    queryset = Nonconformity.objects.all()
    serializer_class = NonconformitySerializer
    filterset_class = fs.NonconformityFilterSet
    ordering = ("-raised_at",)

    create_service = raise_nonconformity
    update_service = update_nonconformity

    @action(
        detail=True, methods=["post"], url_path="open-capa", serializer_class=OpenCapaSerializer
    )
    def open_capa(self, request: Request, pk: Any = None) -> Response:
        """Open a CAPA / SCAR / 8D from this nonconformity."""
        nc = get_scoped_object(Nonconformity, request.user, "view", pk)
        if not request.user.has_perm("system.add_eightd"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        body = OpenCapaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = None
        if body.validated_data.get("customer"):
            from qdm.core.models import Customer

            customer = get_scoped_object(
                Customer, request.user, "view", body.validated_data["customer"]
            )
        with transaction.atomic(), service_errors():
            capa = open_capa_from_nc(
                nc,
                actor=request.user,
                kind=body.validated_data.get("kind"),
                customer=customer,
                champion=request.user,
            )
            self._check_scope(capa, "add")
        return Response(EightDSerializer(capa, context={"request": request}).data, status=201)


class EightDSerializer(StrictModelSerializer):
    class Meta:
        model = EightD
        fields = [
            "id",
            "number",
            *EIGHT_D_FIELDS,
            "status",
            "opened_by",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = ["number", "status", "opened_by", "opened_at", "closed_at"]


class EightDViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = EightD
    queryset = EightD.objects.all()
    serializer_class = EightDSerializer
    filterset_class = fs.EightDFilterSet
    ordering = ("-opened_at",)

    create_service = open_capa
    update_service = update_capa

    def perform_destroy(self, instance: Any) -> None:
        if instance.is_locked:
            raise ApiError("capa_locked", _("A closed CAPA cannot be deleted."), status_code=409)
        super().perform_destroy(instance)


def _destroy_part(self: Any, instance: Any) -> None:
    if instance.capa.is_locked:
        raise ApiError("capa_locked", _("A closed CAPA cannot be changed."), status_code=409)
    ScopedModelViewSet.perform_destroy(self, instance)


def part_api(model: type, fields: list[str], read_only: tuple[str, ...] = ()) -> tuple[type, type]:
    """Serializer and viewset of a D1–D7 record (``fields`` start with its ``capa``); writes
    go through ``save_capa_part``."""
    serializer = serializer_for(model, fields, read_only)
    filterset = getattr(fs, f"{model.__name__}FilterSet")
    viewset = viewset_for(
        model, serializer, filterset, save_service=save_capa_part, perform_destroy=_destroy_part
    )
    return serializer, viewset


TeamMemberSerializer, TeamMemberViewSet = part_api(TeamMember, TEAM_MEMBER_FIELDS)
RootCauseSerializer, RootCauseViewSet = part_api(RootCause, ROOT_CAUSE_FIELDS)
CAPA_ACTION_READ_ONLY = ("completed_at", "escalation_level", "escalated_at")
CapaActionSerializer, CapaActionViewSet = part_api(
    CapaAction, [*CAPA_ACTION_FIELDS, *CAPA_ACTION_READ_ONLY], CAPA_ACTION_READ_ONLY
)
VerificationSerializer, VerificationViewSet = part_api(Verification, VERIFICATION_FIELDS)


class ControlledDocumentSerializer(StrictModelSerializer):
    class Meta:
        model = ControlledDocument
        fields = ["id", *CONTROLLED_DOCUMENT_FIELDS]


class ControlledDocumentViewSet(ScopedModelViewSet):
    scoped_model = ControlledDocument
    queryset = ControlledDocument.objects.all()
    serializer_class = ControlledDocumentSerializer
    filterset_class = fs.ControlledDocumentFilterSet
    ordering = ("code",)

    create_service = partial(save_document, None)
    update_service = save_document


class DocumentRevisionSerializer(StrictModelSerializer):
    not_acknowledged = serializers.SerializerMethodField()

    class Meta:
        model = DocumentRevision
        fields = [
            "id",
            *DOCUMENT_REVISION_FIELDS,
            "status",
            "author",
            "approved_by",
            "created_at",
            "effective_at",
            "obsoleted_at",
            "not_acknowledged",
        ]
        read_only_fields = [
            "status",
            "author",
            "approved_by",
            "created_at",
            "effective_at",
            "obsoleted_at",
        ]

    def get_not_acknowledged(self, obj: DocumentRevision) -> list[str]:
        if obj.status != "effective":
            return []
        return [u.username for u in not_acknowledged(obj)]


class DocumentRevisionViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = DocumentRevision
    queryset = DocumentRevision.objects.all()
    serializer_class = DocumentRevisionSerializer
    filterset_class = fs.DocumentRevisionFilterSet
    ordering = ("document", "-created_at")

    create_service = partial(save_revision, None)
    update_service = save_revision

    @extend_schema(request=None, responses={200: DocumentRevisionSerializer})
    @action(detail=True, methods=["post"], serializer_class=serializers.Serializer)
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        """Read and understood: the caller acknowledges this effective revision."""
        revision = get_scoped_object(DocumentRevision, request.user, "view", pk)
        with service_errors():
            acknowledge(revision, actor=request.user)
        return Response(DocumentRevisionSerializer(revision, context={"request": request}).data)


class RevisionFileSerializer(StrictModelSerializer):
    """One language version of a revision; ``upload`` (multipart) is the file."""

    upload = serializers.FileField(write_only=True, required=False)
    file_name = serializers.CharField(source="attachment.name", read_only=True, default=None)

    class Meta:
        model = RevisionFile
        fields = ["id", *REVISION_FILE_FIELDS, "attachment", "file_name", "upload"]
        read_only_fields = ["attachment"]


class RevisionFileViewSet(ScopedModelViewSet):
    scoped_model = RevisionFile
    queryset = RevisionFile.objects.all()
    serializer_class = RevisionFileSerializer
    filterset_class = fs.RevisionFileFilterSet
    ordering = ("revision", "language")

    create_service = partial(save_language_file, None)
    update_service = save_language_file


ROUTES = [
    ("system/nonconformities", NonconformityViewSet),
    ("system/capas", EightDViewSet),
    ("system/capa-team-members", TeamMemberViewSet),
    ("system/capa-root-causes", RootCauseViewSet),
    ("system/capa-actions", CapaActionViewSet),
    ("system/capa-verifications", VerificationViewSet),
    ("system/documents", ControlledDocumentViewSet),
    ("system/document-revisions", DocumentRevisionViewSet),
    ("system/revision-files", RevisionFileViewSet),
]

# the 8D report as a file: GET system/capas/{id}/report.pdf and report.xlsx (?lang=)
from qdm.system import views_reports  # noqa: E402

API_URLS = views_reports.API_URLS


# the integrated management system, audits, management review, responsibility matrix
from qdm.system.api_ims import IMS_ROUTES  # noqa: E402

ROUTES += IMS_ROUTES
