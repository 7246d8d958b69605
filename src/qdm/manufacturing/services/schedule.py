"""Inspection frequency scheduling: which inspections are due now, and which are overdue.

Every line of a *released* inspection plan has a frequency (``InspectionPlanLine.frequency``).
The inspections that count for a plan line are the inspection lots of the plan (any version
of its code) at its site, not cancelled, that have a result for the line's characteristic
(a completed lot has them all). Against them:

* **per lot** — every lot received or produced at the site since the plan was first released
  (at most ``LOOKBACK`` ago) that has no such inspection is due from the time it was
  received/produced: material lots of the plan's material, pallets of the plan's module
  model. Overdue after ``OVERDUE_AFTER["per_lot"]`` (24 h).
* **per shift** — shifts start at ``SHIFT_STARTS`` in the site's time zone (two 12-hour
  shifts, 08:00 and 20:00, as PV plants run). Due when the current shift has no inspection
  yet (due from the shift start, or the plan's release if later); overdue once
  ``OVERDUE_AFTER["per_shift"]`` (4 h, a third of the shift) has passed.
* **every N hours** — due ``N`` hours after the last inspection (after the plan's first
  release when there is none); overdue ``OVERDUE_AFTER["hours"]`` (1 h) after that.

Plans of a module model are scheduled per production line: a line counts while it made
modules of that model in the last ``RUNNING_WINDOW`` (24 h), and an inspection counts for
the line of the unit it inspected. Plans of a material are scheduled per site (no line).

``due_inspections(user, site=None, now=None)`` reads through the user's scope (``None``: the
command line's unscoped view) and returns the due and overdue items, overdue first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max, Min, Q
from django.utils import timezone

from qdm.data.choices import UnitKind
from qdm.data.models import Unit
from qdm.manufacturing.choices import Frequency, InspectionStatus, PlanStatus
from qdm.manufacturing.models import (
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    InspectionRecord,
)

#: local hours at which a shift starts (two 12-hour shifts)
SHIFT_STARTS = (8, 20)
#: how long past due an inspection becomes overdue, per frequency
OVERDUE_AFTER: dict[str, timedelta] = {
    Frequency.PER_LOT: timedelta(hours=24),
    Frequency.PER_SHIFT: timedelta(hours=4),
    Frequency.EVERY_N_HOURS: timedelta(hours=1),
}
#: per-lot plans look back this far for uninspected lots
LOOKBACK = timedelta(days=7)
#: a line "runs" a module model when it made modules of it this recently
RUNNING_WINDOW = timedelta(hours=24)

DUE = "due"
OVERDUE = "overdue"


@dataclass(frozen=True)
class DueItem:
    """One inspection to do: a plan line (at a production line, or for one lot)."""

    plan: InspectionPlan
    plan_line: InspectionPlanLine
    line: Any  # core.Line or None (site-level)
    unit: Unit | None  # the lot to inspect (per lot)
    last_inspected_at: datetime | None
    due_at: datetime
    status: str  # "due" or "overdue"
    now: datetime

    @property
    def site(self) -> Any:
        return self.plan.site

    @property
    def late_by(self) -> timedelta:
        return max(self.now - self.due_at, timedelta(0))

    @property
    def late_hours(self) -> float:
        return round(self.late_by.total_seconds() / 3600, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site.code,
            "line": self.line.code if self.line is not None else None,
            "plan": self.plan.code,
            "plan_version": self.plan.version,
            "stage": self.plan.stage,
            "characteristic": self.plan_line.characteristic.code,
            "frequency": self.plan_line.frequency,
            "frequency_hours": self.plan_line.frequency_hours,
            "unit": self.unit.code if self.unit is not None else None,
            "last_inspected_at": self.last_inspected_at.astimezone(UTC).isoformat()
            if self.last_inspected_at
            else None,
            "due_at": self.due_at.astimezone(UTC).isoformat(),
            "status": self.status,
            "late_hours": self.late_hours,
        }


def shift_start(now: datetime, tz: str | None) -> datetime:
    """The start of the shift ``now`` falls in, in the site's time zone."""
    zone = ZoneInfo(tz or "UTC")
    local = now.astimezone(zone)
    starts = sorted(SHIFT_STARTS)
    before = [h for h in starts if h <= local.hour]
    if before:
        start = local.replace(hour=before[-1], minute=0, second=0, microsecond=0)
    else:
        previous_day = local - timedelta(days=1)
        start = previous_day.replace(hour=starts[-1], minute=0, second=0, microsecond=0)
    return start.astimezone(UTC)


