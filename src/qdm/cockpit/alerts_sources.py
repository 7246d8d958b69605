"""The conditions the alert scan looks for, one reader per alert kind. Each returns the
conditions open *now* over every site (what a user sees of them is decided by the
materialised alert's own site scope); the platforms are read through their selectors.

* ``spc`` — unacknowledged SPC violations (the SPC reaction page's open alerts);
* ``capa_overdue`` — open CAPA actions past their due date by more than ``days_overdue``;
* ``certificate_expiring`` — site certificates expiring within ``days`` (or expired);
* ``supplier_grade_drop`` — a supplier whose grade of its latest scored month is at least
  ``drop`` grades below the month scored before (A → B is one grade);
* ``kpi_goal_breach`` — this year's quality goals whose measured status is red (or amber
  too, with ``status: amber``);
* ``complaint_sla`` — complaints past their SLA due date, neither closed nor rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qdm.cockpit.models_alerts import AlertKind

GRADES = ("A", "B", "C", "D")


class _Everyone:
    """The scan reads every site: the platforms' ``for_user`` readers with no limit."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True


EVERYONE = _Everyone()


@dataclass
class Condition:
    kind: str
    key: str
    site: Any
    title: str
    link: str
    owner: Any
    due: date | None
    source: Any  # the record (its content type and id are stored)


def spc(params: dict, today: date) -> list[Condition]:
    from django.utils import timezone

    from qdm.manufacturing import selectors as mfg

    rows = mfg.open_spc_alerts(EVERYONE).select_related("config__created_by")
    return [
        Condition(
            AlertKind.SPC,
            f"spcviolation:{v.pk}",
            v.config.site,
            f"{v.config.name}: {v.rule_label}",
            v.get_absolute_url(),
            v.config.created_by,
            timezone.localdate(v.detected_at),
            v,
        )
        for v in rows
    ]


def capa_overdue(params: dict, today: date) -> list[Condition]:
    from qdm.system import selectors as ims

    late = today - timedelta(days=int(params.get("days_overdue", 0)))
    rows = ims.cockpit_overdue_capa_actions(EVERYONE, late).select_related("capa__site", "owner")
    return [
        Condition(
            AlertKind.CAPA_OVERDUE,
            f"capaaction:{a.pk}",
            a.capa.site,
            f"{a.capa.number} {a.get_discipline_display()}: {a.description[:80]}",
            a.capa.get_absolute_url(),
            a.owner,
            a.due_date,
            a,
        )
        for a in rows
    ]


def certificate_expiring(params: dict, today: date) -> list[Condition]:
    from qdm.system import selectors as ims

    until = today + timedelta(days=int(params.get("days", 90)))
    rows = ims.cockpit_expiring_certificates(EVERYONE, until).select_related("site", "owner")
    return [
        Condition(
            AlertKind.CERTIFICATE_EXPIRING,
            f"certificate:{c.pk}",
            c.site,
            f"{c.number} ({c.body})",
            c.get_absolute_url(),
            c.owner,
            c.expires_on,
            c,
        )
        for c in rows
    ]


def supplier_grade_drop(params: dict, today: date) -> list[Condition]:
    from qdm.supplier import selectors as sup

    size = int(params.get("drop", 1))
    out = []
    for supplier_id, (grade, month, previous, card) in sup.cockpit_supplier_grade_changes(
        today
    ).items():
        if previous is None or GRADES.index(grade) - GRADES.index(previous) < size:
            continue
        out.append(
            Condition(
                AlertKind.SUPPLIER_GRADE_DROP,
                f"supplier:{supplier_id}",
                None,
                f"{card.supplier.code} {card.supplier.name}: {previous} → {grade} ({month:%Y-%m})",
                card.get_absolute_url(),
                None,
                None,
                card,
            )
        )
    return out


def kpi_goal_breach(params: dict, today: date) -> list[Condition]:
    from qdm.cockpit.models import QualityGoal
    from qdm.cockpit.services_goals import AMBER, RED, STATUS_LABELS, measure_goal

    statuses = {RED, AMBER} if params.get("status") == AMBER else {RED}
    out = []
    goals = QualityGoal.objects.filter(year=today.year).select_related("site", "owner")
    for goal in goals:
        measure = measure_goal(goal, today)
        if measure.status not in statuses:
            continue
        out.append(
            Condition(
                AlertKind.KPI_GOAL_BREACH,
                f"goal:{goal.pk}",
                goal.site,
                f"{goal.code} {goal.title}: {measure.actual:.2f} / {goal.target:g} "
                f"({STATUS_LABELS[measure.status]})",
                goal.get_absolute_url(),
                goal.owner,
                None,
                goal,
            )
        )
    return out


def complaint_sla(params: dict, today: date) -> list[Condition]:
    from qdm.service import selectors as svc

    rows = svc.cockpit_complaints_past_sla(EVERYONE, today).select_related("customer", "owner")
    return [
        Condition(
            AlertKind.COMPLAINT_SLA,
            f"complaint:{c.pk}",
            None,
            f"{c.number} {c.title} ({c.customer})",
            c.get_absolute_url(),
            c.owner,
            c.sla_due,
            c,
        )
        for c in rows
    ]


READERS = {
    AlertKind.SPC: spc,
    AlertKind.CAPA_OVERDUE: capa_overdue,
    AlertKind.CERTIFICATE_EXPIRING: certificate_expiring,
    AlertKind.SUPPLIER_GRADE_DROP: supplier_grade_drop,
    AlertKind.KPI_GOAL_BREACH: kpi_goal_breach,
    AlertKind.COMPLAINT_SLA: complaint_sla,
}
