"""Holds, MRB dispositions and the shipping check.

``place_hold`` freezes units; ``propose_disposition`` records an MRB decision to be approved
(e-signed) through the kernel workflow; ``check_shippable`` / ``create_shipment`` refuse
held material — a held unit, a pallet containing a held module, or a unit an approved
return-to-supplier or scrap decision names — with an error listing the codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.choices import UnitKind
from qdm.data.models import Unit, UnitLink
from qdm.manufacturing.choices import (
    BLOCKING_DECISIONS,
    DispositionStatus,
    HoldSource,
    HoldStatus,
)
from qdm.manufacturing.models import Hold, MrbDisposition


class HoldError(ValueError):
    """Refused: the message names the problem (unknown codes, held units, quantities)."""


#: holding a lot of these kinds can extend to what was built from it
DOWNSTREAM_FROM = (UnitKind.MATERIAL_LOT, UnitKind.CELL_LOT)
#: the kinds of downstream unit held with it
DOWNSTREAM_KINDS = (UnitKind.MODULE, UnitKind.PALLET)


def downstream_units(units: Sequence[Unit], *, site: Any, actor: Any = None) -> list[Unit]:
    """The modules and pallets at ``site`` built from the material and cell lots among
    ``units`` (forward genealogy, :mod:`qdm.data.trace`), that ``actor`` may see, not
    counting ``units`` themselves; sorted by code."""
    from qdm.data.trace import queries
    from qdm.data.trace.service import visible_ids

    named = {u.pk for u in units}
    reached: dict[int, Any] = {}
    for unit in units:
        if unit.kind not in DOWNSTREAM_FROM:
            continue
        for row in queries.walk(unit.pk, "forward"):
            if row.kind in DOWNSTREAM_KINDS and row.site_id == site.pk and row.id not in named:
                reached.setdefault(row.id, row)
    ids = sorted(visible_ids(actor, reached.values()) if actor is not None else reached)
    found: list[Unit] = []
    for chunk in queries.chunks(ids):
        found.extend(Unit.objects.filter(pk__in=chunk))
    return sorted(found, key=lambda u: u.code)


def named_units(hold: Hold) -> list[Unit]:
    """The units a hold names itself: its units less those it took from the genealogy."""
    units = list(hold.units.all())
    if not hold.include_downstream:
        return units
    lots = [u for u in units if u.kind in DOWNSTREAM_FROM]
    derived = {u.pk for u in downstream_units(lots, site=hold.site)}
    return [u for u in units if u.pk not in derived]


def split_codes(text: str | Iterable[str]) -> list[str]:
    """Codes from a text (one per line, or separated by commas/spaces) or a list; in order,
    without duplicates."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    seen: dict[str, None] = {}
    for item in items:
        code = str(item).strip()
        if code:
            seen.setdefault(code, None)
    return list(seen)


