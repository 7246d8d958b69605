"""API of the design platform: FMEAs (with the workflow transition, new revision and
special characteristics) and their failure chains. AP and RPN are read-only: the server
computes them from S/O/D with ``qdm.quality.fmea``."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import Field
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
from qdm.design.forms import CONTROL_PLAN_FIELDS, CONTROL_PLAN_LINE_FIELDS, FMEA_FIELDS
from qdm.design.lessons_ui import ReviewTaskFilterSet
from qdm.design.models import ControlPlan, ControlPlanLine, Fmea, FmeaItem, FmeaReviewTask, MsaStudy
from qdm.design.models.fmea import RATINGS, RATINGS_AFTER
from qdm.design.services.control_plan import (
    create_control_plan,
    generate_from_pfmea,
    no_live_control,
    publish,
    save_line,
    save_msa_study,
    update_control_plan,
)
from qdm.design.services.fmea import (
    apply_special_classes,
    create_fmea,
    new_revision,
    save_item,
    special_proposals,
    update_fmea,
)
from qdm.design.services.lessons import accept_task, reject_task, set_evidence


def rating_field(name: str, *, required: bool) -> serializers.IntegerField:
    label = capfirst(str(cast("Field[Any, Any]", FmeaItem._meta.get_field(name)).verbose_name))
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
            *FMEA_FIELDS,
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
    save_service = save_item  # a row without ``position`` (model default 0) goes last

    def perform_destroy(self, instance: Any) -> None:
        if instance.fmea.is_locked:
            raise ApiError(
                "fmea_locked", " ".join(instance.fmea.locked_error().messages), status_code=409
            )
        super().perform_destroy(instance)


class ControlPlanSerializer(StrictModelSerializer):
    class Meta:
        model = ControlPlan
        fields = [
            "id",
            "number",
            "revision",
            *CONTROL_PLAN_FIELDS,
            "status",
            "created_by",
            "created_at",
            "released_at",
            "published_at",
        ]
        read_only_fields = [
            "number",
            "revision",
            "status",
            "created_by",
            "created_at",
            "released_at",
            "published_at",
        ]


class ControlPlanLineSerializer(StrictModelSerializer):
    class Meta:
        model = ControlPlanLine
        fields = ["id", *CONTROL_PLAN_LINE_FIELDS, "fmea_item"]


class MsaStudySerializer(StrictModelSerializer):
    class Meta:
        model = MsaStudy
        fields = [
            "id",
            "title",
            "site",
            "characteristic",
            "gauge",
            "method",
            "tolerance",
            "data",
            "study_date",
            "repeatability",
            "reproducibility",
            "grr",
            "part_to_part",
            "total",
            "pct_study_var_grr",
            "pct_tolerance_grr",
            "ndc",
        ]
        read_only_fields = [
            "repeatability",
            "reproducibility",
            "grr",
            "part_to_part",
            "total",
            "pct_study_var_grr",
            "pct_tolerance_grr",
            "ndc",
        ]


class ControlPlanViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = ControlPlan
    queryset = ControlPlan.objects.all()
    serializer_class = ControlPlanSerializer
    filterset_class = fs.ControlPlanFilterSet
    ordering = ("-created_at",)

    create_service = create_control_plan
    update_service = update_control_plan

    def perform_destroy(self, instance: Any) -> None:
        if instance.status != "draft":
            raise ApiError(
                "control_plan_locked",
                _("Only a draft control plan can be deleted."),
                status_code=409,
            )
        super().perform_destroy(instance)

    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: Any = None) -> Response:
        """Publish this released control plan to manufacturing."""
        plan = get_scoped_object(ControlPlan, request.user, "change", pk)
        with service_errors():
            done = publish(plan, actor=request.user)
        return Response(
            {
                "inspection_plan": done.inspection_plan.pk,
                "inspection_plan_code": done.inspection_plan.code,
                "inspection_plan_version": done.inspection_plan.version,
                "charts": [c.pk for c in done.charts],
            }
        )

    @action(detail=False, methods=["post"], url_path="from-fmea")
    def from_fmea(self, request: Request) -> Response:
        """Generate a draft control plan from a PFMEA: ``{"fmea": id, "phase": ...}``."""
        fmea = get_scoped_object(Fmea, request.user, "view", request.data.get("fmea"))
        if not request.user.has_perm("design.add_controlplan"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        with transaction.atomic(), service_errors():
            plan = generate_from_pfmea(
                fmea, actor=request.user, phase=request.data.get("phase", "production")
            )
            self._check_scope(plan, "add")
        return Response(ControlPlanSerializer(plan, context={"request": request}).data, status=201)

    @action(detail=False, methods=["get"], url_path="no-live-control")
    def no_live_control(self, request: Request) -> Response:
        """Released control-plan lines with no live inspection-plan line or SPC chart."""
        return Response(
            [
                {
                    "line": gap.line.pk,
                    "plan": gap.line.plan.number,
                    "characteristic": gap.line.characteristic.code,
                    "missing_inspection": gap.missing_inspection,
                    "missing_chart": gap.missing_chart,
                }
                for gap in no_live_control(request.user)
            ]
        )


class ControlPlanLineViewSet(ScopedModelViewSet):
    scoped_model = ControlPlanLine
    queryset = ControlPlanLine.objects.all()
    serializer_class = ControlPlanLineSerializer
    filterset_class = fs.ControlPlanLineFilterSet
    ordering = ("plan", "sequence")
    save_service = save_line

    def perform_destroy(self, instance: Any) -> None:
        if instance.plan.is_locked:
            raise ApiError(
                "control_plan_locked",
                _("A released control plan cannot be changed."),
                status_code=409,
            )
        super().perform_destroy(instance)


class MsaStudyViewSet(ScopedModelViewSet):
    scoped_model = MsaStudy
    queryset = MsaStudy.objects.all()
    serializer_class = MsaStudySerializer
    filterset_class = fs.MsaStudyFilterSet
    ordering = ("-study_date",)
    save_service = save_msa_study


class FmeaReviewTaskSerializer(StrictModelSerializer):
    class Meta:
        model = FmeaReviewTask
        fields = [
            "id", "fmea", "fmea_number", "row", "item", "kind", "capa", "failure_mode",
            "failure_cause", "field_ppm", "internal_ppm", "cpk", "escape_count", "evidence",
            "current_occurrence", "current_detection", "proposed_occurrence",
            "proposed_detection", "status", "decision_reason", "decided_by", "decided_at",
            "applied_to", "created_at",
        ]  # fmt: skip
        read_only_fields = [
            f for f in fields
            if f not in {"field_ppm", "internal_ppm", "cpk", "escape_count", "evidence"}
        ]  # fmt: skip


class FmeaReviewTaskViewSet(ScopedModelViewSet):
    """Lessons-learned review tasks: created by ``qdm fmea lessons`` (never by POST);
    PATCH records evidence (the proposals are recomputed); ``accept`` / ``reject``."""

    scoped_model = FmeaReviewTask
    queryset = FmeaReviewTask.objects.all()
    serializer_class = FmeaReviewTaskSerializer
    filterset_class = ReviewTaskFilterSet
    ordering = ("status", "-created_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApiError(
            "permission_denied",
            _("Review tasks are created from closed 8D/CAPA records (qdm fmea lessons)."),
            status_code=403,
        )

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic(), service_errors():
            task = serializer.instance
            data = {
                name: serializer.validated_data.get(name, getattr(task, name))
                for name in ("field_ppm", "internal_ppm", "cpk", "escape_count", "evidence")
            }
            serializer.instance = set_evidence(task, actor=self.request.user, **data)

    def perform_destroy(self, instance: Any) -> None:
        raise ApiError("conflict", _("Review tasks are kept as records."), status_code=409)

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        """Body: ``occurrence``, ``detection`` (default: the proposal), and for a new chain
        ``severity``, ``focus_element``, ``failure_effect``; optional ``reason``."""
        task = get_scoped_object(FmeaReviewTask, request.user, "change", pk)
        fields = ("occurrence", "detection", "severity", "focus_element", "failure_effect")
        with service_errors():
            accept_task(
                task,
                actor=request.user,
                reason=request.data.get("reason", ""),
                **{k: request.data[k] for k in fields if k in request.data},
            )
        return Response(FmeaReviewTaskSerializer(task, context={"request": request}).data)

    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        task = get_scoped_object(FmeaReviewTask, request.user, "change", pk)
        with service_errors():
            reject_task(task, actor=request.user, reason=request.data.get("reason", ""))
        return Response(FmeaReviewTaskSerializer(task, context={"request": request}).data)


ROUTES = [
    ("design/fmea-review-tasks", FmeaReviewTaskViewSet),
    ("design/fmeas", FmeaViewSet),
    ("design/fmea-items", FmeaItemViewSet),
    ("design/control-plans", ControlPlanViewSet),
    ("design/control-plan-lines", ControlPlanLineViewSet),
    ("design/msa-studies", MsaStudyViewSet),
]

from qdm.design.api_qualification import ROUTES as QUALIFICATION_ROUTES  # noqa: E402

ROUTES += QUALIFICATION_ROUTES

from qdm.design.api_apqp import ROUTES as APQP_ROUTES  # noqa: E402

ROUTES += APQP_ROUTES
