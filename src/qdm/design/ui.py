from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.design import filtersets as fs
from qdm.design import forms as f
from qdm.design import tables as t
from qdm.design.exports import LANGUAGES, sorted_items
from qdm.design.models import Fmea, FmeaItem
from qdm.design.ratings import RATING_TABLES
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
    }


def fmea_item_context(obj: FmeaItem, user: Any) -> dict[str, Any]:
    return {"locked": obj.fmea.is_locked, "rating_tables": RATING_TABLES.values()}


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
]
