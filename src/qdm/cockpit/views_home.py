"""The role home pages (``/``): each user lands on the widgets of their role (or the ones they
chose), a widget's data as an HTML fragment (HTMX) or JSON (API), the page to choose
widgets, and the large-screen mode for the factory wall (``/cockpit/wall/?site=CODE``).

Every widget reads through ``for_user`` (see ``qdm.cockpit.widgets``); the wall shows one
site the user may see (404 for another)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qdm.cockpit import widgets
from qdm.cockpit.models_home import HomeLayout
from qdm.cockpit.selectors import materialised_alerts
from qdm.core.models import Line, Site
from qdm.core.navigation import is_external
from qdm.core.roles import role_label

WALL_REFRESH_SECONDS = 60
WALL_TILES = 8  # the KPIs of the site with a value, in registry order
WALL_ALERTS = 10


def open_alerts(user: Any, site: str = "") -> Any:
    """The stored alerts (``qdm alerts scan``) still open and not acknowledged that ``user``
    may see — the alerts centre's own reader — at the site of code ``site`` if given."""
    return materialised_alerts(user, site=site, acknowledged="no", state="open")


class LayoutError(ValueError):
    """A layout that cannot be saved; the message names the offending widget."""


def save_layout(user: Any, codes: list[Any]) -> HomeLayout:
    """Save ``user``'s widgets in order. Refused (nothing saved) for a code that is not a
    widget, a widget the user may not see, a duplicate, or an empty list."""
    if not isinstance(codes, list) or not codes:
        raise LayoutError(_("Choose at least one widget."))
    allowed = {w.code for w in widgets.available(user)}
    seen: set[str] = set()
    for code in codes:
        if not isinstance(code, str) or code not in widgets.REGISTRY:
            raise LayoutError(_("Unknown widget “%(code)s”.") % {"code": code})
        if code not in allowed:
            raise LayoutError(_("The widget “%(code)s” is not available to you.") % {"code": code})
        if code in seen:
            raise LayoutError(_("The widget “%(code)s” is listed twice.") % {"code": code})
        seen.add(code)
    with transaction.atomic():
        layout, _created = HomeLayout.objects.select_for_update().get_or_create(user=user)
        layout.widgets = list(codes)
        layout.updated = timezone.now()
        layout.save()
    return layout


def reset_layout(user: Any) -> None:
    HomeLayout.objects.filter(user=user).delete()


def _widget_context(user: Any, code: str, *, lazy_ok: bool = True) -> dict[str, Any]:
    widget = widgets.REGISTRY[code]
    if widget.lazy and lazy_ok:
        return {"widget": widget, "lazy": True}
    data = widget.data(user)
    # what the charts draw (json_script ids unique on the page)
    if data.get("chart"):
        data["chart_id"] = f"widget-{code}-chart"
    for tile in data.get("tiles", []):
        tile["spark_id"] = f"spark-{tile['code']}"
        tile["spark"] = {
            "months": data.get("months", []),
            "values": tile["trend"],
            "target": tile["target"],
        }
    return {"widget": widget, "lazy": False, "data": data}


class HomeView(LoginRequiredMixin, TemplateView):
    """``/``: the role home page of the user (their saved layout or their role's widgets)."""

    template_name = "cockpit/home_role.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        role = widgets.home_role(user)
        context.update(
            role=role,
            role_label=role_label(role) if role else "",
            cards=[_widget_context(user, code) for code in widgets.layout_codes(user)],
            customised=HomeLayout.objects.filter(user=user).exists(),
            external=is_external(user),
        )
        if not context["external"]:
            sites = list(Site.objects.for_user(user, "view").select_related("business_unit"))
            lines = dict(
                Line.objects.for_user(user, "view")
                .values_list("workshop__site__code")
                .annotate(n=Count("pk"))
            )
            context.update(
                sites=sites,
                site_count=len(sites),
                line_count=sum(lines.values()),
                alert_count=open_alerts(user).count(),
            )
        return context