def _status(frequency: str, due_at: datetime, now: datetime) -> str | None:
    if now < due_at:
        return None
    return OVERDUE if now - due_at > OVERDUE_AFTER[frequency] else DUE


def _plans(user: Any, site: Any) -> Any:
    qs = InspectionPlan.objects.all() if user is None else InspectionPlan.objects.for_user(user)
    qs = qs.filter(status=PlanStatus.RELEASED)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.select_related("site", "material", "module_model").order_by("site__code", "code")


def _first_release(plan: InspectionPlan) -> datetime:
    first = InspectionPlan.objects.filter(code=plan.code, released_at__isnull=False).aggregate(
        first=Min("released_at")
    )["first"]
    return first or plan.released_at or plan.created


def _counted_lots(plan: InspectionPlan, plan_line: InspectionPlanLine) -> Any:
    """Inspection lots that count for this plan line (see the module docstring)."""
    with_result = InspectionRecord.objects.filter(
        line__characteristic_id=plan_line.characteristic_id
    ).values("lot_id")
    return InspectionLot.objects.filter(plan__code=plan.code, site_id=plan.site_id).filter(
        Q(status=InspectionStatus.COMPLETED) | Q(pk__in=with_result, status=InspectionStatus.OPEN)
    )


def _running_lines(plan: InspectionPlan, now: datetime) -> list[Any]:
    from qdm.core.models import Line

    ids = (
        Unit.objects.filter(
            kind=UnitKind.MODULE,
            module_model_id=plan.module_model_id,
            site_id=plan.site_id,
            produced_at__gt=now - RUNNING_WINDOW,
            produced_at__lte=now,
            line__isnull=False,
        )
        .values_list("line_id", flat=True)
        .distinct()
    )
    return list(Line.objects.filter(pk__in=list(ids)).order_by("code"))


def _per_lot(
    plan: InspectionPlan, plan_line: InspectionPlanLine, now: datetime
) -> Iterable[DueItem]:
    since = max(_first_release(plan), now - LOOKBACK)
    if plan.material_id is not None:
        units = Unit.objects.filter(kind=UnitKind.MATERIAL_LOT, material_id=plan.material_id)
    else:
        units = Unit.objects.filter(kind=UnitKind.PALLET, module_model_id=plan.module_model_id)
    inspected = _counted_lots(plan, plan_line).values("unit_id")
    units = (
        units.filter(site_id=plan.site_id, produced_at__gte=since, produced_at__lte=now)
        .exclude(pk__in=inspected)
        .select_related("line")
        .order_by("produced_at", "code")
    )
    for unit in units:
        status = _status(Frequency.PER_LOT, unit.produced_at, now)
        if status:
            yield DueItem(plan, plan_line, unit.line, unit, None, unit.produced_at, status, now)


def _timed(
    plan: InspectionPlan, plan_line: InspectionPlanLine, line: Any, now: datetime
) -> DueItem | None:
    lots = _counted_lots(plan, plan_line).filter(inspected_at__lte=now)
    if line is not None:
        lots = lots.filter(unit__line=line)
    last = lots.aggregate(last=Max("inspected_at"))["last"]
    released = _first_release(plan)
    if plan_line.frequency == Frequency.PER_SHIFT:
        start = shift_start(now, plan.site.timezone)
        if last is not None and last >= start:
            return None
        due_at = max(start, released)
    else:
        hours = timedelta(hours=plan_line.frequency_hours or 1)
        due_at = (last + hours) if last is not None else released
    status = _status(plan_line.frequency, due_at, now)
    if status is None:
        return None
    return DueItem(plan, plan_line, line, None, last, due_at, status, now)


def due_inspections(user: Any = None, *, site: Any = None, now: datetime | None = None) -> list:
    """The due and overdue inspections of the released plans ``user`` may see (at ``site``),
    overdue first, then by site, line and due time."""
    now = now or timezone.now()
    items: list[DueItem] = []
    for plan in _plans(user, site):
        lines_of_plan = plan.lines.select_related("characteristic").order_by("sequence")
        running = _running_lines(plan, now) if plan.module_model_id else [None]
        for plan_line in lines_of_plan:
            if plan_line.frequency == Frequency.PER_LOT:
                items.extend(_per_lot(plan, plan_line, now))
                continue
            for line in running:
                item = _timed(plan, plan_line, line, now)
                if item is not None:
                    items.append(item)
    items.sort(
        key=lambda i: (
            i.status != OVERDUE,
            i.site.code,
            i.line.code if i.line is not None else "",
            i.due_at,
            i.plan.code,
            i.plan_line.sequence,
        )
    )
    return items
