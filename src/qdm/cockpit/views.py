"""The cockpit pages: the sites side by side on every KPI, the alerts centre, drill-down."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView


class CrossSiteView(LoginRequiredMixin, TemplateView):
    """The group's sites side by side on every KPI for one month, ranked, with trends."""

    template_name = "cockpit/cross_site.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from qdm.cockpit.selectors import cross_site, latest_month, site_filters

        context = super().get_context_data(**kwargs)
        user = self.request.user
        raw = self.request.GET.get("month", "").strip()
        error = ""
        month = None
        if raw:
            try:
                month = date.fromisoformat(f"{raw}-01")
            except ValueError:
                error = _("“%(value)s” is not a month (YYYY-MM).") % {"value": raw}
        month = month or latest_month(user) or timezone.localdate().replace(day=1)
        choices = site_filters(user)
        unit = self.request.GET.get("business_unit", "").strip()
        country = self.request.GET.get("country", "").strip()
        technology = self.request.GET.get("technology", "").strip()
        if unit and unit not in dict(choices["business_units"]):
            error = _("Unknown business unit %(code)s.") % {"code": unit}
            unit = ""
        if country and country not in dict(choices["countries"]):
            error = _("Unknown country %(code)s.") % {"code": country}
            country = ""
        if technology and technology not in dict(choices["technologies"]):
            error = _("Unknown technology %(code)s.") % {"code": technology}
            technology = ""
        data = cross_site(user, month, business_unit=unit, country=country, technology=technology)
        context.update(
            data=data,
            month=data["month"],
            error=error,
            choices=choices,
            business_unit=unit,
            country=country,
            technology=technology,
        )
        return context


class AlertsView(LoginRequiredMixin, TemplateView):
    """The alerts raised by ``qdm alerts scan`` in the user's scope — open first, by kind,
    filtered by site, kind, acknowledged and state — each with owner, link and an
    Acknowledge button (SPC alerts also keep the violation's own acknowledgement)."""

    template_name = "cockpit/alerts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.urls import reverse

        from qdm.cockpit.alerts import may_acknowledge
        from qdm.cockpit.models import AlertKind
        from qdm.cockpit.selectors import ALERT_LIMIT, materialised_alerts
        from qdm.core.models import Site

        context = super().get_context_data(**kwargs)
        user = self.request.user
        get = self.request.GET
        sites = list(Site.objects.for_user(user, "view").order_by("code"))
        filters = {
            "site": get.get("site", "").strip(),
            "kind": get.get("kind", "").strip(),
            "acknowledged": get.get("acknowledged", "").strip(),
            "state": get.get("state", "").strip(),
        }
        errors = []
        if filters["site"] and filters["site"] not in {s.code for s in sites}:
            errors.append(_("Unknown site %(code)s.") % {"code": filters["site"]})
            filters["site"] = ""
        if filters["kind"] and filters["kind"] not in AlertKind.values:
            errors.append(_("Unknown alert kind %(kind)s.") % {"kind": filters["kind"]})
            filters["kind"] = ""
        rows = list(materialised_alerts(user, **filters)[:ALERT_LIMIT])
        for alert in rows:
            alert.can_acknowledge = (
                alert.closed_at is None
                and alert.acknowledged_at is None
                and may_acknowledge(user, alert)
            )
            alert.spc_acknowledge_url = ""
            if alert.kind == AlertKind.SPC and alert.closed_at is None and alert.source_id:
                alert.spc_acknowledge_url = reverse(
                    "manufacturing:spcviolation_acknowledge", args=[alert.source_id]
                )
        sections = [
            (kind, label, [a for a in rows if a.kind == kind])
            for kind, label in AlertKind.choices
            if not filters["kind"] or kind == filters["kind"]
        ]
        context.update(
            sections=sections,
            total=sum(1 for a in rows if a.closed_at is None),
            filters=filters,
            errors=errors,
            sites=sites,
            kinds=AlertKind.choices,
        )
        return context


class KpiDrillView(LoginRequiredMixin, TemplateView):
    """The records behind one KPI value: ``/cockpit/kpis/<code>/?site=JX1&period=2026-03-01
    &granularity=month[&line=L1][&product=MODEL]`` (``&format=xlsx`` exports them all).
    A site out of the user's scope is a 404; bad parameters a 400 naming the problem."""

    template_name = "cockpit/kpi_drill.html"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        from django.http import Http404, HttpResponse

        from qdm.cockpit.kpis import REGISTRY
        from qdm.cockpit.kpis_drill import PAGE_ROWS, RECORDS
        from qdm.cockpit.selectors import DrillError, drill_scope, kpi_period_values

        kpi = REGISTRY.get(kwargs["code"])
        if kpi is None or kpi.code not in RECORDS:
            raise Http404(kwargs["code"])
        try:
            scope, granularity = drill_scope(request.user, kpi, request.GET)
        except DrillError as exc:
            context = self.get_context_data(kpi=kpi, error=str(exc), drill=None)
            return self.render_to_response(context, status=400)
        drill = RECORDS[kpi.code](scope)
        if request.GET.get("format") == "xlsx":
            from qdm.utilities.xlsx import build_workbook

            body = build_workbook(str(kpi.name), drill.header, drill.rows)
            response = HttpResponse(
                body,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            where = scope.site.code if scope.site else "group"
            name = f"{kpi.code}-{where}-{granularity}-{scope.first:%Y-%m-%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        context = self.get_context_data(
            kpi=kpi,
            error="",
            drill=drill,
            rows=list(zip(drill.rows[:PAGE_ROWS], drill.urls[:PAGE_ROWS], strict=True)),
            truncated=len(drill.rows) > PAGE_ROWS,
            scope=scope,
            granularity=granularity,
            values=kpi_period_values(request.user, kpi, scope, granularity),
            export_query=_with(request.GET, format="xlsx"),
        )
        return self.render_to_response(context)


def _with(params: Any, **extra: str) -> str:
    query = params.copy()
    for key, value in extra.items():
        query[key] = value
    return query.urlencode()