class WidgetView(LoginRequiredMixin, View):
    """``/cockpit/home/widgets/<code>/``: one widget's card (HTMX), 404 for an unknown
    widget or one the user may not see."""

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        widget = widgets.REGISTRY.get(code)
        if widget is None or not widget.visible_to(request.user):
            raise Http404(_("No widget “%(code)s”.") % {"code": code})
        context = _widget_context(request.user, code, lazy_ok=False)
        return render(request, "cockpit/home_widget.html", context)


class LayoutView(LoginRequiredMixin, View):
    """Choose the home page's widgets: tick them and give each a position; or go back to
    the role's defaults."""

    template_name = "cockpit/home_layout.html"

    def _context(self, user: Any, chosen: list[str], error: str = "") -> dict[str, Any]:
        position = {code: i for i, code in enumerate(chosen, 1)}
        rows: list[dict[str, Any]] = [
            {"widget": w, "on": w.code in position, "position": position.get(w.code, "")}
            for w in widgets.available(user)
        ]
        rows.sort(key=lambda r: (not r["on"], r["position"] or 0, r["widget"].code))
        return {
            "rows": rows,
            "error": error,
            "defaults": widgets.default_codes(user),
            "role_label": role_label(widgets.home_role(user)) if widgets.home_role(user) else "",
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        chosen = widgets.layout_codes(request.user)
        return render(request, self.template_name, self._context(request.user, chosen))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.POST.get("reset"):
            reset_layout(user)
            messages.success(request, _("Your home page shows your role's widgets again."))
            return HttpResponseRedirect(reverse("cockpit:home"))
        picked: list[tuple[int, str]] = []
        error = ""
        for code in request.POST.getlist("widget"):
            raw = (request.POST.get(f"position-{code}") or "").strip()
            try:
                pos = int(raw) if raw else 999
            except ValueError:
                error = _("The position of “%(code)s” must be a whole number, not “%(value)s”.") % {
                    "code": code,
                    "value": raw,
                }
                break
            picked.append((pos, code))
        if not error:
            codes = [c for _p, c in sorted(picked, key=lambda x: (x[0], x[1]))]
            try:
                save_layout(user, codes)
            except LayoutError as exc:
                error = str(exc)
            else:
                messages.success(request, _("Your home page is saved."))
                return HttpResponseRedirect(reverse("cockpit:home"))
        chosen = [c for _p, c in picked]
        return render(request, self.template_name, self._context(user, chosen, error), status=400)


API_ERROR = inline_serializer(
    "CockpitApiError",
    {
        "detail": serializers.CharField(),
        "fields": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


def _codes() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text="widget codes in order")


HOME_LAYOUT = inline_serializer(
    "HomeLayout",
    {
        "role": serializers.CharField(help_text="the role whose home page the user gets"),
        "widgets": _codes(),
        "defaults": serializers.ListField(child=serializers.CharField()),
        "available": inline_serializer(
            "HomeWidgetChoice",
            {"code": serializers.CharField(), "title": serializers.CharField()},
            many=True,
        ),
    },
)
HOME_LAYOUT_SAVE = inline_serializer("HomeLayoutSave", {"widgets": _codes()})


class LayoutApi(APIView):
    """``GET`` the user's home widgets (and those available); ``PUT {"widgets": [codes]}``
    saves them in order; ``DELETE`` goes back to the role's defaults."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="The user's home page widgets", responses={200: HOME_LAYOUT})
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "role": widgets.home_role(user),
                "widgets": widgets.layout_codes(user),
                "defaults": widgets.default_codes(user),
                "available": [
                    {"code": w.code, "title": str(w.title)} for w in widgets.available(user)
                ],
            }
        )

    @extend_schema(
        summary="Save the user's home page widgets in order",
        request=HOME_LAYOUT_SAVE,
        responses={200: HOME_LAYOUT_SAVE, 400: API_ERROR},
    )
    def put(self, request: Request) -> Response:
        codes = request.data.get("widgets") if isinstance(request.data, dict) else None
        try:
            layout = save_layout(request.user, codes)  # type: ignore[arg-type]
        except LayoutError as exc:
            return Response({"detail": str(exc), "fields": ["widgets"]}, status=400)
        return Response({"widgets": layout.widgets})

    @extend_schema(
        summary="Go back to the role's default widgets",
        responses={204: OpenApiResponse(description="reset")},
    )
    def delete(self, request: Request) -> Response:
        reset_layout(request.user)
        return Response(status=204)


class WidgetApi(APIView):
    """``GET /api/v1/cockpit/home/widgets/<code>/``: one widget's data as JSON, scoped."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="One home page widget's data",
        responses={
            200: OpenApiResponse(
                response={
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "title": {"type": "string"}},
                    "required": ["code", "title"],
                    "additionalProperties": True,
                },
                description="the widget's code and title with its own data fields",
            ),
            404: API_ERROR,
        },
    )
    def get(self, request: Request, code: str) -> Response:
        widget = widgets.REGISTRY.get(code)
        if widget is None or not widget.visible_to(request.user):
            return Response({"detail": _("No widget “%(code)s”.") % {"code": code}}, status=404)
        return Response({"code": code, "title": str(widget.title), **widget.data(request.user)})


