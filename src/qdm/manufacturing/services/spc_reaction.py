"""What happens when an SPC evaluation finds new violations (docs/spc-monitoring.md).

In the evaluation's transaction, for the violations of one run:

1. an ``spc_violation`` event on the chart (the audit trail);
2. the violations themselves stay *unacknowledged* — the open alerts a cockpit lists
   (:func:`open_alerts`) until an engineer acknowledges them (:func:`acknowledge_violation`);
3. when the chart says ``open_nc_on_violation``: one ``system.Nonconformity`` (source *SPC
   signal*) listing them;
4. when the chart says ``hold_on_violation``: one ``Hold`` (through
   :func:`qdm.manufacturing.services.holds.place_hold`, source *SPC signal*, linked to that
   nonconformity) of what was produced since the last good point (:func:`suspect_window`);
5. when the chart says ``notify``: the quality engineers and site quality managers of the
   chart's site are notified (kernel ``notify``), linking the chart page.

Evaluation records a violation once, so nothing here runs twice for the same violation; a
hold never takes a unit already held by an open hold of the same chart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.data.choices import UnitKind
from qdm.data.models import Unit
from qdm.manufacturing.choices import ChartPart, HoldSource, HoldStatus, RuleSet
from qdm.manufacturing.models import Hold, SpcChartConfig, SpcViolation

logger = logging.getLogger(__name__)

#: roles whose holders at the chart's site hear about violations
ALERT_ROLES = ("quality_engineer", "site_quality_manager")
#: at most this many violations are listed in one alert
ALERT_LIST = 10

#: points a rule's pattern spans (the violation is flagged at its last point); the hold
#: reaches back to the last unflagged point before the pattern starts
NELSON_PATTERN = {1: 1, 2: 9, 3: 6, 4: 14, 5: 3, 6: 5, 7: 15, 8: 8}
WE_PATTERN = {1: 1, 2: 3, 3: 5, 4: 8}
#: units of these kinds are never taken from the line's production (packed, shipped)
NOT_PRODUCED_ON_LINES = (UnitKind.PALLET, UnitKind.SHIPMENT)


def pattern_length(config: SpcChartConfig, part: str, rule: int) -> int:
    """How many points the rule's pattern spans, ending at the flagged point."""
    if part == ChartPart.SECONDARY:
        return 1
    table = WE_PATTERN if config.rule_set == RuleSet.WESTERN_ELECTRIC else NELSON_PATTERN
    return table.get(rule, 1)


class Window(NamedTuple):
    """The points since the last good point, up to and including a violating point."""

    first: int  # index of the first suspect point
    last: int  # the violating point
    after: datetime | None  # time of the last good point (None: none in the data read)
    since: datetime  # time of the first suspect point
    until: datetime  # time of the violating point


def suspect_window(
    config: SpcChartConfig,
    part: str,
    rule: int,
    index: int,
    flagged: set[int],
    times: Sequence[datetime],
) -> Window:
    """The last in-control point before a violation is the last point before the rule's
    pattern that no rule flagged; everything after it, up to the violating point, is
    suspect. Without such a point in the data read (the last 15 points of history), the
    window starts at the first point read."""
    start = index - pattern_length(config, part, rule) + 1
    good = start - 1
    while good >= 0 and good in flagged:
        good -= 1
    first = max(good + 1, 0)
    return Window(first, index, times[good] if good >= 0 else None, times[first], times[index])


def suspect_units(
    config: SpcChartConfig, windows: Sequence[Window], subjects: Sequence[Sequence[str]]
) -> list[Unit]:
    """The units behind the suspect points (subjects that are unit codes: serials, lots)
    and, for a line chart, every unit the line produced in those windows (a process
    parameter's subject is not a unit; unmeasured units in between are suspect too)."""
    codes = {s for w in windows for k in range(w.first, w.last + 1) for s in subjects[k]}
    units = {u.pk: u for u in Unit.objects.filter(code__in=sorted(codes), site_id=config.site_id)}
    if config.line_id is not None:
        for w in windows:
            produced = Unit.objects.filter(
                line_id=config.line_id, site_id=config.site_id, produced_at__lte=w.until
            ).exclude(kind__in=NOT_PRODUCED_ON_LINES)
            if w.after is not None:
                produced = produced.filter(produced_at__gt=w.after)
            else:
                produced = produced.filter(produced_at__gte=w.since)
            for unit in produced:
                units.setdefault(unit.pk, unit)
    return sorted(units.values(), key=lambda u: u.code)


