"""Writes of FMEAs: creation with its number, edits (refused once released), failure chains,
new revisions, and special characteristics flowing into the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.choices import SpecialClass
from qdm.data.models import Characteristic
from qdm.design.choices import FMEA_PREFIX, GROUP_CODE, FmeaStatus
from qdm.design.models import Fmea, FmeaItem

#: an item at or above this severity makes its characteristic critical (CC)
CC_SEVERITY = 9
EXCLUDE = ["created_by", "number"]


def _check_editable(fmea: Fmea) -> None:
    if fmea.pk:
        fmea.status = Fmea.objects.values_list("status", flat=True).get(pk=fmea.pk)
    if fmea.is_locked:
        raise fmea.locked_error()


def create_fmea(*, actor: Any, **fields: Any) -> Fmea:
    """A draft FMEA numbered ``FMEA-<site or GRP>-<year>-<seq>``, revision 1."""
    with transaction.atomic():
        fmea = Fmea(created_by=actor, **fields)
        fmea.number = next_number(FMEA_PREFIX, fmea.site.code if fmea.site else GROUP_CODE)
        fmea.full_clean(exclude=EXCLUDE)
        fmea.save()
        record_event(
            fmea,
            "created",
            actor=actor,
            message=_("Created %(number)s (%(kind)s)")
            % {"number": fmea.number, "kind": fmea.get_kind_display()},
        )
    return fmea


def update_fmea(fmea: Fmea, *, actor: Any, **fields: Any) -> Fmea:
    """Change the planning fields of a draft or in-review FMEA; status goes through
    ``transition``."""
    with transaction.atomic():
        _check_editable(fmea)
        for name, value in fields.items():
            setattr(fmea, name, value)
        fmea.full_clean(exclude=EXCLUDE)
        fmea.save()
    return fmea


def save_item(item: FmeaItem, *, actor: Any) -> FmeaItem:
    """Create or change one failure chain; AP and RPN are computed, never taken as input."""
    with transaction.atomic():
        if item.pk:
            stored = FmeaItem.objects.values_list("fmea_id", flat=True).get(pk=item.pk)
            _check_editable(Fmea.objects.get(pk=stored))
        _check_editable(item.fmea)
        if not item.position:
            last = item.fmea.items.order_by("-position").values_list("position", flat=True)
            item.position = (last.first() or 0) + 1
        created = item.pk is None
        item.full_clean()
        item.save()
        if created:
            record_event(
                item.fmea,
                "item_added",
                actor=actor,
                message=_("Failure chain %(row)d added (AP %(ap)s)")
                % {"row": item.position, "ap": item.action_priority},
                data={"item": item.pk},
            )
    return item


COPIED_FIELDS = [f.name for f in FmeaItem._meta.concrete_fields if f.name not in {"id", "fmea"}]


def new_revision(fmea: Fmea, *, actor: Any) -> Fmea:
    """Copy a released FMEA and its rows into a draft revision N+1 (same number). The
    released revision stays in force until the new one is released."""
    with transaction.atomic():
        fmea = Fmea.objects.select_for_update().get(pk=fmea.pk)
        if fmea.status != FmeaStatus.RELEASED:
            raise ValidationError(_("Only a released FMEA can be revised."), code="not_released")
        newer = Fmea.objects.filter(number=fmea.number, revision__gt=fmea.revision)
        if newer.exists():
            raise ValidationError(
                _("Revision %(revision)d of %(number)s already exists.")
                % {"revision": newer.order_by("revision").first().revision, "number": fmea.number},
                code="revision_exists",
            )
        copy = Fmea(
            number=fmea.number,
            revision=fmea.revision + 1,
            kind=fmea.kind,
            title=fmea.title,
            site=fmea.site,
            product=fmea.product,
            planning_scope=fmea.planning_scope,
            team=fmea.team,
            start_date=fmea.start_date,
            due_date=fmea.due_date,
            revised_from=fmea,
            created_by=actor,
        )
        copy.full_clean(exclude=EXCLUDE)
        copy.save()
        rows = [
            FmeaItem(fmea=copy, **{name: getattr(item, name) for name in COPIED_FIELDS})
            for item in fmea.items.all()
        ]
        for row in rows:
            row.compute()
        FmeaItem.objects.bulk_create(rows)
        for obj, verb in ((copy, "revision_created"), (fmea, "revised")):
            record_event(
                obj,
                verb,
                actor=actor,
                message=_("Revision %(new)d started from revision %(old)d (%(rows)d rows)")
                % {"new": copy.revision, "old": fmea.revision, "rows": len(rows)},
                data={"from": fmea.pk, "to": copy.pk},
            )
    return copy


@dataclass(frozen=True)
class SpecialProposal:
    item: FmeaItem
    characteristic: Characteristic
    current: str
    proposed: str


def proposed_class(item: FmeaItem) -> str:
    """CC when severity ≥ 9 or the row is marked CC; SC when marked SC; else none."""
    if item.special_class == SpecialClass.CC or item.severity >= CC_SEVERITY:
        return SpecialClass.CC
    return item.special_class or SpecialClass.NONE


def special_proposals(fmea: Fmea) -> list[SpecialProposal]:
    """Catalog characteristics whose special class the FMEA would raise (never lower: a CC
    stays CC even if this FMEA only marks it SC)."""
    best: dict[int, SpecialProposal] = {}
    rank = {SpecialClass.NONE: 0, SpecialClass.SC: 1, SpecialClass.CC: 2}
    items = fmea.items.filter(characteristic__isnull=False).select_related("characteristic")
    for item in items.order_by("position", "pk"):
        proposal = proposed_class(item)
        char = item.characteristic
        assert char is not None
        if rank[proposal] <= rank[SpecialClass(char.special_class)]:
            continue
        held = best.get(char.pk)
        if held is None or rank[proposal] > rank[SpecialClass(held.proposed)]:
            best[char.pk] = SpecialProposal(item, char, char.special_class, proposal)
    return list(best.values())


def apply_special_classes(fmea: Fmea, *, actor: Any) -> list[SpecialProposal]:
    """Write the proposed CC/SC classes into the characteristic catalog. The actor needs
    change permission on each characteristic; nothing is written otherwise."""
    with transaction.atomic():
        proposals = special_proposals(fmea)
        denied = [
            p.characteristic.code
            for p in proposals
            if not actor.has_perm("data.change_characteristic", p.characteristic)
        ]
        if denied:
            raise ValidationError(
                _("You may not change the characteristic(s) %(codes)s.")
                % {"codes": ", ".join(denied)},
                code="permission_denied",
            )
        for p in proposals:
            p.characteristic.special_class = p.proposed
            p.characteristic.save(update_fields=["special_class"])
            message = _("%(code)s marked %(cls)s from %(fmea)s row %(row)d") % {
                "code": p.characteristic.code,
                "cls": p.proposed,
                "fmea": fmea.number,
                "row": p.item.position,
            }
            data = {"characteristic": p.characteristic.pk, "from": p.current, "to": p.proposed}
            record_event(p.characteristic, "special_class_set", actor=actor, message=message)
            record_event(fmea, "special_class_set", actor=actor, message=message, data=data)
    return proposals
