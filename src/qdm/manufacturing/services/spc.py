"""SPC monitoring: freeze a chart's limits from its baseline period, and evaluate new
measurements against the frozen limits (phase II) as they land.

Every number comes from :mod:`qdm.quality.spc` (verified against qcc); this module only
reads measurements, groups them into plotted points and records what the rules found.

How measurements become points:

* X̄-R and X̄-S (and EWMA/CUSUM with a subgroup size above 1): consecutive measurements of
  the line and characteristic, in time order, in chunks of ``subgroup_size``, counted from
  the end of the baseline period; only complete subgroups are evaluated. The point's time
  is the time of its last measurement.
* I-MR, EWMA, CUSUM with subgroup size 1: one measurement, one point.
* p, np, c, u: each measurement's value is the count (defectives or defects) found in a
  sample of ``subgroup_size`` units.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.data.models import Measurement, Unit
from qdm.manufacturing.choices import SUBGROUP_CHARTS, ChartPart, ChartStatus, ChartType
from qdm.manufacturing.models import SpcAnnotation, SpcChartConfig, SpcViolation
from qdm.manufacturing.services.spc_reaction import react, suspect_window
from qdm.quality import spc
from qdm.quality.spc import ChartResult, SpcInputError, Subgroups

logger = logging.getLogger(__name__)

#: points of history before the first new point: the longest run-rule window (rule 7: 15)
HISTORY_POINTS = 15


class LimitsError(Exception):
    """Limits could not be computed (no or too few baseline points, constant data...)."""


# --- Points ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """Measurements grouped into plotted points."""

    values: np.ndarray  # raw measurement values, in order (complete subgroups only)
    times: list[Any]  # one per point, its last measurement's time (datetime or epoch ms)
    subjects: list[list[str]]  # one list per point
    size: int  # measurements per point (1 unless subgroups)

    @property
    def count(self) -> int:
        return len(self.times)


def is_grouped(config: SpcChartConfig) -> bool:
    return config.chart_type in SUBGROUP_CHARTS or (
        config.chart_type in (ChartType.EWMA, ChartType.CUSUM) and config.subgroup_size > 1
    )


def measurements(config: SpcChartConfig) -> Any:
    """The measurements a chart plots: its characteristic on its line, or (IQC chart) its
    characteristic measured on the supplier's lots of the material at the site."""
    qs = Measurement.objects.filter(characteristic_id=config.characteristic_id)
    if config.line_id is not None:
        return qs.filter(line_id=config.line_id)
    lots = Unit.objects.filter(
        site_id=config.site_id, supplier_id=config.supplier_id, material_id=config.material_id
    ).values("code")
    return qs.filter(site_id=config.site_id, subject__in=lots)


def to_points(config: SpcChartConfig, rows: Sequence[tuple[Any, str, float]]) -> Points:
    """``(measured_at, subject, value)`` rows in time order → points (a trailing incomplete
    subgroup is left out: it is evaluated when it is complete)."""
    size = config.subgroup_size if is_grouped(config) else 1
    usable = len(rows) - len(rows) % size
    rows = rows[:usable]
    values = np.fromiter((r[2] for r in rows), dtype=np.float64, count=usable)
    if size == 1:
        return Points(values, [r[0] for r in rows], [[r[1]] for r in rows], 1)
    times = [rows[i + size - 1][0] for i in range(0, usable, size)]
    subjects = [[r[1] for r in rows[i : i + size]] for i in range(0, usable, size)]
    return Points(values, times, subjects, size)


def _rows(queryset: Any) -> list[tuple[datetime, str, float]]:
    return list(queryset.values_list("measured_at", "subject", "value"))


# --- Charts ---------------------------------------------------------------------------------


def known_parameters(config: SpcChartConfig) -> dict[str, float]:
    """The frozen parameters as :mod:`qdm.quality.spc` takes them (phase II)."""
    chart = config.chart_type
    if chart == ChartType.NP:
        return {"center": float(config.center) / config.subgroup_size}  # type: ignore[arg-type]
    if chart in (ChartType.P, ChartType.C, ChartType.U):
        return {"center": float(config.center)}  # type: ignore[arg-type]
    return {"center": float(config.center), "sigma": float(config.sigma)}  # type: ignore[arg-type]


