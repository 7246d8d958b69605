"""Management reviews: compile the inputs for the period from the platform's data (only
``system``, ``data`` and ``core`` records: the system platform sits below manufacturing and
may not import it), store them as a JSON snapshot, and track decisions and actions."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.querysets import grant_scopes
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.system.choices import (
    NC_FINDINGS,
    ActionStatus,
    AuditStatus,
    CapaKind,
    NonconformitySource,
    ReviewStatus,
)
from qdm.system.models import (
    Audit,
    CapaAction,
    EightD,
    Finding,
    ManagementReview,
    Nonconformity,
    QualityObjective,
    ReviewAction,
)
from qdm.system.services.ims import save_record

CLOSED_NC = ("closed", "cancelled")
CLOSED_CAPA = ("closed", "cancelled")


def require_group_grant(actor: Any, permission: str, what: str) -> None:
    """A record of the whole group (site empty) needs a group-wide grant, not a site one."""
    if actor is None or actor.is_superuser:
        return
    if not any(g.group_wide and permission in g.permissions for g in grant_scopes(actor)):
        message = _(
            "Only people with a group-wide role may record %(what)s for the whole group."
        ) % {"what": what}
        raise ValidationError({"site": ValidationError(message, code="group_only")})


def save_objective(
    objective: QualityObjective | None, /, *, actor: Any, **fields: Any
) -> QualityObjective:
    """Create or change a quality objective (metric, target, actual for the period)."""
    site = fields.get("site", getattr(objective, "site", None))
    if site is None:
        require_group_grant(actor, "system.add_qualityobjective", _("objectives"))
    start = fields.get("period_start", getattr(objective, "period_start", None))
    end = fields.get("period_end", getattr(objective, "period_end", None))
    if start and end and end < start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    return save_record(QualityObjective, objective, actor=actor, **fields)


def _ensure_not_closed(review: ManagementReview) -> None:
    status = ManagementReview.objects.filter(pk=review.pk).values_list("status", flat=True).first()
    if status == ReviewStatus.CLOSED:
        raise ValidationError(
            _("%(number)s is closed and can no longer be changed.") % {"number": review.number},
            code="review_closed",
        )


def save_review(
    review: ManagementReview | None, /, *, actor: Any, **fields: Any
) -> ManagementReview:
    """Plan (``review`` None, numbered ``MR-<site|GRP>-<year>-<seq>``) or change a review."""
    with transaction.atomic():
        creating = review is None or review.pk is None
        if review is not None and not creating:
            _ensure_not_closed(review)
        attendees = fields.pop("attendees", None)
        obj = review if review is not None else ManagementReview()
        for name, value in fields.items():
            setattr(obj, name, value)
        if obj.site_id is None:
            require_group_grant(actor, "system.add_managementreview", _("management reviews"))
        if obj.period_start and obj.period_end and obj.period_end < obj.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})
        obj.full_clean(exclude=["number", "attendees"])
        if creating:
            obj.number = next_number("MR", obj.site.code if obj.site is not None else "GRP")
        obj.save()
        if attendees is not None:
            obj.attendees.set(attendees)
        record_event(
            obj,
            "planned" if creating else "changed",
            actor=actor,
            message=(_("Planned %(number)s") if creating else _("Changed %(number)s"))
            % {"number": obj.number},
        )
    return obj


# --- compiling the inputs ----------------------------------------------------------------


def _bounds(review: ManagementReview) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as aware datetimes [start, end) in the site's (or server's) timezone."""
    import zoneinfo

    tz = (
        zoneinfo.ZoneInfo(review.site.timezone)
        if review.site is not None
        else timezone.get_current_timezone()
    )
    start = datetime.datetime.combine(review.period_start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        review.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return start, end


def _at_site(rows: QuerySet, review: ManagementReview, path: str = "site") -> QuerySet:
    return rows.filter(**{path: review.site}) if review.site_id else rows


def _counts(rows: QuerySet, field: str) -> dict[str, int]:
    return {str(k): n for k, n in sorted(Counter(rows.values_list(field, flat=True)).items())}


def _plain(value: Any) -> str:
    """98.5000 → "98.5", 90.0000 → "90" (never "9E+1")."""
    return format(value.normalize(), "f")


def compile_inputs(
    review: ManagementReview, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The review inputs for the period and site (all sites for a group review)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = _bounds(review)
    in_period = Q(raised_at__gte=start, raised_at__lt=end)

    audits = (
        _at_site(Audit.objects.all(), review)
        .filter(planned_start__gte=review.period_start, planned_start__lte=review.period_end)
        .exclude(status=AuditStatus.CANCELLED)
    )
    findings = Finding.objects.filter(audit__in=audits)
    audit_rows = [
        {
            "number": a.number,
            "title": a.title,
            "status": a.status,
            "findings": a.findings.count(),
            "nonconformities": a.findings.filter(kind__in=NC_FINDINGS).count(),
        }
        for a in audits.order_by("planned_start", "number")
    ]

    ncs = _at_site(Nonconformity.objects.all(), review)
    period_ncs = ncs.filter(in_period)
    complaints = period_ncs.filter(source=NonconformitySource.CUSTOMER)

    capas = _at_site(EightD.objects.all(), review)
    open_capas = capas.exclude(status__in=CLOSED_CAPA)
    actions = (
        _at_site(CapaAction.objects.all(), review, "capa__site")
        .filter(status=ActionStatus.OPEN)
        .exclude(capa__status__in=CLOSED_CAPA)
    )

    supplier_ncs = period_ncs.filter(
        Q(source=NonconformitySource.SUPPLIER) | Q(supplier__isnull=False)
    )
    by_supplier: dict[str, dict[str, int]] = defaultdict(
        lambda: {"ncs": 0, "major": 0, "scars": 0, "scars_open": 0}
    )
    for code, severity in supplier_ncs.values_list("supplier__code", "severity"):
        row = by_supplier[code or "-"]
        row["ncs"] += 1
        row["major"] += int(severity in ("major", "critical"))
    scars = capas.filter(kind=CapaKind.SCAR, opened_at__gte=start, opened_at__lt=end)
    for code, status in scars.values_list("supplier__code", "status"):
        row = by_supplier[code or "-"]
        row["scars"] += 1
        row["scars_open"] += int(status not in CLOSED_CAPA)

    objectives = QualityObjective.objects.filter(
        period_start__lte=review.period_end, period_end__gte=review.period_start
    )
    if review.site_id:
        objectives = objectives.filter(Q(site=review.site) | Q(site__isnull=True))
    objective_rows = []
    for o in objectives.select_related("site").order_by("metric"):
        objective_rows.append(
            {
                "metric": o.metric,
                "site": o.site.code if o.site_id else "",
                "unit": o.unit,
                "target": _plain(o.target),
                "actual": _plain(o.actual) if o.actual is not None else None,
                "higher_is_better": o.higher_is_better,
                "achieved": o.achieved,
            }
        )

    return {
        "period": [review.period_start.isoformat(), review.period_end.isoformat()],
        "site": review.site.code if review.site is not None else None,
        "compiled_at": now.isoformat(),
        "audits": {
            "count": len(audit_rows),
            "by_status": _counts(audits, "status"),
            "findings_by_kind": _counts(findings, "kind"),
            "audits": audit_rows,
        },
        "customer_feedback": {
            "complaints": complaints.count(),
            "by_severity": _counts(complaints, "severity"),
            "items": [
                {"number": n, "title": t, "status": s}
                for n, t, s in complaints.order_by("raised_at").values_list(
                    "number", "title", "status"
                )
            ],
        },
        "process_performance": {
            "nonconformities": period_ncs.count(),
            "by_source": _counts(period_ncs, "source"),
            "by_severity": _counts(period_ncs, "severity"),
        },
        "nc_capa_status": {
            "nc_raised": period_ncs.count(),
            "nc_open": ncs.filter(raised_at__lt=end).exclude(status__in=CLOSED_NC).count(),
            "nc_closed": ncs.filter(closed_at__gte=start, closed_at__lt=end).count(),
            "capa_opened": capas.filter(opened_at__gte=start, opened_at__lt=end).count(),
            "capa_open": open_capas.count(),
            "capa_overdue": open_capas.filter(due_date__lt=today).count(),
            "capa_closed": capas.filter(closed_at__gte=start, closed_at__lt=end).count(),
            "actions_overdue": actions.filter(due_date__lt=today).count(),
        },
        "supplier_performance": {
            "nonconformities": supplier_ncs.count(),
            "scars": scars.count(),
            "suppliers": [{"supplier": k, **v} for k, v in sorted(by_supplier.items())],
        },
        "objectives": {
            "count": len(objective_rows),
            "achieved": sum(1 for r in objective_rows if r["achieved"] is True),
            "missed": sum(1 for r in objective_rows if r["achieved"] is False),
            "items": objective_rows,
        },
    }


def compile_review(
    review: ManagementReview, *, actor: Any, now: datetime.datetime | None = None
) -> ManagementReview:
    """Compile the inputs and store them as the review's snapshot (draft reviews only:
    once the meeting is held, what management saw must not change)."""
    with transaction.atomic():
        locked = ManagementReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewStatus.DRAFT:
            raise ValidationError(
                _("The inputs of %(number)s were reviewed in the meeting and are frozen.")
                % {"number": locked.number},
                code="review_frozen",
            )
        locked.inputs = compile_inputs(locked, now)
        locked.compiled_at = now or timezone.now()
        locked.save(update_fields=["inputs", "compiled_at"])
        record_event(locked, "compiled", actor=actor, message=_("Inputs compiled"))
    review.inputs, review.compiled_at = locked.inputs, locked.compiled_at
    return locked


def save_review_action(
    action: ReviewAction | None, /, *, actor: Any, **fields: Any
) -> ReviewAction:
    """Record a decision and its action (owner, due date, status) or update one; refused
    once the review is closed. The owner is told of a new action."""
    review = fields.get("review") or action.review  # type: ignore[union-attr]
    with transaction.atomic():
        _ensure_not_closed(review)
        creating = action is None or action.pk is None
        status = fields.get("status", getattr(action, "status", ActionStatus.OPEN))
        if status == ActionStatus.DONE and not getattr(action, "completed_at", None):
            completed: Any = timezone.now()
        elif status == ActionStatus.DONE:
            completed = action.completed_at  # type: ignore[union-attr]
        else:
            completed = None
        obj = save_record(ReviewAction, action, actor=actor, **fields)
        if obj.completed_at != completed:
            obj.completed_at = completed
            obj.save(update_fields=["completed_at"])
        if creating and obj.owner_id != getattr(actor, "pk", None):
            notify(
                [obj.owner],
                _("Management review action for you (%(number)s), due %(due)s")
                % {"number": review.number, "due": obj.due_date},
                body=obj.action[:500],
                link=review.get_absolute_url(),
                site=review.site,
            )
    return obj
