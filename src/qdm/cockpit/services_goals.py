"""Quality goals cascaded company → department → post: saving them (with the cascade's rules),
measuring them from the materialised KPI values, their status and their forecast to year end.

Measurement (never typed): the month rows of ``KpiValue`` for the goal's KPI and year, at the
goal's site (every site for a group goal), combined per month as the KPI aggregates
(ratio KPIs: Σ numerator / Σ denominator; counts: the sum over sites).

* **Actual** — ratio KPIs: the year-to-date rate Σ numerator / Σ denominator over the months
  so far; ``sum`` KPIs (complaints): the year-to-date total; ``last`` KPIs (open findings):
  the latest month.
* **Status** — the gap to target in the goal's direction (``actual − target`` for "at least",
  ``target − actual`` for "at most"): green when ≥ 0, amber when it misses by no more than the
  goal's *amber band* (in the KPI's unit, e.g. 0.5 percentage points of FPY), red otherwise,
  ``no_data`` without any value. For ``sum`` KPIs the actual is compared with the target
  pro-rated to the months elapsed (target × months / 12).
* **Forecast to year end** — a least-squares linear trend through the monthly values
  (with fewer than three months: their mean, flat), extrapolated to December. Ratio KPIs:
  the observed months weighted by their denominators and the predicted months by the mean
  observed denominator (i.e. the year-to-date rate carried on with the trend), clipped to
  0–100 %; ``sum`` KPIs: observed total + predicted months (≥ 0); ``last`` KPIs: the December
  value of the trend (≥ 0). The forecast gets its own status against the full target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qdm.cockpit.kpis import HIGHER, RATIO, REGISTRY, SUM
from qdm.cockpit.models import (
    GoalDirection,
    GoalLevel,
    GoalReview,
    Granularity,
    KpiValue,
    QualityGoal,
)
from qdm.system.services.ims import save_record

GREEN, AMBER, RED, NO_DATA = "green", "amber", "red", "no_data"
#: what each status reads as on pages, reports and alerts
STATUS_LABELS = {
    GREEN: gettext_lazy("On target"),
    AMBER: gettext_lazy("At risk"),
    RED: gettext_lazy("Off target"),
    NO_DATA: gettext_lazy("No data"),
}
PARENT_LEVEL = {GoalLevel.DEPARTMENT: GoalLevel.COMPANY, GoalLevel.POST: GoalLevel.DEPARTMENT}


@dataclass
class GoalMeasure:
    """What the cockpit shows for a goal: measured, never typed."""

    months: list[tuple[date, float]] = field(default_factory=list)
    actual: float | None = None
    status: str = NO_DATA
    forecast: float | None = None
    forecast_status: str = NO_DATA
    trend: list[tuple[date, float]] = field(default_factory=list)


# --- saving -------------------------------------------------------------------------------


def _check(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    kpi = fields.get("kpi")
    if kpi not in REGISTRY:
        errors["kpi"] = _("Unknown KPI %(code)s.") % {"code": kpi}
    level = fields.get("level")
    department, post, parent, site = (
        fields.get("department"),
        fields.get("post"),
        fields.get("parent"),
        fields.get("site"),
    )
    if level == GoalLevel.DEPARTMENT and department is None:
        errors["department"] = _("A department goal names its department.")
    if level == GoalLevel.POST and post is None:
        errors["post"] = _("A post goal names its post.")
    if level == GoalLevel.COMPANY and (department is not None or post is not None):
        errors["level"] = _("A company goal names no department or post.")
    if post is not None and department is not None and post.department_id != department.pk:
        errors["post"] = _("The post %(post)s is not in the department %(dep)s.") % {
            "post": post.code,
            "dep": department.code,
        }
    for name, unit in (("department", department), ("post", post)):
        if unit is not None and unit.site_id and (site is None or unit.site_id != site.pk):
            errors[name] = _("%(unit)s belongs to site %(site)s: so must the goal.") % {
                "unit": unit.code,
                "site": unit.site.code,
            }
    if level in PARENT_LEVEL:
        if parent is None:
            errors["parent"] = _("A %(level)s goal is cascaded from a parent goal.") % {
                "level": GoalLevel(level).label
            }
        elif parent.level != PARENT_LEVEL[level]:
            errors["parent"] = _("The parent of a %(level)s goal must be a %(parent)s goal.") % {
                "level": GoalLevel(level).label,
                "parent": PARENT_LEVEL[level].label,
            }
    elif parent is not None:
        errors["parent"] = _("A company goal has no parent goal.")
    if parent is not None:
        if parent.kpi != kpi:
            errors["kpi"] = _("A cascaded goal measures the KPI of its parent (%(kpi)s).") % {
                "kpi": parent.kpi
            }
        if parent.year != fields.get("year"):
            errors["year"] = _("A cascaded goal has the year of its parent (%(year)s).") % {
                "year": parent.year
            }
        if parent.site_id and (site is None or site.pk != parent.site_id):
            errors["site"] = _("The parent goal is at site %(site)s; so is this goal.") % {
                "site": parent.site.code
            }
    band = fields.get("amber_band")
    if band is not None and band < 0:
        errors["amber_band"] = _("The amber band cannot be negative.")
    if errors:
        raise ValidationError(errors)


def save_goal(goal: QualityGoal | None, /, *, actor: Any, **fields: Any) -> QualityGoal:
    """Create or change a quality goal; the cascade's rules are checked on the merged
    values, nothing is saved when one fails. An empty direction is the KPI's own."""
    current = {}
    if goal is not None and goal.pk:
        current = {
            f.name: getattr(goal, f.name) for f in QualityGoal._meta.fields if f.name not in {"id"}
        }
    merged = {**current, **fields}
    if not merged.get("direction") and merged.get("kpi") in REGISTRY:
        higher = REGISTRY[merged["kpi"]].direction == HIGHER
        fields["direction"] = GoalDirection.AT_LEAST if higher else GoalDirection.AT_MOST
        merged["direction"] = fields["direction"]
    _check(merged)
    with transaction.atomic():
        return save_record(QualityGoal, goal, actor=actor, **fields)