def alert_recipients(config: SpcChartConfig) -> list[Any]:
    """Quality engineers and site quality managers with a grant at the chart's site."""
    return list(
        get_user_model()
        .objects.filter(
            grants__site_id=config.site_id, grants__role__name__in=ALERT_ROLES, is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def describe(violations: Sequence[SpcViolation]) -> str:
    lines = [
        f"{timezone.localtime(v.point_time):%Y-%m-%d %H:%M} · {v.rule_label} · {v.value:.6g}"
        + (f" · {', '.join(v.subject_list[:5])}" if v.subjects else "")
        for v in violations[:ALERT_LIST]
    ]
    if len(violations) > ALERT_LIST:
        lines.append(_("… and %(count)s more") % {"count": len(violations) - ALERT_LIST})
    return "\n".join(lines)


def _open_nonconformity(
    config: SpcChartConfig, violations: list[SpcViolation], raiser: Any, summary: str
) -> Any:
    from qdm.system.services.nonconformity import raise_nonconformity

    subjects = sorted({s for v in violations for s in v.subject_list})
    nc = raise_nonconformity(
        actor=raiser,
        site=config.site,
        source="spc",
        severity="minor",
        title=(
            _("SPC signal on %(chart)s: %(rule)s")
            % {"chart": config.name, "rule": violations[0].rule_label}
        )[:200],
        description=summary,
        item=str(config.characteristic)[:200],
        lots="\n".join(subjects[:200]),
    )
    SpcViolation.objects.filter(pk__in=[v.pk for v in violations]).update(nonconformity=nc)
    for v in violations:
        v.nonconformity = nc
    return nc


def _hold_suspects(
    config: SpcChartConfig,
    violations: list[SpcViolation],
    units: list[Unit],
    raiser: Any,
    nc: Any,
) -> Hold | None:
    """One hold of the suspect units not already held by an open hold of this chart; when
    all of them are, the violations join that hold."""
    from qdm.manufacturing.services.holds import place_hold

    chart_holds = Hold.objects.filter(
        status=HoldStatus.ON_HOLD,
        pk__in=SpcViolation.objects.filter(config=config, hold__isnull=False).values("hold"),
    )
    already = dict(
        Hold.units.through.objects.filter(hold__in=chart_holds).values_list("unit_id", "hold_id")
    )
    fresh = [u for u in units if u.pk not in already]
    hold: Hold | None
    if fresh:
        quantity = sum(Decimal(str(round(u.quantity or 1, 3))) for u in fresh)
        hold = place_hold(
            actor=raiser,
            site=config.site,
            reason=_("SPC signal on %(chart)s (%(rule)s): held since the last good point.")
            % {"chart": config.name, "rule": violations[0].rule_label},
            quantity=quantity,
            units=fresh,
            nonconformity=nc,
            source=HoldSource.SPC,
        )
    elif units:
        hold = Hold.objects.get(pk=max(already[u.pk] for u in units))
    else:
        return None
    SpcViolation.objects.filter(pk__in=[v.pk for v in violations]).update(hold=hold)
    for v in violations:
        v.hold = hold
    return hold


def react(
    config: SpcChartConfig,
    violations: list[SpcViolation],
    windows: Sequence[Window],
    subjects: Sequence[Sequence[str]],
) -> None:
    """The reaction to the new violations of one evaluation (inside its transaction)."""
    summary = describe(violations)
    recipients = alert_recipients(config)
    raiser = config.created_by or (recipients[0] if recipients else None)
    nc = hold = None
    if (config.open_nc_on_violation or config.hold_on_violation) and raiser is None:
        logger.warning("SPC chart %s: no user to raise the NC or hold as", config.pk)
    elif raiser is not None:
        if config.open_nc_on_violation:
            nc = _open_nonconformity(config, violations, raiser, summary)
        if config.hold_on_violation:
            units = suspect_units(config, windows, subjects)
            hold = _hold_suspects(config, violations, units, raiser, nc)
    record_event(
        config,
        "spc_violation",
        actor=None,
        message=_("%(count)s new SPC violation(s)") % {"count": len(violations)},
        data={
            "violations": [v.pk for v in violations],
            "nonconformity": getattr(nc, "number", None),
            "hold": getattr(hold, "number", None),
        },
    )
    if config.notify:
        extra = []
        if nc is not None:
            extra.append(_("Nonconformity: %(number)s") % {"number": nc.number})
        if hold is not None:
            extra.append(
                _("On hold: %(number)s (%(count)s units)")
                % {"number": hold.number, "count": hold.units.count()}
            )
        notify(
            recipients,
            _("SPC alarm on %(chart)s: %(count)s new violation(s)")
            % {"chart": config.name, "count": len(violations)},
            body="\n".join([summary, *extra]),
            link=config.get_chart_url(),
            site=config.site,
        )


# --- alerts ---------------------------------------------------------------------------------


def open_alerts(user: Any) -> Any:
    """The unacknowledged violations ``user`` may see, newest first: the open SPC alerts."""
    return (
        SpcViolation.objects.for_user(user, "view")
        .filter(acknowledged_at__isnull=True)
        .select_related("config__site", "config__line", "nonconformity", "hold")
        .order_by("-detected_at", "-point_time")
    )


def acknowledge_violation(violation: SpcViolation, *, actor: Any, note: str = "") -> SpcViolation:
    """An engineer has seen the alert (and says what is done about it): it is no longer
    open. Needs *change SPC violation* on it; acknowledging twice is refused."""
    with transaction.atomic():
        violation = (
            SpcViolation.objects.select_for_update(of=("self",))
            .select_related("config")
            .get(pk=violation.pk)
        )
        if not actor.has_perm("manufacturing.change_spcviolation", violation):
            raise ValidationError(
                _("You may not acknowledge this violation."), code="permission_denied"
            )
        if violation.acknowledged_at is not None:
            raise ValidationError(
                _("This violation was already acknowledged on %(when)s.")
                % {"when": f"{timezone.localtime(violation.acknowledged_at):%Y-%m-%d %H:%M}"},
                code="invalid",
            )
        violation.acknowledged_at = timezone.now()
        violation.acknowledged_by = actor
        violation.acknowledgement = (note or "").strip()[:2000]
        violation.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
        record_event(
            violation.config,
            "spc_violation_acknowledged",
            actor=actor,
            message=f"{violation.rule_label}: {violation.acknowledgement}"[:500],
            data={"violation": violation.pk},
        )
    return violation
