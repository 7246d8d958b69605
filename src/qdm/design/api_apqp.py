"""API of APQP projects (projects, gates with the signed ``review`` action, deliverables with
their computed state, gate reviews), of the FMEA structure tree and failure net (elements,
functions, failures, ``link-chain`` and ``integrity``) and of control-plan revisions."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.request import Request
from rest_framework.response import Response

from qdm.core.api.errors import ApiError, service_errors
from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.core.filtersets import ScopedFilterSet
from qdm.core.views.generic import get_scoped_object
from qdm.design import filtersets as fs
from qdm.design import ui_apqp as ui
from qdm.design.api import ControlPlanSerializer
from qdm.design.models import (
    ApqpDeliverable,
    ApqpGate,
    ApqpProject,
    ControlPlan,
    FailureElement,
    Fmea,
    FmeaFunction,
    FmeaItem,
    GateReview,
    StructureNode,
)
from qdm.design.models.apqp import GateDecision
from qdm.design.services import fmea as svc
from qdm.design.services.apqp import (
    change_warnings,
    create_project,
    delete_deliverable,
    evaluate_all,
    hide_chart_in,
    review_gate,
    review_snapshot,
    save_deliverable,
    update_project,
    visible_chart_ids,
)
from qdm.design.services.control_plan import new_control_plan_revision, revision_changes_of
from qdm.design.ui_apqp import CHARACTERISTIC_HELD, HOLD_MESSAGE
from qdm.manufacturing import selectors as mfg

READ_ONLY = ["get", "post", "head", "options"]


class ApqpProjectSerializer(StrictModelSerializer):
    class Meta:
        model = ApqpProject
        fields = [
            "id", "number", "title", "product", "family", "customer", "site", "leader", "team",
            "start_date", "launch_date", "status", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["number", "status", "created_by", "created_at"]


class ApqpGateSerializer(StrictModelSerializer):
    class Meta:
        model = ApqpGate
        fields = ["id", "project", "phase", "sequence", "planned_date", "status", "decided_at"]
        read_only_fields = fields


class ApqpDeliverableSerializer(StrictModelSerializer):
    state = serializers.SerializerMethodField()
    state_reason = serializers.SerializerMethodField()
    capability = serializers.SerializerMethodField()
    change_warnings = serializers.SerializerMethodField()

    def _evaluation(self, obj: ApqpDeliverable) -> Any:
        """One evaluation per deliverable and response (state and reason share it), the
        reason worded for the requesting user; a list page is evaluated at once (a bounded
        number of queries, ``evaluate_all``)."""
        cache = self.context.setdefault("apqp_evaluations", {})
        if obj.pk not in cache:
            request = self.context.get("request")
            page = getattr(self.parent, "instance", None)
            items = page if isinstance(page, list) and obj in page else [obj]
            evaluations = evaluate_all(items, getattr(request, "user", None))
            cache.update({item.pk: e for item, e in zip(items, evaluations, strict=True)})
        return cache[obj.pk]

    def held_chart(self) -> int | None:
        """The chart the deliverable links when the requesting user may not see it: it is
        kept as it is (the same id may be sent back; another, or none, is refused)."""
        chart = getattr(self.instance, "spc_chart_id", None)
        request = self.context.get("request")
        visible = visible_chart_ids({chart}, getattr(request, "user", None)) if chart else None
        return chart if visible is not None and chart not in visible else None

    def to_internal_value(self, data: Any) -> Any:
        held = self.held_chart()
        if held and isinstance(data, dict) and "spc_chart" in data:
            if str(data["spc_chart"]) != str(held):
                raise serializers.ValidationError({"spc_chart": [str(HOLD_MESSAGE)]})
            data = data.copy()
            del data["spc_chart"]
        values = super().to_internal_value(data)
        posted = getattr(values.get("characteristic"), "pk", None)
        kept = getattr(self.instance, "characteristic_id", None)  # a chart is held on an update
        if held and "characteristic" in values and posted != kept:
            raise serializers.ValidationError({"characteristic": [str(CHARACTERISTIC_HELD)]})
        return values

    def get_state(self, obj: ApqpDeliverable) -> str:
        return self._evaluation(obj).state

    def get_state_reason(self, obj: ApqpDeliverable) -> str:
        return self._evaluation(obj).reason

    def get_capability(self, obj: ApqpDeliverable) -> dict[str, Any] | None:
        """The linked SPC chart's live capability (None without a chart)."""
        if not obj.spc_chart_id:
            return None
        cache = self.context.setdefault("apqp_capabilities", {})  # one read per chart
        if obj.spc_chart_id not in cache:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            cache[obj.spc_chart_id] = mfg.chart_capability(obj.spc_chart_id, user)
        return cache[obj.spc_chart_id]

    def get_change_warnings(self, obj: ApqpDeliverable) -> list[dict[str, Any]]:
        """Open engineering changes whose impact lists this qualification's evidence."""
        if obj.kind != "qualification":
            return []
        cache = self.context.setdefault("apqp_change_warnings", {})  # one read per project
        project_id = obj.gate.project_id
        if project_id not in cache:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            cache[project_id] = change_warnings(obj.gate.project, user)
        return [
            {
                "change": w["change"].pk,
                "number": w["change"].number,
                "status": w["change"].status,
                "area": w["impact"].area,
                "reference": w["impact"].reference,
                "handled": w["impact"].done,
            }
            for w in cache[project_id]
            if obj in w["deliverables"]
        ]

    class Meta:
        model = ApqpDeliverable
        fields = [
            "id", "gate", "kind", "title", "required", "owner", "due_date", "fmea",
            "control_plan", "msa_study", "spc_chart", "characteristic", "cpk", "cpk_target",
            "programme", "certificate", "reference", "accepted_on", "remarks", "state",
            "state_reason", "capability", "change_warnings",
        ]  # fmt: skip


