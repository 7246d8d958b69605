"""Inspection plans, inspection lots and their records, and the verdict.

Records are judged on entry against the specification in force at the lot's inspection time
(:func:`qdm.data.services.specifications.specification_in_force`). Completing a lot (the
workflow action ``complete``) calls :func:`judge_lot`: every plan line must have its
samples (fixed size, or ISO 2859-1 single sampling for the lot's quantity); a line fails when
its nonconforming samples exceed the acceptance number (0 for fixed sampling). A failed lot
opens a system nonconformity — or links to an open one naming the same lot — and puts the
unit on hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.choices import DataType
from qdm.data.models import Unit
from qdm.data.services.specifications import specification_in_force
from qdm.manufacturing import hooks
from qdm.manufacturing.choices import (
    HoldSource,
    HoldStatus,
    InspectionStatus,
    PlanStatus,
    SamplingMethod,
    Verdict,
)
from qdm.manufacturing.models import (
    Hold,
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    InspectionRecord,
)
from qdm.quality.sampling import SamplingError
from qdm.quality.sampling import plan as sampling_plan

PASS_WORDS = {"pass", "ok", "p", "1", "true", "yes", "合格"}
FAIL_WORDS = {"fail", "ng", "f", "0", "false", "no", "不合格"}


class InspectionError(ValueError):
    """Refused: the message names the problem."""


def _clean(obj: Any, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise InspectionError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        ) from exc


# --- plans -------------------------------------------------------------------------------
def create_plan(*, actor: Any, **fields: Any) -> InspectionPlan:
    with transaction.atomic():
        plan = InspectionPlan(created_by=actor, **fields)
        last = InspectionPlan.objects.filter(code=plan.code).aggregate(v=Max("version"))["v"]
        if last:
            raise InspectionError(
                _("Plan %(code)s exists: make a new version of it instead.") % {"code": plan.code}
            )
        _clean(plan, exclude=["created_by"])
        plan.save()
        record_event(plan, "created", actor=actor, message=_("Plan %s created") % plan)
    return plan


def update_plan(plan: InspectionPlan, *, actor: Any, **fields: Any) -> InspectionPlan:
    with transaction.atomic():
        plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise InspectionError(
                _("Plan %(plan)s is %(status)s: make a new version to change it.")
                % {"plan": plan, "status": plan.get_status_display()}
            )
        for name, value in fields.items():
            setattr(plan, name, value)
        _clean(plan, exclude=["created_by"])
        plan.save()
    return plan


def save_plan_line(
    *, actor: Any, instance: InspectionPlanLine | None = None, **fields: Any
) -> InspectionPlanLine:
    """Add or change a line of a draft plan."""
    with transaction.atomic():
        line = instance or InspectionPlanLine()
        for name, value in fields.items():
            setattr(line, name, value)
        plan = InspectionPlan.objects.select_for_update().get(pk=line.plan_id)
        if plan.status != PlanStatus.DRAFT:
            raise InspectionError(
                _("Plan %(plan)s is %(status)s: only draft plans can be changed.")
                % {"plan": plan, "status": plan.get_status_display()}
            )
        _clean(line)
        line.save()
    return line


def new_plan_version(plan: InspectionPlan, *, actor: Any) -> InspectionPlan:
    """A draft copy (with its lines) of ``plan`` as the next version."""
    with transaction.atomic():
        last = InspectionPlan.objects.filter(code=plan.code).aggregate(v=Max("version"))["v"]
        if InspectionPlan.objects.filter(code=plan.code, status=PlanStatus.DRAFT).exists():
            raise InspectionError(
                _("Plan %(code)s already has a draft version.") % {"code": plan.code}
            )
        lines = list(plan.lines.all())
        copy = InspectionPlan.objects.get(pk=plan.pk)
        copy.pk = None
        copy.version = last + 1
        copy.status = PlanStatus.DRAFT
        copy.released_at = None
        copy.created_by = actor
        copy.save()
        for line in lines:
            line.pk = None
            line.plan = copy
        InspectionPlanLine.objects.bulk_create(lines)
        record_event(copy, "created", actor=actor, message=_("Version %s drafted") % copy.version)
    return copy


def requirement(
    line: InspectionPlanLine, lot_quantity: Decimal | int, severity: str = "normal"
) -> tuple[int, int]:
    """(samples needed, acceptance number) of a plan line for a lot of this quantity
    (``severity``: the ISO 2859-1 switching severity, see :mod:`qdm.manufacturing.hooks`)."""
    if line.sampling == SamplingMethod.ISO2859:
        size = int(lot_quantity)
        try:
            chosen = sampling_plan(max(size, 2), line.aql, line.inspection_level, severity)
        except SamplingError as exc:
            raise InspectionError(f"{line.characteristic.code}: {exc}") from exc
        return chosen.sample_size, chosen.ac
    return int(line.sample_size or 1), 0


# --- lots and records ----------------------------------------------------------------------
def open_inspection_lot(
    *,
    actor: Any,
    plan: InspectionPlan,
    unit: Unit,
    quantity: Any,
    reference: str = "",
    inspected_at: datetime | None = None,
) -> InspectionLot:
    """Start inspecting ``quantity`` of ``unit`` with a released plan (several lots may
    share one unit, up to its quantity)."""
    with transaction.atomic():
        if plan.status != PlanStatus.RELEASED:
            raise InspectionError(_("Plan %(plan)s is not released.") % {"plan": plan})
        if unit.site_id != plan.site_id:
            raise InspectionError(
                _("Unit %(unit)s is not at the plan's site %(site)s.")
                % {"unit": unit.code, "site": plan.site.code}
            )
        if plan.material_id and unit.material_id and unit.material_id != plan.material_id:
            raise InspectionError(
                _("Unit %(unit)s is %(material)s, the plan is for %(plan)s.")
                % {"unit": unit.code, "material": unit.material, "plan": plan.material}
            )
        lot = InspectionLot(
            plan=plan,
            site=plan.site,
            unit=unit,
            supplier=unit.supplier,
            quantity=quantity,
            reference=reference,
            inspector=actor,
            **({"inspected_at": inspected_at} if inspected_at else {}),
        )
        _clean(lot, exclude=["number", "inspector"])
        if unit.quantity is not None:
            before = InspectionLot.objects.filter(unit=unit).exclude(
                status=InspectionStatus.CANCELLED
            ).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
            if before + Decimal(str(lot.quantity)) > Decimal(str(unit.quantity)):
                raise InspectionError(
                    _(
                        "%(unit)s has %(total)s; %(before)s already in inspection lots, so at "
                        "most %(left)s more."
                    )
                    % {
                        "unit": unit.code,
                        "total": unit.quantity,
                        "before": before,
                        "left": Decimal(str(unit.quantity)) - before,
                    }
                )
        lot.number = next_number("INS", plan.site.code)
        lot.save()
        record_event(
            lot,
            "opened",
            actor=actor,
            message=_("%(number)s: %(quantity)s of %(unit)s against %(plan)s")
            % {"number": lot.number, "quantity": lot.quantity, "unit": unit.code, "plan": plan},
        )
    return lot


def parse_results(text: str) -> list[dict[str, Any]]:
    """``CHARACTERISTIC SAMPLE RESULT`` per line; RESULT a number or pass/fail (OK/NG)."""
    rows = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        parts = raw.replace(",", " ").replace(";", " ").split()
        if not parts:
            continue
        if len(parts) != 3:
            raise InspectionError(
                _("Line %(line)s “%(text)s”: expected CHARACTERISTIC SAMPLE RESULT.")
                % {"line": number, "text": raw.strip()}
            )
        code, sample, result = parts
        rows.append({"characteristic": code, "sample": sample, "result": result})
    if not rows:
        raise InspectionError(_("No results given."))
    return rows


def _result(line: InspectionPlanLine, raw: Any) -> tuple[float | None, bool | None]:
    code = line.characteristic.code
    if line.characteristic.data_type == DataType.ATTRIBUTE:
        if isinstance(raw, bool):
            return None, raw
        word = str(raw).strip().lower()
        if word in PASS_WORDS or word in FAIL_WORDS:
            return None, word in PASS_WORDS
        raise InspectionError(
            _("%(code)s is an attribute: give pass or fail, not “%(value)s”.")
            % {"code": code, "value": raw}
        )
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InspectionError(
            _("%(code)s needs a number, not “%(value)s”.") % {"code": code, "value": raw}
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InspectionError(_("%(code)s needs a finite number.") % {"code": code})
    return value, None


def record_results(
    lot: InspectionLot, rows: Iterable[dict[str, Any]], *, actor: Any
) -> list[InspectionRecord]:
    """Store results (replacing earlier ones for the same sample and characteristic), each
    judged against the specification in force at the lot's inspection time. All or
    nothing: one bad row refuses the whole batch."""
    with transaction.atomic():
        lot = InspectionLot.objects.select_for_update().select_related("plan").get(pk=lot.pk)
        if lot.status != InspectionStatus.OPEN:
            raise InspectionError(
                _("%(number)s is %(status)s: no more results can be recorded.")
                % {"number": lot.number, "status": lot.get_status_display()}
            )
        plan = lot.plan
        lines = {
            line.characteristic.code: line for line in plan.lines.select_related("characteristic")
        }
        records: dict[tuple[int, int], InspectionRecord] = {}
        for row in rows:
            code = str(row.get("characteristic", "")).strip()
            line = lines.get(code)
            if line is None:
                raise InspectionError(
                    _("%(code)s is not a characteristic of plan %(plan)s.")
                    % {"code": code or "—", "plan": plan}
                )
            try:
                sample = int(str(row.get("sample")))
            except ValueError:
                sample = 0
            needed, _ac = requirement(line, lot.quantity, hooks.sampling_severity(lot))
            if not 1 <= sample <= needed:
                raise InspectionError(
                    _("%(code)s: sample “%(sample)s” is not between 1 and %(n)s.")
                    % {"code": code, "sample": row.get("sample"), "n": needed}
                )
            value, passed = _result(line, row.get("result", row.get("value", row.get("passed"))))
            spec = None
            conforming = bool(passed)
            if value is not None:
                spec = specification_in_force(
                    line.characteristic,
                    module_model=plan.module_model,
                    material=plan.material,
                    site=lot.site,
                    at=lot.inspected_at,
                )
                if spec is None:
                    raise InspectionError(
                        _("No specification of %(code)s is in force on %(date)s for %(product)s.")
                        % {"code": code, "date": lot.inspected_at.date(), "product": plan.product}
                    )
                conforming = (spec.lsl is None or value >= spec.lsl) and (
                    spec.usl is None or value <= spec.usl
                )
            records[(line.pk, sample)] = InspectionRecord(
                lot=lot,
                line=line,
                sample=sample,
                value=value,
                passed=passed,
                specification=spec,
                lsl=spec.lsl if spec else None,
                usl=spec.usl if spec else None,
                conforming=conforming,
            )
        for line_id, sample in records:
            InspectionRecord.objects.filter(lot=lot, line_id=line_id, sample=sample).delete()
        saved = InspectionRecord.objects.bulk_create(records.values())
        _store_measurements(lot, records.values())
        record_event(
            lot,
            "results_recorded",
            actor=actor,
            message=_("%(count)s results recorded") % {"count": len(saved)},
        )
    return saved


def _store_measurements(lot: InspectionLot, records: Iterable[InspectionRecord]) -> None:
    """Variable results on a supplier's lot are also catalog measurements of that lot, so the
    IQC charts per supplier × material plot what inspectors type, not only what testers
    send. Sample k is stored k microseconds after the inspection time (the measurement's
    natural key is characteristic × subject × time); a re-recorded sample replaces its
    value. The site's IQC charts are evaluated after commit."""
    from qdm.data.models import Measurement
    from qdm.manufacturing.services.spc import on_measurements_ingested

    if lot.supplier_id is None:
        return
    rows = [(r, r.value) for r in records if r.value is not None]
    if not rows:
        return
    unit = Unit.objects.only("code").get(pk=lot.unit_id)
    facts = [
        Measurement(
            site_id=lot.site_id,
            line=None,
            characteristic_id=r.line.characteristic_id,
            subject=unit.code,
            measured_at=lot.inspected_at + timedelta(microseconds=r.sample),
            value=value,
        )
        for r, value in rows
    ]
    for fact in facts:
        Measurement.objects.filter(
            characteristic_id=fact.characteristic_id,
            subject=fact.subject,
            measured_at=fact.measured_at,
        ).delete()
    Measurement.objects.bulk_create(facts)
    site, characteristics = lot.site, {f.characteristic_id for f in facts}
    transaction.on_commit(lambda: on_measurements_ingested(site, [None], characteristics))


