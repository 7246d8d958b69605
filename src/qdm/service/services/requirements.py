"""Writes of customer-specific requirements, and the check of a packed pallet or shipment
against them (read-only over the data platform's genealogy, flash and EL facts)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.models import Customer
from qdm.core.navigation import is_external
from qdm.core.services.audit import record_event
from qdm.data.choices import ElStage, UnitKind
from qdm.data.models import ElResult, FlashTest, Unit, UnitLink
from qdm.service.models import CustomerRequirement, WarrantyContract
from qdm.service.selectors import (  # noqa: F401 (class_window_ok: re-exported)
    ModuleFacts,
    check_modules,
    class_window_ok,
    requirements_for,
)


class RequirementCheckError(Exception):
    """The unit cannot be checked (not a pallet or shipment, no customer, no requirement)."""


def _refuse_external(user: Any) -> None:
    if is_external(user):
        raise PermissionDenied(_("Customer requirements are read-only for external users."))


def _save(instance: CustomerRequirement, fields: dict[str, Any], actor: Any) -> CustomerRequirement:
    _refuse_external(actor)
    created = instance.pk is None
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        if instance.customer_id:
            # serialise writers of one customer's requirements so that two concurrent saves
            # cannot both pass the version-uniqueness check (PostgreSQL; SQLite serialises
            # writes anyway)
            Customer.objects.select_for_update().filter(pk=instance.customer_id).first()
        instance.full_clean()
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError:
            raise ValidationError(
                {"version": _("This version of the requirements already exists.")},
                code="unique",
            ) from None
        record_event(
            instance,
            "created" if created else "changed",
            actor=actor,
            data={"version": instance.version},
        )
    return instance


def save_requirement(form: Any, user: Any) -> CustomerRequirement:
    return _save(form.instance, dict(form.cleaned_data), user)


def create_requirement(*, actor: Any, **fields: Any) -> CustomerRequirement:
    return _save(CustomerRequirement(), fields, actor)


def update_requirement(
    instance: CustomerRequirement, *, actor: Any, **fields: Any
) -> CustomerRequirement:
    return _save(instance, fields, actor)


# --- the check ------------------------------------------------------------------------
@dataclass
class Violation:
    pallet: str
    serial: str
    rule: str
    detail: str


@dataclass
class CheckResult:
    unit: Unit
    customer: Any
    project: str
    on_date: datetime.date
    requirement: CustomerRequirement | None
    pallets: dict[str, list[str]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def module_count(self) -> int:
        return sum(len(v) for v in self.pallets.values())

    @property
    def passed(self) -> bool:
        return self.requirement is not None and not self.violations


def _pallets_of(unit: Unit) -> tuple[list[Unit], Unit | None]:
    """The pallets of a pallet or shipment, and the shipment (if any)."""
    if unit.kind == UnitKind.SHIPMENT:
        ids = UnitLink.objects.filter(child=unit, parent__kind=UnitKind.PALLET).values("parent_id")
        return list(Unit.objects.filter(pk__in=ids).order_by("code")), unit
    if unit.kind == UnitKind.PALLET:
        ship = Unit.objects.filter(
            pk__in=UnitLink.objects.filter(parent=unit, child__kind=UnitKind.SHIPMENT).values(
                "child_id"
            )
        ).first()
        return [unit], ship
    raise RequirementCheckError(
        _("%(code)s is a %(kind)s: choose a pallet or a shipment.")
        % {"code": unit.code, "kind": unit.get_kind_display()}
    )


def check_unit(
    unit: Unit, *, customer: Any = None, on_date: datetime.date | None = None
) -> CheckResult:
    """Check every module packed in a pallet or shipment against the customer's
    requirements in force on ``on_date`` (default today): power class and tolerance, EL
    grade and refused defect codes (latest EL2 result), Imp spread per pallet, modules per
    pallet. The customer is the shipment's unless given."""
    pallets, shipment = _pallets_of(unit)
    customer = customer or (shipment.customer if shipment else None)
    if customer is None:
        raise RequirementCheckError(
            _("%(code)s is not shipped to a customer yet: choose the customer.")
            % {"code": unit.code}
        )
    project = shipment.project if shipment else ""
    day = on_date or timezone.localdate()
    links = UnitLink.objects.filter(child__in=pallets, parent__kind=UnitKind.MODULE).values_list(
        "child__code", "parent__code", "parent__module_model_id"
    )
    by_pallet: dict[str, list[str]] = {p.code: [] for p in pallets}
    models_seen: set[int | None] = set()
    for pallet, serial, model_id in links:
        by_pallet[pallet].append(serial)
        models_seen.add(model_id)
    model_id = next(iter(models_seen)) if len(models_seen) == 1 else None
    req = requirements_for(customer, module_model=model_id, on_date=day, project=project)
    result = CheckResult(
        unit, customer, project, day, req, {k: sorted(v) for k, v in by_pallet.items()}
    )
    if req is None:
        return result
    serials = [s for v in by_pallet.values() for s in v]
    flash: dict[str, tuple[float, float]] = {}
    for s, pmax, imp in (
        FlashTest.objects.filter(serial__in=serials)
        .order_by("serial", "tested_at", "pk")
        .values_list("serial", "pmax_w", "imp_a")
    ):
        flash[s] = (pmax, imp)  # the latest wins
    el: dict[str, tuple[str, list]] = {}
    for s, grade, defects in (
        ElResult.objects.filter(serial__in=serials, stage=ElStage.EL2)
        .order_by("serial", "tested_at", "pk")
        .values_list("serial", "grade", "defects")
    ):
        el[s] = (grade, defects or [])
    for pallet, members in result.pallets.items():
        facts = [
            ModuleFacts(
                s,
                pmax_w=flash[s][0] if s in flash else None,
                imp_a=flash[s][1] if s in flash else None,
                el_grade=el[s][0] if s in el else None,
                el_defects=el[s][1] if s in el else (),
            )
            for s in members
        ]
        result.violations.extend(
            Violation(pallet, f.serial, f.rule, f.detail) for f in check_modules(req, facts)
        )
    return result


# --- warranty contracts -------------------------------------------------------------------
def _save_contract(instance: WarrantyContract, fields: dict[str, Any], actor: Any) -> Any:
    _refuse_external(actor)
    created = instance.pk is None
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        record_event(
            instance,
            "created" if created else "changed",
            actor=actor,
            data={"version": instance.version},
        )
    return instance


def save_contract(form: Any, user: Any) -> WarrantyContract:
    return _save_contract(form.instance, dict(form.cleaned_data), user)


def create_contract(*, actor: Any, **fields: Any) -> WarrantyContract:
    return _save_contract(WarrantyContract(), fields, actor)


def update_contract(instance: WarrantyContract, *, actor: Any, **fields: Any) -> WarrantyContract:
    return _save_contract(instance, fields, actor)