class GateReviewSerializer(StrictModelSerializer):
    """``deliverables``: the snapshot the reviewer signed, worded for the requesting user
    (``review_snapshot``: a chart the user may not see is not named)."""

    def to_representation(self, instance: GateReview) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        data["deliverables"] = review_snapshot(instance, getattr(request, "user", None))
        return data

    class Meta:
        model = GateReview
        fields = [
            "id", "gate", "decision", "comments", "conditions", "conditions_due", "deliverables",
            "signature", "reviewed_by", "reviewed_at",
        ]  # fmt: skip
        read_only_fields = fields


class GateReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=GateDecision.choices)
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    conditions_due = serializers.DateField(required=False, allow_null=True, default=None)
    password = serializers.CharField()
    reason = serializers.CharField()


class ApqpProjectViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = ApqpProject
    queryset = ApqpProject.objects.all()
    serializer_class = ApqpProjectSerializer
    filterset_class = ui.ApqpProjectFilterSet
    ordering = ("-created_at",)
    create_service = create_project
    update_service = update_project


class ApqpGateViewSet(ScopedModelViewSet):
    scoped_model = ApqpGate
    queryset = ApqpGate.objects.all()
    serializer_class = ApqpGateSerializer
    filterset_class = ui.ApqpGateFilterSet
    ordering = ("project", "sequence")
    http_method_names = READ_ONLY

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise MethodNotAllowed("POST")

    @action(detail=True, methods=["post"], serializer_class=GateReviewInput)
    def review(self, request: Request, pk: Any = None) -> Response:
        """Decide the gate (pass / conditional / fail), e-signed with password and reason. A
        pass with a required deliverable not done is refused, naming the deliverables."""
        gate = get_scoped_object(ApqpGate, request.user, "change", pk)
        body = GateReviewInput(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            review = review_gate(gate, actor=request.user, **body.validated_data)
        return Response(GateReviewSerializer(review, context={"request": request}).data, 201)


class ApqpDeliverableViewSet(ScopedModelViewSet):
    scoped_model = ApqpDeliverable
    queryset = ApqpDeliverable.objects.all()
    serializer_class = ApqpDeliverableSerializer
    filterset_class = ui.ApqpDeliverableFilterSet
    ordering = ("gate", "pk")
    save_service = save_deliverable

    def perform_update(self, serializer: Any) -> None:
        held = serializer.held_chart()
        with transaction.atomic(), service_errors():
            instance = serializer.instance
            for name, value in serializer.validated_data.items():
                setattr(instance, name, value)
            try:
                save_deliverable(instance, actor=self.request.user)
            except ValidationError as exc:
                if not held:
                    raise
                # a refusal about a chart the user may not see would name it
                raise hide_chart_in(exc) from None
            self._check_scope(instance, "change")

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            delete_deliverable(instance, actor=self.request.user)


class GateReviewViewSet(ScopedModelViewSet):
    scoped_model = GateReview
    queryset = GateReview.objects.all()
    serializer_class = GateReviewSerializer
    filterset_class = ui.GateReviewFilterSet
    ordering = ("-reviewed_at",)
    http_method_names = ["get", "head", "options"]


# --- FMEA structure tree and failure net --------------------------------------------------------


class StructureNodeSerializer(StrictModelSerializer):
    class Meta:
        model = StructureNode
        fields = ["id", "fmea", "parent", "kind", "name", "four_m", "position"]
        extra_kwargs = {"position": {"required": False}}


class FmeaFunctionSerializer(StrictModelSerializer):
    class Meta:
        model = FmeaFunction
        fields = ["id", "node", "description", "requirement", "characteristic"]


class FailureElementSerializer(StrictModelSerializer):
    class Meta:
        model = FailureElement
        fields = ["id", "function", "kind", "description"]


class ChainInput(serializers.Serializer):
    net_effect = serializers.PrimaryKeyRelatedField(queryset=FailureElement.objects.all())
    net_mode = serializers.PrimaryKeyRelatedField(queryset=FailureElement.objects.all())
    net_cause = serializers.PrimaryKeyRelatedField(queryset=FailureElement.objects.all())
    severity = serializers.IntegerField(min_value=1, max_value=10)
    occurrence = serializers.IntegerField(min_value=1, max_value=10)
    detection = serializers.IntegerField(min_value=1, max_value=10)
    prevention_controls = serializers.CharField(required=False, allow_blank=True, default="")
    detection_controls = serializers.CharField(required=False, allow_blank=True, default="")


class AttachInput(serializers.Serializer):
    item = serializers.IntegerField()
    net_effect = serializers.PrimaryKeyRelatedField(queryset=FailureElement.objects.all())
    net_mode = serializers.PrimaryKeyRelatedField(queryset=FailureElement.objects.all())
    net_cause = serializers.PrimaryKeyRelatedField(queryset=FailureElement.objects.all())


class StructureNodeFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    fmea = django_filters.NumberFilter(field_name="fmea")

    class Meta:
        model = StructureNode
        fields = ["fmea", "kind"]


class FmeaFunctionFilterSet(ScopedFilterSet):
    search_fields = ("description", "requirement")
    fmea = django_filters.NumberFilter(field_name="node__fmea")

    class Meta:
        model = FmeaFunction
        fields = ["node", "fmea"]


class FailureElementFilterSet(ScopedFilterSet):
    search_fields = ("description",)
    fmea = django_filters.NumberFilter(field_name="function__node__fmea")

    class Meta:
        model = FailureElement
        fields = ["function", "kind", "fmea"]


class _NetViewSet(ScopedModelViewSet):
    """Writes go through the structure services (which refuse on a released FMEA)."""

    remover: Any = None

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            type(self).remover(instance, actor=self.request.user)


class StructureNodeViewSet(_NetViewSet):
    scoped_model = StructureNode
    queryset = StructureNode.objects.all()
    serializer_class = StructureNodeSerializer
    filterset_class = StructureNodeFilterSet
    ordering = ("fmea", "position")
    save_service = svc.save_node
    remover = staticmethod(svc.remove_node)

    @action(detail=False, methods=["get"])
    def integrity(self, request: Request) -> Response:
        """``?fmea=<id>``: the failure net's integrity problems (empty list: sound)."""
        fmea = get_scoped_object(Fmea, request.user, "view", request.query_params.get("fmea"))
        problems = svc.net_integrity(fmea)
        return Response(
            {
                "fmea": fmea.pk,
                "ok": not problems,
                "problems": [{"code": p.code, "message": p.message} for p in problems],
            }
        )

    @action(detail=False, methods=["post"], url_path="link-chain", serializer_class=ChainInput)
    def link_chain(self, request: Request) -> Response:
        """Build a worksheet row from an effect, a mode and a cause of the net, with S/O/D."""
        from qdm.design.api import FmeaItemSerializer

        body = ChainInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        mode = data["net_mode"]
        get_scoped_object(Fmea, request.user, "change", mode.function.node.fmea_id)
        if not request.user.has_perm("design.add_fmeaitem"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        with service_errors():
            item = svc.link_chain(
                data.pop("net_effect"), data.pop("net_mode"), data.pop("net_cause"),
                actor=request.user, **data,
            )  # fmt: skip
        return Response(FmeaItemSerializer(item, context={"request": request}).data, status=201)

    @action(detail=False, methods=["post"], url_path="attach-row", serializer_class=AttachInput)
    def attach_row(self, request: Request) -> Response:
        """Attach an existing worksheet row (``item``) to an effect, mode and cause of the net."""
        from qdm.design.api import FmeaItemSerializer

        body = AttachInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        item = get_scoped_object(FmeaItem, request.user, "change", data["item"])
        with service_errors():
            item = svc.attach_row(
                item, data["net_effect"], data["net_mode"], data["net_cause"], actor=request.user
            )
        return Response(FmeaItemSerializer(item, context={"request": request}).data)


class FmeaFunctionViewSet(_NetViewSet):
    scoped_model = FmeaFunction
    queryset = FmeaFunction.objects.all()
    serializer_class = FmeaFunctionSerializer
    filterset_class = FmeaFunctionFilterSet
    ordering = ("node", "pk")
    save_service = svc.save_function
    remover = staticmethod(svc.remove_function)


class FailureElementViewSet(_NetViewSet):
    scoped_model = FailureElement
    queryset = FailureElement.objects.all()
    serializer_class = FailureElementSerializer
    filterset_class = FailureElementFilterSet
    ordering = ("function", "pk")
    save_service = svc.save_failure
    remover = staticmethod(svc.remove_failure)


# --- control-plan revisions -----------------------------------------------------------------------


class RevisionInput(serializers.Serializer):
    plan = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)


class ControlPlanRevisionViewSet(ScopedModelViewSet):
    """``GET``: the revisions of control plans with what each changed; ``POST {plan, reason}``:
    start revision N+1 of a released plan (a draft with the lines copied)."""

    scoped_model = ControlPlan
    queryset = ControlPlan.objects.all()
    serializer_class = ControlPlanSerializer
    filterset_class = fs.ControlPlanFilterSet
    ordering = ("number", "revision")
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plans = self.filter_queryset(self.get_queryset()).filter(revised_from__isnull=False)
        page = self.paginate_queryset(plans)
        shown = list(page if page is not None else plans)
        changes = revision_changes_of(shown)
        rows = [
            {
                **ControlPlanSerializer(plan, context={"request": request}).data,
                "revised_from": plan.revised_from_id,
                "revision_reason": plan.revision_reason,
                "changes": [
                    {"characteristic": c.code, "change": c.change, "fields": c.fields}
                    for c in changes[plan.pk]
                ],
            }
            for plan in shown
        ]
        return self.get_paginated_response(rows) if page is not None else Response(rows)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RevisionInput(data=request.data)
        body.is_valid(raise_exception=True)
        plan = get_scoped_object(ControlPlan, request.user, "change", body.validated_data["plan"])
        if not request.user.has_perm("design.add_controlplan"):
            raise ApiError("permission_denied", _("You may not do this."), status_code=403)
        with service_errors():
            copy = new_control_plan_revision(
                plan, actor=request.user, reason=body.validated_data["reason"]
            )
        return Response(ControlPlanSerializer(copy, context={"request": request}).data, 201)


ROUTES = [
    ("design/apqp-projects", ApqpProjectViewSet),
    ("design/apqp-gates", ApqpGateViewSet),
    ("design/apqp-deliverables", ApqpDeliverableViewSet),
    ("design/gate-reviews", GateReviewViewSet),
    ("design/fmea-structure", StructureNodeViewSet),
    ("design/fmea-functions", FmeaFunctionViewSet),
    ("design/fmea-failures", FailureElementViewSet),
    ("design/control-plan-revisions", ControlPlanRevisionViewSet),
]
