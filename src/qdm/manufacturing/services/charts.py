"""The data of a chart page: the control chart with its zones and frozen limits, the
violations, the dispersion chart, a histogram with the specification limits and the
capability indices of the same data — one JSON document for ``static/qdm/spc.js`` and the
API (``GET /api/v1/manufacturing/spc-charts/{id}/data/``)."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, F, Func, Min
from django.utils import timezone

from qdm.data.services.specifications import specification_in_force
from qdm.manufacturing.choices import ATTRIBUTE_CHARTS, ChartPart, ChartType, rule_label
from qdm.manufacturing.models import SpcAnnotation, SpcChartConfig, SpcViolation
from qdm.manufacturing.services.spc import (
    Points,
    compute,
    found_violations,
    is_grouped,
    known_parameters,
    measurements,
    to_points,
)
from qdm.quality.capability import capability
from qdm.quality.spc import ChartResult, SpcInputError, Subgroups

#: most points a page shows (the most recent ones of the window)
MAX_POINTS = 10_000
DEFAULT_DAYS = 30
HISTOGRAM_MAX_BINS = 40


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The period shown: ``end`` defaults to now, ``start`` to 30 days before ``end``."""
    if end is None:
        # to the next whole minute, so that a page opened twice in a minute is the same page
        now = timezone.now()
        end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = start or end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        start, end = end, start
    return start, end


def _finite(values: Any) -> Any:
    """A JSON-safe number or list: NaN and infinity become null."""
    if values is None:
        return None
    if np.ndim(values) == 0:
        v = float(values)
        return v if math.isfinite(v) else None
    arr = np.asarray(values, dtype=np.float64)
    if bool(np.isfinite(arr).all()):
        return arr.tolist()
    return [v if math.isfinite(v) else None for v in arr.tolist()]


def epoch_ms(field: str) -> Any:
    """``field`` as integer milliseconds since the epoch, computed by the database (turning
    10,000 rows into Python datetimes costs more than the whole chart); None where the
    backend has no such function (the rows are then converted in Python)."""
    vendor = connection.vendor
    if vendor == "sqlite":  # stored as UTC text
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400000.0) AS INTEGER)"
    elif vendor == "postgresql":
        template = "CAST(ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000) AS BIGINT)"
    else:
        return None
    return Func(F(field), template=template, output_field=BigIntegerField())


def _as_ms(rows: list[tuple[Any, str, float]]) -> list[tuple[int, str, float]]:
    return [(int(t.timestamp() * 1000), s, v) for t, s, v in rows]


def _window_rows(
    config: SpcChartConfig, start: datetime, end: datetime, cap: int
) -> tuple[list[tuple[int, str, float]], bool]:
    """The window's rows as ``(epoch ms, subject, value)``, the most recent ``cap`` points."""
    size = config.subgroup_size if is_grouped(config) else 1
    limit = cap * size
    qs = measurements(config).filter(measured_at__gte=start, measured_at__lte=end)
    ms = epoch_ms("measured_at")
    ordered = qs.order_by("-measured_at", "-subject")
    if ms is not None:
        rows = list(ordered.annotate(ms=ms).values_list("ms", "subject", "value")[: limit + 1])
    else:
        rows = _as_ms(list(ordered.values_list("measured_at", "subject", "value")[: limit + 1]))
    truncated = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    if size > 1 and rows and config.baseline_to is not None and end > config.baseline_to:
        # align the subgroups with those the evaluation forms (counted from the baseline end)
        before = (
            measurements(config)
            .filter(
                measured_at__gt=config.baseline_to, measured_at__lt=max(start, config.baseline_to)
            )
            .count()
        )
        if truncated:
            before += qs.filter(measured_at__gt=config.baseline_to).count() - limit
        rows = rows[(size - before % size) % size :]
    return rows, truncated


def _limits(result: ChartResult, chart: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "center": _finite(result.center),
        "lcl": _finite(result.lcl),
        "ucl": _finite(result.ucl),
        "sigma": _finite(result.sigma),
    }
    se = result.se
    if np.ndim(se) == 0 and chart not in (ChartType.EWMA, ChartType.CUSUM):
        c, s = float(np.asarray(result.center).ravel()[0]), float(se)
        if np.ndim(result.center) == 0:
            out["zones"] = {
                "minus2": c - 2 * s,
                "minus1": c - s,
                "plus1": c + s,
                "plus2": c + 2 * s,
            }
    out.setdefault("zones", None)
    return out


