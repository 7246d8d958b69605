"""API of reliability qualification and engineering changes. Verdicts, impact rows and
effectivity counts are computed by the server (read-only); writes go through the services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import ApiError, service_errors
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.views.generic import get_scoped_object
from qdm.data.models import Material, MaterialCategory, ModuleModel
from qdm.design import ui_qualification as ui
from qdm.design.models import (
    Certificate,
    ChangeImpact,
    ChangeRequest,
    QualificationProgramme,
    QualificationResult,
    QualificationSample,
    QualificationSequence,
)
from qdm.design.services import change as ecr
from qdm.design.services import qualification as q


class ProgrammeSerializer(StrictModelSerializer):
    class Meta:
        model = QualificationProgramme
        fields = [
            "id", "number", "title", "standard", "module_model", "bom_variant", "materials",
            "site", "laboratory", "start_date", "status", "verdict", "created_by", "created_at",
            "completed_at",
        ]  # fmt: skip
        read_only_fields = [
            "number", "status", "verdict", "created_by", "created_at", "completed_at",
        ]  # fmt: skip
        extra_kwargs = {"materials": {"required": False}}


class SequenceSerializer(StrictModelSerializer):
    class Meta:
        model = QualificationSequence
        fields = ["id", "programme", "position", "kind", "steps", "notes"]


class SampleSerializer(StrictModelSerializer):
    class Meta:
        model = QualificationSample
        fields = ["id", "sequence", "programme", "serial", "notes"]
        read_only_fields = ["programme"]


class ResultSerializer(StrictModelSerializer):
    class Meta:
        model = QualificationResult
        fields = [
            "id", "sample", "stage", "step", "measured_on", "pmax_w", "el_grade",
            "major_visual_defect", "defects", "insulation_mohm_m2", "wet_leakage_mohm_m2",
        ]  # fmt: skip
        validators: list[Any] = []  # the service names a duplicate stage


@extend_schema_serializer(component_name="QualificationCertificate")
class CertificateSerializer(StrictModelSerializer):
    class Meta:
        model = Certificate
        fields = [
            "id", "body", "number", "standard", "site", "module_models", "programmes",
            "bom_variants", "issue_date", "expiry_date", "withdrawn", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
        extra_kwargs = {"module_models": {"required": False}, "programmes": {"required": False}}


class ChangeSerializer(StrictModelSerializer):
    class Meta:
        model = ChangeRequest
        fields = [
            "id", "number", "kind", "title", "description", "reason", "site", "module_models",
            "materials", "process", "implementation_date", "effective_from", "first_serial",
            "first_lot", "status", "assessed_at", "approved_at", "closed_at", "created_by",
            "created_at",
        ]  # fmt: skip
        read_only_fields = [
            "number", "status", "assessed_at", "approved_at", "closed_at", "created_by",
            "created_at",
        ]  # fmt: skip
        extra_kwargs = {"module_models": {"required": False}, "materials": {"required": False}}


class ImpactSerializer(StrictModelSerializer):
    class Meta:
        model = ChangeImpact
        fields = ["id", "change", "area", "object_id", "reference", "detail", "url", "done", "note"]
        read_only_fields = ["change", "area", "object_id", "reference", "detail", "url"]


class _ProgrammePart(ScopedModelViewSet):
    """Create/update through ``saver(instance, *, actor)``."""

    # a sequence, sample or result (written by ``save_service``, deleted only while its
    # programme is open); the docstring is these endpoints' description in the schema

    def perform_destroy(self, instance: Any) -> None:
        programme = getattr(instance, "programme", None) or instance.sample.programme
        if programme.is_locked:
            raise ApiError(
                "programme_locked", " ".join(programme.locked_error().messages), status_code=409
            )
        super().perform_destroy(instance)


def _verdict_json(verdict: q.ProgrammeVerdict) -> dict[str, Any]:
    return {
        "verdict": verdict.verdict,
        "sequences": [
            {
                "id": s.sequence.pk,
                "kind": s.sequence.kind,
                "in_edition": s.in_edition,
                "verdict": s.verdict,
                "samples": [
                    {
                        "serial": x.serial,
                        "verdict": x.verdict,
                        "loss_pct": x.loss_pct,
                        "reasons": x.reasons,
                    }
                    for x in s.samples
                ],
            }
            for s in verdict.sequences
        ],
    }


class ProgrammeViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = QualificationProgramme
    queryset = QualificationProgramme.objects.all()
    serializer_class = ProgrammeSerializer
    filterset_class = ui.ProgrammeFilterSet
    ordering = ("-created_at",)
    create_service = q.create_programme
    update_service = q.update_programme

    def perform_destroy(self, instance: Any) -> None:
        if instance.status != "planned":
            raise ApiError(
                "programme_locked", _("Only a planned programme can be deleted."), status_code=409
            )
        super().perform_destroy(instance)

    @action(detail=True, methods=["get"])
    def verdict(self, request: Request, pk: Any = None) -> Response:
        """The computed verdict; ``?standard=`` judges the same results under another
        edition (e.g. ``iec61215:2016``)."""
        programme = get_scoped_object(QualificationProgramme, request.user, "view", pk)
        standard = request.query_params.get("standard") or None
        with service_errors():
            verdict = q.programme_verdict(programme, standard)
        return Response({"standard": standard or programme.standard, **_verdict_json(verdict)})

    @action(detail=False, methods=["get"], url_path="bom-change")
    def bom_change(self, request: Request) -> Response:
        """``?material=<id>`` or ``?category=<id>`` [``&module_model=<id>``]: the
        programmes and certificates the change invalidates, with the sequences to repeat."""
        found: dict[str, Any] = {}
        for name, model in (
            ("material", Material),
            ("category", MaterialCategory),
            ("module_model", ModuleModel),
        ):
            raw = request.query_params.get(name)
            if raw in (None, ""):
                continue
            obj = model.objects.filter(pk=raw).first() if str(raw).isdigit() else None
            if obj is None:
                raise ApiError(
                    "invalid", _("No %(name)s %(id)s.") % {"name": name, "id": raw}, status_code=400
                )
            found[name] = obj
        model = found.pop("module_model", None)
        with service_errors():
            report = q.invalidated_by(
                **found, module_models=[model] if model else None, user=request.user
            )

        def rows(items: list[q.Invalidation]) -> list[dict[str, Any]]:
            return [
                {
                    "id": r.obj.pk,
                    "label": str(r.obj),
                    "materials": [m.code for m in r.materials],
                    "retest": r.retest,
                }
                for r in items
            ]

        return Response(
            {"programmes": rows(report.programmes), "certificates": rows(report.certificates)}
        )


class SequenceViewSet(_ProgrammePart):
    scoped_model = QualificationSequence
    queryset = QualificationSequence.objects.all()
    serializer_class = SequenceSerializer
    filterset_class = ui.SequenceFilterSet
    ordering = ("programme", "position")
    save_service = q.save_sequence


class SampleViewSet(_ProgrammePart):
    scoped_model = QualificationSample
    queryset = QualificationSample.objects.all()
    serializer_class = SampleSerializer
    filterset_class = ui.SampleFilterSet
    ordering = ("programme", "serial")
    save_service = q.save_sample


class ResultViewSet(_ProgrammePart):
    scoped_model = QualificationResult
    queryset = QualificationResult.objects.all()
    serializer_class = ResultSerializer
    filterset_class = ui.ResultFilterSet
    ordering = ("sample", "stage")
    save_service = q.save_result


def _create_certificate(
    *, actor: Any, module_models: Any = None, programmes: Any = None, **data: Any
) -> Certificate:
    return q.save_certificate(
        Certificate(**data), actor=actor, module_models=module_models, programmes=programmes
    )


def _update_certificate(
    cert: Certificate, *, actor: Any, module_models: Any = None, programmes: Any = None, **data: Any
) -> Certificate:
    for name, value in data.items():
        setattr(cert, name, value)
    return q.save_certificate(cert, actor=actor, module_models=module_models, programmes=programmes)


class CertificateViewSet(ScopedModelViewSet):
    scoped_model = Certificate
    queryset = Certificate.objects.all()
    serializer_class = CertificateSerializer
    filterset_class = ui.CertificateFilterSet
    ordering = ("expiry_date",)
    create_service = staticmethod(_create_certificate)
    update_service = staticmethod(_update_certificate)

    @action(detail=False, methods=["get"])
    def expiring(self, request: Request) -> Response:
        """``?days=`` (default 90): certificates expiring by then or expired."""
        raw = request.query_params.get("days", str(q.EXPIRY_HORIZON_DAYS))
        if not raw.isdigit() or int(raw) > 3650:
            raise ApiError(
                "invalid",
                _("days must be a whole number from 0 to 3650 (got %(value)s).") % {"value": raw},
                status_code=400,
            )
        rows = q.expiring_certificates(request.user, within=int(raw))
        return Response(
            [
                {
                    "id": c.pk,
                    "label": str(c),
                    "expiry_date": c.expiry_date,
                    "state": s,
                    "days_left": d,
                }
                for c, s, d in rows
            ]
        )


class ChangeViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = ChangeRequest
    queryset = ChangeRequest.objects.all()
    serializer_class = ChangeSerializer
    filterset_class = ui.ChangeFilterSet
    ordering = ("-created_at",)
    create_service = ecr.create_change
    update_service = ecr.update_change

    def perform_destroy(self, instance: Any) -> None:
        if instance.status != "draft":
            raise ApiError(
                "change_frozen", _("Only a draft change request can be deleted."), status_code=409
            )
        super().perform_destroy(instance)

    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: Any = None) -> Response:
        """(Re)run the impact assessment; returns the impact rows."""
        change = get_scoped_object(ChangeRequest, request.user, "change", pk)
        with service_errors():
            rows = ecr.assess_impact(change, actor=request.user)
        return Response(ImpactSerializer(rows, many=True, context={"request": request}).data)

    @action(detail=True, methods=["get"])
    def effectivity(self, request: Request, pk: Any = None) -> Response:
        """Modules (visible to the user) built before and after the change's cutover."""
        change = get_scoped_object(ChangeRequest, request.user, "view", pk)
        with service_errors():
            eff = ecr.effectivity(change, request.user)
        return Response(
            {
                "basis": eff.basis,
                "cutover": eff.cutover,
                "before": eff.before,
                "after": eff.after,
                "unknown": eff.unknown,
                "with_lot": eff.with_lot,
            }
        )


class ImpactViewSet(ScopedModelViewSet):
    """Impact rows are written by the assessment; PATCH ``done``/``note`` handles one."""

    scoped_model = ChangeImpact
    queryset = ChangeImpact.objects.all()
    serializer_class = ImpactSerializer
    filterset_class = ui.ImpactFilterSet
    ordering = ("change", "area")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApiError(
            "permission_denied",
            _("Impact items are listed by the impact assessment."),
            status_code=403,
        )

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic(), service_errors():
            impact = serializer.instance
            data = serializer.validated_data
            serializer.instance = ecr.handle_impact(
                impact,
                actor=self.request.user,
                done=data.get("done", impact.done),
                note=data.get("note", impact.note),
            )

    def perform_destroy(self, instance: Any) -> None:
        raise ApiError("conflict", _("Impact items are kept as records."), status_code=409)


ROUTES = [
    ("design/qualification-programmes", ProgrammeViewSet),
    ("design/qualification-sequences", SequenceViewSet),
    ("design/qualification-samples", SampleViewSet),
    ("design/qualification-results", ResultViewSet),
    ("design/certificates", CertificateViewSet),
    ("design/change-requests", ChangeViewSet),
    ("design/change-impacts", ImpactViewSet),
]
