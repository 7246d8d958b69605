"""UI declarations of inspection, holds and MRB, and OQC release: ``ModelUI`` per model,
with every write going through the services. Service refusals (``HoldError``,
``InspectionError``, ``BinningError``) come back as form errors, nothing saved."""

from __future__ import annotations

from typing import Any

from qdm.core.views.generic import (
    ModelUI,
)
from qdm.manufacturing import filtersets as f
from qdm.manufacturing import forms, hooks
from qdm.manufacturing import tables as t
from qdm.manufacturing.choices import InspectionStatus, PlanStatus
from qdm.manufacturing.models import (
    BinningRule,
    Hold,
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    InspectionRecord,
    ModuleRelease,
    MrbDisposition,
)
from qdm.manufacturing.services import binning as binning_service
from qdm.manufacturing.services import holds as hold_service
from qdm.manufacturing.services import inspection as inspection_service
from qdm.manufacturing.services.binning import BinningError
from qdm.manufacturing.services.holds import HoldError
from qdm.manufacturing.services.inspection import InspectionError

SERVICE_ERRORS = (HoldError, InspectionError, BinningError)


# --- savers --------------------------------------------------------------------------------
def save_plan(form: Any, user: Any) -> InspectionPlan:
    data = form.cleaned_data
    if form.instance.pk:
        return inspection_service.update_plan(form.instance, actor=user, **data)
    return inspection_service.create_plan(actor=user, **data)


def save_plan_line(form: Any, user: Any) -> InspectionPlanLine:
    instance = form.instance if form.instance.pk else None
    return inspection_service.save_plan_line(actor=user, instance=instance, **form.cleaned_data)


def save_lot(form: Any, user: Any) -> InspectionLot:
    data = dict(form.cleaned_data)
    plan = data.pop("plan")
    [unit] = hold_service.resolve_units([data.pop("unit_code")], user, site=plan.site)
    if form.instance.pk:
        return inspection_service.update_inspection_lot(
            form.instance, actor=user, plan=plan, unit=unit, **data
        )
    return inspection_service.open_inspection_lot(actor=user, plan=plan, unit=unit, **data)


def save_hold(form: Any, user: Any) -> Hold:
    data = dict(form.cleaned_data)
    if form.instance.pk:
        return hold_service.update_hold(form.instance, actor=user, **data)
    return hold_service.place_hold(actor=user, **data)


def save_disposition(form: Any, user: Any) -> MrbDisposition:
    data = dict(form.cleaned_data)
    if form.instance.pk:
        return hold_service.update_disposition(form.instance, actor=user, **data)
    return hold_service.propose_disposition(data.pop("hold"), actor=user, **data)


def save_binning_rule(form: Any, user: Any) -> BinningRule:
    return binning_service.save_binning_rule(
        actor=user, instance=form.instance if form.instance.pk else None, **form.cleaned_data
    )


# --- detail pages --------------------------------------------------------------------------
def plan_context(obj: InspectionPlan, user: Any) -> dict[str, Any]:
    return {
        "lines": obj.lines.select_related("characteristic"),
        "can_add_line": obj.status == PlanStatus.DRAFT
        and user.has_perm("manufacturing.add_inspectionplanline"),
        "can_new_version": obj.status == PlanStatus.RELEASED
        and user.has_perm("manufacturing.add_inspectionplan"),
    }


def lot_context(obj: InspectionLot, user: Any) -> dict[str, Any]:
    records = list(InspectionRecord.objects.filter(lot=obj).select_related("line__characteristic"))
    requirements = []
    severity = hooks.sampling_severity(obj)
    for line in obj.plan.lines.select_related("characteristic"):
        try:
            needed, ac = inspection_service.requirement(line, obj.quantity, severity)
        except InspectionError:
            needed, ac = None, None
        mine = [r for r in records if r.line_id == line.pk]
        requirements.append(
            {
                "line": line,
                "needed": needed,
                "ac": ac,
                "recorded": len(mine),
                "nonconforming": sum(1 for r in mine if not r.conforming),
            }
        )
    can_record = obj.status == InspectionStatus.OPEN and user.has_perm(
        "manufacturing.add_inspectionrecord", obj
    )
    return {
        "records": records,
        "requirements": requirements,
        "results_form": forms.InspectionResultsForm() if can_record else None,
    }


#: at most this many held units are listed on the hold page (all are counted)
HELD_UNITS_LISTED = 300


def hold_context(obj: Hold, user: Any) -> dict[str, Any]:
    from django.db.models import Count

    from qdm.data.choices import UnitKind

    by_kind = [
        {"kind": UnitKind(row["kind"]).label, "count": row["n"]}
        for row in obj.units.values("kind").annotate(n=Count("pk")).order_by("kind")
    ]
    return {
        "held_units": obj.units.all()[:HELD_UNITS_LISTED],
        "held_count": sum(row["count"] for row in by_kind),
        "held_by_kind": by_kind,
        "dispositions": MrbDisposition.objects.for_user(user, "view").filter(hold=obj),
        "can_propose": obj.status == "on_hold"
        and user.has_perm("manufacturing.add_mrbdisposition"),
        "approved_quantity": obj.dispositioned_quantity(approved_only=True),
    }


MODEL_UIS = [
    ModelUI(
        InspectionPlan,
        t.InspectionPlanTable,
        f.InspectionPlanFilterSet,
        forms.InspectionPlanForm,
        saver=save_plan,
        detail_template="manufacturing/inspectionplan_detail.html",
        extra_context=plan_context,
        service_errors=SERVICE_ERRORS,
    ),
    ModelUI(
        InspectionPlanLine,
        t.InspectionPlanLineTable,
        f.InspectionPlanLineFilterSet,
        forms.InspectionPlanLineForm,
        saver=save_plan_line,
        service_errors=SERVICE_ERRORS,
    ),
    ModelUI(
        InspectionLot,
        t.InspectionLotTable,
        f.InspectionLotFilterSet,
        forms.InspectionLotForm,
        saver=save_lot,
        detail_template="manufacturing/inspectionlot_detail.html",
        extra_context=lot_context,
        service_errors=SERVICE_ERRORS,
    ),
    ModelUI(
        Hold,
        t.HoldTable,
        f.HoldFilterSet,
        forms.HoldForm,
        saver=save_hold,
        detail_template="manufacturing/hold_detail.html",
        extra_context=hold_context,
        service_errors=SERVICE_ERRORS,
    ),
    ModelUI(
        MrbDisposition,
        t.MrbDispositionTable,
        f.MrbDispositionFilterSet,
        forms.MrbDispositionForm,
        saver=save_disposition,
        service_errors=SERVICE_ERRORS,
    ),
    ModelUI(
        BinningRule,
        t.BinningRuleTable,
        f.BinningRuleFilterSet,
        forms.BinningRuleForm,
        saver=save_binning_rule,
        service_errors=SERVICE_ERRORS,
    ),
    ModelUI(ModuleRelease, t.ModuleReleaseTable, f.ModuleReleaseFilterSet, per_page=100),
]
