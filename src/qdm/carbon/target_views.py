"""The carbon-target trend page: per site, the monthly carbon intensity (kg CO₂e per kWp
produced, Scope 1 + 2 market-based) against the site's target of the year, drawn as a
server-side SVG (no script)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from qdm.carbon import selectors

WIDTH, HEIGHT, PAD = 640, 220, 36
COLOURS = ("#206bc4", "#2fb344", "#f76707", "#ae3ec9", "#d63939", "#17a2b8")


def chart(year: int, rows: list[dict], goals: dict[str, float]) -> dict[str, Any]:
    """SVG geometry: one polyline per site over the 12 months, a dashed line per target."""
    sites = sorted({r["site"] for r in rows} | set(goals))
    values = [r["kg_per_kwp"] for r in rows if r["kg_per_kwp"] is not None]
    top = max([*values, *goals.values(), 1.0]) * 1.1
    x_step = (WIDTH - 2 * PAD) / 11

    def y(v: float) -> float:
        return round(HEIGHT - PAD - v / top * (HEIGHT - 2 * PAD), 1)

    series = []
    for k, site in enumerate(sites):
        pts = []
        for r in rows:
            if r["site"] == site and r["kg_per_kwp"] is not None:
                m = int(r["month"][5:7])
                pts.append(f"{round(PAD + (m - 1) * x_step, 1)},{y(r['kg_per_kwp'])}")
        goal = goals.get(site)
        series.append(
            {"site": site, "colour": COLOURS[k % len(COLOURS)], "points": " ".join(pts),
             "target_y": y(goal) if goal is not None else None, "target": goal}
        )  # fmt: skip
    ticks = [{"y": y(top * f / 1.1), "label": f"{top * f / 1.1:.0f}"} for f in (0, 0.5, 1.0)]
    months = [{"x": round(PAD + m * x_step, 1), "label": f"{m + 1:02d}"} for m in range(12)]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "series": series, "ticks": ticks,
            "months": months, "right": WIDTH - PAD, "bottom": HEIGHT - PAD}  # fmt: skip


class TargetTrendView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("carbon.view_carbontarget"):
            raise PermissionDenied
        try:
            year = int(request.GET.get("year") or dt.date.today().year)
        except ValueError:
            raise Http404(_("Unknown year.")) from None
        rows = selectors.intensity_by_site_month(request.user, year)
        goals = selectors.targets(request.user, year)
        return render(
            request,
            "carbon/target_trend.html",
            {
                "year": year,
                "rows": rows,
                "status": selectors.target_status(request.user, year),
                "chart": chart(year, rows, goals),
            },
        )


urlpatterns = [path("targets/trend/", TargetTrendView.as_view(), name="target_trend")]