# --- the factory wall -------------------------------------------------------------------


def wall_site(request: HttpRequest) -> Site:
    """The site of ``?site=CODE`` if the user may see it (404 otherwise)."""
    code = (request.GET.get("site") or "").strip()
    site = Site.objects.for_user(request.user, "view").filter(code=code).first() if code else None
    if site is None:
        raise Http404(_("No site “%(code)s” in your scope.") % {"code": code})
    return site


def wall_data(user: Any, site: Site, today: date | None = None) -> dict[str, Any]:
    """Big KPI tiles of the site's latest month, today's FPY by line (site-local day) and
    the site's open, unacknowledged alerts of the alerts centre — all read with the user's
    scope."""
    from zoneinfo import ZoneInfo

    from qdm.cockpit.kpis import REGISTRY
    from qdm.cockpit.models import Granularity, KpiValue
    from qdm.manufacturing.selectors import fpy_by_line

    values = KpiValue.objects.for_user(user, "view").filter(
        site=site, granularity=Granularity.MONTH
    )
    latest = values.order_by("-period_start").values_list("period_start", flat=True).first()
    by_code = {v.kpi: v for v in values.filter(period_start=latest)} if latest else {}
    tiles = [
        {
            "code": k.code,
            "name": k.name,
            "unit": k.unit,
            "value": by_code[k.code].value,
        }
        for k in REGISTRY.values()
        if by_code.get(k.code) is not None and by_code[k.code].value is not None
    ][:WALL_TILES]
    today = today or timezone.localtime(timezone.now(), ZoneInfo(site.timezone)).date()
    alerts = open_alerts(user, site.code)
    lines = fpy_by_line(user, site, today)
    return {
        "site": site,
        "month": latest.strftime("%Y-%m") if latest else None,
        "tiles": tiles,
        "today": today,
        "fpy": widgets.fpy_chart(lines),
        "lines": lines,
        "alerts": list(alerts[:WALL_ALERTS]),
        "alert_count": alerts.count(),
        "refreshed": timezone.localtime(timezone.now(), ZoneInfo(site.timezone)),
        "refresh_seconds": WALL_REFRESH_SECONDS,
    }


class WallView(LoginRequiredMixin, View):
    """``/cockpit/wall/?site=CODE``: full screen, refreshed by HTMX polling every minute."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not (request.GET.get("site") or "").strip():
            sites = Site.objects.for_user(request.user, "view").order_by("code")
            return render(request, "cockpit/wall_choose.html", {"sites": sites})
        site = wall_site(request)
        return render(request, "cockpit/wall.html", wall_data(request.user, site))


class WallPanelView(LoginRequiredMixin, View):
    """The wall's content alone (what the page polls)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        site = wall_site(request)
        return render(request, "cockpit/wall_panel.html", wall_data(request.user, site))