def _secondary(result: ChartResult) -> dict[str, Any] | None:
    sec = result.secondary
    if result.lower is not None:
        return {"chart": "CUSUM-", "points": _finite(result.lower), "offset": 0}
    if sec is None:
        return None
    return {
        "chart": sec.chart,
        "points": _finite(sec.points),
        "center": _finite(sec.center),
        "lcl": _finite(sec.lcl),
        "ucl": _finite(sec.ucl),
        "offset": 1 if sec.chart == "MR" else 0,
    }


def _histogram(values: np.ndarray, spec: Any) -> dict[str, Any] | None:
    if values.size < 2:
        return None
    lo, hi = float(values.min()), float(values.max())
    if spec is not None:
        lo = min([lo, *[v for v in (spec.lsl, spec.usl) if v is not None]])
        hi = max([hi, *[v for v in (spec.lsl, spec.usl) if v is not None]])
    if hi <= lo:
        hi = lo + 1.0
    bins = int(min(HISTOGRAM_MAX_BINS, max(5, round(math.sqrt(values.size)))))
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def _capability(config: SpcChartConfig, points: Points, spec: Any) -> dict[str, Any] | None:
    if config.chart_type in ATTRIBUTE_CHARTS or spec is None or points.values.size < 3:
        return None
    data: Any = points.values
    if points.size > 1:
        data = Subgroups(points.values, np.full(points.count, points.size, dtype=np.int64))
    try:
        cap = capability(data, lsl=spec.lsl, usl=spec.usl, target=spec.target)
    except SpcInputError as exc:
        return {"error": str(exc)}
    out = {
        k: _finite(v) for k, v in cap.to_dict().items() if k not in ("cp_ci", "cpk_ci", "method")
    }
    out["method"] = cap.method
    out["cp_ci"] = [_finite(v) for v in cap.cp_ci] if cap.cp_ci else None
    out["cpk_ci"] = [_finite(v) for v in cap.cpk_ci] if cap.cpk_ci else None
    return out


def chart_data(
    config: SpcChartConfig,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    cap: int = MAX_POINTS,
) -> dict[str, Any]:
    """Everything the chart page draws, for the period ``start``–``end`` (at most ``cap``
    points, the most recent). Active charts use their frozen limits and show the recorded
    violations; a draft is a preview with limits estimated from the period itself."""
    start, end = window(start, end)
    rows, truncated = _window_rows(config, start, end, cap)
    points = to_points(config, rows)
    spec = specification_in_force(
        config.characteristic, site=config.site, material=config.material, at=end
    )
    data: dict[str, Any] = {
        "id": config.pk,
        "name": config.name,
        "chart": config.chart_type,
        "status": config.status,
        "unit": config.characteristic.unit,
        "subgroup_size": config.subgroup_size,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "count": points.count,
        "truncated": truncated,
        "frozen": config.has_limits,
        "t": points.times,
        "subjects": points.subjects,
        "points": [],
        "center": None,
        "lcl": None,
        "ucl": None,
        "sigma": None,
        "zones": None,
        "secondary": None,
        "violations": [],
        "spec": None
        if spec is None or config.chart_type in ATTRIBUTE_CHARTS
        else {"lsl": spec.lsl, "target": spec.target, "usl": spec.usl, "version": spec.version},
        "histogram": None,
        "capability": None,
        "annotations": [],
        "error": None,
    }
    result = None
    if points.count >= 2:
        try:
            result = compute(
                config, points, known_parameters(config) if config.has_limits else None
            )
        except SpcInputError as exc:
            data["error"] = str(exc)
    if result is not None:
        data["points"] = _finite(result.points)
        data.update(_limits(result, config.chart_type))
        data["secondary"] = _secondary(result)
        data["violations"] = _violations(config, result, points)
    if config.chart_type not in ATTRIBUTE_CHARTS:
        data["histogram"] = _histogram(points.values, spec if data["spec"] else None)
        data["capability"] = _capability(config, points, spec)
    data["annotations"] = _annotations(config, points, start, end)
    return data


