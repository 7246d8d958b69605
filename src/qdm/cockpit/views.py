"""The cockpit home page: where quality stands, in the user's scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
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
        return context
