from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.design import filtersets as fs
from qdm.design import forms as f
from qdm.design import tables as t
from qdm.design.exports import LANGUAGES, sorted_items
from qdm.design.lessons_ui import REVIEW_TASK_UI
from qdm.design.models import ControlPlan, ControlPlanLine, Fmea, FmeaItem, FmeaReviewTask, MsaStudy
from qdm.design.ratings import RATING_TABLES
from qdm.design.services.control_plan import (
    create_control_plan,
    inspection_plans_of,
    plan_revisions,
    revision_changes,
    save_line,
    save_msa_study,
    update_control_plan,
)
from qdm.design.services.fmea import create_fmea, save_item, special_proposals, update_fmea


def save_fmea(form: Any, user: Any) -> Fmea:
    if form.instance.pk:
        return update_fmea(form.instance, actor=user, **form.cleaned_data)
    return create_fmea(actor=user, **form.cleaned_data)


def save_fmea_item(form: Any, user: Any) -> FmeaItem:
    return save_item(form.save(commit=False), actor=user)


def fmea_context(obj: Fmea, user: Any) -> dict[str, Any]:
    editable = not obj.is_locked and user.has_perm("design.change_fmea", obj)
    revisions = Fmea.objects.for_user(user, "view").filter(number=obj.number).order_by("revision")
    return {
        "locked": obj.is_locked,
        "items": sorted_items(obj),
        "rating_tables": RATING_TABLES.values(),
        "can_edit": editable,
        "can_add_item": editable and user.has_perm("design.add_fmeaitem"),
        "can_revise": obj.status == "released"
        and user.has_perm("design.add_fmea")
        and user.has_perm("design.change_fmea", obj)
        and not revisions.filter(revision__gt=obj.revision).exists(),
        "revisions": revisions,
        "proposals": special_proposals(obj),
        "can_apply_special": user.has_perm("data.change_characteristic"),
        "languages": LANGUAGES,
        "open_review_tasks": list(
            FmeaReviewTask.objects.for_user(user, "view")
            .filter(fmea_number=obj.number, status="open")
            .select_related("capa")
        ),
    }


def fmea_item_context(obj: FmeaItem, user: Any) -> dict[str, Any]:
    return {"locked": obj.fmea.is_locked, "rating_tables": RATING_TABLES.values()}


def save_control_plan(form: Any, user: Any) -> ControlPlan:
    if form.instance.pk:
        return update_control_plan(form.instance, actor=user, **form.cleaned_data)
    return create_control_plan(actor=user, **form.cleaned_data)


def save_control_plan_line(form: Any, user: Any) -> ControlPlanLine:
    return save_line(form.save(commit=False), actor=user)


def save_study(form: Any, user: Any) -> MsaStudy:
    return save_msa_study(form.save(commit=False), actor=user)


def control_plan_context(obj: ControlPlan, user: Any) -> dict[str, Any]:
    editable = not obj.is_locked and user.has_perm("design.change_controlplan", obj)
    return {
        "locked": obj.is_locked,
        "lines": obj.lines.select_related("characteristic", "msa_study").order_by("sequence", "pk"),
        "can_add_line": editable and user.has_perm("design.add_controlplanline"),
        "can_publish": obj.status == "released" and user.has_perm("design.change_controlplan", obj),
        "inspection_plans": inspection_plans_of(obj),
        "revisions": (revisions := plan_revisions(obj, user)),
        "changes": revision_changes(obj),
        "can_revise": obj.status == "released"
        and user.has_perm("design.add_controlplan")
        and user.has_perm("design.change_controlplan", obj)
        and not revisions.filter(revision__gt=obj.revision).exists(),
    }


def msa_study_context(obj: MsaStudy, user: Any) -> dict[str, Any]:
    return {"rows": obj.data, "lines": obj.control_plan_lines.select_related("plan")}


MODEL_UIS = [
    ModelUI(
        Fmea,
        t.FmeaTable,
        fs.FmeaFilterSet,
        f.FmeaForm,
        saver=save_fmea,
        detail_template="design/fmea_detail.html",
        extra_context=fmea_context,
        detail_fields=(
            "number",
            "revision",
            "kind",
            "status",
            "title",
            "site",
            "product",
            "planning_scope",
            "team",
            "start_date",
            "due_date",
            "revised_from",
            "created_by",
            "created_at",
            "released_at",
        ),
    ),
    ModelUI(
        FmeaItem,
        t.FmeaItemTable,
        fs.FmeaItemFilterSet,
        f.FmeaItemForm,
        saver=save_fmea_item,
        detail_template="design/fmeaitem_detail.html",
        extra_context=fmea_item_context,
    ),
    ModelUI(
        ControlPlan,
        t.ControlPlanTable,
        fs.ControlPlanFilterSet,
        f.ControlPlanForm,
        saver=save_control_plan,
        detail_template="design/controlplan_detail.html",
        extra_context=control_plan_context,
        detail_fields=(
            "number",
            "revision",
            "phase",
            "status",
            "title",
            "product",
            "process",
            "site",
            "line",
            "fmea",
            "revised_from",
            "revision_reason",
            "created_by",
            "created_at",
            "released_at",
            "published_at",
        ),
    ),
    ModelUI(
        ControlPlanLine,
        t.ControlPlanLineTable,
        fs.ControlPlanLineFilterSet,
        f.ControlPlanLineForm,
        saver=save_control_plan_line,
    ),
    ModelUI(
        MsaStudy,
        t.MsaStudyTable,
        fs.MsaStudyFilterSet,
        f.MsaStudyForm,
        saver=save_study,
        detail_template="design/msastudy_detail.html",
        extra_context=msa_study_context,
    ),
    REVIEW_TASK_UI,
]