def compute(
    config: SpcChartConfig, points: Points, known: dict[str, float] | None = None
) -> ChartResult:
    """The chart of ``points``: limits estimated from them (phase I) or from ``known``."""
    known = known or {}
    chart, n, rules = config.chart_type, config.subgroup_size, config.rule_set
    x = points.values
    data: Any = (
        Subgroups(x, np.full(points.count, points.size, dtype=np.int64)) if points.size > 1 else x
    )
    if chart == ChartType.XBAR_R:
        return spc.xbar_r(data, rules=rules, center=known.get("center"), sigma=known.get("sigma"))
    if chart == ChartType.XBAR_S:
        return spc.xbar_s(data, rules=rules, **known)
    if chart == ChartType.IMR:
        return spc.imr(x, rules=rules, center=known.get("center"), sigma=known.get("sigma"))
    if chart == ChartType.P:
        return spc.p_chart(x, float(n), rules=rules, **known)
    if chart == ChartType.NP:
        return spc.np_chart(x, float(n), rules=rules, **known)
    if chart == ChartType.C:
        return spc.c_chart(x, rules=rules, **known)
    if chart == ChartType.U:
        return spc.u_chart(x, float(n), rules=rules, **known)
    if chart == ChartType.EWMA:
        return spc.ewma(data, rules=rules, **known)
    if chart == ChartType.CUSUM:
        return spc.cusum(data, rules=rules, **known)
    raise SpcInputError(f"unknown chart type {chart!r}")


def _number(value: Any) -> float:
    return float(value if np.ndim(value) == 0 else np.asarray(value)[-1])


def frozen_limits(config: SpcChartConfig, result: ChartResult) -> dict[str, Any]:
    """What to store of a phase-I chart: center, limits, sigma, secondary limits."""
    if config.chart_type == ChartType.CUSUM:
        center = float(result.params["target"])
    else:
        center = _number(result.center)
    if config.chart_type == ChartType.EWMA:
        # asymptotic limits (the per-point limits converge to these)
        lam, k = result.params["lambda"], result.params["nsigmas"]
        width = k * float(result.sigma) / math.sqrt(max(1, config.subgroup_size))
        width *= math.sqrt(lam / (2.0 - lam))
        lcl, ucl = center - width, center + width
    else:
        lcl, ucl = _number(result.lcl), _number(result.ucl)
    secondary = None
    if result.secondary is not None:
        sec = result.secondary
        secondary = {
            "chart": sec.chart,
            "center": _number(sec.center),
            "lcl": _number(sec.lcl),
            "ucl": _number(sec.ucl),
        }
    return {
        "center": center,
        "lcl": lcl,
        "ucl": ucl,
        "sigma": _number(result.sigma),
        "secondary_limits": secondary,
    }


def baseline_points(config: SpcChartConfig) -> Points:
    rows = _rows(
        measurements(config)
        .filter(measured_at__gte=config.baseline_from, measured_at__lte=config.baseline_to)
        .order_by("measured_at", "subject")
    )
    return to_points(config, rows)


def freeze_limits(config: SpcChartConfig, *, actor: Any) -> SpcChartConfig:
    """Compute the limits from the baseline period and store them (phase I).

    Called by the "freeze" and "recalculate" transitions, inside their transaction and
    after their e-signature. Raises LimitsError, which rolls the transition back.
    """
    points = baseline_points(config)
    if points.count < spc.MIN_POINTS:
        raise LimitsError(
            _("The baseline period holds %(count)s points; at least %(min)s are needed.")
            % {"count": points.count, "min": spc.MIN_POINTS}
        )
    try:
        result = compute(config, points)
    except SpcInputError as exc:
        raise LimitsError(_("Limits cannot be computed: %(problem)s") % {"problem": exc}) from exc
    limits = frozen_limits(config, result)
    for name, value in limits.items():
        setattr(config, name, value)
    config.baseline_points = points.count
    config.limits_frozen_at = timezone.now()
    config.save(
        update_fields=[*limits, "baseline_points", "limits_frozen_at"],
    )
    record_event(
        config,
        "limits_frozen",
        actor=actor,
        message=_(
            "Limits frozen from %(count)s baseline points: "
            "CL %(center).6g, LCL %(lcl).6g, UCL %(ucl).6g"
        )
        % {"count": points.count, **{k: limits[k] for k in ("center", "lcl", "ucl")}},
        data={**limits, "baseline_points": points.count},
    )
    return config