def save_review(review: GoalReview | None, /, *, actor: Any, **fields: Any) -> GoalReview:
    """Record (or correct) a PDCA review; the measured value and status at the time of the
    review are stored with it."""
    goal = fields.get("goal") or (review.goal if review is not None else None)
    if goal is None:
        raise ValidationError({"goal": _("A review is recorded against a goal.")})
    if review is None or review.pk is None:
        measure = measure_goal(goal)
        fields.setdefault("actual_at_review", measure.actual)
        fields.setdefault("status_at_review", measure.status)
        fields.setdefault("reviewer", actor)
    return save_record(GoalReview, review, actor=actor, **fields)


# --- measuring ----------------------------------------------------------------------------


def monthly_series(goal: QualityGoal, until: date | None = None) -> list[tuple[date, float, float]]:
    """(month, value, weight) per month of the goal's year with a value, combined over
    the goal's site (all sites for a group goal). Weight: the denominator for ratio KPIs."""
    kpi = REGISTRY[goal.kpi]
    rows = KpiValue.objects.filter(
        kpi=goal.kpi, granularity=Granularity.MONTH, period_start__year=goal.year
    )
    if goal.site_id:
        rows = rows.filter(site_id=goal.site_id)
    if until is not None:
        rows = rows.filter(period_start__lte=until)
    sums: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for month, num, den in rows.values_list("period_start", "numerator", "denominator"):
        if num is None and den is None:
            continue
        acc = sums[month]
        acc[0] += float(num or 0)
        acc[1] += float(den or 0)
        acc[2] += 1 if den is not None else 0
    series = []
    for month in sorted(sums):
        num, den, with_den = sums[month]
        # the KPI's own scale (%, ppm, kg/kWp): never a hard-coded 100
        value = kpi.value(num, den if with_den else None)
        if kpi.aggregation == RATIO:
            if den and value is not None:
                series.append((month, value, den))
        elif value is not None:
            series.append((month, value, 1.0))
    return series


def status_of(value: float | None, target: float, direction: str, band: float) -> str:
    if value is None:
        return NO_DATA
    gap = value - target if direction == GoalDirection.AT_LEAST else target - value
    if gap >= -1e-9:
        return GREEN
    if gap >= -band - 1e-9:
        return AMBER
    return RED


def measure_goal(goal: QualityGoal, until: date | None = None) -> GoalMeasure:
    """Actual, status, forecast to year end and its status (see the module docstring)."""
    kpi = REGISTRY[goal.kpi]
    series = monthly_series(goal, until)
    result = GoalMeasure(months=[(m, v) for m, v, _w in series])
    if not series:
        return result
    values = np.array([v for _m, v, _w in series])
    weights = np.array([w for _m, _v, w in series])
    if kpi.aggregation == RATIO:
        actual = float(np.sum(values * weights) / np.sum(weights))
    elif kpi.aggregation == SUM:
        actual = float(values.sum())
    else:
        actual = float(values[-1])
    result.actual = actual
    target_now = goal.target
    if kpi.aggregation == SUM:
        target_now = goal.target * series[-1][0].month / 12.0
    result.status = status_of(actual, target_now, goal.direction, goal.amber_band)

    x = np.array([m.month for m, _v, _w in series], dtype=float)
    remaining = list(range(series[-1][0].month + 1, 13))
    if len(series) >= 3:
        slope, intercept = np.polyfit(x, values, 1)
    else:
        slope, intercept = 0.0, float(values.mean())
    predicted = np.array([slope * m + intercept for m in remaining], dtype=float)
    if kpi.aggregation == RATIO and kpi.scale == 100.0:
        predicted = np.clip(predicted, 0.0, 100.0)
    else:
        predicted = np.clip(predicted, 0.0, None)
    result.trend = [
        (date(goal.year, m, 1), float(p)) for m, p in zip(remaining, predicted, strict=True)
    ]
    if not remaining:
        forecast = actual
    elif kpi.aggregation == RATIO:
        mean_w = float(weights.mean())
        total = float(np.sum(values * weights)) + float(predicted.sum()) * mean_w
        forecast = total / (float(weights.sum()) + mean_w * len(remaining))
    elif kpi.aggregation == SUM:
        forecast = actual + float(predicted.sum())
    else:
        forecast = float(predicted[-1])
    result.forecast = forecast
    result.forecast_status = status_of(forecast, goal.target, goal.direction, goal.amber_band)
    return result


def goal_tree(user: Any, year: int) -> list[tuple[QualityGoal, int, GoalMeasure]]:
    """The user's goals of ``year`` in cascade order (goal, depth, measure); a goal whose
    parent the user cannot see starts its own branch."""
    goals = list(
        QualityGoal.objects.for_user(user, "view")
        .filter(year=year)
        .select_related("site", "department", "post", "owner")
        .order_by("code")
    )
    visible = {g.pk for g in goals}
    children: dict[int | None, list[QualityGoal]] = defaultdict(list)
    for g in goals:
        children[g.parent_id if g.parent_id in visible else None].append(g)
    out: list[tuple[QualityGoal, int, GoalMeasure]] = []

    def walk(parent: int | None, depth: int) -> None:
        for g in children.get(parent, []):
            out.append((g, depth, measure_goal(g)))
            walk(g.pk, depth + 1)

    walk(None, 0)
    return out
