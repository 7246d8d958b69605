"""The cockpit home page: where quality stands, in the user's scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from qdm.core.models import DomainEvent, Line, Site, Supplier


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "cockpit/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sites = Site.objects.for_user(user, "view").select_related("business_unit")
        lines_per_site = dict(
            Line.objects.for_user(user, "view")
            .values_list("workshop__site__code")
            .annotate(n=Count("pk"))
        )
        chart = {
            "categories": [s.code for s in sites],
            "capacity": [float(s.capacity_gw or 0) for s in sites],
            "lines": [lines_per_site.get(s.code, 0) for s in sites],
        }
        context.update(
            sites=sites,
            site_count=len(sites),
            line_count=sum(lines_per_site.values()),
            supplier_count=Supplier.objects.for_user(user, "view").count(),
            unread=user.notifications.filter(read_at__isnull=True).count(),
            events=DomainEvent.objects.for_user(user, "view").select_related("actor")[:10],
            chart=chart,
        )
        # the KPI tiles of the group (latest month) and the open alerts: materialised rows
        from qdm.cockpit.selectors import alert_count, group_tiles, latest_month

        month = latest_month(user)
        context.update(
            kpi_month=month.strftime("%Y-%m") if month else None,
            kpi_tiles=group_tiles(user, month) if month else [],
            alert_count=alert_count(user),
        )
        return context


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
        if unit and unit not in dict(choices["business_units"]):
            error = _("Unknown business unit %(code)s.") % {"code": unit}
            unit = ""
        if country and country not in dict(choices["countries"]):
            error = _("Unknown country %(code)s.") % {"code": country}
            country = ""
        data = cross_site(user, month, business_unit=unit, country=country)
        context.update(
            data=data,
            month=data["month"],
            error=error,
            choices=choices,
            business_unit=unit,
            country=country,
        )
        return context


class AlertsView(LoginRequiredMixin, TemplateView):
    """Open alerts across the platforms, in the user's scope, each with owner and link."""

    template_name = "cockpit/alerts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from qdm.cockpit.selectors import CERTIFICATE_DAYS, alerts

        context = super().get_context_data(**kwargs)
        groups = alerts(self.request.user)
        sections = [
            ("spc", _("Open SPC alerts"), groups["spc"]),
            ("capa", _("Overdue CAPA actions"), groups["capa"]),
            (
                "certificate",
                _("Certificates expiring within %(days)s days") % {"days": CERTIFICATE_DAYS},
                groups["certificate"],
            ),
            ("complaint", _("Complaint SLA breaches"), groups["complaint"]),
        ]
        context.update(sections=sections, total=sum(len(g) for g in groups.values()))
        return context
