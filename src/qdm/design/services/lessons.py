"""Lessons learned: turn closed 8D/CAPA records into FMEA review tasks (``scan_closed_capas``,
run by ``qdm fmea lessons``; idempotent) and handle those tasks (accept → the change lands in
a draft revision of the FMEA; reject with a reason).

Matching rule (docs/design-loops.md): a closed 8D is tied to an FMEA failure chain by its
D7 "prevent recurrence" action whose *what to update* is "FMEA" and whose *reference* names
the FMEA number and, optionally, the worksheet row: ``FMEA-CN01-2026-0003 #4``. With a row,
that chain is re-rated; without one, the failure mode found in the field is not in the FMEA
and the task proposes a new failure chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.design.choices import FmeaStatus
from qdm.design.lessons import parse_reference, proposed_detection, proposed_occurrence
from qdm.design.models import Fmea, FmeaItem, FmeaReviewTask
from qdm.design.models.lessons import ReviewTaskKind, ReviewTaskStatus
from qdm.design.services.fmea import new_revision
from qdm.system.choices import CapaKind, CapaStatus, CauseType, NonconformitySource
from qdm.system.models import EightD


@dataclass
class ScanResult:
    created: list[FmeaReviewTask] = field(default_factory=list)
    existing: int = 0
    unmatched: list[str] = field(default_factory=list)


def latest_revision(number: str) -> Fmea | None:
    return Fmea.objects.filter(number=number).order_by("-revision").first()


def review_required(fmea: Fmea) -> bool:
    """True while any review task on any revision of this FMEA number is open."""
    return FmeaReviewTask.objects.filter(
        fmea_number=fmea.number, status=ReviewTaskStatus.OPEN
    ).exists()


def _escapes(capa: EightD) -> int:
    count = capa.nonconformities.filter(source=NonconformitySource.CUSTOMER).count()
    if not count and capa.kind == CapaKind.CUSTOMER_8D:
        count = 1
    return count


def _evidence_text(capa: EightD, root_cause: Any) -> str:
    lines = [f"{capa.number}: {capa.title}"]
    if root_cause is not None:
        lines.append(f"{root_cause.get_cause_type_display()}: {root_cause.statement}")
        lines += [f"  why: {w}" for w in root_cause.whys]
    for v in capa.verifications.all():
        lines.append(f"D7/D8: {v.result}")
    return "\n".join(lines)


def _propose(task: FmeaReviewTask, escaped: bool) -> None:
    task.proposed_occurrence = proposed_occurrence(
        field_ppm=task.field_ppm, internal_ppm=task.internal_ppm, cpk=task.cpk
    )
    task.proposed_detection = proposed_detection(
        task.current_detection, escaped=escaped or task.escape_count > 0
    )


def scan_closed_capas() -> ScanResult:
    """Create the review tasks for every closed 8D/CAPA that names an FMEA; tasks that
    already exist are left alone (safe to run repeatedly)."""
    result = ScanResult()
    capas = EightD.objects.filter(status=CapaStatus.CLOSED).prefetch_related(
        "actions", "root_causes"
    )
    for capa in capas:
        for action in capa.actions.all():
            if action.prevention_target != "fmea":
                continue
            ref = parse_reference(action.reference)
            fmea = latest_revision(ref.number) if ref else None
            if ref is None or fmea is None:
                result.unmatched.append(f"{capa.number}: {action.reference!r}")
                continue
            row = ref.row or 0
            if FmeaReviewTask.objects.filter(capa=capa, fmea_number=ref.number, row=row).exists():
                result.existing += 1
                continue
            item = fmea.items.filter(position=row).first() if row else None
            if row and item is None:
                result.unmatched.append(
                    f"{capa.number}: {action.reference!r} (no row {row} in {fmea.number})"
                )
                continue
            cause = action.root_cause or capa.root_causes.first()
            escaped = any(c.cause_type == CauseType.ESCAPE for c in capa.root_causes.all())
            task = FmeaReviewTask(
                fmea=fmea,
                fmea_number=fmea.number,
                row=row,
                item=item,
                kind=ReviewTaskKind.RERATE if item else ReviewTaskKind.NEW_CHAIN,
                capa=capa,
                failure_mode=item.failure_mode if item else (capa.problem_what or capa.title),
                failure_cause=cause.statement if cause else "",
                escape_count=max(_escapes(capa), 1 if escaped else 0),
                evidence=_evidence_text(capa, cause),
                current_occurrence=item.occurrence if item else None,
                current_detection=item.detection if item else None,
            )
            _propose(task, escaped)
            with transaction.atomic():
                task.save()
                record_event(
                    fmea,
                    "review_requested",
                    actor=None,
                    message=_("Review required: lesson learned from %(capa)s (%(kind)s)")
                    % {"capa": capa.number, "kind": task.get_kind_display()},
                    data={"task": task.pk, "capa": capa.pk, "row": row},
                )
            result.created.append(task)
    return result


def _check_open(task: FmeaReviewTask, actor: Any) -> None:
    task.refresh_from_db()
    if not task.is_open:
        raise ValidationError(
            _("This review task is already %(status)s.") % {"status": task.get_status_display()},
            code="task_closed",
        )
    if not actor.has_perm("design.change_fmea"):
        raise PermissionDenied(_("You may not change FMEAs."))


def set_evidence(
    task: FmeaReviewTask,
    *,
    actor: Any,
    field_ppm: Decimal | None = None,
    internal_ppm: Decimal | None = None,
    cpk: Decimal | None = None,
    escape_count: int | None = None,
    evidence: str | None = None,
) -> FmeaReviewTask:
    """Record field/internal ppm, Cpk and escapes; the proposals are recomputed."""
    with transaction.atomic():
        _check_open(task, actor)
        for name, value in (("field_ppm", field_ppm), ("internal_ppm", internal_ppm)):
            if value is not None and value < 0:
                raise ValidationError({name: _("A failure rate cannot be negative.")})
        task.field_ppm, task.internal_ppm, task.cpk = field_ppm, internal_ppm, cpk
        if escape_count is not None:
            task.escape_count = escape_count
        if evidence is not None:
            task.evidence = evidence
        _propose(task, escaped=False)
        task.full_clean()
        task.save()
    return task


def _target(task: FmeaReviewTask, actor: Any) -> Fmea:
    """The draft revision the change goes into: the latest one if it is a draft, else a
    new revision of the released one."""
    latest = latest_revision(task.fmea_number)
    assert latest is not None
    if latest.status == FmeaStatus.DRAFT:
        return latest
    if latest.status == FmeaStatus.RELEASED:
        return new_revision(latest, actor=actor)
    raise ValidationError(
        _("%(number)s rev %(revision)d is %(status)s: return it to draft first.")
        % {
            "number": latest.number,
            "revision": latest.revision,
            "status": latest.get_status_display(),
        },
        code="fmea_in_review",
    )


def _rating(value: Any, name: str, label: str) -> int:
    if value is None or value == "":
        raise ValidationError({name: _("Enter the %(label)s rating (1–10).") % {"label": label}})
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if str(number) != str(value).strip() or not 1 <= number <= 10:
        raise ValidationError(
            {
                name: _("%(label)s must be a whole number from 1 to 10 (got %(value)s).")
                % {"label": label, "value": value}
            }
        )
    return number


def accept_task(
    task: FmeaReviewTask,
    *,
    actor: Any,
    occurrence: Any = None,
    detection: Any = None,
    severity: Any = None,
    focus_element: str = "",
    failure_effect: str = "",
    reason: str = "",
) -> FmeaReviewTask:
    """Apply the (possibly adjusted) ratings to a draft revision of the FMEA. A re-rating
    changes the row with the task's number; a new chain adds a row (severity, focus element
    and failure effect required). All or nothing."""
    with transaction.atomic():
        _check_open(task, actor)
        o = _rating(
            occurrence or task.proposed_occurrence or task.current_occurrence,
            "occurrence",
            _("occurrence"),
        )
        d = _rating(
            detection or task.proposed_detection or task.current_detection,
            "detection",
            _("detection"),
        )
        if task.kind == ReviewTaskKind.NEW_CHAIN:
            s = _rating(severity, "severity", _("severity"))
            missing = {
                name: _("Required for a new failure chain.")
                for name, value in (
                    ("focus_element", focus_element),
                    ("failure_effect", failure_effect),
                )
                if not (value or "").strip()
            }
            if missing:
                raise ValidationError(missing)
        target = _target(task, actor)
        if task.kind == ReviewTaskKind.RERATE:
            item = target.items.filter(position=task.row).first()
            if item is None:
                raise ValidationError(
                    _("Row %(row)d no longer exists in %(number)s rev %(revision)d.")
                    % {"row": task.row, "number": target.number, "revision": target.revision},
                    code="row_missing",
                )
            before = (item.occurrence, item.detection)
            item.occurrence, item.detection = o, d
            item.remarks = (item.remarks + "\n" if item.remarks else "") + _(
                "O/D re-rated from lesson learned %(capa)s"
            ) % {"capa": task.capa.number}
            item.full_clean()
            item.save()
            message = _("Row %(row)d re-rated O %(o1)s→%(o2)d, D %(d1)s→%(d2)d from %(capa)s") % {
                "row": task.row,
                "o1": before[0],
                "o2": o,
                "d1": before[1],
                "d2": d,
                "capa": task.capa.number,
            }
        else:
            last = target.items.order_by("-position").values_list("position", flat=True).first()
            item = FmeaItem(
                fmea=target,
                position=(last or 0) + 1,
                focus_element=focus_element.strip(),
                failure_effect=failure_effect.strip(),
                failure_mode=task.failure_mode,
                failure_cause=task.failure_cause or task.failure_mode,
                severity=s,
                occurrence=o,
                detection=d,
                remarks=_("New failure chain from lesson learned %(capa)s")
                % {"capa": task.capa.number},
            )
            item.full_clean()
            item.save()
            message = _("Row %(row)d added (S%(s)d O%(o)d D%(d)d) from %(capa)s") % {
                "row": item.position,
                "s": s,
                "o": o,
                "d": d,
                "capa": task.capa.number,
            }
        task.item = item
        task.status = ReviewTaskStatus.ACCEPTED
        task.decision_reason = reason
        task.decided_by, task.decided_at = actor, timezone.now()
        task.applied_to = target
        task.save()
        record_event(
            target,
            "lesson_applied",
            actor=actor,
            message=message,
            data={"task": task.pk, "capa": task.capa_id},
        )
    return task


def reject_task(task: FmeaReviewTask, *, actor: Any, reason: str) -> FmeaReviewTask:
    """Close the task without changing the FMEA; the reason is required."""
    with transaction.atomic():
        _check_open(task, actor)
        if not (reason or "").strip():
            raise ValidationError(
                {"reason": _("Give the reason for rejecting the proposal.")}, code="no_reason"
            )
        task.status = ReviewTaskStatus.REJECTED
        task.decision_reason = reason.strip()
        task.decided_by, task.decided_at = actor, timezone.now()
        task.save()
        record_event(
            task.fmea,
            "lesson_rejected",
            actor=actor,
            message=_("Lesson learned from %(capa)s rejected: %(reason)s")
            % {"capa": task.capa.number, "reason": task.decision_reason},
            data={"task": task.pk},
        )
    return task