def judge_lot(lot: InspectionLot, *, actor: Any) -> str:
    """Compute and store the verdict (inside the ``complete`` transition); a failure opens
    or links a nonconformity and holds the unit."""
    plan = lot.plan
    problems, summary = [], []
    failed = False
    for line in plan.lines.select_related("characteristic"):
        needed, ac = requirement(line, lot.quantity, hooks.sampling_severity(lot))
        results = list(InspectionRecord.objects.filter(lot=lot, line=line))
        code = line.characteristic.code
        if len(results) < needed:
            problems.append(
                _("%(code)s: %(n)s samples needed, %(m)s recorded")
                % {"code": code, "n": needed, "m": len(results)}
            )
            continue
        bad = sum(1 for r in results if not r.conforming)
        ok = bad <= ac
        failed = failed or not ok
        summary.append(
            _("%(code)s: %(bad)s of %(n)s nonconforming (Ac %(ac)s) → %(verdict)s")
            % {
                "code": code,
                "bad": bad,
                "n": len(results),
                "ac": ac,
                "verdict": _("pass") if ok else _("FAIL"),
            }
        )
    if problems:
        raise InspectionError(_("Results are missing: %s.") % "; ".join(problems))
    lot.verdict = Verdict.FAIL if failed else Verdict.PASS
    lot.verdict_summary = "\n".join(summary)
    if failed:
        lot.nonconformity = _nonconformity_for(lot, actor)
        lot.hold = _hold_for(lot, actor)
    lot.save(update_fields=["verdict", "verdict_summary", "nonconformity", "hold"])
    hooks.lot_judged(lot)  # listeners (supplier switching rules) run after commit
    return lot.verdict


