"""Pages of the quality data platform beyond the generic lists."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.views.generic import TemplateView

from qdm.data.services.data_quality import feed_health


class DataQualityView(LoginRequiredMixin, TemplateView):
    """Per site, line and feed: last data received, rows per day, rejection rate, gaps."""

    template_name = "data/data_quality.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if not self.request.user.has_perm("data.view_ingestbatch"):
            raise PermissionDenied
        context = super().get_context_data(**kwargs)
        try:
            days = max(1, min(90, int(self.request.GET.get("days", 14))))
        except ValueError:
            days = 14
        context.update(rows=feed_health(self.request.user, days=days), days=days)
        return context


urlpatterns = [path("data-quality/", DataQualityView.as_view(), name="data_quality")]
