"""The risk view (decision support): open risks across the platforms ranked by score, each
with its evidence and a suggested next action (see ``qdm.cockpit.risks``); as a page and as
JSON (``/api/v1/cockpit/risks/``), filtered by kind."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qdm.cockpit.risks import KINDS, Risk, open_risks
from qdm.cockpit.views_home import API_ERROR
from qdm.core.navigation import is_external


def parse_kinds(raw: list[str]) -> tuple[list[str] | None, str]:
    """The kinds asked for (``None``: all) and an error naming an unknown one."""
    kinds = [k.strip() for k in raw if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        return None, _("Unknown risk kind %(kind)s; expected one of %(kinds)s.") % {
            "kind": unknown[0],
            "kinds": ", ".join(KINDS),
        }
    return (kinds or None), ""


class RiskView(LoginRequiredMixin, TemplateView):
    """Internal users only: a supplier or customer user gets 404."""

    template_name = "cockpit/risk.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and is_external(request.user):
            raise Http404(_("No risk view for external users."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kinds, error = parse_kinds(self.request.GET.getlist("kind"))
        risks = open_risks(self.request.user, kinds)
        context.update(
            risks=risks,
            error=error,
            kinds=[
                (k, str(label), sum(1 for r in risks if r.kind == k)) for k, label in KINDS.items()
            ],
            selected=kinds or [],
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> Any:
        if context["error"]:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


def risk_payload(risk: Risk) -> dict[str, Any]:
    return {
        "kind": risk.kind,
        "kind_label": risk.kind_label,
        "title": risk.title,
        "site": risk.site,
        "score": risk.score,
        "evidence": [{"label": label, "value": value} for label, value in risk.evidence],
        "action": risk.action,
        "action_url": risk.action_url,
        "record_url": risk.record_url,
    }


RISKS = inline_serializer(
    "RiskList",
    {
        "results": inline_serializer(
            "Risk",
            {
                "kind": serializers.ChoiceField(choices=list(KINDS)),
                "kind_label": serializers.CharField(),
                "title": serializers.CharField(),
                "site": serializers.CharField(),
                "score": serializers.FloatField(help_text="0-100, highest first"),
                "evidence": inline_serializer(
                    "RiskEvidence",
                    {"label": serializers.CharField(), "value": serializers.CharField()},
                    many=True,
                ),
                "action": serializers.CharField(),
                "action_url": serializers.CharField(),
                "record_url": serializers.CharField(),
            },
            many=True,
        )
    },
)


class RiskApi(APIView):
    """``GET /api/v1/cockpit/risks/?kind=…``: the ranked open risks in the user's scope."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Open risks ranked by score (internal users only)",
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                many=True,
                enum=list(KINDS),
                description="only these kinds (repeatable; default: all)",
            )
        ],
        responses={200: RISKS, 400: API_ERROR, 404: API_ERROR},
    )
    def get(self, request: Request) -> Response:
        if is_external(request.user):
            return Response({"detail": _("No risk view for external users.")}, status=404)
        kinds, error = parse_kinds(request.query_params.getlist("kind"))
        if error:
            return Response({"detail": error, "fields": ["kind"]}, status=400)
        return Response({"results": [risk_payload(r) for r in open_risks(request.user, kinds)]})