# --- Evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    part: str
    rule: int
    index: int  # point index
    value: float


def found_violations(config: SpcChartConfig, result: ChartResult) -> list[Found]:
    """Violations of the chart and of its dispersion chart, by point index."""
    out = [
        Found(ChartPart.PRIMARY, int(r), int(i), float(result.points[i]))
        for r, i in zip(
            result.violations.rule.tolist(), result.violations.index.tolist(), strict=True
        )
    ]
    sec = result.secondary
    if sec is not None:
        # an MR point j is the range between observations j and j + 1: it belongs to j + 1
        shift = 1 if sec.chart == "MR" else 0
        out += [
            Found(ChartPart.SECONDARY, int(r), int(i) + shift, float(sec.points[i]))
            for r, i in zip(
                sec.violations.rule.tolist(), sec.violations.index.tolist(), strict=True
            )
        ]
    return out


def _history_rows(config: SpcChartConfig, start: datetime) -> list[tuple[datetime, str, float]]:
    """Points before ``start`` the rules need: the last 15 points (all of phase II for EWMA
    and CUSUM, whose statistic carries the whole history). For the Shewhart charts the tail
    of the baseline counts too, so the very first point after the baseline is judged at once
    (its moving range and run windows continue the chart, as Minitab's phase II does)."""
    qs = measurements(config).filter(measured_at__lte=start)
    if config.baseline_to is not None and config.chart_type in (ChartType.EWMA, ChartType.CUSUM):
        qs = qs.filter(measured_at__gt=config.baseline_to)
    if config.chart_type in (ChartType.EWMA, ChartType.CUSUM):
        return _rows(qs.order_by("measured_at", "subject"))
    size = config.subgroup_size if is_grouped(config) else 1
    rows = _rows(qs.order_by("-measured_at", "-subject")[: HISTORY_POINTS * size])
    rows.reverse()
    return rows[len(rows) % size :]


def evaluate_new_points(
    config: SpcChartConfig, since: datetime | None = None
) -> list[SpcViolation]:
    """Evaluate the measurements after the last evaluated point (or after ``since``) against
    the frozen limits and record the violations found; returns the new ones.

    Idempotent: a violation is recorded once per (chart, part, rule, point time), so running
    it again, or over an overlapping period, records nothing twice. A chart that is not
    active, or has no limits yet, is skipped.
    """
    with transaction.atomic():
        config = (
            SpcChartConfig.objects.select_for_update(of=("self",))
            .select_related(
                "characteristic", "line__workshop__site", "site", "supplier", "created_by"
            )
            .get(pk=config.pk)
        )
        if config.status != ChartStatus.ACTIVE or not config.has_limits:
            return []
        start = (
            since
            or config.last_evaluated_at
            or config.baseline_to
            or datetime.min.replace(tzinfo=UTC)
        )
        new_rows = _rows(
            measurements(config).filter(measured_at__gt=start).order_by("measured_at", "subject")
        )
        new = to_points(config, new_rows)
        if new.count == 0:
            return []
        history = to_points(config, _history_rows(config, start))
        rows_all = np.concatenate([history.values, new.values])
        points = Points(
            rows_all, history.times + new.times, history.subjects + new.subjects, new.size
        )
        if points.count < spc.MIN_POINTS:
            return []  # one point alone: wait for the next
        try:
            result = compute(config, points, known_parameters(config))
        except SpcInputError as exc:
            logger.warning("SPC chart %s not evaluated: %s", config.pk, exc)
            return []
        first = history.count
        everything = found_violations(config, result)
        candidates = [f for f in everything if f.index >= first]
        recorded = set(
            SpcViolation.objects.filter(config=config, point_time__gte=new.times[0]).values_list(
                "part", "rule", "point_time"
            )
        )
        fresh = [
            SpcViolation(
                config=config,
                part=f.part,
                rule=f.rule,
                point_time=points.times[f.index],
                subjects="\n".join(points.subjects[f.index]),
                value=f.value,
            )
            for f in candidates
            if (f.part, f.rule, points.times[f.index]) not in recorded
        ]
        if fresh:
            fresh = SpcViolation.objects.bulk_create(fresh)
        if config.last_evaluated_at is None or new.times[-1] > config.last_evaluated_at:
            config.last_evaluated_at = new.times[-1]
            config.save(update_fields=["last_evaluated_at"])
        if fresh:
            flagged = {f.index for f in everything}
            index_of = {(f.part, f.rule, points.times[f.index]): f.index for f in candidates}
            windows = [
                suspect_window(
                    config,
                    v.part,
                    v.rule,
                    index_of[(v.part, v.rule, v.point_time)],
                    flagged,
                    points.times,
                )
                for v in fresh
            ]
            react(config, fresh, windows, points.subjects)
    return fresh