def resolve_units(
    codes: str | Iterable[str],
    actor: Any,
    *,
    site: Any = None,
    kinds: Sequence[str] | None = None,
) -> list[Unit]:
    """The units with these codes that ``actor`` may see; unknown (or out-of-scope) codes,
    wrong kinds and units of another site are refused, naming them."""
    wanted = split_codes(codes)
    if not wanted:
        raise HoldError(_("Give at least one unit code."))
    found = {u.code: u for u in Unit.objects.for_user(actor, "view").filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise HoldError(_("Unknown unit codes: %(codes)s.") % {"codes": ", ".join(unknown)})
    units = [found[c] for c in wanted]
    if kinds:
        wrong = [u.code for u in units if u.kind not in kinds]
        if wrong:
            labels = ", ".join(str(UnitKind(k).label) for k in kinds)
            raise HoldError(
                _("Not a %(kinds)s: %(codes)s.") % {"kinds": labels, "codes": ", ".join(wrong)}
            )
    if site is not None:
        elsewhere = [u.code for u in units if u.site_id != site.pk]
        if elsewhere:
            raise HoldError(
                _("Not at site %(site)s: %(codes)s.")
                % {"site": site.code, "codes": ", ".join(elsewhere)}
            )
    return units


def _quantity(value: Any) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise HoldError(_("The quantity “%(value)s” is not a number.") % {"value": value}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise HoldError(_("The quantity must be positive, got %(value)s.") % {"value": value})
    return quantity


def _common_supplier(units: Sequence[Unit]) -> Any:
    suppliers = {u.supplier_id for u in units}
    return units[0].supplier if len(suppliers) == 1 and units[0].supplier_id else None


def _full_clean(obj: Any, exclude: Sequence[str]) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise HoldError(messages) from exc


def place_hold(
    *,
    actor: Any,
    site: Any,
    reason: str,
    quantity: Any,
    unit_codes: str | Iterable[str] = "",
    units: Sequence[Unit] | None = None,
    nonconformity: Any = None,
    source: str = HoldSource.MANUAL,
    include_downstream: bool = False,
) -> Hold:
    """Put units on hold at ``site``: numbered ``HOLD-<site>-<year>-<seq>``. With
    ``include_downstream`` the modules and pallets built from the material and cell lots
    named are held too (their number is ``downstream_count``); the quantity stays that of
    the units named."""
    with transaction.atomic():
        if units is None:
            units = resolve_units(unit_codes, actor, site=site)
        elif any(u.site_id != site.pk for u in units):
            raise HoldError(_("Every held unit must be at the hold's site."))
        if not units:
            raise HoldError(_("Give at least one unit code."))
        if not (reason or "").strip():
            raise HoldError(_("Say why the material is held."))
        hold = Hold(
            site=site,
            reason=reason.strip(),
            quantity=_quantity(quantity),
            nonconformity=nonconformity,
            source=source,
            supplier=_common_supplier(units),
            held_by=actor,
            include_downstream=bool(include_downstream),
        )
        downstream = downstream_units(units, site=site, actor=actor) if include_downstream else []
        hold.downstream_count = len(downstream)
        hold.number = next_number("HOLD", site.code)
        _full_clean(hold, exclude=["number", "held_by"])
        hold.save()
        hold.units.set([*units, *downstream])
        record_event(
            hold,
            "held",
            actor=actor,
            message=_(
                "%(number)s: %(count)s units on hold (%(quantity)s), %(downstream)s "
                "downstream units"
            )
            % {
                "number": hold.number,
                "count": len(units),
                "quantity": hold.quantity,
                "downstream": len(downstream),
            },
            data={
                "units": [u.code for u in units],
                "downstream": [u.code for u in downstream[:500]],
            },
        )
    return hold


def update_hold(
    hold: Hold,
    *,
    actor: Any,
    unit_codes: str | Iterable[str] | None = None,
    **fields: Any,
) -> Hold:
    """Edit an open hold: reason, quantity (not below what is dispositioned), NC, units
    (with ``include_downstream``, the units built from the lots named are held again)."""
    with transaction.atomic():
        hold = Hold.objects.select_for_update().get(pk=hold.pk)
        if hold.status != HoldStatus.ON_HOLD:
            raise HoldError(_("Hold %(number)s is closed.") % {"number": hold.number})
        if "site" in fields and fields["site"].pk != hold.site_id:
            raise HoldError(_("A hold cannot move to another site."))
        fields.pop("site", None)
        for name in ("reason", "nonconformity"):
            if name in fields:
                setattr(hold, name, fields[name])
        if "quantity" in fields:
            hold.quantity = _quantity(fields["quantity"])
            taken = hold.dispositioned_quantity()
            if hold.quantity < taken:
                raise HoldError(
                    _(
                        "%(taken)s is already dispositioned or proposed: the held quantity cannot "
                        "be less."
                    )
                    % {"taken": taken}
                )
        units = None
        downstream: list[Unit] = []
        include = bool(fields.get("include_downstream", hold.include_downstream))
        if unit_codes is None and include != hold.include_downstream:
            unit_codes = [u.code for u in named_units(hold)]
        hold.include_downstream = include
        if unit_codes is not None:
            units = resolve_units(unit_codes, actor, site=hold.site)
            hold.supplier = _common_supplier(units)
            if include:
                downstream = downstream_units(units, site=hold.site, actor=actor)
            hold.downstream_count = len(downstream)
        _full_clean(hold, exclude=["number", "held_by"])
        hold.save()
        if units is not None:
            hold.units.set([*units, *downstream])
    return hold


def _held_units(hold: Hold, unit_codes: str | Iterable[str], actor: Any) -> list[Unit]:
    if not split_codes(unit_codes):
        return []
    units = resolve_units(unit_codes, actor, site=hold.site)
    held_ids = set(hold.units.values_list("pk", flat=True))
    outside = [u.code for u in units if u.pk not in held_ids]
    if outside:
        raise HoldError(
            _("Not held by %(number)s: %(codes)s.")
            % {"number": hold.number, "codes": ", ".join(outside)}
        )
    return units


def propose_disposition(
    hold: Hold,
    *,
    actor: Any,
    decision: str,
    quantity: Any,
    note: str = "",
    unit_codes: str | Iterable[str] = "",
) -> MrbDisposition:
    """Record an MRB decision on part of a hold, to be approved with an e-signature. The
    proposed and approved quantities together may not exceed the held quantity."""
    with transaction.atomic():
        hold = Hold.objects.select_for_update().get(pk=hold.pk)
        if hold.status != HoldStatus.ON_HOLD:
            raise HoldError(_("Hold %(number)s is no longer on hold.") % {"number": hold.number})
        amount = _quantity(quantity)
        taken = hold.dispositioned_quantity()
        if taken + amount > hold.quantity:
            raise HoldError(
                _(
                    "%(quantity)s exceeds what is left to disposition on %(number)s: %(left)s of "
                    "%(held)s held."
                )
                % {
                    "quantity": amount,
                    "number": hold.number,
                    "left": hold.quantity - taken,
                    "held": hold.quantity,
                }
            )
        units = _held_units(hold, unit_codes, actor)
        disposition = MrbDisposition(
            hold=hold, decision=decision, quantity=amount, note=note, proposed_by=actor
        )
        _full_clean(disposition, exclude=["proposed_by"])
        disposition.save()
        disposition.units.set(units)
        record_event(
            hold,
            "disposition_proposed",
            actor=actor,
            message=_("MRB proposes %(decision)s × %(quantity)s")
            % {"decision": disposition.get_decision_display(), "quantity": amount},
            data={"disposition": disposition.pk},
        )
    return disposition


def after_disposition_approved(disposition: MrbDisposition, actor: Any) -> None:
    """Inside the approval transaction: close the hold once everything is dispositioned."""
    hold = Hold.objects.select_for_update().get(pk=disposition.hold_id)
    if hold.dispositioned_quantity(approved_only=True) >= hold.quantity:
        hold.status = HoldStatus.DISPOSITIONED
        hold.closed_at = timezone.now()
        hold.save(update_fields=["status", "closed_at"])
        hold.dispositions.filter(status=DispositionStatus.PROPOSED).update(
            status=DispositionStatus.WITHDRAWN
        )
        record_event(
            hold,
            "dispositioned",
            actor=actor,
            message=_("%(number)s fully dispositioned") % {"number": hold.number},
        )


# --- the shipping check ------------------------------------------------------------------
def held_unit_ids(unit_ids: Iterable[int]) -> set[int]:
    """Those of ``unit_ids`` that are on an open hold or named by an approved
    return-to-supplier or scrap decision."""
    ids = set(unit_ids)
    if not ids:
        return set()
    on_hold = Hold.units.through.objects.filter(
        unit_id__in=ids, hold__status=HoldStatus.ON_HOLD
    ).values_list("unit_id", flat=True)
    blocked = MrbDisposition.units.through.objects.filter(
        unit_id__in=ids,
        mrbdisposition__status=DispositionStatus.APPROVED,
        mrbdisposition__decision__in=BLOCKING_DECISIONS,
    ).values_list("unit_id", flat=True)
    return set(on_hold) | set(blocked)


def check_shippable(units: Sequence[Unit]) -> None:
    """Raise HoldError naming every held unit — the units themselves and, for pallets,
    the modules packed on them."""
    contents: dict[int, list[tuple[int, str]]] = {}
    pallets = [u.pk for u in units if u.kind == UnitKind.PALLET]
    for pallet_id, module_id, module_code in UnitLink.objects.filter(
        child_id__in=pallets
    ).values_list("child_id", "parent_id", "parent__code"):
        contents.setdefault(pallet_id, []).append((module_id, module_code))
    every = {u.pk for u in units} | {m for items in contents.values() for m, _c in items}
    held = held_unit_ids(every)
    problems = []
    for unit in units:
        inside = sorted(code for m, code in contents.get(unit.pk, []) if m in held)
        if unit.pk in held:
            problems.append(unit.code)
        if inside:
            problems.append(
                _("%(pallet)s (held modules: %(modules)s)")
                % {"pallet": unit.code, "modules": ", ".join(inside)}
            )
    if problems:
        raise HoldError(
            _("Held material cannot be shipped: %(units)s.") % {"units": "; ".join(problems)}
        )


def create_shipment(
    *,
    actor: Any,
    code: str,
    unit_codes: str | Iterable[str],
    customer: Any = None,
    project: str = "",
) -> Unit:
    """Create the shipment unit ``code`` with the given pallets (or modules) after checking
    that none of them is held."""
    code = (code or "").strip()
    if not code:
        raise HoldError(_("Give the shipment a code."))
    with transaction.atomic():
        units = resolve_units(unit_codes, actor, kinds=(UnitKind.PALLET, UnitKind.MODULE))
        check_shippable(units)
        if Unit.objects.filter(code=code).exists():
            raise HoldError(_("Unit %(code)s already exists.") % {"code": code})
        shipped = UnitLink.objects.filter(
            parent__in=units, child__kind=UnitKind.SHIPMENT
        ).values_list("parent__code", flat=True)
        if shipped:
            raise HoldError(
                _("Already shipped: %(codes)s.") % {"codes": ", ".join(sorted(set(shipped)))}
            )
        sites = {u.site_id for u in units}
        if len(sites) > 1:
            raise HoldError(_("A shipment leaves from one site."))
        now = timezone.now()
        shipment = Unit.objects.create(
            code=code,
            kind=UnitKind.SHIPMENT,
            site=units[0].site,
            customer=customer,
            project=project,
            quantity=sum(u.quantity or 1 for u in units),
            produced_at=now,
        )
        UnitLink.objects.bulk_create(
            UnitLink(parent=u, child=shipment, quantity=1, linked_at=now) for u in units
        )
        record_event(
            shipment,
            "shipped",
            actor=actor,
            message=_("Shipment %(code)s created with %(count)s units")
            % {"code": code, "count": len(units)},
        )
    return shipment


def update_disposition(
    disposition: MrbDisposition,
    *,
    actor: Any,
    unit_codes: str | Iterable[str] = "",
    **fields: Any,
) -> MrbDisposition:
    """Change a proposed disposition (decision, quantity, note, units)."""
    with transaction.atomic():
        disposition = MrbDisposition.objects.select_for_update().get(pk=disposition.pk)
        hold = Hold.objects.select_for_update().get(pk=disposition.hold_id)
        if disposition.status != DispositionStatus.PROPOSED:
            raise HoldError(_("Only a proposed disposition can be changed."))
        if "hold" in fields and fields.pop("hold").pk != hold.pk:
            raise HoldError(_("A disposition cannot move to another hold."))
        amount = _quantity(fields.pop("quantity", disposition.quantity))
        others = hold.dispositioned_quantity() - disposition.quantity
        if others + amount > hold.quantity:
            raise HoldError(
                _(
                    "%(quantity)s exceeds what is left to disposition on %(number)s: %(left)s of "
                    "%(held)s held."
                )
                % {
                    "quantity": amount,
                    "number": hold.number,
                    "left": hold.quantity - others,
                    "held": hold.quantity,
                }
            )
        disposition.quantity = amount
        for name in ("decision", "note"):
            if name in fields:
                setattr(disposition, name, fields[name])
        units = _held_units(hold, unit_codes, actor)
        _full_clean(disposition, exclude=["proposed_by"])
        disposition.save()
        disposition.units.set(units)
    return disposition
