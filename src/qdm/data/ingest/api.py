"""``POST /api/v1/data/ingest/`` (multipart: ``file``, ``kind``, ``site`` id or code,
``profile``, ``strict``): the JSON summary of :func:`~qdm.data.ingest.service.ingest_file`
with 201, or the error envelope with 400 (``unreadable_file``, ``bad_encoding``,
``empty_file``, ``missing_columns``, ``unknown_kind``, ``unknown_profile``, ``missing_site``,
``unknown_site``, ``unknown_field``). The user needs the add permission on the fact model and
the site must be one where their grants allow it; otherwise nothing is stored."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qdm.core.api.errors import ApiError, ErrorCode
from qdm.data.ingest.profiles import KINDS, SPECS
from qdm.data.ingest.service import UnreadableFile, allowed_sites, ingest_file

FIELDS = {"file", "kind", "site", "profile", "strict"}


def resolve_site(value: Any, sites: set[int] | None) -> Any:
    """The site named by id or code if it is among ``sites`` (``None``: any); ``None`` for
    an empty value. Raises ``unknown_site`` otherwise (never revealing that it exists)."""
    from qdm.core.models import Site

    text = str(value or "").strip()
    if not text:
        return None
    query = (
        Site.objects.filter(pk=int(text))
        if text.isdigit()
        else Site.objects.filter(code=text.upper())
    )
    site = query.first()
    if site is None or (sites is not None and site.pk not in sites):
        raise ApiError(
            "unknown_site",
            _("No such site, or it is outside your scope: %(site)s") % {"site": text},
        )
    return site


class IngestRequestSerializer(serializers.Serializer):
    """Documents the multipart body."""

    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=KINDS)
    site = serializers.CharField(required=False)
    profile = serializers.CharField(required=False)
    strict = serializers.BooleanField(required=False, default=False)


SUMMARY = inline_serializer(
    "IngestSummary",
    {
        "batch": serializers.IntegerField(),
        "rows": serializers.IntegerField(),
        "accepted": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.DictField()),
    },
)


class IngestView(APIView):
    """Ingest one uploaded CSV or XLSX file."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=IngestRequestSerializer, responses={201: SUMMARY})
    def post(self, request: Request) -> Response:
        unknown = sorted(set(request.data) - FIELDS)
        if unknown:
            raise ApiError(
                ErrorCode.UNKNOWN_FIELD,
                _("Unknown fields: %s") % ", ".join(unknown),
                fields={name: [_("Unknown field.")] for name in unknown},
            )
        kind = str(request.data.get("kind") or "").strip()
        if kind not in KINDS:
            raise ApiError(
                "unknown_kind",
                _("Unknown kind %(kind)s; expected one of %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(KINDS)},
            )
        model = SPECS[kind].model()
        if not request.user.has_perm(f"data.add_{model._meta.model_name}"):
            raise ApiError(
                ErrorCode.PERMISSION_DENIED,
                _("You may not ingest %(kind)s files.") % {"kind": kind},
                status_code=403,
            )
        sites = allowed_sites(request.user, kind)
        site = resolve_site(request.data.get("site"), sites)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(
                ErrorCode.INVALID,
                _("Attach the file as 'file'."),
                fields={"file": [_("Required.")]},
            )
        strict = str(request.data.get("strict", "")).strip().lower() in {"1", "true", "yes", "on"}
        try:
            summary = ingest_file(
                upload.file,
                kind=kind,
                file_name=upload.name or "",
                site=site,
                profile=str(request.data.get("profile") or "").strip() or None,
                strict=strict,
                actor=request.user,
                sites=sites,
            )
        except UnreadableFile as exc:
            raise ApiError(exc.code, exc.message) from exc
        return Response(summary.as_dict(), status=status.HTTP_201_CREATED)


API_URLS = [path("data/ingest/", IngestView.as_view(), name="data-ingest")]