def _nonconformity_for(lot: InspectionLot, actor: Any) -> Any:
    from qdm.system.choices import NonconformityStatus
    from qdm.system.models import Nonconformity
    from qdm.system.services.nonconformity import raise_nonconformity

    code = lot.unit.code
    for nc in Nonconformity.objects.filter(
        site=lot.site,
        status__in=(NonconformityStatus.OPEN, NonconformityStatus.CONTAINED),
        lots__contains=code,
    ).order_by("raised_at"):
        if code in [x.strip() for x in nc.lots.splitlines()]:
            return nc
    plan = lot.plan
    return raise_nonconformity(
        actor=actor,
        site=lot.site,
        source=plan.stage,
        severity="major",
        title=(
            _("%(stage)s failed: %(product)s lot %(unit)s")
            % {"stage": plan.get_stage_display(), "product": plan.product, "unit": code}
        )[:200],
        description=_("Inspection lot %(number)s against plan %(plan)s failed.\n%(summary)s")
        % {"number": lot.number, "plan": plan, "summary": lot.verdict_summary},
        item=str(plan.product)[:200],
        lots=code,
        quantity=int(lot.quantity),
        supplier=lot.unit.supplier,
    )


def _hold_for(lot: InspectionLot, actor: Any) -> Hold:
    from qdm.manufacturing.services.holds import place_hold

    existing = Hold.objects.filter(units=lot.unit, status=HoldStatus.ON_HOLD).first()
    if existing is not None:
        return existing
    return place_hold(
        actor=actor,
        site=lot.site,
        reason=_("Failed inspection %(number)s") % {"number": lot.number},
        quantity=lot.quantity,
        units=[lot.unit],
        nonconformity=lot.nonconformity,
        source=HoldSource.INSPECTION,
    )


def update_inspection_lot(lot: InspectionLot, *, actor: Any, **fields: Any) -> InspectionLot:
    """Change the reference, quantity or time of an open lot (not its plan or unit)."""
    with transaction.atomic():
        lot = InspectionLot.objects.select_for_update().get(pk=lot.pk)
        if lot.status != InspectionStatus.OPEN:
            raise InspectionError(_("%(number)s is closed.") % {"number": lot.number})
        for name in ("plan", "unit"):
            value = fields.pop(name, None)
            if value is not None and getattr(value, "pk", value) != getattr(lot, f"{name}_id"):
                raise InspectionError(_("The plan and unit of an inspection lot cannot change."))
        if (
            "inspected_at" in fields
            and fields["inspected_at"] != lot.inspected_at
            and lot.records.exists()
        ):
            raise InspectionError(
                _("Results were judged at the recorded inspection time: it cannot change now.")
            )
        for name in ("reference", "quantity", "inspected_at"):
            if name in fields:
                setattr(lot, name, fields[name])
        _clean(lot, exclude=["number", "inspector"])
        lot.save()
    return lot