def evaluate_ingested_batch(batch: Any) -> int:
    """Batch listener (``qdm.data.ingest.hooks``): evaluate the charts its measurements
    touch. Other kinds of batch carry no catalog measurements and are ignored."""
    from qdm.data.models import Measurement

    if batch.kind != "measurements":
        return 0
    pairs = set(Measurement.objects.filter(batch=batch).values_list("line_id", "characteristic_id"))
    return on_measurements_ingested(
        batch.site, {line for line, _ in pairs}, {char for _, char in pairs}
    )


def on_measurements_ingested(
    site: Any, line_ids: Iterable[int | None], characteristic_ids: Iterable[int]
) -> int:
    """Hook for the ingestion path: evaluate the active charts of these lines and
    characteristics at ``site``; returns how many new violations were recorded.

    Call it after the measurements are stored (best: ``transaction.on_commit``). A chart
    that fails to evaluate is logged and skipped: ingestion never fails because of SPC.
    """
    line_ids = list(line_ids)
    lines = {i for i in line_ids if i is not None}
    characteristics = set(characteristic_ids)
    if not characteristics:
        return 0
    on_lines = Q(line_id__in=lines) if lines else Q(pk__in=[])
    if None in line_ids:
        # measurements without a line (incoming inspection): the site's IQC charts
        on_lines |= Q(line__isnull=True)
    configs = SpcChartConfig.objects.filter(
        on_lines,
        status=ChartStatus.ACTIVE,
        characteristic_id__in=characteristics,
        site=site,
    ).order_by("pk")
    return evaluate_configs(configs)


def evaluate_configs(configs: Iterable[SpcChartConfig]) -> int:
    total = 0
    for config in configs:
        try:
            total += len(evaluate_new_points(config))
        except Exception:
            logger.exception("SPC evaluation of chart %s failed", config.pk)
    return total


# --- Writes of configurations and annotations ----------------------------------------------


def create_chart_config(*, actor: Any, **fields: Any) -> SpcChartConfig:
    """A new draft chart."""
    with transaction.atomic():
        config = SpcChartConfig(created_by=actor, **fields)
        config.full_clean(exclude=["created_by"])
        config.save()
        record_event(config, "created", actor=actor, message=_("Chart created as draft"))
    return config


def update_chart_config(config: SpcChartConfig, *, actor: Any, **fields: Any) -> SpcChartConfig:
    """Change the settings; what the frozen limits depend on is refused while active."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(config, name, value)
        config.full_clean(exclude=["created_by"])
        config.save()
    return config


def add_annotation(
    config: SpcChartConfig, *, actor: Any, point_time: datetime, text: str
) -> SpcAnnotation:
    """Note an assignable cause on a chart."""
    with transaction.atomic():
        note = SpcAnnotation(config=config, point_time=point_time, text=text.strip(), author=actor)
        note.full_clean()
        note.save()
        record_event(config, "annotated", actor=actor, message=note.text[:200])
    return note