def _violations(
    config: SpcChartConfig, result: ChartResult, points: Points
) -> list[dict[str, Any]]:
    if not config.has_limits:
        found = [(f.part, f.rule, f.index) for f in found_violations(config, result)]
    else:
        if not points.times:
            return []
        index = {t: i for i, t in enumerate(points.times)}
        stored = SpcViolation.objects.filter(
            config=config,
            point_time__gte=datetime.fromtimestamp(points.times[0] / 1000 - 1, UTC),
            point_time__lte=datetime.fromtimestamp(points.times[-1] / 1000 + 1, UTC),
        )
        ms = epoch_ms("point_time")
        if ms is not None:
            keys = list(stored.annotate(ms=ms).values_list("part", "rule", "ms"))
        else:
            keys = [
                (p, r, int(t.timestamp() * 1000))
                for p, r, t in stored.values_list("part", "rule", "point_time")
            ]
        found = [(part, rule, index[t]) for part, rule, t in keys if t in index]
    found.sort(key=lambda f: (f[2], f[0] != ChartPart.PRIMARY, f[1]))
    labels: dict[tuple[str, int], str] = {}
    out = []
    for part, rule, i in found:
        label = labels.get((part, rule))
        if label is None:
            label = f"{rule}: {rule_label(config.rule_set, config.chart_type, rule, part)}"
            labels[(part, rule)] = label
        out.append({"index": i, "part": part, "rule": rule, "label": label})
    return out


def _annotations(
    config: SpcChartConfig, points: Points, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    notes = SpcAnnotation.objects.filter(
        config=config, point_time__gte=start, point_time__lte=end
    ).select_related("author")
    times = np.asarray(points.times, dtype=np.int64)
    out = []
    for note in notes:
        ms = int(note.point_time.timestamp() * 1000)
        # the annotation belongs to the first point at or after its time
        i = int(np.searchsorted(times, ms)) if times.size else 0
        out.append(
            {
                "t": ms,
                "index": min(i, max(0, times.size - 1)),
                "text": note.text,
                "author": note.author.get_full_name() or note.author.username,
            }
        )
    return out


#: how long a computed chart stays in the cache (its key changes with any new data anyway)
CACHE_SECONDS = 300


def data_version(config: SpcChartConfig, start: datetime, end: datetime) -> str:
    """A key that changes whenever the chart's data would: new or removed measurements in the
    window, new violations or annotations, new limits, a new specification, the language."""
    from django.db.models import Count, Max
    from django.utils import translation

    from qdm.data.models import Specification

    rows = measurements(config).filter(measured_at__gte=start, measured_at__lte=end)
    m = rows.aggregate(n=Count("pk"), last=Max("measured_at"), first=Min("measured_at"))
    v = SpcViolation.objects.filter(config=config).aggregate(n=Count("pk"), last=Max("pk"))
    a = SpcAnnotation.objects.filter(config=config).aggregate(n=Count("pk"), last=Max("pk"))
    s = Specification.objects.filter(characteristic_id=config.characteristic_id).aggregate(
        last=Max("pk")
    )
    parts = [
        config.pk, config.status, config.chart_type, config.subgroup_size, config.rule_set,
        config.limits_frozen_at, config.center, config.sigma, config.baseline_to,
        start.timestamp(), end.timestamp(), m["n"], m["first"], m["last"], v["n"], v["last"],
        a["n"], a["last"], s["last"], translation.get_language(),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_chart(
    config: SpcChartConfig, start: datetime | None = None, end: datetime | None = None
) -> tuple[dict[str, Any], str]:
    """``chart_data`` and its ``<script type="application/json">`` block, from the cache when
    nothing changed since they were computed."""
    from django.core.cache import cache
    from django.utils.html import json_script

    start, end = window(start, end)
    key = f"qdm:spc-chart:{data_version(config, start, end)}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    data = chart_data(config, start, end)
    value = (data, json_script(data, "spc-chart-data"))  # a SafeString, kept as such
    cache.set(key, value, CACHE_SECONDS)
    return value
