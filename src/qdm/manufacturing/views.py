"""The SPC chart page (ECharts, data in a JSON block for ``static/qdm/spc.js``) and the
annotation form on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import get_scoped_object, style_form
from qdm.manufacturing.forms import SpcAnnotationForm
from qdm.manufacturing.models import SpcChartConfig, SpcViolation
from qdm.manufacturing.services.charts import cached_chart, window
from qdm.manufacturing.services.spc import add_annotation

VIOLATIONS_LISTED = 100


def parse_moment(value: str | None, *, end: bool = False) -> datetime | None:
    """``2026-03-01`` (a whole day) or ``2026-03-01T08:00`` in the current timezone."""
    if not value:
        return None
    value = value.strip()
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        moment = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
    else:
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        moment = parsed
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def requested_window(params: Any) -> tuple[datetime, datetime]:
    try:
        start = parse_moment(params.get("from"))
        end = parse_moment(params.get("to"), end=True)
    except ValueError:
        start = end = None
    return window(start, end)


class SpcChartView(LoginRequiredMixin, View):
    """Control chart with zones, violations, secondary chart, histogram and capability."""

    template_name = "manufacturing/spc_chart.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        config = get_scoped_object(SpcChartConfig, request.user, "view", pk)
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = SpcAnnotationForm(initial={"point_time": now})
        return self.render_page(request, config, form)

    def render_page(
        self, request: HttpRequest, config: SpcChartConfig, form: Any, status: int = 200
    ) -> HttpResponse:
        start, end = requested_window(request.GET)
        data, script = cached_chart(config, start, end)
        violations = (
            SpcViolation.objects.filter(config=config, point_time__gte=start, point_time__lte=end)
            .select_related("nonconformity", "hold")
            .order_by("-point_time", "rule")[:VIOLATIONS_LISTED]
        )
        for violation in violations:
            violation.config = config  # rule labels read the chart's settings
        context = {
            "object": config,
            "chart": data,
            "chart_script": script,  # json_script output (escaped, safe)
            "violations": violations,
            "start": timezone.localtime(start),
            "end": timezone.localtime(end),
            "form": style_form(form),
            "can_annotate": request.user.has_perm("manufacturing.add_spcannotation"),
            "detail_url": config.get_absolute_url(),
            "trace_url": reverse("data:trace"),
            "list_url": reverse("manufacturing:spcchartconfig_list"),
        }
        return render(request, self.template_name, context, status=status)


class SpcAnnotateView(SpcChartView):
    """Add an assignable cause to a chart."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("manufacturing.add_spcannotation"):
            raise PermissionDenied
        config = get_scoped_object(SpcChartConfig, request.user, "view", pk)
        form = SpcAnnotationForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, config, form, status=400)
        add_annotation(config, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Annotation added."))
        query = {k: v for k, v in request.GET.items() if k in ("from", "to")}
        url = config.get_chart_url() + (f"?{urlencode(query)}" if query else "")
        return HttpResponseRedirect(url)


class SpcAcknowledgeView(LoginRequiredMixin, View):
    """Acknowledge an SPC violation (an open alert) with a note."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.core.exceptions import ValidationError

        from qdm.manufacturing.services.spc_reaction import acknowledge_violation

        violation = get_scoped_object(SpcViolation, request.user, "view", pk)
        if not request.user.has_perm("manufacturing.change_spcviolation", violation):
            raise PermissionDenied
        try:
            acknowledge_violation(violation, actor=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Violation acknowledged."))
        return HttpResponseRedirect(violation.get_absolute_url())


urlpatterns = [
    path(
        "spc-violations/<int:pk>/acknowledge/",
        SpcAcknowledgeView.as_view(),
        name="spcviolation_acknowledge",
    ),
    path("spc-charts/<int:pk>/chart/", SpcChartView.as_view(), name="spcchartconfig_chart"),
    path(
        "spc-charts/<int:pk>/annotate/",
        SpcAnnotateView.as_view(),
        name="spcchartconfig_annotate",
    ),
]
